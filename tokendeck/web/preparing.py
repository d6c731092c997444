"""The "preparing" state: a deck's similarities are embedded in the background meanwhile.

A quiz feature of a deck that is not prepared raises NotPreparedError (the
server's collections defer slow work, see ``Collection.defer_slow_work``); the
error handler starts the preparation and answers **202** with its progress::

    {"preparing": {"what": "...", "stage": "embedding cards", "done": 640, "total": 10000,
                   "seconds": 12.5}}

and a ``Retry-After`` header. The pages' ``api()`` helper shows the progress and
asks again. Pages that will need a deck start its preparation as they load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.responses import JSONResponse

from tokendeck.web import jobs
from tokendeck.web.background import Background, Job

if TYPE_CHECKING:
    from tokendeck.collection import Collection
    from tokendeck.grading import Grader

#: Seconds the page waits before asking again.
RETRY_AFTER = 1


def background_of(request: Request) -> Background:
    """The app's worker threads."""
    found: Background = request.app.state.background
    return found


def quiz_grader(request: Request) -> Grader:
    """The grader the app's quiz features use (the process-wide one unless tests chose)."""
    chosen: Grader | None = getattr(request.app.state, "quiz_grader", None)
    if chosen is None:
        from tokendeck.grading import default_grader

        chosen = default_grader()
    return chosen


def start_preparing(request: Request, user: str, deck_id: int) -> Job:
    """Start (or join) the embedding of a deck's cards."""
    settings = request.app.state.settings
    return background_of(request).submit(
        ("similarities", user, deck_id),
        "preparing the deck's cards",
        jobs.prepare_deck,
        settings,
        user,
        deck_id,
        settings.clock(),
        quiz_grader(request),
        lane="prepare",
        again=True,
    )


def prepare_soon(request: Request, col: Collection, deck: str | int | None, user: str) -> None:
    """Start preparing a deck a page is about to use, unless it is ready."""
    from tokendeck.errors import TokenDeckError

    if deck is None or deck == "":
        return
    try:
        col.use_grader(quiz_grader(request))
        if not col.similarities_ready(deck):
            start_preparing(request, user, col.deck(deck).id)
    except TokenDeckError:
        pass  # an unknown deck: the page itself says so


def preparing_response(job: Job) -> JSONResponse:
    """202 with the job's progress."""
    return JSONResponse(
        {"preparing": job.state()},
        status_code=202,
        headers={"Retry-After": str(RETRY_AFTER)},
    )
