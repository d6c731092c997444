"""A thin database handle: connection, transactions, error translation.

SQLite runs in WAL mode with ``synchronous=FULL``: every committed transaction
is fsynced before ``commit`` returns, so an answered review survives a crash
or a power cut, at the price of one fsync per answer (as Anki pays).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from tokendeck.errors import StorageError

Row = tuple[Any, ...]
Params = Sequence[Any]


class Database:
    """One connection to the collection database."""

    dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection, location: str) -> None:
        self._conn = connection
        self.location = location
        self._depth = 0

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

    def scalar(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row (None when there is no row)."""
        row = self.fetchone(sql, params)
        return None if row is None else row[0]

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

        Nested use joins the outer transaction.
        """
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

    @property
    def total_changes(self) -> int:
        """Rows changed through this connection since it was opened."""
        return self._conn.total_changes

    def close(self) -> None:
        """Close the connection (idempotent)."""
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
        if "not a database" in text or "malformed" in text:
            return StorageError(
                f"{self.location} is not a TokenDeck collection or is damaged",
                hint="restore it from a backup, or open another collection",
                cli_hint="restore a backup with `tokendeck restore`, or choose another --db",
            )
        return StorageError(f"database error in {self.location}: {text}")
