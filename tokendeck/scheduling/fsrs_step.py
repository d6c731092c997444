"""One FSRS-6 review, computed lean: the numbers py-fsrs gives, at a fraction of the cost.

Answering a card spent about half its CPU in py-fsrs's ``review_card``: it
copies the card object, re-derives constants on every call and goes through
keyword-argument helpers. This module works the same formulas on plain
numbers, with each option's constants derived once per deck, in the same
order of floating-point operations, so every stability, difficulty and
interval is bit-for-bit what py-fsrs computes (``tests/test_fsrs_step.py``
compares the two on generated cards, ratings, options and times).

The memory model (FSRS-6, 21 parameters ``w``) in short: a first answer sets
stability ``w[rating-1]`` and difficulty ``w4 - e^(w5 (rating-1)) + 1``; an
answer within a day of the previous one changes stability by the short-term
factor ``e^(w17 (rating-3+w18)) S^-w19`` (at least 1 unless forgotten); a
later one by the recall or forget formula at the recall probability
``R = (1 + factor t / S)^-w20``; difficulty moves toward the "easy" start by
mean reversion ``w7``. Intervals reach the desired retention; learning and
relearning steps are exact times.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

#: Bounds py-fsrs clamps to.
STABILITY_MIN = 0.001
MIN_DIFFICULTY = 1.0
MAX_DIFFICULTY = 10.0

# fsrs.State numbers: Learning 1, Review 2, Relearning 3.
LEARNING, REVIEW, RELEARNING = 1, 2, 3
AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4


@dataclass(frozen=True, slots=True)
class Stepped:
    """A card after one answer: its state, step, memory and the time to its next due."""

    state: int
    step: int | None
    stability: float
    difficulty: float
    #: Whole days for a card now in review (before fuzz), else None.
    days: int | None
    #: The exact wait for a (re)learning step; ``timedelta(days=days)`` in review.
    wait: timedelta


class Step:
    """The FSRS-6 review of one deck's options, constants worked out once."""

    __slots__ = (
        "_decay",
        "_easy_start",
        "_factor",
        "_forget_short",
        "_learning",
        "_recall_base",
        "_relearning",
        "_retention_term",
        "_short_term",
        "_w",
        "maximum_interval",
    )

    def __init__(
        self,
        parameters: Sequence[float],
        desired_retention: float,
        learning_steps: Sequence[timedelta],
        relearning_steps: Sequence[timedelta],
        maximum_interval: int,
    ) -> None:
        w = tuple(parameters)
        self._w = w
        self._decay = -w[20]
        self._factor = 0.9 ** (1 / self._decay) - 1
        # Each of these is computed inside py-fsrs on every call, always to this value.
        self._retention_term = (desired_retention ** (1 / self._decay)) - 1
        self._easy_start = w[4] - (math.e ** (w[5] * (EASY - 1))) + 1
        self._short_term = {r: math.e ** (w[17] * (r - 3 + w[18])) for r in (1, 2, 3, 4)}
        self._forget_short = math.e ** (w[17] * w[18])
        self._recall_base = math.e ** (w[8])
        self._learning = tuple(learning_steps)
        self._relearning = tuple(relearning_steps)
        self.maximum_interval = maximum_interval

    # -- memory -------------------------------------------------------------------------------
    def retrievability(self, elapsed_days: int, stability: float) -> float:
        """Recall probability after ``elapsed_days`` whole days (negative counts as 0)."""
        return float((1 + self._factor * max(0, elapsed_days) / stability) ** self._decay)

    def _difficulty(self, difficulty: float, rating: int) -> float:
        delta = -(self._w[6] * (rating - 3))
        damped = difficulty + (10.0 - difficulty) * delta / 9.0
        reverted = self._w[7] * self._easy_start + (1 - self._w[7]) * damped
        return min(max(reverted, MIN_DIFFICULTY), MAX_DIFFICULTY)

    def _short(self, stability: float, rating: int) -> float:
        increase = self._short_term[rating] * (stability ** -self._w[19])
        if rating != AGAIN:
            increase = max(increase, 1.0)
        return max(stability * increase, STABILITY_MIN)

    def _long(self, difficulty: float, stability: float, recall: float, rating: int) -> float:
        w = self._w
        if rating == AGAIN:
            long_term = (
                w[11]
                * (difficulty ** -w[12])
                * (((stability + 1) ** (w[13])) - 1)
                * (math.e ** ((1 - recall) * w[14]))
            )
            found = min(long_term, stability / self._forget_short)
        else:
            hard = w[15] if rating == HARD else 1
            easy = w[16] if rating == EASY else 1
            found = stability * (
                1
                + self._recall_base
                * (11 - difficulty)
                * (stability ** -w[9])
                * ((math.e ** ((1 - recall) * w[10])) - 1)
                * hard
                * easy
            )
        return max(found, STABILITY_MIN)

    def _interval(self, stability: float) -> int:
        days = round((stability / self._factor) * self._retention_term)
        return min(max(days, 1), self.maximum_interval)

    # -- one answer ---------------------------------------------------------------------------
    def review(
        self,
        state: int,
        step: int | None,
        stability: float | None,
        difficulty: float | None,
        days_since: int | None,
        rating: int,
    ) -> Stepped:
        """The card after ``rating``.

        ``days_since``: whole days since the last review as py-fsrs counts them
        (``(now - last_review).days``), None without one.
        """
        first = stability is None or difficulty is None
        if state == LEARNING and first:
            w = self._w
            stability = max(w[rating - 1], STABILITY_MIN)
            start = w[4] - (math.e ** (w[5] * (rating - 1))) + 1
            difficulty = min(max(start, MIN_DIFFICULTY), MAX_DIFFICULTY)
        else:
            assert stability is not None and difficulty is not None
            if days_since is not None and days_since < 1:
                new_stability = self._short(stability, rating)
            else:
                recall = 0.0 if days_since is None else self.retrievability(days_since, stability)
                new_stability = self._long(difficulty, stability, recall, rating)
            stability, difficulty = new_stability, self._difficulty(difficulty, rating)
        return self._next(state, step, stability, difficulty, rating)

    def review_all(
        self,
        state: int,
        step: int | None,
        stability: float | None,
        difficulty: float | None,
        days_since: int | None,
    ) -> tuple[Stepped, Stepped, Stepped, Stepped]:
        """:meth:`review` for Again, Hard, Good and Easy at once (a card's answer buttons).

        The four share the recall probability and the powers of the stability;
        each is worked out once, and every product is formed in the order
        :meth:`review` forms it, so the numbers are the same to the last bit.
        """
        if stability is None or difficulty is None:  # a first answer: nothing to share
            return tuple(  # type: ignore[return-value]
                self.review(state, step, stability, difficulty, days_since, r) for r in (1, 2, 3, 4)
            )
        w = self._w
        if days_since is not None and days_since < 1:
            scaled = stability ** -w[19]
            stabilities = []
            for rating in (1, 2, 3, 4):
                increase = self._short_term[rating] * scaled
                if rating != AGAIN:
                    increase = max(increase, 1.0)
                stabilities.append(max(stability * increase, STABILITY_MIN))
        else:
            recall = 0.0 if days_since is None else self.retrievability(days_since, stability)
            forget = (
                w[11]
                * (difficulty ** -w[12])
                * (((stability + 1) ** (w[13])) - 1)
                * (math.e ** ((1 - recall) * w[14]))
            )
            stabilities = [max(min(forget, stability / self._forget_short), STABILITY_MIN)]
            shared = (
                self._recall_base
                * (11 - difficulty)
                * (stability ** -w[9])
                * ((math.e ** ((1 - recall) * w[10])) - 1)
            )
            for hard, easy in ((w[15], 1), (1, 1), (1, w[16])):
                stabilities.append(max(stability * (1 + shared * hard * easy), STABILITY_MIN))
        results = []
        for rating, new_stability in zip((1, 2, 3, 4), stabilities, strict=True):
            new_difficulty = self._difficulty(difficulty, rating)
            results.append(self._next(state, step, new_stability, new_difficulty, rating))
        return tuple(results)  # type: ignore[return-value]

    def _next(
        self, state: int, step: int | None, stability: float, difficulty: float, rating: int
    ) -> Stepped:
        """Where the card goes once its memory is worked out."""
        if state == REVIEW:
            if rating == AGAIN and self._relearning:
                return Stepped(RELEARNING, 0, stability, difficulty, None, self._relearning[0])
            return self._graduate(stability, difficulty)
        steps = self._learning if state == LEARNING else self._relearning
        assert step is not None
        return self._stepped(state, step, steps, stability, difficulty, rating)

    def _stepped(
        self,
        state: int,
        step: int,
        steps: tuple[timedelta, ...],
        stability: float,
        difficulty: float,
        rating: int,
    ) -> Stepped:
        if not steps or (step >= len(steps) and rating != AGAIN):
            return self._graduate(stability, difficulty)
        if rating == AGAIN:
            return Stepped(state, 0, stability, difficulty, None, steps[0])
        if rating == HARD:
            if step == 0 and len(steps) == 1:
                wait = steps[0] * 1.5
            elif step == 0:
                wait = (steps[0] + steps[1]) / 2.0
            else:
                wait = steps[step]
            return Stepped(state, step, stability, difficulty, None, wait)
        if rating == GOOD and step + 1 != len(steps):
            return Stepped(state, step + 1, stability, difficulty, None, steps[step + 1])
        return self._graduate(stability, difficulty)

    def _graduate(self, stability: float, difficulty: float) -> Stepped:
        days = self._interval(stability)
        return Stepped(REVIEW, None, stability, difficulty, days, timedelta(days=days))
