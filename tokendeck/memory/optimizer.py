"""Fitting a deck's FSRS-6 parameters from the learner's own review log.

Refuses when the history is too short to beat the defaults, and says what the
defaults do meanwhile. Also computes each card's memory state from its
history, for rescheduling with new parameters and for the card's info.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tokendeck.domain.days import Calendar
from tokendeck.errors import ValidationError
from tokendeck.memory import fsrs6
from tokendeck.memory.review_table import ReviewTable, from_log
from tokendeck.memory.revlogs import ReviewLog
from tokendeck.memory.training import training_items

#: Scorable reviews (one per card per study day) needed before fitting.
MINIMUM_REVIEWS = 400


@dataclass(frozen=True, slots=True)
class FittedParameters:
    """Parameters fitted on ``review_count`` scorable reviews at ``fitted_at``."""

    parameters: tuple[float, ...]
    review_count: int
    fitted_at: datetime


@dataclass(frozen=True, slots=True)
class CardMemory:
    """A card's memory state now, from its history."""

    card_id: int
    stability: float  # days until recall probability falls to 90 %
    difficulty: float  # 1 (easy) .. 10 (hard)
    retrievability: float  # probability of recall at ``now``
    last_review: datetime


def optimize(
    log: ReviewLog | ReviewTable, calendar: Calendar, *, now: datetime
) -> FittedParameters:
    """Fit FSRS-6 to ``log``; raises ValidationError when there is too little history.

    A :class:`ReviewTable` (the collection's history as columns) is the fast way in.
    """
    items = training_items(log if isinstance(log, ReviewTable) else log.reviews, calendar)
    usable = len(items)
    if usable < MINIMUM_REVIEWS:
        raise ValidationError(
            f"only {usable} usable reviews; fitting needs at least {MINIMUM_REVIEWS}",
            hint="until then the FSRS-6 default parameters (fitted on thousands of learners) "
            "schedule this deck, which works well for most people; optimise again later",
        )
    return FittedParameters(tuple(fsrs6.fit_items(items)), usable, now)


def card_memories(
    log: ReviewLog | ReviewTable, calendar: Calendar, parameters: Sequence[float], *, now: datetime
) -> list[CardMemory]:
    """Every reviewed card's stability, difficulty and retrievability at ``now`` (by card id)."""
    from tokendeck.memory.training import card_items, study_day_numbers

    table = log if isinstance(log, ReviewTable) else from_log(log.reviews)
    if not len(table):
        return []
    last, items = card_items(table, calendar)
    states = fsrs6.item_memory_states(parameters, items)
    seconds = table.seconds[last]
    today = calendar.today(now).toordinal()
    return [
        CardMemory(
            card_id,
            state.stability,
            state.difficulty,
            fsrs6.retrievability(max(0, today - day), state.stability, parameters),
            datetime.fromtimestamp(at, UTC),
        )
        for card_id, at, day, state in zip(
            table.card_ids[last].tolist(),
            seconds.tolist(),
            study_day_numbers(seconds, calendar).tolist(),
            states,
            strict=True,
        )
    ]


def next_due(
    memory: CardMemory,
    parameters: Sequence[float],
    desired_retention: float,
    calendar: Calendar,
    maximum_interval: int = 36500,
) -> datetime:
    """When the card falls to ``desired_retention``: the start of that study day."""
    interval = interval_days(memory.stability, parameters, desired_retention)
    days = min(max(1, round(interval)), maximum_interval)
    return calendar.start(calendar.today(memory.last_review) + timedelta(days=days))


def interval_days(stability: float, parameters: Sequence[float], desired_retention: float) -> float:
    """Days until recall probability falls from 1 to ``desired_retention`` (inverse curve)."""
    decay = parameters[20]
    factor = 0.9 ** (-1 / decay) - 1
    return stability / factor * (desired_retention ** (-1 / decay) - 1)
