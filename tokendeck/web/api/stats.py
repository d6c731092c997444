"""``/api/v1/stats``: every chart of the statistics page, computed from the review log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from tokendeck.collection import Collection
from tokendeck.web import jobs
from tokendeck.web.deps import Col, Now, User
from tokendeck.web.preparing import background_of
from tokendeck.web.strict import StrictJsonRoute

router = APIRouter(prefix="/stats", tags=["stats"], route_class=StrictJsonRoute)


@router.get("", response_model=dict[str, Any])
async def get_stats(
    request: Request, col: Col, now: Now, user: User, deck: str | None = None
) -> dict[str, Any]:
    """Due forecast, review calendar, reviews by type, answer buttons, true retention,
    card states, interval/stability/difficulty/retrievability histograms and hours.

    Worked out on a worker thread (a large log takes seconds); the server answers other
    requests meanwhile.
    """
    if deck is not None:
        col.deck(deck)  # 404 for an unknown deck, before any work

    def compute(worker: Collection) -> dict[str, Any]:
        found: dict[str, Any] = worker.stats(now, deck)
        return found

    settings = request.app.state.settings
    data: dict[str, Any] = await background_of(request).run(
        jobs.with_collection, settings, user.name, now, compute
    )
    data["deck"] = deck
    return data
