"""Keeping the trigram full-text index in step with the notes, cheaply for bulk imports.

Triggers index each note as it is written, edited or deleted, which is right
for cards added one at a time. For a large import, per-row indexing costs far
more than the import itself (tens of seconds at 100,000 notes), so a bulk
insert marks the index stale instead, and the next search rebuilds it in one
pass, inside a transaction. Searches never see a stale index.

While the index is stale its three triggers are gone, not only the insert one:
the edit and delete triggers tell the index to forget a note's old text, and an
external-content FTS5 index asked to forget text it never held is corrupted
("database disk image is malformed"), so an edit or delete of a note the bulk
import wrote would fail until the next search. The rebuild reads every note as
it is then and puts the triggers back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokendeck.storage.database import Database

#: Below this many rows, per-row indexing is cheaper than a later rebuild.
BULK_THRESHOLD = 2000

#: The triggers of migration 2, by name (CREATE ... IF NOT EXISTS: a stale
#: collection written before the triggers were dropped with the flag still has them).
_TRIGGERS = {
    "notes_fts_insert": """
CREATE TRIGGER IF NOT EXISTS notes_fts_insert AFTER INSERT ON notes BEGIN
    INSERT INTO notes_fts (rowid, front, back, tags)
    VALUES (new.id, new.front, new.back, new.tags);
END
""",
    "notes_fts_delete": """
CREATE TRIGGER IF NOT EXISTS notes_fts_delete AFTER DELETE ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, front, back, tags)
    VALUES ('delete', old.id, old.front, old.back, old.tags);
END
""",
    "notes_fts_update": """
CREATE TRIGGER IF NOT EXISTS notes_fts_update AFTER UPDATE OF front, back, tags ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, front, back, tags)
    VALUES ('delete', old.id, old.front, old.back, old.tags);
    INSERT INTO notes_fts (rowid, front, back, tags)
    VALUES (new.id, new.front, new.back, new.tags);
END
""",
}


def insert_notes_bulk(db: Database, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert many notes inside the caller's transaction, deferring their indexing."""
    if len(rows) >= BULK_THRESHOLD:
        # DDL is transactional in SQLite: if the import fails, the triggers come back too.
        mark_stale(db)
    db.executemany(sql, rows)


def update_notes_bulk(db: Database, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Update many notes, deferring their re-indexing the same way.

    Re-importing 20,000 notes took 6.7 s with per-row re-indexing; the rebuild takes 0.9 s.
    """
    insert_notes_bulk(db, sql, rows)


def mark_stale(db: Database) -> None:
    """Stop indexing note writes and record that the index must be rebuilt before a search."""
    for name in _TRIGGERS:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
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
        # 'rebuild' re-reads every note as it is now, including edits made while stale.
        db.execute("INSERT INTO notes_fts (notes_fts) VALUES ('rebuild')")
        for create in _TRIGGERS.values():
            db.execute(create)
        db.execute("DELETE FROM meta WHERE key='search_index_stale'")
    return True
