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
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

import fsrs

from tokendeck.domain.cards import Card, CardState, Rating
from tokendeck.domain.days import Calendar
from tokendeck.domain.decks import DeckConfig
from tokendeck.scheduling.fsrs_step import Step, Stepped

#: Card state -> FSRS state number (a new card is a learning card at step 0 to FSRS).
_TO_FSRS_STATE = {
    CardState.NEW: int(fsrs.State.Learning),
    CardState.LEARNING: int(fsrs.State.Learning),
    CardState.REVIEW: int(fsrs.State.Review),
    CardState.RELEARNING: int(fsrs.State.Relearning),
}
_FROM_FSRS_STATE = {
    int(fsrs.State.Learning): CardState.LEARNING,
    int(fsrs.State.Review): CardState.REVIEW,
    int(fsrs.State.Relearning): CardState.RELEARNING,
}
_REVIEW = int(fsrs.State.Review)
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
        steps = tuple(timedelta(seconds=s) for s in config.learning_steps)
        relearning = tuple(timedelta(seconds=s) for s in config.relearning_steps)
        parameters = config.fsrs_parameters or DEFAULT_PARAMETERS
        # py-fsrs checks the parameters and options (ValueError names the bad one);
        # the answers themselves are worked out by the leaner Step, to the same numbers.
        fsrs.Scheduler(
            parameters=parameters,
            desired_retention=config.desired_retention,
            learning_steps=steps,
            relearning_steps=relearning,
            maximum_interval=config.maximum_interval,
            enable_fuzzing=False,  # we fuzz ourselves, with an injectable seed
        )
        self._step = Step(
            parameters, config.desired_retention, steps, relearning, config.maximum_interval
        )

    def answer(
        self,
        card: Card,
        rating: Rating,
        now: datetime,
        plan: Plan | None = None,
        *,
        fuzz_key: str | None = None,
    ) -> Outcome:
        """The card after answering ``rating`` at ``now``.

        ``plan``: the card's answers worked out when it was shown (:meth:`plan`);
        used only when it was made for this very card state and study day, so an
        answer is never scheduled from a card that changed since.

        ``fuzz_key`` names the card for the fuzz instead of its local id: a sync
        replay passes the card's stable identity, so every replica draws the same.
        """
        if fuzz_key is None and plan is not None and plan.card == card:
            planned = self._planned(plan, rating, now.astimezone(UTC))
            if planned is not None:
                return planned
        return self._outcome(self._prepare(card, now), rating, fuzz_key)

    def plan(self, card: Card, now: datetime) -> Plan:
        """Work out the four answers to a card as it is shown (as Anki does when it queues
        a card), so that answering it only has to write."""
        prepared = self._prepare(card, now)
        fuzz: Fuzz | None = None
        results = []
        every = self._step.review_all(
            prepared.state, prepared.step, card.stability, card.difficulty, prepared.days_since
        )
        for stepped in every:
            if stepped.days is None:
                results.append(_Planned(stepped, None, stepped.wait / _DAY))
                continue
            if fuzz is None:
                fuzz = self._fuzz_state(card)
            days = stepped.days if fuzz is None else self._fuzz_from(fuzz, stepped.days)
            due = self.calendar.start(prepared.today + timedelta(days=days))
            results.append(_Planned(stepped, due, float(days)))
        return Plan(card, prepared.today, prepared.elapsed, prepared.days_since, tuple(results))

    def preview(
        self, card: Card, now: datetime, plan: Plan | None = None
    ) -> dict[Rating, datetime]:
        """The due time each rating would give, for the answer buttons (``plan``: as in
        :meth:`answer`)."""
        now = now.astimezone(UTC)
        if plan is None or plan.card != card or self._still(plan, now) is None:
            plan = self.plan(card, now)
        return {
            rating: planned.due or now + planned.stepped.wait
            for rating, planned in zip(Rating, plan.results, strict=True)
        }

    def retrievability(self, card: Card, now: datetime) -> float | None:
        """Probability of recall at ``now`` (None for a card never reviewed)."""
        if card.stability is None or card.last_review is None:
            return None
        prepared = self._prepare(card, now)
        return self._step.retrievability(prepared.days_since or 0, card.stability)

    def _prepare(self, card: Card, now: datetime) -> _Prepared:
        now = now.astimezone(UTC)
        today = self.calendar.today(now)
        elapsed = (today - self.calendar.today(card.last_review)).days if card.last_review else -1
        state = _TO_FSRS_STATE[card.state]
        step = card.step if card.step is not None else (0 if state != _REVIEW else None)
        shifted = _calendar_last_review(card.last_review, now, elapsed)
        days_since = None if shifted is None else (now - shifted).days
        return _Prepared(card, now, today, elapsed, state, step, days_since)

    def _stepped(self, prepared: _Prepared, rating: Rating) -> Stepped:
        card = prepared.card
        return self._step.review(
            prepared.state,
            prepared.step,
            card.stability,
            card.difficulty,
            prepared.days_since,
            int(rating),
        )

    def _outcome(self, prepared: _Prepared, rating: Rating, fuzz_key: str | None = None) -> Outcome:
        card, now = prepared.card, prepared.now
        stepped = self._stepped(prepared, rating)
        state = _FROM_FSRS_STATE[stepped.state]
        due, scheduled = self._due(card, state, now + stepped.wait, now, prepared.today, fuzz_key)
        return self._after(card, stepped, due, scheduled, now, rating, prepared.elapsed)

    def _still(self, plan: Plan, now: datetime) -> int | None:
        """The plan's FSRS day count if it holds at ``now`` (same study day), else None."""
        if self.calendar.today(now) != plan.today:
            return None
        if plan.elapsed >= 1 or plan.days_since is None:
            return 0  # counted in study days: the same all day
        last = plan.card.last_review
        assert last is not None
        since = (now - min(last.astimezone(UTC), now)).days
        return 0 if since == plan.days_since else None

    def _planned(self, plan: Plan, rating: Rating, now: datetime) -> Outcome | None:
        if self._still(plan, now) is None:
            return None
        planned = plan.results[int(rating) - 1]
        stepped = planned.stepped
        due = planned.due or now + stepped.wait
        return self._after(plan.card, stepped, due, planned.scheduled, now, rating, plan.elapsed)

    def _after(
        self,
        card: Card,
        stepped: Stepped,
        due: datetime,
        scheduled: float,
        now: datetime,
        rating: Rating,
        elapsed: int,
    ) -> Outcome:
        lapsed = card.state == CardState.REVIEW and rating == Rating.AGAIN
        new_card = Card(  # a direct constructor: much cheaper than dataclasses.replace
            id=card.id,
            note_id=card.note_id,
            deck_id=card.deck_id,
            user_id=card.user_id,
            ordinal=card.ordinal,
            state=_FROM_FSRS_STATE[stepped.state],
            due=due,
            step=stepped.step,
            stability=stepped.stability,
            difficulty=stepped.difficulty,
            last_review=now,
            reps=card.reps + 1,
            lapses=card.lapses + (1 if lapsed else 0),
            suspended=card.suspended,
            buried_until=None,
        )
        return Outcome(new_card, rating, scheduled, elapsed, lapsed)

    def _due(
        self,
        card: Card,
        state: CardState,
        fsrs_due: datetime,
        now: datetime,
        today: date,
        fuzz_key: str | None = None,
    ) -> tuple[datetime, float]:
        if state != CardState.REVIEW:
            return fsrs_due, (fsrs_due - now) / _DAY
        days = max(1, round((fsrs_due - now) / _DAY))
        days = self._fuzzed(days, card, fuzz_key)
        due = self.calendar.start(today + timedelta(days=days))
        return due, float(days)

    def _fuzzed(self, days: int, card: Card, fuzz_key: str | None = None) -> int:
        fuzz = self._fuzz_state(card, fuzz_key)
        return days if fuzz is None else self._fuzz_from(fuzz, days)

    def _fuzz_state(self, card: Card, fuzz_key: str | None = None) -> Fuzz | None:
        # Seeded by the card and its review count, so a preview equals the answer.
        if self.fuzz_seed is None:
            return None
        name = card.id if fuzz_key is None else fuzz_key
        return Fuzz(f"{self.fuzz_seed}:{name}:{card.reps}")

    def _fuzz_from(self, fuzz: Fuzz, days: int) -> int:
        return fuzz_interval(days, fuzz, self.config.maximum_interval)


@dataclass(frozen=True, slots=True)
class _Planned:
    """One rating of a plan: the FSRS step, and for a review card its due and interval."""

    stepped: Stepped
    #: The start of the due study day (a card in review), or None: the moment + the wait.
    due: datetime | None
    scheduled: float


@dataclass(frozen=True, slots=True)
class Plan:
    """A card's four answers, worked out when it was shown (:meth:`Scheduler.plan`).

    Everything an answer needs except the moment it is given: it holds for this
    card state (compared whole) on this study day.
    """

    card: Card
    today: date
    elapsed: int
    days_since: int | None
    #: Again, Hard, Good, Easy.
    results: tuple[_Planned, ...]


@dataclass(frozen=True, slots=True)
class _Prepared:
    """What every rating of one card at one time shares."""

    card: Card
    now: datetime
    today: date
    #: Study days since the last review (-1 without one).
    elapsed: int
    #: FSRS's state number and step for the card.
    state: int
    step: int | None
    #: Whole days since the (calendar-shifted) last review as FSRS counts them, or None.
    days_since: int | None


def _calendar_last_review(last: datetime | None, now: datetime, days: int) -> datetime | None:
    """Shift the last review so that fsrs's 24-hour count equals ``days`` study days."""
    if last is None:
        return None
    last = last.astimezone(UTC)
    if days <= 0:
        return min(last, now)
    return now - days * _DAY


class Draws(Protocol):
    """What fuzz draws from: ``random.Random`` or a :class:`Fuzz`."""

    def randint(self, a: int, b: int) -> int:
        """A whole number from ``a`` to ``b``, both included."""
        ...


class Fuzz:
    """``random.Random(seed).randint(a, b)`` of a fresh generator, for several ranges.

    A plan fuzzes up to three intervals of one card with the same seed; seeding
    a generator is most of the cost, so it is seeded once and its first outputs
    kept. ``randint`` takes the top bits of one 32-bit output per try, as
    CPython's does (``tests/test_fuzz_draws.py`` checks it against the real one).
    """

    __slots__ = ("_seed", "_words")

    def __init__(self, seed: str) -> None:
        # getrandbits(256) is eight 32-bit outputs, the first in the lowest bits.
        drawn = random.Random(seed).getrandbits(256)
        self._seed = seed
        self._words = tuple((drawn >> shift) & 0xFFFFFFFF for shift in range(0, 256, 32))

    def randint(self, a: int, b: int) -> int:
        """As a freshly seeded ``random.Random(seed).randint(a, b)``."""
        width = b - a + 1
        bits = width.bit_length()
        if width > 0 and bits <= 32:
            for word in self._words:
                drawn = word >> (32 - bits)
                if drawn < width:
                    return a + drawn
        return random.Random(self._seed).randint(a, b)  # eight misses in a row: ask it


def fuzz_interval(days: int, rng: Draws, maximum: int) -> int:
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


def reset_card(card: Card, now: datetime) -> Card:
    """The card made new again at ``now`` (a reset); suspension is kept, history elsewhere."""
    return replace(
        card,
        state=CardState.NEW,
        due=now.astimezone(UTC),
        step=None,
        stability=None,
        difficulty=None,
        last_review=None,
        reps=0,
        lapses=0,
        buried_until=None,
    )


def initial_due(now: datetime) -> datetime:
    """Due time of a new card: available at once."""
    return now.astimezone(UTC)
