"""SQLite snapshots: a consistent, compacted copy of an open collection, and checking one.

``VACUUM INTO`` copies the database as of one read transaction, so a snapshot
taken while the collection is open is consistent (never half an answer) and
needs no lock beyond a reader's. It is also compacted: free pages are left
behind and the write-ahead log is folded in, so the copy is a single file.

A candidate snapshot (one about to be restored) is opened as an untrusted file
and checked before anything trusts it: SQLite's ``quick_check``, that it is a
TokenDeck collection, that its schema is not newer than this TokenDeck's and is
exactly the schema TokenDeck writes (no trigger or view of anyone else's), and
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
from tokendeck.storage.schema_check import is_own_schema, schema_problem
from tokendeck.untrusted.budget import Budget
from tokendeck.untrusted.databases import database_error, open_untrusted

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


def check_snapshot(path: Path, *, source: str, budget: Budget | None = None) -> SnapshotInfo:
    """Check a candidate snapshot file read-only; ``source`` names it in errors.

    The file is opened as untrusted (:func:`~tokendeck.untrusted.databases.open_untrusted`:
    no views or foreign triggers, no recursive queries, the read's time budget),
    and its schema must be exactly the one TokenDeck's migrations make
    (:mod:`tokendeck.storage.schema_check`). Raises :class:`ImportFormatError`
    for a damaged or foreign file and :class:`StorageError` for one written by
    a newer TokenDeck.
    """
    budget = budget or Budget(source=source)
    conn = open_untrusted(
        path,
        budget=budget,
        what="the collection inside",
        hint=_HINT,
        kind="SQLite",
        allow=is_own_schema,
    )
    try:
        with closing(conn):
            _integrity(conn, source)
            version = _schema_version(conn, source)
            steps = frozenset(r[0] for r in conn.execute("SELECT version FROM schema_migrations"))
            _check_schema(conn, source, steps)
            users = tuple(r[0] for r in conn.execute(_USERS_WITH_DATA).fetchall())
    except sqlite3.DatabaseError as exc:
        raise database_error(
            exc, budget=budget, what="the collection inside", hint=_HINT, kind="SQLite"
        ) from None
    return SnapshotInfo(version, users)


_HINT = "use another backup file (older ones are in the backups folder)"
_USERS_WITH_DATA = (
    "SELECT name FROM users u WHERE EXISTS (SELECT 1 FROM decks WHERE user_id=u.id)"
    " OR EXISTS (SELECT 1 FROM notes WHERE user_id=u.id)"
    " OR EXISTS (SELECT 1 FROM reviews WHERE user_id=u.id) ORDER BY name"
)


def _check_schema(conn: sqlite3.Connection, source: str, steps: frozenset[int]) -> None:
    rows = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    problem = schema_problem(rows, steps)
    if problem:
        raise ImportFormatError(
            f"the collection inside is not as TokenDeck writes it: {problem}",
            path=source,
            hint="the snapshot was changed after it was made; " + _HINT,
        )


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
