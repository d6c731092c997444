"""The review log as the memory model reads it: lean rows, no ``Review`` objects.

Fitting, evaluating and simulating read every answer a learner ever gave
(a million rows for a large collection). Building a full
:class:`tokendeck.domain.reviews.Review` per row costs about 20 us; these queries
return plain tuples with only what the memory model uses, and let SQLite do
the filtering:

* answers (learn, review, relearn, filtered; rating 1-4) come back as they are;
* manual entries (reschedules, "set due date") are left out, except
* resets (an entry that left the card new), which come back with rating 0:
  they mark where a card's history starts again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tokendeck.domain.reviews import ReviewSummary
from tokendeck.storage.database import Database

#: (card id, reviewed at in UTC epoch milliseconds, rating 1-4 or 0 for a reset, duration ms)
HistoryRow = tuple[int, int, int, int]
#: (card id, epoch ms * 8 + rating): what fitting needs, in the fewest Python objects
PackedRow = tuple[int, int]

#: State number of a new card (``CardState.NEW``), repeated here to keep this module import-light.
_NEW = 0

_ANSWER = "(kind != 'manual' AND rating BETWEEN 1 AND 4)"
_RATING = f"CASE WHEN {_ANSWER} THEN rating ELSE 0 END"
_SELECT = f"SELECT card_id, reviewed_at, {_RATING}, duration_ms FROM reviews"
# Every value returned costs Python an object: two columns instead of four read a
# million rows about a third faster, which fitting a large collection notices.
_SELECT_PACKED = f"SELECT card_id, reviewed_at * 8 + {_RATING} FROM reviews"
# A full scan reads pages in order and yields rows by id (log order) without a sort;
# walking an index by card or time jumps around the table. Callers group by card in numpy.
_WHERE = f" NOT INDEXED WHERE user_id=? AND ({_ANSWER} OR state_after={_NEW})"
_ORDER = " ORDER BY id"


def history_rows(
    db: Database, user: int, deck_ids: Sequence[int] | None = None
) -> list[HistoryRow]:
    """A user's answers and resets in log order (by id: same-instant rows keep their order).

    ``deck_ids`` keeps the cards now in those decks; ``None`` keeps every
    review, including those of deleted cards (they still tell how the learner
    remembers).
    """
    return _rows(db, _SELECT, user, deck_ids)


def packed_rows(db: Database, user: int, deck_ids: Sequence[int] | None = None) -> list[PackedRow]:
    """The same rows as :func:`history_rows` without durations, time and rating in one number."""
    return _rows(db, _SELECT_PACKED, user, deck_ids)


def _rows(db: Database, select: str, user: int, deck_ids: Sequence[int] | None) -> list[Any]:
    if deck_ids is None:
        return db.fetchall(select + _WHERE + _ORDER, (user,))
    if not deck_ids:
        return []
    marks = ",".join("?" * len(deck_ids))
    cards = f" AND card_id IN (SELECT id FROM cards WHERE deck_id IN ({marks}))"
    return db.fetchall(select + _WHERE + cards + _ORDER, (user, *deck_ids))


# Statistics count every entry (manual ones too) in time order. Sorting a full scan
# beats walking the time index when the table is not in time order (an imported
# history): the walk then jumps between pages for every row.
_SUMMARY = (
    "SELECT id, card_id, reviewed_at, rating, duration_ms, kind, scheduled_days"
    " FROM reviews NOT INDEXED WHERE user_id=?"
)


def summaries(
    db: Database, user: int, deck_ids: Sequence[int] | None = None
) -> list[ReviewSummary]:
    """Every review-log entry of a user as a :class:`ReviewSummary`, oldest first.

    ``deck_ids`` keeps the cards now in those decks; ``None`` keeps every entry.
    """
    sql, params = _SUMMARY, [user]
    if deck_ids is not None:
        if not deck_ids:
            return []
        marks = ",".join("?" * len(deck_ids))
        sql += f" AND card_id IN (SELECT id FROM cards WHERE deck_id IN ({marks}))"
        params += deck_ids
    rows = db.fetchall(sql + " ORDER BY reviewed_at, id", params)
    utc = datetime.fromtimestamp
    return [
        ReviewSummary(i, card, utc(ms / 1000, UTC), rating, duration, kind, days)
        for i, card, ms, rating, duration, kind, days in rows
    ]
