"""Keeping the trigram full-text index in step with the notes, cheaply for bulk imports.

A trigger indexes each note as it is written, which is right for cards added
one at a time. For a large import, per-row indexing costs far more than the
import itself (tens of seconds at 100,000 notes), so bulk inserts skip the
trigger and mark the index stale; the next search rebuilds it in one pass,
inside a transaction. Searches never see a stale index.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokendeck.storage.database import Database

#: Below this many rows, per-row indexing is cheaper than a later rebuild.
BULK_THRESHOLD = 2000

_INSERT_TRIGGER = """
CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN
    INSERT INTO notes_fts (rowid, front, back, tags)
    VALUES (new.id, new.front, new.back, new.tags);
END
"""


def insert_notes_bulk(db: Database, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert many notes inside the caller's transaction, deferring their indexing."""
    if len(rows) < BULK_THRESHOLD:
        db.executemany(sql, rows)
        return
    # DDL is transactional in SQLite: if the import fails, the trigger comes back too.
    db.execute("DROP TRIGGER notes_fts_insert")
    db.executemany(sql, rows)
    db.execute(_INSERT_TRIGGER)
    mark_stale(db)


def mark_stale(db: Database) -> None:
    """Record that the index must be rebuilt before the next search."""
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('search_index_stale', '1')"
        " ON CONFLICT (key) DO UPDATE SET value='1'"
    )


def is_stale(db: Database) -> bool:
    """Whether a bulk write left the index behind."""
    return db.scalar("SELECT value FROM meta WHERE key='search_index_stale'") == "1"


def ensure_current(db: Database) -> bool:
    """Rebuild the index if a bulk import left it stale; returns whether it did."""
    if not is_stale(db):
        return False
    with db.transaction():
        # 'rebuild' re-reads every note, which also repairs anything the update and
        # delete triggers did to rows that were never indexed.
        db.execute("INSERT INTO notes_fts (notes_fts) VALUES ('rebuild')")
        db.execute("DELETE FROM meta WHERE key='search_index_stale'")
    return True
