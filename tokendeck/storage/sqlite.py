"""The embedded backend: a SQLite collection file, its connection handle and settings.

SQLite runs in WAL mode with ``synchronous=FULL``: every committed transaction
is fsynced before ``commit`` returns, so an answered review survives a crash
or a power cut, at the price of one fsync per answer (as Anki pays).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from tokendeck.errors import DiskFullError, StorageError
from tokendeck.storage.database import SQLITE, Database, Params, Row
from tokendeck.storage.migrations import migrate

#: How often :meth:`SQLiteDatabase.sync_log` checkpoints the log into the database file.
CHECKPOINT_SECONDS = 1.0


class SQLiteDatabase(Database):
    """One connection to a collection file."""

    dialect = SQLITE

    def __init__(self, connection: sqlite3.Connection, location: str) -> None:
        self._conn = connection
        self.location = location
        self._depth = 0
        self._reading = False
        self._log_fd: int | None = None
        self._sync_lock = threading.Lock()
        self._checkpoint_lock = threading.Lock()
        self._checkpointer: sqlite3.Connection | None = None
        self._checkpointed = time.monotonic()

    # -- queries -------------------------------------------------------------
    def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run a query and return every row."""
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Run a query and return its first row, or None."""
        try:
            row: Row | None = self._conn.execute(sql, params).fetchone()
            return row
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    def iterate(self, sql: str, params: Params = (), batch: int = 2000) -> Iterator[Row]:
        """Stream rows without holding them all in memory."""
        try:
            cursor = self._conn.execute(sql, params)
            while rows := cursor.fetchmany(batch):
                yield from rows
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; returns the last inserted row id (or the row count)."""
        try:
            cursor = self._conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        return cursor.lastrowid if cursor.lastrowid else cursor.rowcount

    def changed(self, sql: str, params: Params = ()) -> int:
        """Run a statement; returns how many rows it inserted, updated or deleted."""
        try:
            return int(self._conn.execute(sql, params).rowcount)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    def executemany(self, sql: str, rows: Sequence[Params] | Iterator[Params]) -> None:
        """Run a statement once per parameter row."""
        try:
            self._conn.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    def script(self, sql: str) -> None:
        """Run several statements inside the current transaction (migrations).

        ``executescript`` would commit first, which breaks all-or-nothing
        migrations, so statements are split (triggers included) and run one by one.
        """
        pending = ""
        for line in sql.splitlines(keepends=True):
            pending += line
            if sqlite3.complete_statement(pending):
                self.execute(pending)
                pending = ""
        if pending.strip():
            self.execute(pending)

    # -- transactions ---------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """All-or-nothing: commit (durably) on success, roll back on any error.

        Nested use joins the outer transaction. ``BEGIN IMMEDIATE`` takes the
        file's write lock at once, so what is read inside is what is written over.
        """
        if self._reading:  # it would be rolled back with the snapshot
            raise StorageError("a write was started inside a read-only snapshot")
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            self._conn.rollback()
            raise
        self._depth = 0
        self._commit()

    # -- group commit: commits that do not wait for the disk, made durable together ---------
    @contextmanager
    def disk_wait_deferred(self) -> Iterator[None]:
        """Commits inside return before the disk has them; :meth:`sync_log` makes them durable.

        For a server's group commit: its event loop goes on while the log is
        synced in another thread, and an answer is acknowledged only after that
        sync. SQLite's WAL is then written at ``synchronous=NORMAL`` (still synced
        around checkpoints) and :meth:`sync_log` syncs the WAL file itself, which
        is what ``synchronous=FULL`` does at each commit. Enter outside a transaction.
        """
        if self._depth or self.location == ":memory:":
            yield
            return
        # Checkpoints (copying the log into the file, with syncs) are left to sync_log's
        # thread too: at commit time they would hold the loop up for tens of milliseconds.
        self.execute("PRAGMA synchronous=NORMAL")
        self.execute("PRAGMA wal_autocheckpoint=0")
        try:
            yield
        finally:
            self.execute("PRAGMA wal_autocheckpoint=1000")
            self.execute("PRAGMA synchronous=FULL")

    def sync_log(self) -> None:
        """Make every commit so far durable: sync the write-ahead log (any thread may call).

        Once a second it also checkpoints the log into the database file, on a
        connection of its own (commits made inside :meth:`disk_wait_deferred` do not).
        """
        if self.location == ":memory:":
            return
        with self._sync_lock:
            if self._log_fd is None:
                try:
                    self._log_fd = os.open(self.location + "-wal", os.O_RDONLY)
                except OSError:  # no log yet: nothing was committed through it
                    return
        os.fdatasync(self._log_fd)
        # One checkpoint at a time, and never in the way of the next batch's sync.
        due = time.monotonic() - self._checkpointed > CHECKPOINT_SECONDS
        if due and self._checkpoint_lock.acquire(blocking=False):
            try:
                self._checkpoint()
            finally:
                self._checkpoint_lock.release()

    def _checkpoint(self) -> None:
        if self._checkpointer is None:
            self._checkpointer = sqlite3.connect(
                self.location, isolation_level=None, check_same_thread=False
            )
            self._checkpointer.execute("PRAGMA busy_timeout=5000")
        # PASSIVE: copies what it can without waiting for readers or the writer.
        self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        self._checkpointed = time.monotonic()

    @contextmanager
    def snapshot(self) -> Iterator[Database]:
        """Several reads that see one state of the file (writers are not held up).

        In WAL mode a deferred transaction reads one snapshot and takes no write
        lock; inside a transaction it joins it.
        """
        if self._depth:
            yield self
            return
        try:
            self._conn.execute("BEGIN")
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        self._depth, self._reading = 1, True
        try:
            yield self
        finally:
            self._depth, self._reading = 0, False
            self._conn.rollback()  # nothing was written: ending it is all there is to do

    @contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """Foreign keys unchecked while inside: for a bulk import that made every id it uses.

        Checking three references per card row costs a third of inserting it. An
        import that allocates its note ids and creates its decks itself cannot
        break them, so the check buys nothing there. SQLite only switches it
        outside a transaction: enter this first (inside one it changes nothing).
        """
        if self._depth:
            yield
            return
        self.execute("PRAGMA foreign_keys=OFF")
        try:
            yield
        finally:
            self.execute("PRAGMA foreign_keys=ON")

    @property
    def in_transaction(self) -> bool:
        """Whether a :meth:`transaction` is open."""
        return self._depth > 0

    def _begin(self) -> None:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    def _commit(self) -> None:
        try:
            self._conn.commit()
        except sqlite3.Error as exc:
            self._conn.rollback()
            raise self._error(exc) from exc

    # -- the rest -------------------------------------------------------------
    def another(self) -> Database:
        """A second connection to the file (WAL: it reads while this one writes)."""
        if self.location == ":memory:":  # a second connection would see another database
            raise StorageError("an in-memory collection cannot be opened twice")
        return open_sqlite(self.location)

    def data_version(self) -> int:
        """Changes whenever another connection commits to the file (SQLite's own counter)."""
        return int(self.scalar("PRAGMA data_version"))

    @property
    def total_changes(self) -> int:
        """Rows changed through this connection since it was opened."""
        return self._conn.total_changes

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._log_fd is not None:
            with suppress(OSError):
                os.close(self._log_fd)
            self._log_fd = None
        if self._checkpointer is not None:
            with suppress(sqlite3.Error):
                self._checkpointer.close()
            self._checkpointer = None
        with suppress(sqlite3.Error):  # closing twice or after a failure is harmless
            self._conn.close()

    def _error(self, exc: sqlite3.Error) -> StorageError:
        text = str(exc)
        if "locked" in text or "busy" in text:
            return StorageError(
                f"the collection {self.location} is busy",
                hint="another TokenDeck process is writing; try again in a moment",
            )
        if "readonly" in text:
            return StorageError(
                f"cannot write to {self.location}", hint="check the file's permissions"
            )
        if "disk is full" in text or "database or disk is full" in text:
            return DiskFullError(
                f"the disk holding {self.location} is full",
                hint="free some space and try again; the change was not written, nothing was lost",
            )
        if "not a database" in text or "malformed" in text:
            return StorageError(
                f"{self.location} is not a TokenDeck collection or is damaged",
                hint="restore it from a backup, or open another collection",
                cli_hint="restore a backup with `tokendeck restore`, or choose another --db",
            )
        return StorageError(f"database error in {self.location}: {text}")


def open_sqlite(path: str | Path) -> Database:
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
    database = SQLiteDatabase(conn, location)
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
