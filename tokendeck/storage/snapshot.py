"""SQLite snapshots: a consistent, compacted copy of an open collection, and checking one.

``VACUUM INTO`` copies the database as of one read transaction, so a snapshot
taken while the collection is open is consistent (never half an answer) and
needs no lock beyond a reader's. It is also compacted: free pages are left
behind and the write-ahead log is folded in, so the copy is a single file.

A candidate snapshot (one about to be restored) is opened read-only and
checked before anything trusts it: SQLite's ``quick_check``, that it is a
TokenDeck collection, that its schema is not newer than this TokenDeck's, and
which users it holds. Every failure is a :class:`~tokendeck.errors.StorageError`
or :class:`~tokendeck.errors.ImportFormatError` naming the file.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from tokendeck.errors import ImportFormatError, StorageError
from tokendeck.storage.database import SQLITE, Database
from tokendeck.storage.migrations import SCHEMA_VERSION

#: Tables every TokenDeck collection has (from migration 1 on), besides the bookkeeping.
_REQUIRED = ("schema_migrations", "users", "decks", "notes", "cards", "reviews")


@dataclass(frozen=True)
class SnapshotInfo:
    """What a checked snapshot holds."""

    schema_version: int
    #: Names of the users who own any deck, note or review.
    users: tuple[str, ...]


def write_snapshot(db: Database, target: Path) -> None:
    """Write a consistent, compacted copy of ``db`` to ``target`` (which must not exist)."""
    if db.dialect != SQLITE:
        raise StorageError(
            f"{db.location} is a PostgreSQL database: a snapshot copies a collection file",
            hint="back the server up with pg_dump or continuous archiving (docs/deploy.md), "
            "or export one user's collection with `tokendeck backup`",
        )
    try:
        db.execute("VACUUM INTO ?", (str(target),))
    except StorageError as exc:
        raise StorageError(
            f"cannot write a snapshot of {db.location} to {target}: {exc.message}",
            hint="check that the backups folder is writable and the disk has room",
        ) from exc


def row_counts(db: Database) -> tuple[int, int, int]:
    """How many notes, cards and reviews a database holds (every user's)."""
    return (
        int(db.scalar("SELECT count(*) FROM notes")),
        int(db.scalar("SELECT count(*) FROM cards")),
        int(db.scalar("SELECT count(*) FROM reviews")),
    )


def check_snapshot(path: Path, *, source: str) -> SnapshotInfo:
    """Check a candidate snapshot file read-only; ``source`` names it in errors.

    Raises :class:`ImportFormatError` for a damaged or foreign file and
    :class:`StorageError` for one written by a newer TokenDeck.
    """
    try:
        with closing(_open_read_only(path)) as conn:
            _integrity(conn, source)
            version = _schema_version(conn, source)
            users = tuple(r[0] for r in conn.execute(_USERS_WITH_DATA).fetchall())
    except sqlite3.DatabaseError as exc:
        raise _damaged(source, str(exc)) from None
    return SnapshotInfo(version, users)


_USERS_WITH_DATA = (
    "SELECT name FROM users u WHERE EXISTS (SELECT 1 FROM decks WHERE user_id=u.id)"
    " OR EXISTS (SELECT 1 FROM notes WHERE user_id=u.id)"
    " OR EXISTS (SELECT 1 FROM reviews WHERE user_id=u.id) ORDER BY name"
)


def _open_read_only(path: Path) -> sqlite3.Connection:
    # immutable=1: nothing else writes this temporary file, and no -wal/-shm is created.
    uri = f"{Path(path).resolve().as_uri()}?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True, isolation_level=None)


def _integrity(conn: sqlite3.Connection, source: str) -> None:
    rows = conn.execute("PRAGMA quick_check").fetchall()
    if [r[0] for r in rows] != ["ok"]:
        raise _damaged(source, "; ".join(str(r[0]) for r in rows[:3]))


def _schema_version(conn: sqlite3.Connection, source: str) -> int:
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    missing = [t for t in _REQUIRED if t not in names]
    if missing:
        raise ImportFormatError(
            f"the database is not a TokenDeck collection (no {', '.join(missing)} table)",
            path=source,
            hint="restore a backup made by TokenDeck, or import other files with "
            "`tokendeck import`",
        )
    version = int(
        conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]
    )
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"{source} was written by a newer TokenDeck (schema {version}, this one "
            f"knows {SCHEMA_VERSION})",
            hint="upgrade TokenDeck to restore it",
        )
    return version


def _damaged(source: str, detail: str) -> ImportFormatError:
    return ImportFormatError(
        f"the collection inside is damaged or not SQLite ({detail})",
        path=source,
        hint="use another backup file (older ones are in the backups folder)",
    )
