"""Untrusted SQLite files (an Anki package's collection, a snapshot being restored).

A database file is a program as much as data: a view can be a recursive query
that never ends, a trigger can rewrite tables the next time the file is
written, a generated column runs SQL on every read. :func:`open_untrusted`
opens such a file read-only and immutable and, before a single row is read:

* refuses views, triggers and generated columns (unless ``allow`` vouches for
  an exact definition, as the snapshot check does for TokenDeck's own triggers);
* installs an authorizer that lets through only reading (SELECT, column reads,
  a short list of functions and integrity pragmas) and refuses recursive
  queries, reads made on behalf of a view or trigger, ATTACH and every write;
* installs a progress handler that interrupts any statement once the read's
  :class:`~tokendeck.untrusted.budget.Budget` has run out of time, and caps
  the length of any value SQLite may build.

:func:`database_error` turns whatever sqlite3 raised into the right TokenDeck
error: out of time, refused by the authorizer, or damaged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from tokendeck.errors import ImportFormatError, TokenDeckError
from tokendeck.untrusted.budget import Budget
from tokendeck.untrusted.guard import printable

#: (type, name, sql) of a schema entry -> whether this caller trusts it anyway.
Allow = Callable[[str, str, str], bool]

#: Functions our own SELECTs call; nothing else may run.
READ_FUNCTIONS = frozenset({"count", "max", "min", "coalesce", "abs", "length", "typeof"})
_PRAGMAS = frozenset({"quick_check", "integrity_check"})
#: SQLite VM steps between two looks at the clock (about a millisecond).
_STEPS = 10_000


def _never(kind: str, name: str, sql: str) -> bool:
    return False


def open_untrusted(
    path: Path,
    *,
    budget: Budget,
    what: str,
    hint: str,
    kind: str = "a database",
    allow: Allow = _never,
) -> sqlite3.Connection:
    """Open ``path`` for reading under ``budget``.

    ``what`` names the database in errors and ``kind`` says what it should be
    (see :func:`database_error`); ``allow`` may vouch for views or triggers.
    """
    uri = f"{Path(path).resolve().as_uri()}?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise database_error(exc, budget=budget, what=what, hint=hint, kind=kind) from None
    try:
        _configure(conn, budget)
        _refuse_programs(conn, budget, (what, hint, kind), allow)
        conn.set_authorizer(_authorizer)
    except BaseException:
        conn.close()
        raise
    return conn


def _configure(conn: sqlite3.Connection, budget: Budget) -> None:
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, budget.limits.max_value_bytes)
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute("PRAGMA query_only = ON")
    conn.set_progress_handler(budget.expired, _STEPS)


def _refuse_programs(
    conn: sqlite3.Connection, budget: Budget, words: tuple[str, str, str], allow: Allow
) -> None:
    """Refuse views, triggers, virtual tables and generated columns not vouched for."""
    what, hint, kind = words
    try:
        entries = conn.execute("SELECT type, name, coalesce(sql, '') FROM sqlite_master").fetchall()
        for entry, name, sql in entries:
            if sql.lstrip()[:20].upper().startswith("CREATE VIRTUAL"):
                entry = "virtual table"
            if entry in ("view", "trigger", "virtual table") and not allow(entry, name, sql):
                raise ImportFormatError(
                    f"{what} holds a SQL {entry} ({name!r}); a file to read may hold only data",
                    path=budget.source,
                    hint=hint,
                )
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            # hidden 2 and 3: generated columns (computed by SQL on every read).
            for column in conn.execute("SELECT name, hidden FROM pragma_table_xinfo(?)", (name,)):
                if column[1] in (2, 3):
                    raise ImportFormatError(
                        f"{what} computes column {name}.{column[0]} with SQL; "
                        "a file to read may hold only data",
                        path=budget.source,
                        hint=hint,
                    )
    except sqlite3.Error as exc:
        raise database_error(exc, budget=budget, what=what, hint=hint, kind=kind) from None


def _authorizer(
    action: int, arg1: str | None, arg2: str | None, db: str | None, inner: str | None
) -> int:
    if inner is not None:  # on behalf of a view or trigger: none is trusted to run
        return sqlite3.SQLITE_DENY
    if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ):
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION:
        return sqlite3.SQLITE_OK if (arg2 or "").lower() in READ_FUNCTIONS else sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA:
        return sqlite3.SQLITE_OK if (arg1 or "").lower() in _PRAGMAS else sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_DENY  # recursive CTEs, ATTACH, writes, schema changes


def database_error(
    exc: BaseException, *, budget: Budget, what: str, hint: str, kind: str = "a database"
) -> TokenDeckError:
    """The TokenDeck error for an sqlite3 error met while reading an untrusted file.

    ``kind`` says what the file should have been ("an Anki database", "SQLite").
    """
    if budget.expired():
        return budget.timed_out()
    detail = printable(exc)
    if "not authorized" in detail:
        return ImportFormatError(
            f"{what} asks SQLite to do more than read data ({detail})",
            path=budget.source,
            hint=hint,
        )
    return ImportFormatError(
        f"{what} is damaged or not {kind} ({detail})", path=budget.source, hint=hint
    )
