"""Server-rendered pages. Each is a Jinja2 template plus a small script that calls the API.

Pages read through the same collection facade as the API (never SQL); the
interactive parts (studying, searching, importing, charts) fetch ``/api/v1``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from tokendeck.collection import Collection
from tokendeck.web.deps import Col, Now, Settings
from tokendeck.web.notices import notice
from tokendeck.web.schemas import DbInt

NAV = (
    ("/", "Home"),
    ("/study", "Study"),
    ("/decks", "Decks"),
    ("/browse", "Browse"),
    ("/transfer", "Import / Export"),
    ("/stats", "Statistics"),
    ("/settings", "Settings"),
)


#: The multi-user server's extra pages (the admin page only for admins).
SERVER_NAV = (("/classes", "Classes"), ("/account", "Account"))


def render(request: Request, template: str, title: str, **context: Any) -> HTMLResponse:
    """Render a page template with the layout's common context.

    In the multi-user server the layout also gets the user (name, log-out form),
    the session's CSRF token for forms and scripts, and how many shared-deck
    updates wait for the user's choice.
    """
    templates: Jinja2Templates = request.app.state.templates
    settings = request.app.state.settings
    nav: tuple[tuple[str, str], ...] = NAV
    user = getattr(request.state, "user", None)
    server = getattr(request.app.state, "server", None)
    updates = 0
    if server is not None and user is not None and user.account is not None:
        nav = (*NAV, *SERVER_NAV)
        if user.role == "admin":
            nav = (*nav, ("/admin", "Admin"))
        updates = server.sharing.conflict_count(user.account)
    context.update(
        nav=nav,
        title=title,
        app_title=settings.title,
        path=request.url.path,
        user=user if server is not None else None,
        local_app=server is None,
        # The server's pages carry the session's token; the local app's, its own per-process one.
        csrf_token=user.csrf
        if server is not None and user is not None
        else request.app.state.csrf_token,
        updates=updates,
    )
    context.setdefault("done", notice(request))
    return templates.TemplateResponse(request, template, context)


def pages_router() -> APIRouter:
    """The HTML pages (built on call)."""
    router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

    @router.get("/")
    async def home(request: Request, col: Col, now: Now) -> HTMLResponse:
        tree = col.deck_tree(now)
        totals = {
            k: sum(getattr(n.counts, k) for n in tree) for k in ("new", "learning", "due", "total")
        }
        progress = _progress(col, now)
        return render(request, "home.html", "Home", tree=tree, totals=totals, progress=progress)

    @router.get("/study")
    async def study(
        request: Request, col: Col, deck: str | None = None, session: str = "study"
    ) -> HTMLResponse:
        from tokendeck.domain.cards import FLAGS

        name = col.deck(deck).name if deck else None  # 404 page for an unknown deck
        kind = "custom" if session == "custom" else "study"
        flags = [(0, "none"), *FLAGS.items()]
        return render(request, "study.html", "Study", deck=name, session=kind, flags=flags)

    @router.get("/decks")
    async def decks(request: Request, col: Col, now: Now) -> HTMLResponse:
        from tokendeck.domain.decks import OPTION_NAMES

        return render(
            request,
            "decks.html",
            "Decks",
            tree=col.deck_tree(now),
            decks=col.decks(),
            options=OPTION_NAMES,
        )

    @router.get("/browse")
    async def browse(request: Request, col: Col, q: str = "") -> HTMLResponse:
        from tokendeck.domain.cards import FLAGS

        flags = [(0, "none"), *FLAGS.items()]
        return render(request, "browse.html", "Browse", decks=col.decks(), q=q, flags=flags)

    @router.get("/cards/{card_id}")
    async def card_info(request: Request, card_id: DbInt, col: Col) -> HTMLResponse:
        import json

        from tokendeck.web.presenters import scoped_css

        view = col.card(card_id)
        face = view.face
        return render(
            request,
            "card.html",
            "Card info",
            view=view,
            front_html=face.question_html,
            back_html=face.answer_html,
            card_css=scoped_css(face.css),
            macros=json.dumps(dict(face.macros)),
            fields=view.note.fields if view.is_html else None,
        )

    @router.get("/transfer")
    async def transfer(request: Request, col: Col, settings: Settings) -> HTMLResponse:
        from tokendeck.web.formats import available_formats

        return render(
            request,
            "transfer.html",
            "Import / Export",
            decks=col.decks(),
            formats=available_formats(),
            max_upload_mb=settings.max_upload_bytes // (1024 * 1024),
        )

    @router.get("/stats")
    async def stats(request: Request, col: Col, deck: str | None = None) -> HTMLResponse:
        return render(request, "stats.html", "Statistics", decks=col.decks(), deck=deck)

    @router.get("/settings")
    async def settings_page(request: Request, col: Col) -> HTMLResponse:
        return render(
            request, "settings.html", "Settings", decks=col.decks(), settings=col.settings()
        )

    return router


#: How far back the home page looks for the streak; a longer one shows as "60+".
STREAK_WINDOW_DAYS = 60


def _progress(col: Collection, now: datetime) -> dict[str, object]:
    """Streak and today's reviews from the recent review log only (a heavy log is slow to read)."""
    from tokendeck.stats.charts import streak

    recent = list(col.reviews(since=now - timedelta(days=STREAK_WINDOW_DAYS)))
    found: dict[str, object] = dict(streak(recent, now, col.calendar))
    capped = (
        found["streak_days"] == STREAK_WINDOW_DAYS or found["streak_days"] == STREAK_WINDOW_DAYS + 1
    )
    found["streak_label"] = f"{STREAK_WINDOW_DAYS}+" if capped else str(found["streak_days"])
    return found
