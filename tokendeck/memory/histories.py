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

import itertools
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, tzinfo
from typing import NamedTuple

from tokendeck.domain.days import DEFAULT_ROLLOVER_HOUR, Calendar
from tokendeck.memory.revlogs import LoggedReview


class Step(NamedTuple):
    """One review of a card as FSRS sees it (a tuple: millions are built per fit)."""

    rating: int
    delta_days: int  # study days since the card's previous review (0 for the first)
    reviewed_at: datetime
    duration_ms: int = 0


class Sample(NamedTuple):
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
    last_day: dict[int, int] = {}
    day_of = _study_day_cache(calendar)
    ordered = (
        reviews if isinstance(reviews, list) and _in_order(reviews) else sorted(reviews, key=_when)
    )
    for review in ordered:  # the hot loop of every fit: keep it lean
        day = day_of(review.reviewed_at)
        card_id = review.card_id
        previous = last_day.get(card_id)
        delta = 0 if previous is None or day < previous else day - previous
        step = Step(review.rating, delta, review.reviewed_at, review.duration_ms)
        found = histories.get(card_id)
        if found is None:
            histories[card_id] = [step]
        else:
            found.append(step)
        last_day[card_id] = day
    return histories


def _when(review: LoggedReview) -> datetime:
    return review.reviewed_at


def _in_order(reviews: list[LoggedReview]) -> bool:
    return all(a.reviewed_at <= b.reviewed_at for a, b in itertools.pairwise(reviews))


def _study_day_cache(calendar: Calendar) -> Callable[[datetime], int]:
    """``calendar.today`` as a day number (ordinal), memoised per UTC quarter-hour.

    Every real UTC offset and DST change falls on a quarter-hour, so all
    instants of one quarter-hour share a study day.
    """
    cache: dict[int, int] = {}

    def day_of(instant: datetime) -> int:
        key = int(instant.timestamp()) // 900
        found = cache.get(key)
        if found is None:
            found = cache[key] = calendar.today(datetime.fromtimestamp(key * 900, UTC)).toordinal()
        return found

    return day_of


def samples(histories: dict[int, list[Step]], max_length: int = 256) -> list[Sample]:
    """Every scorable review, sorted by review time (oldest first).

    Histories longer than ``max_length`` keep their most recent reviews, which
    is what the FSRS trainer can take in one sequence.
    """
    keyed: list[tuple[datetime, int, int, Sample]] = []
    for card_id, steps in histories.items():
        frozen = tuple(steps)
        for index in range(1, len(frozen)):
            step = frozen[index]
            if step.delta_days > 0:
                window = frozen[max(0, index + 1 - max_length) : index + 1]
                keyed.append((step.reviewed_at, card_id, index, Sample(card_id, window)))
    keyed.sort()  # (time, card, index) is unique, so samples themselves are never compared
    return [entry[3] for entry in keyed]


def calendar_for(tz: tzinfo | None, rollover_hour: int = DEFAULT_ROLLOVER_HOUR) -> Calendar:
    """A :class:`Calendar`, UTC when no time zone is known."""
    return Calendar(tz or UTC, rollover_hour)
