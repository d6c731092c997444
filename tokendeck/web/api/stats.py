"""``/api/v1/stats``: every chart of the statistics page, computed from the review log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tokendeck.web.deps import Col, Now
from tokendeck.web.strict import StrictJsonRoute

router = APIRouter(prefix="/stats", tags=["stats"], route_class=StrictJsonRoute)


@router.get("", response_model=dict[str, Any])
async def get_stats(col: Col, now: Now, deck: str | None = None) -> dict[str, Any]:
    """Due forecast, review calendar, reviews by type, answer buttons, true retention,
    card states, interval/stability/difficulty/retrievability histograms and hours.
    """
    data: dict[str, Any] = col.stats(now, deck)
    data["deck"] = deck
    return data
