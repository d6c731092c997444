"""Pages of the quiz features: Learn mode, Test mode and the deck's concept graph.

Like the other pages, each is a template plus a script that calls the JSON API
(``/api/v1/quiz``); related cards and cloze suggestions live on the card info page.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from tokendeck.web.deps import Col
from tokendeck.web.pages import render

#: Formats the Learn page offers besides its adaptive choice (label shown to the learner).
LEARN_FORMATS = (
    ("typed", "Typed answer"),
    ("multiple_choice", "Multiple choice"),
    ("true_false", "True / false"),
    ("matching", "Matching round"),
    ("cloze", "Cloze"),
    ("reverse", "Reverse (definition to term)"),
    ("discrimination", "Tell confusable cards apart"),
    ("flip", "Flip (rate yourself)"),
)
#: What to do when no card fits a format (shown instead of silently using another one).
FORMAT_HELP = {
    "cloze": "Cloze questions need cloze cards: open a card's page and accept a cloze "
    "suggestion, or choose another format.",
    "reverse": "Reverse questions need short terms with a definition: choose another format.",
    "discrimination": "Telling cards apart needs two very similar cards in the deck: choose "
    "another format.",
    "matching": "A matching round needs at least three terms with definitions in the deck: "
    "choose another format.",
    "multiple_choice": "Multiple choice needs at least three cards with different answers in "
    "the deck: choose another format.",
    "true_false": "True or false needs a term and its defining sentence: choose another format.",
}
#: Formats a practice test may use.
TEST_FORMATS = (*LEARN_FORMATS[:4], LEARN_FORMATS[5], LEARN_FORMATS[6])


def quiz_pages_router() -> APIRouter:
    """The Learn, Test and Graph pages (built on call)."""
    router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

    @router.get("/learn")
    async def learn(request: Request, col: Col, deck: str | None = None) -> HTMLResponse:
        return render(
            request, "learn.html", "Learn", deck=deck, decks=col.decks(), formats=LEARN_FORMATS
        )

    @router.get("/test")
    async def test(request: Request, col: Col, deck: str | None = None) -> HTMLResponse:
        return render(
            request,
            "test.html",
            "Practice test",
            deck=deck,
            decks=col.decks(),
            formats=TEST_FORMATS,
        )

    @router.get("/graph")
    async def graph(request: Request, col: Col, deck: str | None = None) -> HTMLResponse:
        return render(request, "graph.html", "Concept graph", deck=deck, decks=col.decks())

    return router
