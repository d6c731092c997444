"""A deterministic synthetic study history: notes, card states and review logs.

The same generator feeds both the TokenDeck and the Anki builder, so the two
collections hold the same notes, the same scheduling state and the same review
log. Days are offsets from *today's study day* (0 = today, -1 = yesterday) so
each builder can express them in its own calendar; instants are Unix ms.

Shape (defaults of the issue): N cards, one per note, about 10 reviews each over
two years; 10% new, 0.5% relearning (carried over from yesterday), the rest in
review, of which enough are due today (overdue up to a month) that about 7% of
all cards are due. No review is dated today, so daily limits start untouched on
both sides (Anki counts today's work in deck counters, TokenDeck from the log).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

DAY_MS = 86_400_000
HISTORY_DAYS = 730

#: Share of all cards in each group.
NEW_SHARE = 0.10
RELEARNING_SHARE = 0.005
DUE_SHARE = 0.07

#: Words planted in a few backs so that a substring search for "word" has answers.
SEARCH_TERM = "word"
_PLANTED = ("password", "crossword", "wordplay", "foreword", "keyword")
PLANTED_SHARE = 0.005

#: Bumped whenever the generated data changes, so cached collections are rebuilt.
GENERATOR_VERSION = 1


@dataclass(frozen=True, slots=True)
class SyntheticReview:
    """One review-log row."""

    at_ms: int
    rating: int  # 1..4
    kind: str  # "learn" | "review" | "relearn"
    interval_days: int  # interval scheduled by this answer
    last_interval_days: int
    duration_ms: int
    state_before: str
    state_after: str


@dataclass(frozen=True, slots=True)
class SyntheticCard:
    """One note with its single card and that card's history."""

    index: int
    front: str
    back: str
    state: str  # "new" | "review" | "relearning"
    due_day: int  # review cards: study-day offset from today
    due_ms: int  # relearning cards: exact due instant
    interval_days: int
    stability: float
    difficulty: float
    last_review_ms: int
    lapses: int
    reviews: tuple[SyntheticReview, ...]


@dataclass(frozen=True)
class Shape:
    """How big the synthetic collection is."""

    cards: int
    reviews: int
    seed: int = 20261127

    @property
    def key(self) -> str:
        """File-name key of collections built with this shape."""
        return f"v{GENERATOR_VERSION}-{self.cards}c-{self.reviews}r-s{self.seed}"


def vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    """Pronounceable pseudo-words made of consonant-vowel syllables.

    Such words never contain a consonant pair, so they never contain "word":
    only the planted words answer the benchmark's search.
    """
    consonants, vowels = "bdfgklmnprstvz", "aeiou"
    words: set[str] = set()
    while len(words) < size:
        syllables = rng.randint(2, 4)
        words.add("".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(syllables)))
    return sorted(words)


def generate(
    shape: Shape, today_start_ms: int, now_ms: int, chunk: int = 5000
) -> Iterator[list[SyntheticCard]]:
    """The cards in chunks; identical for identical arguments."""
    words = vocabulary(random.Random(shape.seed))
    non_new = max(1, round(shape.cards * (1 - NEW_SHARE)))
    mean_reviews = shape.reviews / non_new
    for first in range(0, shape.cards, chunk):
        rng = random.Random(shape.seed * 1_000_003 + first)
        yield [
            _card(rng, words, i, shape.cards, mean_reviews, today_start_ms, now_ms)
            for i in range(first, min(first + chunk, shape.cards))
        ]


def _text(rng: random.Random, words: list[str], low: int, high: int) -> str:
    return " ".join(rng.choice(words) for _ in range(rng.randint(low, high)))


def _card(
    rng: random.Random,
    words: list[str],
    index: int,
    total: int,
    mean_reviews: float,
    today_ms: int,
    now_ms: int,
) -> SyntheticCard:
    front = f"{_text(rng, words, 2, 4)} {index}"
    back = _text(rng, words, 10, 25)
    if rng.random() < PLANTED_SHARE:
        back = f"{back} {rng.choice(_PLANTED)} {_text(rng, words, 1, 5)}"
    draw = rng.random()
    if draw < NEW_SHARE:
        return SyntheticCard(index, front, back, "new", 0, 0, 0, 0.0, 0.0, 0, 0, ())
    count = max(2, rng.randint(1, max(1, round(2 * mean_reviews - 1))))
    if draw < NEW_SHARE + RELEARNING_SHARE:
        return _relearning(rng, index, front, back, count, today_ms)
    due_share = DUE_SHARE / (1 - NEW_SHARE - RELEARNING_SHARE)
    return _review(rng, index, front, back, count, today_ms, rng.random() < due_share)


def _log_uniform(rng: random.Random, low: float, high: float) -> int:
    return round(math.exp(rng.uniform(math.log(low), math.log(high))))


def _review(
    rng: random.Random, index: int, front: str, back: str, count: int, today_ms: int, due: bool
) -> SyntheticCard:
    if due:
        interval = _log_uniform(rng, 1, 200)
        due_day = -rng.randint(0, 30)
    else:
        interval = _log_uniform(rng, 2, 365)
        due_day = rng.randint(1, interval - 1)
    last_day = max(due_day - interval, -HISTORY_DAYS + 1)
    last_ms = _instant(rng, today_ms, last_day)
    reviews = _history(rng, count, last_ms, today_ms, last_rating=3, interval=interval)
    stability = interval * rng.uniform(0.8, 1.3)
    return SyntheticCard(
        index,
        front,
        back,
        "review",
        due_day,
        0,
        interval,
        round(stability, 4),
        round(rng.uniform(1.0, 10.0), 4),
        last_ms,
        sum(1 for r in reviews if r.state_after == "relearning"),
        reviews,
    )


def _relearning(
    rng: random.Random, index: int, front: str, back: str, count: int, today_ms: int
) -> SyntheticCard:
    last_ms = _instant(rng, today_ms, -1)
    reviews = _history(rng, count, last_ms, today_ms, last_rating=1, interval=0)
    return SyntheticCard(
        index,
        front,
        back,
        "relearning",
        0,
        last_ms + 600_000,
        1,
        round(rng.uniform(0.5, 3.0), 4),
        round(rng.uniform(5.0, 10.0), 4),
        last_ms,
        sum(1 for r in reviews if r.state_after == "relearning"),
        reviews,
    )


def _instant(rng: random.Random, today_ms: int, day: int) -> int:
    """A time during study day ``day`` (between 6 am and 10 pm after the rollover)."""
    return today_ms + day * DAY_MS + rng.randint(2 * 3600_000, 18 * 3600_000)


def _history(
    rng: random.Random, count: int, last_ms: int, today_ms: int, *, last_rating: int, interval: int
) -> tuple[SyntheticReview, ...]:
    start = today_ms - HISTORY_DAYS * DAY_MS
    first = rng.randint(start, max(start, last_ms - count * DAY_MS))
    middle = sorted(rng.randint(first + 1, last_ms - 1) for _ in range(count - 2))
    times = [first, *middle, last_ms]
    ratings = [3] + [_rating(rng) for _ in range(count - 2)] + [last_rating]
    reviews: list[SyntheticReview] = []
    state, last_interval = "new", 0
    for position, (at, rating) in enumerate(zip(times, ratings, strict=True)):
        after = "relearning" if rating == 1 and state != "new" else "review"
        following = times[position + 1] if position + 1 < len(times) else None
        ivl = interval if following is None else max(1, (following - at) // DAY_MS)
        kind = {"new": "learn", "relearning": "relearn"}.get(state, "review")
        reviews.append(
            SyntheticReview(
                at, rating, kind, ivl, last_interval, rng.randint(2000, 20000), state, after
            )
        )
        state, last_interval = after, ivl
    return tuple(reviews)


def _rating(rng: random.Random) -> int:
    draw = rng.random()
    if draw < 0.10:
        return 1
    if draw < 0.15:
        return 2
    if draw < 0.95:
        return 3
    return 4
