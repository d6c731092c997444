"""Opening a SQLite collection file: the connection, its settings, and the migrations.

The embedded default backend. Another backend (PostgreSQL) opens its own
connection handle the same way and hands it to :class:`~tokendeck.storage.Store`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tokendeck.errors import StorageError
from tokendeck.storage.database import Database
from tokendeck.storage.migrations import migrate


def open_database(path: str | Path) -> Database:
    """Open (creating if needed) a SQLite collection file and bring its schema up to date."""
    location = str(path)
    if location != ":memory:":
        _ensure_parent(Path(location))
    try:
        conn = sqlite3.connect(location, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise StorageError(
            f"cannot open {location}: {exc}",
            hint="choose another collection file",
            cli_hint="choose another --db path",
        ) from exc
    # isolation_level=None: we issue BEGIN ourselves; commit() still works.
    database = Database(conn, location)
    _configure(database)
    migrate(database)
    return database


def _configure(database: Database) -> None:
    database.fetchone("PRAGMA journal_mode=WAL")
    database.execute("PRAGMA synchronous=FULL")
    database.execute("PRAGMA foreign_keys=ON")
    database.execute("PRAGMA busy_timeout=5000")
    database.execute("PRAGMA cache_size=-16000")  # 16 MiB page cache


def _ensure_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"cannot create the folder for {path}: {exc.strerror}",
            hint="choose another collection file",
            cli_hint="choose another --db path or set TOKENDECK_DB",
        ) from exc
