"""``/api/v1/stats``: every chart of the statistics page, computed from the review log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from tokendeck.web.deps import Now, User
from tokendeck.web.readers import Readers
from tokendeck.web.strict import StrictJsonRoute

router = APIRouter(prefix="/stats", tags=["stats"], route_class=StrictJsonRoute)


@router.get("", response_model=dict[str, Any])
async def get_stats(
    request: Request, user: User, now: Now, deck: str | None = None
) -> dict[str, Any]:
    """Due forecast, review calendar, reviews by type, answer buttons, true retention,
    card states, interval/stability/difficulty/retrievability histograms and hours.

    Read by a worker thread with its own connection: answers go on meanwhile.
    """
    readers: Readers = request.app.state.readers
    data: dict[str, Any] = await readers.read(user, now, lambda col: col.stats(now, deck))
    data["deck"] = deck
    return data
