"""The review log as numpy columns, grouped by card in time order.

Fitting a large collection touches every answer, so this form keeps no
Python object per review: four arrays, one entry per answer, sorted by card
and then by time (ties keep log order). A card's reset has already cut its
history: only answers after its last reset are kept, as Anki's optimiser does.

Built either from the collection's lean history rows
(:meth:`tokendeck.collection.Collection.history_rows`) or from a
:class:`~tokendeck.memory.revlogs.ReviewLog` read from a file.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tokendeck.memory.revlogs import LoggedReview, ReviewLog


@dataclass(frozen=True, slots=True)
class ReviewTable:
    """Answers as parallel arrays (numpy), by card then time."""

    card_ids: Any  # int64
    seconds: Any  # float64 POSIX time, as ``datetime.timestamp()`` gives it
    ratings: Any  # int64, 1 Again .. 4 Easy
    durations_ms: Any  # int64

    def __len__(self) -> int:
        return len(self.card_ids)

    @property
    def card_count(self) -> int:
        """How many distinct cards have answers."""
        return len(self.card_starts())

    def card_starts(self) -> Any:
        """Index of each card's first answer (the arrays are grouped by card)."""
        import numpy as np

        first = np.ones(len(self.card_ids), dtype=bool)
        first[1:] = self.card_ids[1:] != self.card_ids[:-1]
        return np.flatnonzero(first)


def from_rows(rows: Sequence[tuple[int, int, int, int]]) -> ReviewTable:
    """From (card id, epoch ms, rating or 0 for a reset, duration ms) rows in log order."""
    import numpy as np

    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=4 * len(rows))
    card_ids, ms, ratings, durations = flat.reshape(-1, 4).T.copy()  # contiguous columns
    return _table(card_ids, ms, ratings, durations)


def from_packed_rows(rows: Sequence[tuple[int, int]]) -> ReviewTable:
    """From (card id, epoch ms * 8 + rating) rows in log order (durations left at 0)."""
    import numpy as np

    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=2 * len(rows))
    card_ids, packed = flat.reshape(-1, 2).T.copy()
    return _table(card_ids, packed >> 3, packed & 7, np.zeros(len(rows), dtype=np.int64))


def from_packed_log(data: bytes) -> ReviewTable:
    """From the packed log as one byte string: per row the card id, then epoch ms * 8 +
    rating, big-endian signed 64-bit, in log order (``Collection.packed_review_log``)."""
    import numpy as np

    flat = np.frombuffer(data, dtype=">i8").astype(np.int64)
    card_ids, packed = flat.reshape(-1, 2).T.copy()
    return _table(card_ids, packed >> 3, packed & 7, np.zeros(len(card_ids), dtype=np.int64))


def _table(card_ids: Any, ms: Any, ratings: Any, durations: Any) -> ReviewTable:
    order = _by_card_then_time(card_ids, ms)
    if order is not None:
        card_ids, ms, ratings = card_ids[order], ms[order], ratings[order]
        durations = durations[order]
    # ms / 1000 rounds exactly as datetime.fromtimestamp(ms / 1000).timestamp() does
    seconds = ms / 1000
    resets = ratings == 0
    if not resets.any():
        return ReviewTable(card_ids, seconds, ratings, durations)
    keep = _after_last_reset(card_ids, resets)
    return ReviewTable(card_ids[keep], seconds[keep], ratings[keep], durations[keep])


def _by_card_then_time(card_ids: Any, ms: Any) -> Any | None:
    """Stable order by card, then time (same-instant answers keep log order); None: as is."""
    import numpy as np

    if len(ms) < 2:
        return None
    step = np.diff(card_ids)
    if bool(((step > 0) | ((step == 0) & (ms[1:] >= ms[:-1]))).all()):
        return None  # imported card by card: in order already
    if bool((ms[1:] >= ms[:-1]).all()):
        # a log written as the learner studied is in time order: one stable key is enough
        return np.argsort(card_ids, kind="stable")
    return np.lexsort((ms, card_ids))


def _after_last_reset(card_ids: Any, resets: Any) -> Any:
    """Mask of answers (not resets) that come after their card's last reset."""
    import numpy as np

    if len(card_ids) == 0:
        return np.zeros(0, dtype=bool)
    segment = np.cumsum(resets)  # resets seen so far, over the whole (card-grouped) table
    last = np.ones(len(card_ids), dtype=bool)
    last[:-1] = card_ids[1:] != card_ids[:-1]
    card_of_row = np.cumsum(np.concatenate(([False], last[:-1])))
    final_segment = segment[np.flatnonzero(last)][card_of_row]
    return ~resets & (segment == final_segment)


def from_log(log: ReviewLog | Sequence[LoggedReview]) -> ReviewTable:
    """From a review log's answers (resets were already applied when it was read)."""
    import numpy as np

    reviews = log.reviews if isinstance(log, ReviewLog) else log
    n = len(reviews)
    card_ids = np.fromiter((r.card_id for r in reviews), dtype=np.int64, count=n)
    seconds = np.fromiter((r.reviewed_at.timestamp() for r in reviews), dtype=np.float64, count=n)
    ratings = np.fromiter((r.rating for r in reviews), dtype=np.int64, count=n)
    durations = np.fromiter((r.duration_ms for r in reviews), dtype=np.int64, count=n)
    order = np.lexsort((seconds, card_ids))
    return ReviewTable(card_ids[order], seconds[order], ratings[order], durations[order])
