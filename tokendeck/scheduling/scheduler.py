"""FSRS-6 scheduling on the learner's calendar. Pure: every call takes ``now``.

Wraps py-fsrs (the ``fsrs`` package) and adds what a study tool needs on top:

* day-based due dates: a card whose interval is one day or more is due from
  the *start of its study day* (rollover hour, local zone), not at
  ``now + N x 24 h``; learning steps stay exact times;
* elapsed time counted in study days, so a review the next morning after an
  evening session counts as one day even if under 24 hours passed;
* deterministic, injectable fuzz: the fuzz for a card depends on a base
  seed, the card id and its review count, so a button's preview always equals
  what pressing it does, and tests can pick the seed;
* counts of reviews and lapses (for leeches).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import fsrs

from tokendeck.domain.cards import Card, CardState, Rating
from tokendeck.domain.days import Calendar
from tokendeck.domain.decks import DeckConfig

_TO_FSRS_STATE = {
    CardState.NEW: fsrs.State.Learning,
    CardState.LEARNING: fsrs.State.Learning,
    CardState.REVIEW: fsrs.State.Review,
    CardState.RELEARNING: fsrs.State.Relearning,
}
_FROM_FSRS_STATE = {
    fsrs.State.Learning: CardState.LEARNING,
    fsrs.State.Review: CardState.REVIEW,
    fsrs.State.Relearning: CardState.RELEARNING,
}
_DAY = timedelta(days=1)

#: (interval range start, range end, fuzz factor) as in Anki's fuzz.
_FUZZ_RANGES = ((2.5, 7.0, 0.15), (7.0, 20.0, 0.10), (20.0, float("inf"), 0.05))

DEFAULT_PARAMETERS: tuple[float, ...] = tuple(fsrs.scheduler.DEFAULT_PARAMETERS)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an answer does to a card."""

    card: Card
    rating: Rating
    #: Interval scheduled, in days (fractions for learning steps).
    scheduled_days: float
    #: Study days since the previous review (-1 if there was none).
    elapsed_days: int
    #: The answer was a lapse: a review card forgotten.
    lapsed: bool


class Scheduler:
    """Schedules answers for one deck's options on one learner's calendar."""

    def __init__(
        self, config: DeckConfig, calendar: Calendar, *, fuzz_seed: int | None = 0
    ) -> None:
        """``fuzz_seed=None`` turns fuzz off (tests of exact intervals)."""
        self.config = config
        self.calendar = calendar
        self.fuzz_seed = fuzz_seed
        self._fsrs = fsrs.Scheduler(
            parameters=config.fsrs_parameters or DEFAULT_PARAMETERS,
            desired_retention=config.desired_retention,
            learning_steps=tuple(timedelta(seconds=s) for s in config.learning_steps),
            relearning_steps=tuple(timedelta(seconds=s) for s in config.relearning_steps),
            maximum_interval=config.maximum_interval,
            enable_fuzzing=False,  # we fuzz ourselves, with an injectable seed
        )

    def answer(self, card: Card, rating: Rating, now: datetime) -> Outcome:
        """The card after answering ``rating`` at ``now``."""
        return self._outcome(self._prepare(card, now), rating)

    def preview(self, card: Card, now: datetime) -> dict[Rating, datetime]:
        """The due time each rating would give, for the answer buttons."""
        prepared = self._prepare(card, now)  # shared: calendar work done once, not four times
        return {rating: self._outcome(prepared, rating).card.due for rating in Rating}

    def retrievability(self, card: Card, now: datetime) -> float | None:
        """Probability of recall at ``now`` (None for a card never reviewed)."""
        if card.stability is None or card.last_review is None:
            return None
        prepared = self._prepare(card, now)
        return float(self._fsrs.get_card_retrievability(prepared.fsrs_card, prepared.now))

    def _prepare(self, card: Card, now: datetime) -> _Prepared:
        now = now.astimezone(UTC)
        today = self.calendar.today(now)
        elapsed = (today - self.calendar.today(card.last_review)).days if card.last_review else -1
        state = _TO_FSRS_STATE[card.state]
        step = card.step if card.step is not None else (0 if state != fsrs.State.Review else None)
        fsrs_card = fsrs.Card(
            card_id=card.id,
            state=state,
            step=step,
            stability=card.stability,
            difficulty=card.difficulty,
            due=card.due.astimezone(UTC),
            last_review=_calendar_last_review(card.last_review, now, elapsed),
        )
        return _Prepared(card, now, today, elapsed, fsrs_card)

    def _outcome(self, prepared: _Prepared, rating: Rating) -> Outcome:
        card, now = prepared.card, prepared.now
        # review_card copies the card it is given, so one prepared card serves every rating.
        reviewed, _ = self._fsrs.review_card(prepared.fsrs_card, fsrs.Rating(int(rating)), now)
        state = _FROM_FSRS_STATE[reviewed.state]
        due, scheduled = self._due(card, state, reviewed.due, now, prepared.today)
        lapsed = card.state == CardState.REVIEW and rating == Rating.AGAIN
        new_card = Card(  # a direct constructor: much cheaper than dataclasses.replace
            id=card.id,
            note_id=card.note_id,
            deck_id=card.deck_id,
            user_id=card.user_id,
            ordinal=card.ordinal,
            state=state,
            due=due,
            step=reviewed.step,
            stability=reviewed.stability,
            difficulty=reviewed.difficulty,
            last_review=now,
            reps=card.reps + 1,
            lapses=card.lapses + (1 if lapsed else 0),
            suspended=card.suspended,
            buried_until=None,
        )
        return Outcome(new_card, rating, scheduled, prepared.elapsed, lapsed)

    def _due(
        self, card: Card, state: CardState, fsrs_due: datetime, now: datetime, today: date
    ) -> tuple[datetime, float]:
        if state != CardState.REVIEW:
            return fsrs_due, (fsrs_due - now) / _DAY
        days = max(1, round((fsrs_due - now) / _DAY))
        days = self._fuzzed(days, card)
        due = self.calendar.start(today + timedelta(days=days))
        return due, float(days)

    def _fuzzed(self, days: int, card: Card) -> int:
        if self.fuzz_seed is None:
            return days
        rng = random.Random(f"{self.fuzz_seed}:{card.id}:{card.reps}")
        return fuzz_interval(days, rng, self.config.maximum_interval)


@dataclass(frozen=True, slots=True)
class _Prepared:
    """What every rating of one card at one time shares."""

    card: Card
    now: datetime
    today: date
    elapsed: int
    fsrs_card: fsrs.Card


def _calendar_last_review(last: datetime | None, now: datetime, days: int) -> datetime | None:
    """Shift the last review so that fsrs's 24-hour count equals ``days`` study days."""
    if last is None:
        return None
    last = last.astimezone(UTC)
    if days <= 0:
        return min(last, now)
    return now - days * _DAY


def fuzz_interval(days: int, rng: random.Random, maximum: int) -> int:
    """Spread an interval over a small range so cards added together drift apart."""
    if days < _FUZZ_RANGES[0][0]:
        return min(days, maximum)  # short intervals are not fuzzed
    delta = 1.0
    for start, end, factor in _FUZZ_RANGES:
        delta += factor * max(0.0, min(days, end) - start)
    low = max(2, round(days - delta))
    high = min(round(days + delta), maximum)
    if low >= high:
        return min(days, maximum)
    return rng.randint(low, high)


def initial_due(now: datetime) -> datetime:
    """Due time of a new card: available at once."""
    return now.astimezone(UTC)
