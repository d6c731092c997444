"""The PostgreSQL backend: a pooled connection handle per user, behind row-level security.

``open_postgres(url)`` gives the schema's handle (migrations, the users table);
:meth:`PostgresDatabase.scoped` gives each user's. All handles on one URL share
one psycopg connection pool (:class:`_Server`), so a server with a thousand
open collections holds a few connections, not a thousand.

What a handle does for every query:

* **who**: before a connection runs anything for a user it is set to that user
  (``app.user_id``, which the row-level security policies of
  :mod:`tokendeck.storage.pg_schema` compare with) and to the app's role (when
  the URL logs in as the owner, which could bypass the policies);
* **translation** of the portable SQL the rows objects write (SQLite's
  spelling): ``?`` placeholders, ``LIKE`` (case-insensitive in SQLite, so
  ``ILIKE`` here), ``COLLATE NOCASE``, ``INSERT OR IGNORE``, empty ``IN ()``
  lists, SQLite's ``NOT INDEXED`` hints dropped, ``RETURNING id``
  added to a one-row INSERT so :meth:`execute` returns the new id as SQLite's
  ``lastrowid`` does, and an id sequence moved past ids a bulk insert chose;
* **transactions**: ``BEGIN`` bumps the user's row of ``user_changes``, which
  both locks out the user's other writers until the commit (SQLite's
  ``BEGIN IMMEDIATE``, per user) and is the counter behind :meth:`data_version`;
  a statement run outside a transaction gets one of its own;
* **errors**: psycopg's exceptions become :class:`~tokendeck.errors.StorageError`.
"""

from __future__ import annotations

import os
import re
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.adapt import Loader
from psycopg_pool import ConnectionPool, PoolTimeout

from tokendeck.errors import DiskFullError, StorageError
from tokendeck.storage.database import POSTGRESQL, Database, Params, Row
from tokendeck.storage.migrations import (
    SCHEMA_VERSION,
    current_version,
    migrate,
    pending_versions,
)
from tokendeck.storage.pg_schema import APP_ROLE

#: Connections per pool (per URL and process), unless TOKENDECK_POOL_SIZE says otherwise.
DEFAULT_POOL_SIZE = 10

#: How long a write waits for the same user's other write (SQLite's busy_timeout).
LOCK_TIMEOUT = "5s"


# -- the shared pool ---------------------------------------------------------------------------
@dataclass
class _Server:
    """One pool per URL in this process, shared by every handle opened on it."""

    url: str
    location: str
    pool: ConnectionPool[psycopg.Connection[Row]]
    #: Role each connection switches to ("" for none: the URL's own role is the app's).
    act_as: str = ""
    #: Tables whose ``id`` is an identity column (a one-row INSERT returns its id).
    identity_tables: frozenset[str] = frozenset()
    handles: int = 0
    #: What each connection is set to now: (role, user id); skipped when already right.
    bound: weakref.WeakKeyDictionary[psycopg.Connection[Row], tuple[str, str]] = field(
        default_factory=weakref.WeakKeyDictionary
    )

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Row]]:
        """A pooled connection for the block (errors translated)."""
        try:
            with self.pool.connection() as conn:
                yield conn
        except PoolTimeout as exc:
            raise StorageError(
                f"the database {self.location} has no free connection",
                hint="try again in a moment, or raise TOKENDECK_POOL_SIZE",
            ) from exc
        except psycopg.Error as exc:
            raise translate_error(exc, self.location) from exc


_servers: dict[str, _Server] = {}
_servers_lock = threading.Lock()


def _server(url: str) -> _Server:
    with _servers_lock:
        server = _servers.get(url)
        if server is None:
            server = _open_server(url)
            _servers[url] = server
        server.handles += 1
        return server


def _open_server(url: str) -> _Server:
    location = redacted(url)
    try:  # one direct attempt first: a pool would retry quietly until its timeout
        psycopg.connect(url, connect_timeout=10).close()
    except psycopg.Error as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise StorageError(
            f"cannot connect to the database {location}: {detail}",
            hint="check the URL (TOKENDECK_DATABASE_URL or --database) and that "
            "PostgreSQL is running and accepts this user",
        ) from exc
    size = int(os.environ.get("TOKENDECK_POOL_SIZE") or DEFAULT_POOL_SIZE)
    pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
        url,
        min_size=1,
        max_size=max(size, 1),
        kwargs={"autocommit": True, "application_name": "tokendeck"},
        configure=_configure,
        open=False,
        timeout=30,
        name="tokendeck",
    )
    try:
        pool.open(wait=True, timeout=30)
    except (PoolTimeout, psycopg.Error) as exc:
        pool.close()
        raise StorageError(
            f"cannot connect to the database {location}",
            hint="check that PostgreSQL accepts more connections (max_connections)",
        ) from exc
    return _Server(url, location, pool)


def _release(server: _Server) -> None:
    with _servers_lock:
        server.handles -= 1
        if server.handles > 0:
            return
        if _servers.get(server.url) is server:
            del _servers[server.url]
    server.pool.close()


def _configure(conn: psycopg.Connection[Row]) -> None:
    conn.adapters.register_loader("numeric", _NumericLoader)
    conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")


class _NumericLoader(Loader):
    """``numeric`` (what sum() of integers gives) as int or float, as SQLite gives them."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        return int(text) if text.lstrip("-").isdigit() else float(text)


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        return "postgresql://(unreadable URL)"
    user = f"{info['user']}@" if info.get("user") else ""
    port = f":{info['port']}" if info.get("port") else ""
    return f"postgresql://{user}{info.get('host') or 'localhost'}{port}/{info.get('dbname') or ''}"


# -- opening -----------------------------------------------------------------------------------
def open_postgres(url: str) -> PostgresDatabase:
    """The schema's handle on the database at ``url``, migrated to this TokenDeck's schema.

    Migrating needs the tables' owner; a URL of the app's role finds the schema
    current or says who must migrate it. Every query made through the handles
    runs as the app's role, under row-level security.
    """
    server = _server(url)
    db = PostgresDatabase(server, None)
    try:
        if not server.identity_tables:  # once per pool: the schema is this process's now
            _prepare(db)
    except BaseException:
        db.close()
        raise
    return db


def _prepare(db: PostgresDatabase) -> None:
    server = db.server
    pending = pending_versions(db)
    if pending and not _may_migrate(db):
        steps = ", ".join(str(v) for v in pending)
        has = "has no schema" if current_version(db) == 0 else f"lacks schema steps {steps}"
        raise StorageError(
            f"the database {server.location} {has}; this TokenDeck needs schema {SCHEMA_VERSION}",
            hint="run `tokendeck server init` (or open it once) with the owner's URL",
        )
    migrate(db)  # applies what is pending; refuses a newer schema
    if _is_owner_or_superuser(db):
        server.act_as = APP_ROLE
    server.identity_tables = frozenset(
        r[0]
        for r in db.fetchall(
            "SELECT table_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND column_name = 'id' AND is_identity = 'YES'"
        )
    )


def _may_migrate(db: PostgresDatabase) -> bool:
    """Whether the URL's role can create tables here (the owner, or an empty database's)."""
    return bool(db.scalar("SELECT has_database_privilege(current_database(), 'CREATE')"))


def _is_owner_or_superuser(db: PostgresDatabase) -> bool:
    row = db.fetchone(
        "SELECT r.rolsuper OR r.rolbypassrls OR pg_has_role(current_user, c.relowner, 'USAGE')"
        " FROM pg_roles r, pg_class c WHERE r.rolname = current_user AND c.oid = 'notes'::regclass"
    )
    return bool(row and row[0])


# -- the handle --------------------------------------------------------------------------------
class _ThreadState(threading.local):
    """One thread's use of a handle: its transaction or snapshot, and a held connection."""

    conn: psycopg.Connection[Row] | None = None
    depth: int = 0
    reading: bool = False
    held: psycopg.Connection[Row] | None = None


class PostgresDatabase(Database):
    """One user's (or, without a user, the schema's) handle on a pooled PostgreSQL database."""

    dialect = POSTGRESQL

    def __init__(self, server: _Server, user_id: int | None) -> None:
        self.server = server
        self.location = server.location
        self.user_id = user_id
        #: This thread's open transaction, snapshot and held connection (see :meth:`hold`):
        #: one handle may serve several threads, each in its own transaction.
        self._local = _ThreadState()
        #: Transactions of this handle that bumped the user's change counter (kept ones).
        self._own_bumps = 0
        self._bumps_lock = threading.Lock()
        self._changes = 0
        self._closed = False

    # This thread's state (a transaction never spans threads).
    @property
    def _conn(self) -> psycopg.Connection[Row] | None:
        return self._local.conn

    @_conn.setter
    def _conn(self, conn: psycopg.Connection[Row] | None) -> None:
        self._local.conn = conn

    @property
    def _depth(self) -> int:
        return self._local.depth

    @_depth.setter
    def _depth(self, depth: int) -> None:
        self._local.depth = depth

    @property
    def _reading(self) -> bool:
        return self._local.reading

    @_reading.setter
    def _reading(self, reading: bool) -> None:
        self._local.reading = reading

    @property
    def threads(self) -> int:
        """Half the pool: each thread may hold a connection and borrow one more."""
        return max(1, self.server.pool.max_size // 2)

    def scoped(self, user_id: int) -> PostgresDatabase:
        """A handle of ``user_id`` on the same pool (close it as well).

        A handle that is already ``user_id``'s is returned as it is, so the server's
        tables and the user's collection can share one handle, and so one transaction.
        """
        if self.user_id == user_id:
            return self
        with _servers_lock:
            self.server.handles += 1
        return PostgresDatabase(self.server, user_id)

    def another(self) -> PostgresDatabase:
        """A second handle of this user on the same pool (for a collection of its own).

        Several threads may share one handle (each thread's transaction is its
        own); a second handle is for a second collection with caches of its own.
        """
        with _servers_lock:
            self.server.handles += 1
        return PostgresDatabase(self.server, self.user_id)

    # -- connections ------------------------------------------------------------------------------
    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Row]]:
        local = self._local
        mine = local.conn if local.conn is not None else local.held
        if mine is not None:
            yield mine
            return
        with self._borrowed() as conn:
            yield conn

    @contextmanager
    def _borrowed(self) -> Iterator[psycopg.Connection[Row]]:
        """A connection of the pool, set to this handle's user, for the block."""
        if self._closed:
            raise StorageError(f"the database {self.location} is closed", hint="open it again")
        with self.server.connection() as conn:
            self._bind(conn)
            yield conn

    @contextmanager
    def hold(self) -> Iterator[None]:
        """This thread's statements share one pooled connection until the block ends.

        A request of several statements then borrows (and sets to its user) one
        connection once instead of once per statement outside a transaction.
        Only for a block that does not wait for other requests (a worker thread's
        request): the connection is nobody else's meanwhile.
        """
        local = self._local
        if local.held is not None or local.conn is not None:
            yield
            return
        with self._borrowed() as conn:
            local.held = conn
            try:
                yield
            finally:
                local.held = None

    def _bind(self, conn: psycopg.Connection[Row]) -> None:
        """Set the connection's role and user for this handle, unless it is set already."""
        wanted = (self.server.act_as, "" if self.user_id is None else str(self.user_id))
        if self.server.bound.get(conn) == wanted:
            return
        conn.execute(
            "SELECT set_config('role', %s, false), set_config('app.user_id', %s, false)",
            (wanted[0] or "none", wanted[1]),
        )
        self.server.bound[conn] = wanted

    # -- queries ----------------------------------------------------------------------------------
    def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run a query and return every row."""
        statement = translate(sql, bool(params))
        try:
            with self._connection() as conn:
                return conn.execute(statement.text, _params(params)).fetchall()
        except psycopg.Error as exc:
            raise translate_error(exc, self.location) from exc

    def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Run a query and return its first row, or None."""
        statement = translate(sql, bool(params))
        try:
            with self._connection() as conn:
                return conn.execute(statement.text, _params(params)).fetchone()
        except psycopg.Error as exc:
            raise translate_error(exc, self.location) from exc

    def iterate(self, sql: str, params: Params = (), batch: int = 2000) -> Iterator[Row]:
        """Stream rows: a server-side cursor outside a transaction, batches inside one."""
        statement = translate(sql, bool(params))
        try:
            if self._conn is not None:
                cursor = self._conn.execute(statement.text, _params(params))
                while rows := cursor.fetchmany(batch):
                    yield from rows
                return
            with self._borrowed() as conn:  # its own: other statements may run meanwhile
                conn.execute("BEGIN")
                try:
                    with conn.cursor(name="tokendeck_rows") as named:
                        named.execute(statement.text, _params(params))
                        while rows := named.fetchmany(batch):
                            yield from rows
                finally:
                    conn.execute("COMMIT")
        except psycopg.Error as exc:
            raise translate_error(exc, self.location) from exc

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; a one-row INSERT returns the new id (as SQLite's lastrowid)."""
        if self._conn is None and self.user_id is not None:
            with self.transaction():  # the user's change counter and write lock
                return self.execute(sql, params)
        statement = translate(sql, bool(params))
        returning = statement.insert_into in self.server.identity_tables and not statement.sets_id
        text = statement.text + " RETURNING id" if returning else statement.text
        try:
            with self._connection() as conn:
                cursor = conn.execute(text, _params(params))
                if statement.sets_id and params:
                    self._advance_ids(conn, statement.insert_into, int(params[0]))
                count = max(cursor.rowcount, 0)
                self._changes += count
                if returning:
                    row = cursor.fetchone()
                    return 0 if row is None else int(row[0])
                return count
        except psycopg.Error as exc:
            raise translate_error(exc, self.location) from exc

    def changed(self, sql: str, params: Params = ()) -> int:
        """Run a statement; returns how many rows it inserted, updated or deleted."""
        if self._conn is None and self.user_id is not None:
            with self.transaction():
                return self.changed(sql, params)
        statement = translate(sql, bool(params))
        try:
            with self._connection() as conn:
                count = max(conn.execute(statement.text, _params(params)).rowcount, 0)
        except psycopg.Error as exc:
            raise translate_error(exc, self.location) from exc
        self._changes += count
        return count

    def executemany(self, sql: str, rows: Sequence[Params] | Iterator[Params]) -> None:
        """Run a statement once per parameter row (pipelined by psycopg)."""
        if self._conn is None and self.user_id is not None:
            with self.transaction():
                self.executemany(sql, rows)
            return
        statement = translate(sql, True)
        highest = [0]

        def watched() -> Iterator[Params]:
            for row in rows:
                highest[0] = max(highest[0], int(row[0]))
                yield row

        try:
            with self._connection() as conn, conn.cursor() as cursor:
                cursor.executemany(statement.text, watched() if statement.sets_id else rows)
                self._changes += max(cursor.rowcount, 0)
                if statement.sets_id and highest[0]:
                    self._advance_ids(conn, statement.insert_into, highest[0])
        except psycopg.Error as exc:
            raise translate_error(exc, self.location) from exc

    def copy_in(
        self,
        table: str,
        columns: Sequence[str],
        rows: Iterator[Params],
        *,
        skip_duplicates: bool = False,
    ) -> int:
        """Stream rows into ``table`` with ``COPY ... FROM STDIN`` (inside a transaction).

        PostgreSQL refuses COPY into a table under row-level security, so the rows
        are copied into a temporary table and moved over by one INSERT, which the
        policy checks.
        """
        if self._conn is None:
            with self.transaction():
                return self.copy_in(table, columns, rows, skip_duplicates=skip_duplicates)
        names = ", ".join(columns)
        counted = 0
        try:
            conn = self._conn
            conn.execute(
                f"CREATE TEMP TABLE tokendeck_copy ON COMMIT DROP AS"
                f" SELECT {names} FROM {table} WITH NO DATA".encode()
            )
            with (
                conn.cursor() as cursor,
                cursor.copy(f"COPY tokendeck_copy ({names}) FROM STDIN".encode()) as copy,
            ):
                for row in rows:
                    copy.write_row(row)
                    counted += 1
            move = f"INSERT INTO {table} ({names}) SELECT {names} FROM tokendeck_copy"
            if skip_duplicates:
                move += " ON CONFLICT DO NOTHING"
            conn.execute(move.encode())
            conn.execute(b"DROP TABLE tokendeck_copy")
        except psycopg.Error as exc:
            raise translate_error(exc, self.location) from exc
        self._changes += counted
        return counted

    def _advance_ids(self, conn: psycopg.Connection[Row], table: str, highest: int) -> None:
        """Move ``table``'s id sequence past ``highest`` (an id a bulk insert chose itself)."""
        if table not in self.server.identity_tables:
            return
        conn.execute(
            "SELECT setval(s, %s) FROM (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS s) q"
            " WHERE coalesce(pg_sequence_last_value(s), 0) < %s",
            (highest, table, highest),
        )

    def script(self, sql: str) -> None:
        """Run several statements (no parameters) inside the current transaction."""
        try:
            with self._connection() as conn:
                conn.execute(sql.encode())  # bytes: sent as it is, several statements allowed
        except psycopg.Error as exc:
            raise translate_error(exc, self.location) from exc

    # -- transactions -----------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """All-or-nothing; for a user, also that user's write lock and change counter bump."""
        if self._reading:  # it would be rolled back with the snapshot
            raise StorageError("a write was started inside a read-only snapshot")
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        with self._connection() as conn:
            self._begin(conn)
            self._conn, self._depth = conn, 1
            try:
                yield self
            except BaseException:
                self._conn, self._depth = None, 0
                self._rollback(conn)
                raise
            self._conn, self._depth = None, 0
            self._commit(conn)

    # A bump is counted as this handle's own while its transaction is open (so a
    # data_version() read inside it sees no change), and given back if it is undone.

    def _begin(self, conn: psycopg.Connection[Row]) -> None:
        if self.user_id is None:
            begin = "BEGIN"
        else:
            user = int(self.user_id)
            begin = (
                "BEGIN; INSERT INTO user_changes (user_id, version) VALUES"
                f" ({user}, 1) ON CONFLICT (user_id) DO UPDATE"
                " SET version = user_changes.version + 1"
            )
        try:
            conn.execute(begin.encode())
        except psycopg.Error as exc:
            with suppress(psycopg.Error):
                conn.execute("ROLLBACK")
            raise translate_error(exc, self.location) from exc
        if self.user_id is not None:
            with self._bumps_lock:
                self._own_bumps += 1

    def _commit(self, conn: psycopg.Connection[Row]) -> None:
        try:
            conn.execute("COMMIT")
        except psycopg.Error as exc:
            self._rollback(conn)
            raise translate_error(exc, self.location) from exc

    def _rollback(self, conn: psycopg.Connection[Row]) -> None:
        if self.user_id is not None:
            with self._bumps_lock:
                self._own_bumps -= 1  # the bump is undone with everything else
        with suppress(psycopg.Error):
            conn.execute("ROLLBACK")

    @contextmanager
    def snapshot(self) -> Iterator[Database]:
        """Several reads of one state: a read-only REPEATABLE READ transaction (no locks held)."""
        if self._depth:
            yield self
            return
        with self._connection() as conn:
            try:
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            except psycopg.Error as exc:
                raise translate_error(exc, self.location) from exc
            self._conn, self._depth, self._reading = conn, 1, True
            try:
                yield self
            finally:
                self._conn, self._depth, self._reading = None, 0, False
                with suppress(psycopg.Error):
                    conn.execute("ROLLBACK")

    @contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """Nothing to switch: PostgreSQL checks the bulk import's foreign keys as it goes."""
        yield

    def sync_log(self) -> None:
        """Nothing to do: a commit returns once PostgreSQL has it on its disk."""

    @property
    def in_transaction(self) -> bool:
        """Whether a :meth:`transaction` is open."""
        return self._depth > 0

    # -- the rest ---------------------------------------------------------------------------------
    def data_version(self) -> int:
        """The user's change counter less this handle's own bumps: moves on others' commits only."""
        if self.user_id is None:
            return 0
        version = self.scalar(
            "SELECT coalesce((SELECT version FROM user_changes WHERE user_id = ?), 0)",
            (self.user_id,),
        )
        return int(version) - self._own_bumps

    @property
    def total_changes(self) -> int:
        """Rows changed through this handle since it was opened."""
        return self._changes

    def close(self) -> None:
        """Give the handle's share of the pool back (idempotent); the last one closes it."""
        if self._closed:
            return
        self._closed = True
        _release(self.server)


def _params(params: Params) -> Params | None:
    return tuple(params) if params else None


# -- translation -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Statement:
    """A statement of the portable SQL, as psycopg runs it."""

    text: str
    #: Table of a one-row ``INSERT ... VALUES`` ("" otherwise).
    insert_into: str = ""
    #: Whether that INSERT gives the id itself (its first column and parameter).
    sets_id: bool = False


_INSERT = re.compile(
    r"\s*INSERT\s+INTO\s+(\w+)\s*\(\s*(\w+)[^)]*\)\s*VALUES\s*\(", re.IGNORECASE | re.DOTALL
)
_LIKE = re.compile(r"\bLIKE\b")
#: SQLite accepts an empty list (``IN ()``: nothing matches); PostgreSQL wants an empty array.
_NOT_IN_NOTHING = re.compile(r"\bNOT\s+IN\s*\(\s*\)")
_IN_NOTHING = re.compile(r"\bIN\s*\(\s*\)")
_NOT_INDEXED = re.compile(r"\s+NOT INDEXED\b")
#: SQLite's ASCII-only case folding; lower() of our "C"-collated text columns is the same.
_NOCASE = re.compile(r"([\w.]+)\s+COLLATE\s+NOCASE\b")
_OR_IGNORE = re.compile(r"^(\s*INSERT)\s+OR\s+IGNORE\b", re.IGNORECASE)


@lru_cache(maxsize=2048)
def translate(sql: str, with_params: bool) -> Statement:
    """SQLite's spelling to PostgreSQL's (cached: the same few hundred statements recur)."""
    text = _placeholders(sql) if with_params else sql
    text = _NOT_INDEXED.sub("", _LIKE.sub("ILIKE", text))
    text = _NOCASE.sub(r"lower(\1)", text)
    if _OR_IGNORE.match(text):
        text = _OR_IGNORE.sub(r"\1", text) + " ON CONFLICT DO NOTHING"
    text = _IN_NOTHING.sub("= ANY ('{}')", _NOT_IN_NOTHING.sub("<> ALL ('{}')", text))
    match = _INSERT.match(sql)
    if match is None or "RETURNING" in sql.upper() or "SELECT" in sql[match.end() :].upper():
        return Statement(text)
    return Statement(text, match.group(1).lower(), match.group(2).lower() == "id")


def _placeholders(sql: str) -> str:
    """``?`` to ``%s`` outside quotes, and every ``%`` doubled (psycopg's own marker)."""
    out: list[str] = []
    quote = ""
    for char in sql:
        if char == "%":
            out.append("%%")
            continue
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "?":
            out.append("%s")
            continue
        out.append(char)
    return "".join(out)


# -- errors ------------------------------------------------------------------------------------
def translate_error(exc: psycopg.Error, location: str) -> StorageError:
    """A psycopg error as the storage error the layers above understand."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, psycopg.errors.DiskFull):
        return DiskFullError(
            f"the database server's disk is full ({location})",
            hint="its administrator must free space; the change was not written",
        )
    if isinstance(exc, psycopg.errors.LockNotAvailable):
        return StorageError(
            f"the collection in {location} is busy",
            hint="another TokenDeck process is writing for this user; try again in a moment",
        )
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return StorageError(
            f"not allowed in {location}: {text}",
            hint="the app's role may only touch its own user's rows; schema changes need "
            "the owner (tokendeck server init)",
        )
    if isinstance(exc, psycopg.OperationalError):
        return StorageError(
            f"lost the connection to {location}: {text}",
            hint="check that PostgreSQL is running and reachable, then try again",
        )
    return StorageError(f"database error in {location}: {text}")
