"""Per-card review sequences counted in the learner's study days, and scoring samples.

Elapsed time is counted in study days with the rollover hour (Anki's day count),
never in 24-hour periods: a review at 23:00 and one at 09:00 the next morning
are one day apart, as the scheduler that set the interval saw them.

A *sample* is a review that a memory model is asked to predict: the first
review of a card on a study day other than its first day (what the open
srs-benchmark scores). Its history is every earlier review of the card,
same-day ones included, so models may use them as features.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from tokendeck.days import DEFAULT_ROLLOVER_HOUR, Calendar
from tokendeck.memory.revlogs import LoggedReview


@dataclass(frozen=True, slots=True)
class Step:
    """One review of a card as FSRS sees it."""

    rating: int
    delta_days: int  # study days since the card's previous review (0 for the first)
    reviewed_at: datetime
    duration_ms: int = 0


@dataclass(frozen=True, slots=True)
class Sample:
    """One review to predict, with everything before it."""

    card_id: int
    #: Earlier reviews of the card followed by the predicted one (last).
    steps: tuple[Step, ...]

    @property
    def target(self) -> Step:
        """The review being predicted."""
        return self.steps[-1]

    @property
    def recalled(self) -> int:
        """1 if the learner remembered (any rating but Again), else 0."""
        return int(self.target.rating > 1)

    @property
    def review_number(self) -> int:
        """srs-benchmark's ``i``: study days with a review so far, this one included."""
        return 1 + sum(1 for s in self.steps if s.delta_days > 0)

    @property
    def lapses(self) -> int:
        """Earlier Again answers given on a new study day (the first review excluded)."""
        return sum(1 for s in self.steps[:-1] if s.delta_days > 0 and s.rating == 1)


def card_histories(reviews: Iterable[LoggedReview], calendar: Calendar) -> dict[int, list[Step]]:
    """Each card's reviews in time order, with study days since the previous one."""
    histories: dict[int, list[Step]] = {}
    last_day: dict[int, date] = {}
    for review in sorted(reviews, key=lambda r: r.reviewed_at):
        day = calendar.today(review.reviewed_at)  # once per review: this is the hot loop
        previous = last_day.get(review.card_id)
        delta = 0 if previous is None else max(0, (day - previous).days)
        step = Step(review.rating, delta, review.reviewed_at, review.duration_ms)
        histories.setdefault(review.card_id, []).append(step)
        last_day[review.card_id] = day
    return histories


def samples(histories: dict[int, list[Step]], max_length: int = 256) -> list[Sample]:
    """Every scorable review, sorted by review time (oldest first).

    Histories longer than ``max_length`` keep their most recent reviews, which
    is what the FSRS trainer can take in one sequence.
    """
    found: list[Sample] = []
    for card_id, steps in histories.items():
        for index in range(1, len(steps)):
            if steps[index].delta_days > 0:
                window = steps[max(0, index + 1 - max_length) : index + 1]
                found.append(Sample(card_id, tuple(window)))
    found.sort(key=lambda s: (s.target.reviewed_at, s.card_id))
    return found


def calendar_for(tz: tzinfo | None, rollover_hour: int = DEFAULT_ROLLOVER_HOUR) -> Calendar:
    """A :class:`Calendar`, UTC when no time zone is known."""
    from datetime import UTC

    return Calendar(tz or UTC, rollover_hour)
