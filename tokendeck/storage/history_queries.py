"""Bulk review history: copying a :class:`ReviewSource` into the collection, and the
SELECT that offers the collection's own log as one.

A large package's history never becomes Python objects: the source file is
ATTACHed as ``source`` and its rows are copied by one ``INSERT ... SELECT``,
joined to a temporary table that maps the source's card keys to the cards the
import just created.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokendeck.domain.cards import CardState
from tokendeck.storage.database import Database
from tokendeck.transfer.package import HISTORY_COLUMNS

if TYPE_CHECKING:
    from tokendeck.transfer.package import ReviewSource

#: Above this many rows the ``reviews_card`` index is dropped and rebuilt around
#: the copy: one sort of the whole table beats a million random index inserts.
REBUILD_INDEX_ABOVE = 100_000
_CARD_INDEX = "reviews_card"


def source_uri(path: Path) -> str:
    """The read-only URI a source file is attached with."""
    return f"{Path(path).resolve().as_uri()}?mode=ro"


def source_rows(source: ReviewSource) -> Iterator[tuple[Any, ...]]:
    """The rows of ``source`` (HISTORY_COLUMNS), read through a private connection."""
    with closing(sqlite3.connect(":memory:")) as conn:
        # Anki's tables declare this collation; SQLite wants it to exist.
        conn.create_collation("unicase", _casefolded)
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("ATTACH ? AS source", (source_uri(source.path),))
        yield from conn.execute(source.select)


def _casefolded(a: str, b: str) -> int:
    a, b = a.casefold(), b.casefold()
    return (a > b) - (a < b)


@contextmanager
def attached(db: Database, source: ReviewSource | None) -> Iterator[None]:
    """``source`` attached to the collection's connection (read-only) while inside.

    SQLite attaches outside transactions, so enter this before ``db.transaction()``.
    """
    if source is None:
        yield
        return
    db.execute("ATTACH ? AS source", (source_uri(source.path),))
    try:
        yield
    finally:
        db.execute("DETACH source")


_STATE_NUMBER = " ".join(f"WHEN '{s.label}' THEN {int(s)}" for s in CardState)


def _state(column: str) -> str:
    # NULL means "not recorded"; stored as review, as per-card imports do.
    # An unknown label gives NULL, which the NOT NULL column refuses.
    review = int(CardState.REVIEW)
    return f"CASE WHEN {column} IS NULL THEN {review} ELSE CASE {column} {_STATE_NUMBER} END END"


def copy_history(
    db: Database, source: ReviewSource, user: int, card_ids: Sequence[tuple[int, int]]
) -> int:
    """Copy the attached source's rows of the given cards into ``reviews``; returns the count.

    ``card_ids`` pairs each source card key with the id of the card created for it.
    Runs inside the caller's transaction (an error rolls the copy back with it).
    """
    db.execute("CREATE TEMP TABLE td_card_keys (key INTEGER PRIMARY KEY, card_id INTEGER)")
    try:
        db.executemany("INSERT OR REPLACE INTO temp.td_card_keys VALUES (?, ?)", card_ids)
        with _card_index_dropped(db, source.count > REBUILD_INDEX_ABOVE):
            before = db.total_changes
            # CROSS JOIN keeps the source as the outer loop, so rows arrive in
            # time order and reviews_user_time grows at its end.
            db.execute(
                f"WITH h({', '.join(HISTORY_COLUMNS)}) AS ({source.select})"
                " INSERT INTO reviews (user_id, card_id, reviewed_at, rating, duration_ms, kind,"
                " state_before, state_after, scheduled_days, elapsed_days, stability, difficulty)"
                f" SELECT ?, m.card_id, h.reviewed_at_ms, h.rating, h.duration_ms, h.kind,"
                f" {_state('h.state_before')}, {_state('h.state_after')},"
                " coalesce(h.scheduled_days, 0), -1, h.stability, h.difficulty"
                " FROM h CROSS JOIN temp.td_card_keys AS m"
                " ON m.key = h.card_key",
                (user,),
            )
            copied = db.total_changes - before
    finally:
        db.execute("DROP TABLE temp.td_card_keys")
    return copied


@contextmanager
def _card_index_dropped(db: Database, drop: bool) -> Iterator[None]:
    sql = db.scalar("SELECT sql FROM sqlite_master WHERE type='index' AND name=?", (_CARD_INDEX,))
    if not drop or sql is None:
        yield
        return
    db.execute(f"DROP INDEX {_CARD_INDEX}")
    yield
    db.execute(str(sql))


def memoryless_cards(db: Database, first_card: int) -> list[int]:
    """Cards from ``first_card`` on that are not new, have no stability, and have history."""
    rows = db.fetchall(
        "SELECT c.id FROM cards c WHERE c.id >= ? AND c.state != ? AND c.stability IS NULL"
        " AND EXISTS (SELECT 1 FROM reviews r WHERE r.card_id = c.id)",
        (first_card, int(CardState.NEW)),
    )
    return [row[0] for row in rows]


_STATE_LABEL = " ".join(f"WHEN {int(s)} THEN '{s.label}'" for s in CardState)


def _export_filter(user: int, deck_ids: Sequence[int] | None, schema: str) -> str:
    where = f"r.user_id = {int(user)}"
    if deck_ids is not None:
        decks = ", ".join(str(int(d)) for d in deck_ids) or "NULL"
        where += f" AND r.card_id IN (SELECT id FROM {schema}.cards WHERE deck_id IN ({decks}))"
    return where


def export_select(user: int, deck_ids: Sequence[int] | None) -> str:
    """A SELECT over an attached collection giving a user's log as HISTORY_COLUMNS."""
    # NOT INDEXED: one sequential scan and a sort; walking reviews_user_time
    # instead reads the table in random order, several times slower for 1M rows.
    return (
        "SELECT r.card_id, r.reviewed_at, r.rating, r.duration_ms, r.kind,"
        f" r.scheduled_days, CASE r.state_before {_STATE_LABEL} END,"
        f" CASE r.state_after {_STATE_LABEL} END, r.stability, r.difficulty"
        f" FROM source.reviews r NOT INDEXED WHERE {_export_filter(user, deck_ids, 'source')}"
        " ORDER BY r.reviewed_at, r.id"
    )


def export_count(db: Database, user: int, deck_ids: Sequence[int] | None) -> int:
    """How many rows :func:`export_select` yields (run on the collection itself)."""
    where = _export_filter(user, deck_ids, "main")
    return int(db.scalar(f"SELECT count(*) FROM reviews r WHERE {where}"))


def answers_of(db: Database, card_ids: Sequence[int]) -> Iterator[tuple[int, int, int, str]]:
    """``(card id, reviewed_at ms, rating, kind)`` of the given cards, by card and time."""
    for start in range(0, len(card_ids), 500):
        chunk = list(card_ids[start : start + 500])
        marks = ", ".join("?" for _ in chunk)
        yield from db.fetchall(
            f"SELECT card_id, reviewed_at, rating, kind FROM reviews WHERE card_id IN ({marks})"
            " ORDER BY card_id, reviewed_at, id",
            chunk,
        )


def set_memory(db: Database, rows: Sequence[tuple[Any, ...]]) -> None:
    """``(stability, difficulty, last_review ms, card id)`` rows; a known last review is kept."""
    db.executemany(
        "UPDATE cards SET stability=?, difficulty=?, last_review=coalesce(last_review, ?)"
        " WHERE id=?",
        rows,
    )
