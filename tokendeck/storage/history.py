"""The review log in bulk: lean rows for the memory model and statistics, and whole histories
copied in (imports) or offered out (exports) by SQL.

Reading:

Fitting, evaluating and simulating read every answer a learner ever gave
(a million rows for a large collection). Building a full
:class:`tokendeck.domain.reviews.Review` per row costs about 20 us; these queries
return plain tuples with only what the memory model uses, and let SQLite do
the filtering:

* answers (learn, review, relearn, filtered; rating 1-4) come back as they are;
* manual entries (reschedules, "set due date") are left out, except
* resets (an entry that left the card new), which come back with rating 0:
  they mark where a card's history starts again.

Copying: on SQLite a large package's history never becomes Python objects. The
source file is ATTACHed as ``source`` and its rows are copied by one ``INSERT ...
SELECT``, joined to a temporary table that maps the source's card keys to
the cards the import just created. PostgreSQL cannot attach a file: the source
is read by its own SQLite connection and the rows streamed in with ``COPY``
(one pass, no statement per row).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tokendeck.domain.cards import CardState
from tokendeck.domain.reviews import ReviewSummary
from tokendeck.errors import StorageError
from tokendeck.storage.database import POSTGRESQL, SQLITE, Database
from tokendeck.storage.rows import marks
from tokendeck.storage.table import Table

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
# Each row of the packed log as 32 hex digits: SQLite's printf, PostgreSQL's to_hex
# (both give negative numbers in two's complement, 16 digits).
_HEX = {
    SQLITE: f"printf('%016x%016x', card_id, reviewed_at * 8 + {_RATING})",
    POSTGRESQL: f"lpad(to_hex(card_id), 16, '0') || lpad(to_hex(reviewed_at * 8 + {_RATING}),"
    " 16, '0')",
}


def _concatenated(dialect: str, where: str) -> str:
    """The packed log's rows matching ``where``, in log order, as one text value.

    SQLite's group_concat keeps the order of the subquery it reads; PostgreSQL
    says the order inside ``string_agg``. The one dialect-specific statement of
    the packed log lives here.
    """
    if dialect == POSTGRESQL:
        return f"SELECT string_agg({_HEX[dialect]}, '' ORDER BY id) FROM reviews{where}"
    inner = f"SELECT {_HEX[dialect]} AS hex FROM reviews{where}{_ORDER}"
    return f"SELECT group_concat(hex, '') FROM ({inner})"


# A full scan reads pages in order and yields rows by id (log order) without a sort;
# walking an index by card or time jumps around the table. Callers group by card in numpy.
_WHERE = f" NOT INDEXED WHERE user_id=? AND ({_ANSWER} OR state_after={_NEW})"
_ORDER = " ORDER BY id"


# Statistics count every entry (manual ones too) in time order. Sorting a full scan
# beats walking the time index when the table is not in time order (an imported
# history): the walk then jumps between pages for every row.
_SUMMARY = (
    "SELECT id, card_id, reviewed_at, rating, duration_ms, kind, scheduled_days"
    " FROM reviews NOT INDEXED WHERE user_id=?"
)


#: Above this many rows the ``reviews_card`` index is dropped and rebuilt around
#: the copy: one sort of the whole table beats a million random index inserts.
REBUILD_INDEX_ABOVE = 100_000
_CARD_INDEX = "reviews_card"


_STATE_NUMBER = " ".join(f"WHEN '{s.label}' THEN {int(s)}" for s in CardState)
_STATE_LABEL = " ".join(f"WHEN {int(s)} THEN '{s.label}'" for s in CardState)


class History(Table):
    """A user's review log read and written in bulk."""

    __slots__ = ()

    # -- reading ------------------------------------------------------------------------
    def rows(self, deck_ids: Sequence[int] | None = None) -> list[HistoryRow]:
        """Answers and resets in log order (by id: same-instant rows keep their order).

        ``deck_ids`` keeps the cards now in those decks; ``None`` keeps every
        review, including those of deleted cards (they still tell how the learner
        remembers).
        """
        return self._rows(_SELECT, deck_ids)

    def packed(self, deck_ids: Sequence[int] | None = None) -> list[PackedRow]:
        """The same rows as :meth:`rows` without durations, time and rating in one number."""
        return self._rows(_SELECT_PACKED, deck_ids)

    def packed_log(self, deck_ids: Sequence[int] | None = None) -> bytes:
        """The rows of :meth:`packed` as one byte string, for fitting a large log quickly.

        Each row is the card id, then time * 8 + rating, as big-endian signed 64-bit
        numbers, in log order. SQL formats the whole log into one value: Python
        builds no object per row (a million rows read in about a third of the time).
        """
        where = _WHERE
        params: list[Any] = [self.user]
        if deck_ids is not None:
            if not deck_ids:
                return b""
            where += f" AND card_id IN (SELECT id FROM cards WHERE deck_id IN ({marks(deck_ids)}))"
            params += deck_ids
        text = self.db.scalar(_concatenated(self.db.dialect, where), params)
        return bytes.fromhex(text) if text else b""

    def _rows(self, select: str, deck_ids: Sequence[int] | None) -> list[Any]:
        if deck_ids is None:
            return self.db.fetchall(select + _WHERE + _ORDER, (self.user,))
        if not deck_ids:
            return []
        cards = f" AND card_id IN (SELECT id FROM cards WHERE deck_id IN ({marks(deck_ids)}))"
        return self.db.fetchall(select + _WHERE + cards + _ORDER, (self.user, *deck_ids))

    def summaries(self, deck_ids: Sequence[int] | None = None) -> list[ReviewSummary]:
        """Every entry of the log as a :class:`ReviewSummary`, oldest first.

        ``deck_ids`` keeps the cards now in those decks; ``None`` keeps every entry.
        """
        sql, params = _SUMMARY, [self.user]
        if deck_ids is not None:
            if not deck_ids:
                return []
            sql += f" AND card_id IN (SELECT id FROM cards WHERE deck_id IN ({marks(deck_ids)}))"
            params += deck_ids
        rows = self.db.fetchall(sql + " ORDER BY reviewed_at, id", params)
        utc = datetime.fromtimestamp
        return [
            ReviewSummary(i, card, utc(ms / 1000, UTC), rating, duration, kind, days)
            for i, card, ms, rating, duration, kind, days in rows
        ]

    def answers_of(self, card_ids: Sequence[int]) -> Iterator[tuple[int, int, int, str]]:
        """``(card id, reviewed_at ms, rating, kind)`` of the given cards, by card and time."""
        for start in range(0, len(card_ids), 500):
            chunk = list(card_ids[start : start + 500])
            yield from self.db.fetchall(
                "SELECT card_id, reviewed_at, rating, kind FROM reviews"
                f" WHERE user_id=? AND card_id IN ({marks(chunk)})"
                " ORDER BY card_id, reviewed_at, id",
                (self.user, *chunk),
            )

    # -- copying in ---------------------------------------------------------------------
    def copy(
        self,
        select: str,
        columns: Sequence[str],
        count: int,
        card_ids: Sequence[tuple[int, int]],
        path: Path,
    ) -> int:
        """Copy a source's rows of the given cards into ``reviews``; returns the count.

        ``select`` reads the source file at ``path`` (attached as ``source`` on
        SQLite, see :func:`attached`) as ``columns``; ``count`` is its size;
        ``card_ids`` pairs each source card key with the id of the card created
        for it. Runs inside the caller's transaction (an error rolls the copy back
        with it).
        """
        if self.db.dialect == POSTGRESQL:
            return self._stream(source_rows(path, select), columns, dict(card_ids))
        db = self.db
        db.execute("CREATE TEMP TABLE td_card_keys (key INTEGER PRIMARY KEY, card_id INTEGER)")
        try:
            db.executemany("INSERT OR REPLACE INTO temp.td_card_keys VALUES (?, ?)", card_ids)
            with _card_index_dropped(db, count > REBUILD_INDEX_ABOVE):
                before = db.total_changes
                # CROSS JOIN keeps the source as the outer loop, so rows arrive in
                # time order and reviews_user_time grows at its end.
                db.execute(
                    f"WITH h({', '.join(columns)}) AS ({select})"
                    " INSERT INTO reviews (user_id, card_id, reviewed_at, rating, duration_ms,"
                    " kind, state_before, state_after, scheduled_days, elapsed_days, stability,"
                    " difficulty)"
                    f" SELECT ?, m.card_id, h.reviewed_at_ms, h.rating, h.duration_ms, h.kind,"
                    f" {_state('h.state_before')}, {_state('h.state_after')},"
                    " coalesce(h.scheduled_days, 0), -1, h.stability, h.difficulty"
                    " FROM h CROSS JOIN temp.td_card_keys AS m"
                    " ON m.key = h.card_key",
                    (self.user,),
                )
                copied = db.total_changes - before
        finally:
            db.execute("DROP TABLE temp.td_card_keys")
        return copied

    def _stream(
        self, rows: Iterator[tuple[Any, ...]], columns: Sequence[str], cards: dict[int, int]
    ) -> int:
        """The rows of a source, mapped as :meth:`copy`'s SQL maps them, COPYed in."""
        at = {name: i for i, name in enumerate(columns)}
        key, when, rating, duration, kind, days, before, after, stability, difficulty = (
            at[name]
            for name in (
                "card_key",
                "reviewed_at_ms",
                "rating",
                "duration_ms",
                "kind",
                "scheduled_days",
                "state_before",
                "state_after",
                "stability",
                "difficulty",
            )
        )
        user = int(self.user)

        def mapped() -> Iterator[tuple[Any, ...]]:
            for row in rows:
                card = cards.get(row[key])
                if card is None:
                    continue  # not a card of this import (the SQL's join drops it too)
                yield (
                    user,
                    card,
                    row[when],
                    row[rating],
                    row[duration],
                    row[kind],
                    _state_number(row[before]),
                    _state_number(row[after]),
                    0 if row[days] is None else row[days],
                    -1,
                    row[stability],
                    row[difficulty],
                )

        return self.db.copy_in("reviews", _COPIED_COLUMNS, mapped())

    def memoryless_cards(self, first_card: int) -> list[int]:
        """Cards from ``first_card`` on that are not new, have no stability, and have history."""
        rows = self.db.fetchall(
            "SELECT c.id FROM cards c WHERE c.user_id=? AND c.id >= ? AND c.state != ?"
            " AND c.stability IS NULL AND EXISTS"
            " (SELECT 1 FROM reviews r WHERE r.user_id = c.user_id AND r.card_id = c.id)",
            (self.user, first_card, int(CardState.NEW)),
        )
        return [row[0] for row in rows]

    def set_memory(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """``(stability, difficulty, last review ms, card id)`` rows; known last reviews stay."""
        self.db.executemany(
            "UPDATE cards SET stability=?, difficulty=?, last_review=coalesce(last_review, ?)"
            f" WHERE id=? AND user_id={int(self.user)}",
            rows,
        )

    # -- offering out -------------------------------------------------------------------
    def export_select(self, deck_ids: Sequence[int] | None) -> str:
        """A SELECT over this collection attached as ``source``, giving the log in export order.

        Columns: card id, time ms, rating, duration ms, kind, scheduled days, state
        before and after (labels), stability, difficulty.
        """
        # NOT INDEXED: one sequential scan and a sort; walking reviews_user_time
        # instead reads the table in random order, several times slower for 1M rows.
        return (
            "SELECT r.card_id, r.reviewed_at, r.rating, r.duration_ms, r.kind,"
            f" r.scheduled_days, CASE r.state_before {_STATE_LABEL} END,"
            f" CASE r.state_after {_STATE_LABEL} END, r.stability, r.difficulty"
            f" FROM source.reviews r NOT INDEXED WHERE {self._filter(deck_ids, 'source')}"
            " ORDER BY r.reviewed_at, r.id"
        )

    def export_count(self, deck_ids: Sequence[int] | None) -> int:
        """How many rows :meth:`export_select` yields (counted on the collection itself)."""
        where = self._filter(deck_ids, "main")
        return int(self.db.scalar(f"SELECT count(*) FROM reviews r WHERE {where}"))

    def _filter(self, deck_ids: Sequence[int] | None, schema: str) -> str:
        where = f"r.user_id = {int(self.user)}"
        if deck_ids is not None:
            decks = ", ".join(str(int(d)) for d in deck_ids) or "NULL"
            where += f" AND r.card_id IN (SELECT id FROM {schema}.cards WHERE deck_id IN ({decks}))"
        return where


_COPIED_COLUMNS = (
    "user_id",
    "card_id",
    "reviewed_at",
    "rating",
    "duration_ms",
    "kind",
    "state_before",
    "state_after",
    "scheduled_days",
    "elapsed_days",
    "stability",
    "difficulty",
)
_STATE_NUMBERS = {s.label: int(s) for s in CardState}


def _state_number(label: str | None) -> int:
    """As :func:`_state`: NULL is review; an unknown label is refused."""
    if label is None:
        return int(CardState.REVIEW)
    number = _STATE_NUMBERS.get(label)
    if number is None:
        raise StorageError(f"unknown card state {label!r} in the review history")
    return number


def _state(column: str) -> str:
    # NULL means "not recorded"; stored as review, as per-card imports do.
    # An unknown label gives NULL, which the NOT NULL column refuses.
    review = int(CardState.REVIEW)
    return f"CASE WHEN {column} IS NULL THEN {review} ELSE CASE {column} {_STATE_NUMBER} END END"


@contextmanager
def _card_index_dropped(db: Database, drop: bool) -> Iterator[None]:
    if db.dialect == POSTGRESQL:
        yield
        return
    sql = db.scalar("SELECT sql FROM sqlite_master WHERE type='index' AND name=?", (_CARD_INDEX,))
    if not drop or sql is None:
        yield
        return
    db.execute(f"DROP INDEX {_CARD_INDEX}")
    yield
    db.execute(str(sql))


# -- source files -------------------------------------------------------------------------
def source_uri(path: Path) -> str:
    """The read-only URI a source file is attached with."""
    return f"{Path(path).resolve().as_uri()}?mode=ro"


def source_rows(path: Path, select: str) -> Iterator[tuple[Any, ...]]:
    """The rows of ``select`` over the file at ``path`` (attached as ``source``), privately."""
    with closing(sqlite3.connect(":memory:")) as conn:
        # Anki's tables declare this collation; SQLite wants it to exist.
        conn.create_collation("unicase", _casefolded)
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("ATTACH ? AS source", (source_uri(path),))
        yield from conn.execute(select)


def _casefolded(a: str, b: str) -> int:
    a, b = a.casefold(), b.casefold()
    return (a > b) - (a < b)


@contextmanager
def attached(db: Database, path: Path | None) -> Iterator[None]:
    """The file at ``path`` attached to the collection's connection (read-only) as ``source``.

    SQLite attaches outside transactions, so enter this before ``db.transaction()``.
    PostgreSQL attaches nothing: :meth:`History.copy` reads the file itself.
    """
    if path is None or db.dialect == POSTGRESQL:
        yield
        return
    db.execute("ATTACH ? AS source", (source_uri(path),))
    try:
        yield
    finally:
        db.execute("DETACH source")
