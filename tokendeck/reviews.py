"""The review log: one row per answer, kept forever."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tokendeck.cards import CardState


@dataclass(frozen=True, slots=True)
class Review:
    """One answer: what was pressed, when, and what it did to the card."""

    id: int
    card_id: int
    user_id: int
    reviewed_at: datetime
    rating: int  # 1..4; 0 for a manual reschedule or reset
    duration_ms: int
    kind: str  # learn / review / relearn / filtered / manual
    state_before: CardState
    state_after: CardState
    #: Interval the answer scheduled, in days (fractions for learning steps).
    scheduled_days: float
    #: Study days since the previous review (0 on the same day, -1 for the first).
    elapsed_days: int
    stability: float | None
    difficulty: float | None


def kind_for(state_before: CardState) -> str:
    """Review-log kind from the state the card was in when answered."""
    if state_before in (CardState.NEW, CardState.LEARNING):
        return "learn"
    if state_before == CardState.RELEARNING:
        return "relearn"
    return "review"
