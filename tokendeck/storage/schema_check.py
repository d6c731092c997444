"""Is an untrusted database file's schema exactly one TokenDeck writes?

A snapshot is a whole SQLite file, and its schema is code: a trigger added to
``cards`` would run on the next answer, a CHECK constraint or a DEFAULT on the
next write. Before a snapshot is trusted, every entry of its ``sqlite_master``
(tables, indexes, triggers, views, virtual tables) must be one that the
migrations up to its own schema version create, with the same SQL (compared
with whitespace collapsed). The search index's triggers may be missing (a bulk
import drops them until the index is rebuilt), nothing may be added or changed.
"""

from __future__ import annotations

import re
import sqlite3
from functools import cache

from tokendeck.storage.migrations import LEDGER, MIGRATIONS
from tokendeck.storage.search import _TRIGGERS
from tokendeck.storage.sqlite import SQLiteDatabase

Entry = tuple[str, str]  # (type, name)
#: Tables SQLite itself creates (ANALYZE, AUTOINCREMENT), with the SQL it gives them.
_SQLITE_TABLES = ("sqlite_stat1", "sqlite_stat4", "sqlite_sequence")


def normalized(sql: str | None) -> str:
    """SQL with whitespace collapsed (how far two CREATE statements may differ)."""
    text = re.sub(r"\s+", " ", sql or "").strip().rstrip(";").strip()
    return text.replace("IF NOT EXISTS ", "")


@cache
def reference(steps: frozenset[int]) -> dict[Entry, str]:
    """``(type, name) -> normalised SQL`` of every entry the migration ``steps`` make.

    By the steps a file records, not by its newest one: steps land in any order
    (a file may have 7 and 8 but not yet 6).
    """
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        db = SQLiteDatabase(conn, ":memory:")
        db.execute(LEDGER)
        for step in MIGRATIONS:
            if step.version in steps:
                step.apply(db)
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    finally:
        conn.close()
    return {(kind, name): normalized(sql) for kind, name, sql in rows}


def is_own_schema(kind: str, name: str, sql: str) -> bool:
    """Whether a trigger or virtual table is one of TokenDeck's own, word for word.

    (Everything else is compared by :func:`schema_problem` once the version is known.)
    """
    latest = reference(frozenset(step.version for step in MIGRATIONS))
    if kind == "virtual table":
        return normalized(sql) == latest.get(("table", name))
    if kind != "trigger":
        return False
    own = {normalized(text) for text in _TRIGGERS.values()}
    return normalized(sql) in own or normalized(sql) == latest.get(("trigger", name))


def schema_problem(rows: list[tuple[str, str, str | None]], steps: frozenset[int]) -> str | None:
    """What in ``rows`` (type, name, sql of sqlite_master) TokenDeck did not write, or None.

    ``steps``: the migration steps the file records having had.
    """
    expected = reference(steps)
    for kind, name, sql in rows:
        if kind == "table" and name in _SQLITE_TABLES:
            continue
        want = expected.get((kind, name))
        if want is None:
            return f"it has a {kind} {name!r} that TokenDeck does not create"
        if normalized(sql) != want:
            return f"its {kind} {name!r} is not defined as TokenDeck defines it"
    present = {(kind, name) for kind, name, _sql in rows}
    missing = [n for (k, n) in expected if (k, n) not in present and k != "trigger"]
    if missing:
        return f"it lacks {', '.join(sorted(missing))}"
    return None
