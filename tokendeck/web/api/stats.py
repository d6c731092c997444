"""``/api/v1/stats``: every chart of the statistics page, computed from the review log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tokendeck.stats_charts import chart_data
from tokendeck.web.deps import Col, Now

router = APIRouter(prefix="/stats", tags=["stats"])


@router.get("", response_model=dict[str, Any])
async def get_stats(col: Col, now: Now, deck: str | None = None) -> dict[str, Any]:
    """Due forecast, review calendar, reviews by type, answer buttons, true retention,
    card states, interval/stability/difficulty/retrievability histograms and hours.
    """
    cards = [view.card for view in col.find_cards(now=now, deck=deck)]
    reviews = list(col.reviews())
    if deck is not None:
        ids = {card.id for card in cards}
        reviews = [r for r in reviews if r.card_id in ids]
    data = chart_data(cards, reviews, now, col.calendar)
    data["deck"] = deck
    return data
