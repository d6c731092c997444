"""SQL for exact backups and restores: every row of a user, ids and row times included.

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
from tokendeck.storage import search_index
from tokendeck.storage.database import Database, Row
from tokendeck.storage.queries import CARD_COLUMNS, NOTE_COLUMNS

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)

DECK_COLUMNS = "id, user_id, name, description, config, created_at, modified_at"
CARD_ROW_COLUMNS = f"{CARD_COLUMNS}, created_at, modified_at"
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


# -- reading a user's rows ----------------------------------------------------------------
def user_row(db: Database, user: int) -> Row | None:
    """``id, name, created_at`` of a user."""
    return db.fetchone("SELECT id, name, created_at FROM users WHERE id=?", (user,))


def setting_rows(db: Database, user: int) -> list[Row]:
    """``key, value`` (JSON text) of a user's settings, by key."""
    return db.fetchall("SELECT key, value FROM settings WHERE user_id=? ORDER BY key", (user,))


def deck_rows(db: Database, user: int) -> list[Row]:
    """A user's decks (DECK_COLUMNS), by id."""
    return db.fetchall(f"SELECT {DECK_COLUMNS} FROM decks WHERE user_id=? ORDER BY id", (user,))


def note_rows(db: Database, user: int) -> Iterator[Row]:
    """A user's notes (NOTE_COLUMNS), by id."""
    return db.iterate(f"SELECT {NOTE_COLUMNS} FROM notes WHERE user_id=? ORDER BY id", (user,))


def card_rows(db: Database, user: int) -> Iterator[Row]:
    """A user's cards (CARD_ROW_COLUMNS), by note and ordinal."""
    return db.iterate(
        f"SELECT {CARD_ROW_COLUMNS} FROM cards WHERE user_id=? ORDER BY note_id, ordinal", (user,)
    )


def review_rows(db: Database, user: int) -> Iterator[Row]:
    """A user's whole review log (REVIEW_ROW_COLUMNS), by id."""
    return db.iterate(
        f"SELECT {REVIEW_ROW_COLUMNS} FROM reviews WHERE user_id=? ORDER BY id", (user,)
    )


def attempt_rows(db: Database, user: int) -> Iterator[Row]:
    """A user's attempts (ATTEMPT_COLUMNS), by id."""
    return db.iterate(
        f"SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE user_id=? ORDER BY id", (user,)
    )


def other_users_with_data(db: Database, name: str) -> list[str]:
    """Names of users other than ``name`` who own any deck, note or review."""
    rows = db.fetchall(
        "SELECT name FROM users u WHERE name != ? AND (EXISTS (SELECT 1 FROM decks WHERE"
        " user_id=u.id) OR EXISTS (SELECT 1 FROM notes WHERE user_id=u.id) OR EXISTS"
        " (SELECT 1 FROM reviews WHERE user_id=u.id)) ORDER BY name",
        (name,),
    )
    return [r[0] for r in rows]


# -- writing them into a fresh file --------------------------------------------------------
def _insert(db: Database, table: str, columns: str, rows: Iterable[Sequence[Any]]) -> None:
    marks = ", ".join("?" for _ in columns.split(","))
    db.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", iter(rows))


def insert_user(db: Database, user: int, name: str, created_ms: int) -> None:
    """The owner, with the id and creation time it had."""
    _insert(db, "users", "id, name, created_at", [(user, name, created_ms)])


def insert_settings(db: Database, user: int, rows: Iterable[tuple[str, str]]) -> None:
    """Settings as ``(key, JSON text)``."""
    _insert(db, "settings", "user_id, key, value", ((user, k, v) for k, v in rows))


def insert_decks(db: Database, rows: Iterable[Sequence[Any]]) -> None:
    """Decks in DECK_COLUMNS order."""
    _insert(db, "decks", DECK_COLUMNS, rows)


def insert_notes(db: Database, rows: Sequence[Sequence[Any]]) -> None:
    """Notes in NOTE_COLUMNS order; the search index follows (in bulk when large)."""
    marks = ", ".join("?" for _ in NOTE_COLUMNS.split(","))
    sql = f"INSERT INTO notes ({NOTE_COLUMNS}) VALUES ({marks})"
    search_index.insert_notes_bulk(db, sql, [tuple(r) for r in rows])


def insert_cards(db: Database, rows: Iterable[Sequence[Any]]) -> None:
    """Cards in CARD_ROW_COLUMNS order."""
    _insert(db, "cards", CARD_ROW_COLUMNS, rows)


def insert_reviews(db: Database, rows: Iterable[Sequence[Any]]) -> None:
    """Review-log rows in REVIEW_ROW_COLUMNS order."""
    _insert(db, "reviews", REVIEW_ROW_COLUMNS, rows)


def insert_attempts(db: Database, rows: Iterable[Sequence[Any]]) -> None:
    """Attempts in ATTEMPT_COLUMNS order."""
    _insert(db, "attempts", ATTEMPT_COLUMNS, rows)


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
