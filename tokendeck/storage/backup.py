"""The SQL behind exact backups and restores: every row of a user, ids and row times included.

An import allocates its own ids and stamps rows with the time of the import;
a restore must not. These queries read a user's rows with every column a
backup keeps, and write them back with the same ids into a fresh collection
file. Instants travel as exact integer milliseconds (no float round trip).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tokendeck.errors import StorageError
from tokendeck.storage.database import Database, Row
from tokendeck.storage.review_slots import Summary
from tokendeck.storage.rows import CARD_COLUMNS, NOTE_COLUMNS
from tokendeck.storage.search import insert_notes_bulk
from tokendeck.storage.table import Table

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)

DECK_COLUMNS = "id, user_id, name, description, config, created_at, modified_at"
CARD_ROW_COLUMNS = f"{CARD_COLUMNS}, created_at, modified_at, flag"
REVIEW_ROW_COLUMNS = (
    "id, user_id, card_id, reviewed_at, rating, duration_ms, kind, state_before, state_after,"
    " scheduled_days, elapsed_days, stability, difficulty, undo"
)
ATTEMPT_COLUMNS = (
    "id, user_id, review_id, card_id, answered_at, format, answer, score, verdict,"
    " suggested_rating, rating, overridden"
)


def to_ms(moment: datetime) -> int:
    """Exact UTC milliseconds of an aware datetime (integer arithmetic only)."""
    return (moment - _EPOCH) // _MS


def from_ms(value: int) -> datetime:
    """The aware UTC datetime of stored milliseconds, exactly."""
    return _EPOCH + value * _MS


class Backup(Table):
    """Every row of one user, read for a backup and written back by a restore."""

    __slots__ = ()

    # -- reading ---------------------------------------------------------------------------
    def user_row(self) -> Row | None:
        """``id, name, created_at`` of the user."""
        return self.db.fetchone("SELECT id, name, created_at FROM users WHERE id=?", (self.user,))

    def setting_rows(self) -> list[Row]:
        """``key, value`` (JSON text) of the settings, by key."""
        return self.db.fetchall(
            "SELECT key, value FROM settings WHERE user_id=? ORDER BY key", (self.user,)
        )

    def deck_rows(self) -> list[Row]:
        """The decks (DECK_COLUMNS), by id."""
        return self.db.fetchall(
            f"SELECT {DECK_COLUMNS} FROM decks WHERE user_id=? ORDER BY id", (self.user,)
        )

    def note_rows(self) -> Iterator[Row]:
        """The notes (NOTE_COLUMNS), by id."""
        return self.db.iterate(
            f"SELECT {NOTE_COLUMNS} FROM notes WHERE user_id=? ORDER BY id", (self.user,)
        )

    def card_rows(self) -> Iterator[Row]:
        """The cards (CARD_ROW_COLUMNS), by note and ordinal."""
        return self.db.iterate(
            f"SELECT {CARD_ROW_COLUMNS} FROM cards WHERE user_id=? ORDER BY note_id, ordinal",
            (self.user,),
        )

    def review_rows(self) -> Iterator[Row]:
        """The whole review log (REVIEW_ROW_COLUMNS), by id."""
        return self.db.iterate(
            f"SELECT {REVIEW_ROW_COLUMNS} FROM reviews WHERE user_id=? ORDER BY id", (self.user,)
        )

    def attempt_rows(self) -> Iterator[Row]:
        """The attempts (ATTEMPT_COLUMNS), by id."""
        return self.db.iterate(
            f"SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE user_id=? ORDER BY id", (self.user,)
        )

    # -- writing them into a fresh file ------------------------------------------------------
    def insert_user(self, name: str, created_ms: int) -> None:
        """The owner, with the id and creation time it had."""
        self._insert("users", "id, name, created_at", [(self.user, name, created_ms)])

    def insert_settings(self, rows: Iterable[tuple[str, str]]) -> None:
        """Settings as ``(key, JSON text)``."""
        self._insert("settings", "user_id, key, value", ((self.user, k, v) for k, v in rows))

    def insert_decks(self, rows: Iterable[Sequence[Any]]) -> None:
        """Decks in DECK_COLUMNS order."""
        self._insert("decks", DECK_COLUMNS, rows)

    def insert_notes(self, rows: Sequence[Sequence[Any]]) -> None:
        """Notes in NOTE_COLUMNS order; the search index follows (in bulk when large)."""
        marks = ", ".join("?" for _ in NOTE_COLUMNS.split(","))
        sql = f"INSERT INTO notes ({NOTE_COLUMNS}) VALUES ({marks})"
        insert_notes_bulk(self.db, sql, [tuple(r) for r in rows])

    def insert_cards(self, rows: Iterable[Sequence[Any]]) -> None:
        """Cards in CARD_ROW_COLUMNS order."""
        self._insert("cards", CARD_ROW_COLUMNS, rows)

    def insert_reviews(self, rows: Iterable[Sequence[Any]]) -> None:
        """Review-log rows in REVIEW_ROW_COLUMNS order (after the cards); the statistics
        summary is counted afresh from them."""
        self._insert("reviews", REVIEW_ROW_COLUMNS, rows)
        Summary(self.db, self.user).rebuild()

    def insert_attempts(self, rows: Iterable[Sequence[Any]]) -> None:
        """Attempts in ATTEMPT_COLUMNS order."""
        self._insert("attempts", ATTEMPT_COLUMNS, rows)

    def _insert(self, table: str, columns: str, rows: Iterable[Sequence[Any]]) -> None:
        marks = ", ".join("?" for _ in columns.split(","))
        self.db.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", iter(rows))


def other_users_with_data(db: Database, name: str) -> list[str]:
    """Names of users other than ``name`` who own any deck, note or review."""
    rows = db.fetchall(
        "SELECT name FROM users u WHERE name != ? AND (EXISTS (SELECT 1 FROM decks WHERE"
        " user_id=u.id) OR EXISTS (SELECT 1 FROM notes WHERE user_id=u.id) OR EXISTS"
        " (SELECT 1 FROM reviews WHERE user_id=u.id)) ORDER BY name",
        (name,),
    )
    return [r[0] for r in rows]


# -- the file itself --------------------------------------------------------------------------
def checkpoint(path: Path) -> None:
    """Fold a collection file's write-ahead log into the file, so the file alone is complete.

    Done before the file is kept as the pre-restore copy and replaced: a WAL
    left beside the new file would be replayed onto it. A damaged file is
    left alone (the restore keeps it, WAL and all); a file another process is
    writing is refused.
    """
    try:
        with closing(sqlite3.connect(str(path), isolation_level=None)) as conn:
            conn.execute("PRAGMA busy_timeout=5000")
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            busy = (1,)
        else:
            return  # damaged: it is kept as it is (with its WAL) and replaced
    if busy and busy[0]:
        raise StorageError(
            f"the collection {path} is in use",
            hint="close other TokenDeck windows and servers, then restore again",
        )
