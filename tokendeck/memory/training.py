"""Training items for the FSRS optimiser straight from a review log, vectorised.

The same items as ``samples(card_histories(...))`` (every review on a later
study day, with the card's history before it) but built with numpy and
without per-review Python objects, so fitting a 100,000-card collection is
not dominated by Python overhead. Study days are counted exactly as in
:mod:`tokendeck.memory.histories` (one calendar lookup per UTC quarter-hour).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tokendeck.days import Calendar
from tokendeck.memory.revlogs import LoggedReview

#: Longest history one item keeps (the trainer's sequence limit).
MAX_LENGTH = 256


def study_day_numbers(stamps: Any, calendar: Calendar) -> Any:
    """Study-day ordinals for an array of POSIX timestamps (seconds)."""
    import numpy as np

    buckets = np.floor_divide(stamps, 900).astype(np.int64)
    unique, inverse = np.unique(buckets, return_inverse=True)
    days = np.fromiter(
        (calendar.today(datetime.fromtimestamp(int(b) * 900, UTC)).toordinal() for b in unique),
        dtype=np.int64,
        count=len(unique),
    )
    return days[inverse]


def card_sequences(reviews: Sequence[LoggedReview], calendar: Calendar) -> tuple[Any, Any, Any]:
    """Reviews grouped by card in time order: (card starts, ratings, study days elapsed)."""
    import numpy as np

    n = len(reviews)
    cards = np.fromiter((r.card_id for r in reviews), dtype=np.int64, count=n)
    stamps = np.fromiter((r.reviewed_at.timestamp() for r in reviews), dtype=np.float64, count=n)
    ratings = np.fromiter((r.rating for r in reviews), dtype=np.int64, count=n)
    order = np.lexsort((stamps, cards))  # by card, then by time
    cards, ratings = cards[order], ratings[order]
    days = study_day_numbers(stamps[order], calendar)
    first = np.ones(n, dtype=bool)
    first[1:] = cards[1:] != cards[:-1]
    elapsed = np.zeros(n, dtype=np.int64)
    elapsed[1:] = np.maximum(days[1:] - days[:-1], 0)
    elapsed[first] = 0
    return np.flatnonzero(first), ratings, elapsed


def training_items(reviews: Sequence[LoggedReview], calendar: Calendar) -> list[Any]:
    """``fsrs_rs_python.FSRSItem`` for every scorable review of the log."""
    import fsrs_rs_python as rs

    if not reviews:
        return []
    starts, ratings, elapsed = card_sequences(reviews, calendar)
    bounds = [*starts.tolist(), len(ratings)]
    pairs = list(zip(ratings.tolist(), elapsed.tolist(), strict=True))
    shared = {pair: rs.FSRSReview(*pair) for pair in set(pairs)}
    converted = [shared[pair] for pair in pairs]
    items = []
    for start, end in itertools.pairwise(bounds):
        for index in range(start + 1, end):
            if pairs[index][1] > 0:
                items.append(rs.FSRSItem(converted[max(start, index + 1 - MAX_LENGTH) : index + 1]))
    return items
