"""The review log: one row per answer, kept forever."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol

from tokendeck.domain.cards import CardState

#: A review answer counts as "mature" when the card's previous interval was at least
#: this many days (as in Anki); young otherwise.
MATURE_DAYS = 21


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


class ReviewSummary(NamedTuple):
    """The fields of a review that statistics read, built at a fraction of a Review's cost."""

    id: int
    card_id: int
    reviewed_at: datetime
    rating: int
    duration_ms: int
    kind: str
    scheduled_days: float


class ReviewFacts(Protocol):
    """What statistics read from a review: a :class:`Review` or a :class:`ReviewSummary`."""

    @property
    def id(self) -> int: ...
    @property
    def card_id(self) -> int: ...
    @property
    def reviewed_at(self) -> datetime: ...
    @property
    def rating(self) -> int: ...
    @property
    def duration_ms(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def scheduled_days(self) -> float: ...


def kind_for(state_before: CardState) -> str:
    """Review-log kind from the state the card was in when answered."""
    if state_before in (CardState.NEW, CardState.LEARNING):
        return "learn"
    if state_before == CardState.RELEARNING:
        return "relearn"
    return "review"
