"""Training items for the FSRS optimiser straight from a review log, vectorised.

The same items as ``samples(card_histories(...))`` (every review on a later
study day, with the card's history before it) but built with numpy and
without per-review Python objects, so fitting a 100,000-card collection is
not dominated by Python overhead. Study days are counted exactly as in
:mod:`tokendeck.memory.histories` (one calendar lookup per UTC quarter-hour).
Items come card by card (cards by id), each card's in time order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tokendeck.domain.days import Calendar
from tokendeck.memory.review_table import ReviewTable, from_log
from tokendeck.memory.revlogs import LoggedReview

#: Longest history one item keeps (the trainer's sequence limit).
MAX_LENGTH = 256


def study_day_numbers(stamps: Any, calendar: Calendar) -> Any:
    """Study-day ordinals for an array of POSIX timestamps (seconds)."""
    import numpy as np

    buckets = np.floor_divide(stamps, 900).astype(np.int64)
    unique, inverse = _distinct(buckets)
    days = np.fromiter(
        (calendar.today(datetime.fromtimestamp(int(b) * 900, UTC)).toordinal() for b in unique),
        dtype=np.int64,
        count=len(unique),
    )
    return days[inverse]


def _distinct(values: Any) -> tuple[Any, Any]:
    """``np.unique(values, return_inverse=True)`` without sorting when the range is small.

    Quarter-hours of a few years and (rating, days) codes are small ranges, and a
    lookup table is several times faster than sorting a million values.
    """
    import numpy as np

    if len(values) == 0:
        return values, values
    low, high = int(values.min()), int(values.max())
    if high - low > 4 * len(values) + 1_000_000:
        return np.unique(values, return_inverse=True)
    present = np.zeros(high - low + 1, dtype=bool)
    present[values - low] = True
    unique = np.flatnonzero(present)
    slot = np.cumsum(present) - 1  # index of each present value among the distinct ones
    return unique + low, slot[values - low]


def card_sequences(
    reviews: Sequence[LoggedReview] | ReviewTable, calendar: Calendar
) -> tuple[Any, Any, Any]:
    """Reviews grouped by card in time order: (card starts, ratings, study days elapsed)."""
    import numpy as np

    table = reviews if isinstance(reviews, ReviewTable) else from_log(reviews)
    starts = table.card_starts()
    days = study_day_numbers(table.seconds, calendar)
    elapsed = np.zeros(len(table), dtype=np.int64)
    elapsed[1:] = np.maximum(days[1:] - days[:-1], 0)
    elapsed[starts] = 0
    return starts, table.ratings, elapsed


def training_items(reviews: Sequence[LoggedReview] | ReviewTable, calendar: Calendar) -> list[Any]:
    """``fsrs_rs_python.FSRSItem`` for every scorable review of the log."""
    import fsrs_rs_python as rs
    import numpy as np

    if not len(reviews):
        return []
    starts, ratings, elapsed = card_sequences(reviews, calendar)
    converted = _fsrs_reviews(ratings, elapsed)
    # an item ends at every review on a later study day than the card's previous one
    card_start = np.repeat(starts, np.diff(np.append(starts, len(ratings))))
    ends = np.flatnonzero(elapsed > 0) + 1
    begins = np.maximum(card_start[ends - 1], ends - MAX_LENGTH)
    item = rs.FSRSItem
    return [item(converted[b:e]) for b, e in zip(begins.tolist(), ends.tolist(), strict=True)]


def card_items(table: ReviewTable, calendar: Calendar) -> tuple[Any, list[Any]]:
    """Each card's whole history as one ``FSRSItem``: (index of its last review, items)."""
    import fsrs_rs_python as rs
    import numpy as np

    starts, ratings, elapsed = card_sequences(table, calendar)
    converted = _fsrs_reviews(ratings, elapsed)
    ends = np.append(starts[1:], len(ratings))
    item = rs.FSRSItem
    pairs = zip(starts.tolist(), ends.tolist(), strict=True)
    return ends - 1, [item(converted[b:e]) for b, e in pairs]


def _fsrs_reviews(ratings: Any, elapsed: Any) -> list[Any]:
    """An ``FSRSReview`` per review, one shared object per distinct (rating, days) pair."""
    import fsrs_rs_python as rs
    import numpy as np

    codes = elapsed * 8 + ratings  # ratings are 1..4
    distinct, inverse = _distinct(codes)
    shared = np.array([rs.FSRSReview(int(c) & 7, int(c) >> 3) for c in distinct], dtype=object)
    return list(shared[inverse].tolist())
