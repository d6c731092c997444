"""The database handle: what every rows object runs its SQL through, for either backend.

The SQL of :mod:`tokendeck.storage` is written once, in SQLite's spelling with
``?`` placeholders, against :class:`Database`. Two handles implement it:

* :class:`tokendeck.storage.sqlite.SQLiteDatabase`, the embedded default: one
  connection to one file;
* :class:`tokendeck.storage.postgres.PostgresDatabase`, the server backend: a
  connection pool shared by every user's handle, row-level security set per
  connection, and the few translations the portable subset needs (placeholders,
  ``LIKE``, ``RETURNING id``).

A statement that differs more than that between the two (the trigram search,
the bulk history copy, id allocation) is chosen by :attr:`Database.dialect`
in the rows object that owns it, never above this package.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, ClassVar

Row = tuple[Any, ...]
Params = Sequence[Any]

#: Values of :attr:`Database.dialect`.
SQLITE = "sqlite"
POSTGRESQL = "postgresql"


class Database(ABC):
    """One user's (or the schema's) way to the database: queries, statements, transactions."""

    #: ``"sqlite"`` or ``"postgresql"``: rows objects pick dialect-specific SQL by it.
    dialect: ClassVar[str]
    #: Where the data lives, for messages: a file path, or a URL without its password.
    location: str

    # -- queries -------------------------------------------------------------------------------
    @abstractmethod
    def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run a query and return every row."""

    @abstractmethod
    def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Run a query and return its first row, or None."""

    def scalar(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row (None when there is no row)."""
        row = self.fetchone(sql, params)
        return None if row is None else row[0]

    @abstractmethod
    def iterate(self, sql: str, params: Params = (), batch: int = 2000) -> Iterator[Row]:
        """Stream rows without holding them all in memory."""

    @abstractmethod
    def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; returns the new row's id for a one-row INSERT, else the row count."""

    @abstractmethod
    def changed(self, sql: str, params: Params = ()) -> int:
        """Run a statement; returns how many rows it inserted, updated or deleted."""

    @abstractmethod
    def executemany(self, sql: str, rows: Sequence[Params] | Iterator[Params]) -> None:
        """Run a statement once per parameter row."""

    def copy_in(
        self,
        table: str,
        columns: Sequence[str],
        rows: Iterator[Params],
        *,
        skip_duplicates: bool = False,
    ) -> int:
        """Append many rows to ``table`` (PostgreSQL streams them with COPY); returns the count.

        ``skip_duplicates``: a row that would break a unique constraint is left out
        instead of failing the whole (a sync receiving a review it already holds).
        """
        counted = 0

        def counting() -> Iterator[Params]:
            nonlocal counted
            for row in rows:
                counted += 1
                yield row

        marks = ", ".join("?" for _ in columns)
        verb = "INSERT OR IGNORE" if skip_duplicates else "INSERT"
        self.executemany(f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({marks})", counting())
        return counted

    @abstractmethod
    def script(self, sql: str) -> None:
        """Run several statements inside the current transaction (migrations)."""

    # -- transactions ----------------------------------------------------------------------------
    @abstractmethod
    def transaction(self) -> AbstractContextManager[Database]:
        """All-or-nothing: commit durably on success, roll back on any error (nests).

        A transaction is also a write lock: SQLite's is the whole file's, PostgreSQL's
        the user's, so two processes answering the same card never schedule it from
        the same stale state.
        """

    @abstractmethod
    def snapshot(self) -> AbstractContextManager[Database]:
        """Several reads that see one state of the database, holding no writer up.

        Inside a transaction it joins it; a transaction started inside one is refused.
        """

    @abstractmethod
    def bulk_writes(self) -> AbstractContextManager[None]:
        """Foreign keys unchecked where the backend allows it (enter before the transaction)."""

    # -- group commit: commits that do not wait for the disk, made durable together ---------
    def disk_wait_deferred(self) -> AbstractContextManager[None]:
        """Commits inside return before the disk has them; :meth:`sync_log` makes them durable.

        For a server's group commit: its event loop goes on while another thread
        waits for the disk. Enter outside a transaction. By default commits stay
        as they are (durable when they return): SQLite defers the wait
        (storage/sqlite.py), PostgreSQL's commit is the server's to make durable.
        """
        return nullcontext()

    @abstractmethod
    def sync_log(self) -> None:
        """Make every commit so far durable (any thread may call)."""

    @property
    @abstractmethod
    def in_transaction(self) -> bool:
        """Whether a :meth:`transaction` is open on this handle."""

    # -- the rest ----------------------------------------------------------------------------------
    @abstractmethod
    def data_version(self) -> int:
        """A number that changes whenever another connection commits (cache invalidation).

        Commits made through this handle leave it unchanged, as SQLite's
        ``PRAGMA data_version`` does.
        """

    @property
    @abstractmethod
    def total_changes(self) -> int:
        """Rows changed through this handle since it was opened."""

    @abstractmethod
    def another(self) -> Database:
        """A second handle on the same database (and user), for use from another thread.

        It reads what this handle has committed and may write (under the same locks).
        """

    # -- requests in worker threads (a PostgreSQL server) ------------------------------------
    @property
    def threads(self) -> int:
        """How many threads may use this handle at once, each in its own transaction.

        0 for a handle that belongs to one thread (SQLite's connection); on
        PostgreSQL half the pool, so that a thread holding one connection
        (:meth:`hold`) can still borrow a second one for the shared tables.
        """
        return 0

    def hold(self) -> AbstractContextManager[None]:
        """This thread's statements share one connection until the block ends (PostgreSQL).

        By default nothing changes: SQLite's handle has one connection anyway.
        """
        return nullcontext()

    def scoped(self, user_id: int) -> Database:
        """This database as seen by ``user_id`` (PostgreSQL: row-level security follows it)."""
        del user_id  # one file, one connection: nothing to scope below the queries' own filter
        return self

    @abstractmethod
    def close(self) -> None:
        """Close the handle (idempotent)."""


def is_server_url(location: object) -> bool:
    """Whether ``location`` names a PostgreSQL database (``postgresql://...``), not a file."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))
