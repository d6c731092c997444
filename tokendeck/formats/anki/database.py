"""The SQL that reads an Anki collection file extracted from a package.

This is a file format, not TokenDeck's storage, so its SQL lives here rather
than in ``tokendeck.storage``. Every statement is a fixed SELECT (no values
from the file are ever spliced into SQL), and the file is opened by
:func:`tokendeck.untrusted.databases.open_untrusted`: read-only and immutable,
with views, triggers, generated columns and recursive queries refused and the
read's time budget enforced by SQLite itself. Columns are read through
``CAST``/``coalesce`` because SQLite lets a damaged file put NULL or text in
any column: the reader always gets the types Anki promises.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tokendeck.errors import ImportFormatError, TokenDeckError
from tokendeck.untrusted.budget import Budget
from tokendeck.untrusted.databases import database_error, open_untrusted

NoteRow = tuple[int, str, int, str, str]
CardRow = tuple[int, int, int, int, int, int, int, int, int, int, int, int, int, str]

_ROWS = 4096
_HINT = "the package is damaged or was not made by Anki; export it again"


def _unicase(a: str, b: str) -> int:
    # Anki's tables declare COLLATE unicase; sqlite refuses to plan queries
    # on them unless a collation of that name exists.
    a, b = a.casefold(), b.casefold()
    return (a > b) - (a < b)


def _int(column: str) -> str:
    """SQL reading ``column`` as an integer whatever the file stored there (NULL: 0)."""
    return f"coalesce(CAST({column} AS INTEGER), 0)"


def _text(column: str) -> str:
    """SQL reading ``column`` as text whatever the file stored there (NULL: '')."""
    return f"coalesce(CAST({column} AS TEXT), '')"


class AnkiDatabase:
    """A read-only connection to one collection file, read within ``budget``."""

    def __init__(self, path: Path, *, budget: Budget) -> None:
        self.source = budget.source
        self.budget = budget
        self._conn = open_untrusted(
            path,
            budget=budget,
            what="the collection inside",
            hint=_HINT,
            kind="a readable Anki database",
        )
        self._conn.create_collation("unicase", _unicase)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def _error(self, exc: Exception) -> TokenDeckError:
        return database_error(
            exc,
            budget=self.budget,
            what="the collection inside",
            hint=_HINT,
            kind="a readable Anki database",
        )

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def _iter(self, sql: str) -> Iterator[Any]:
        # The cursor itself: iterating it is C code. Errors met while iterating
        # are translated by the caller (see reading.read).
        try:
            return self._conn.execute(sql)
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def error(self, exc: Exception) -> TokenDeckError:
        """An ImportFormatError for a database error met while reading rows."""
        return self._error(exc)

    def col_row(self) -> tuple[int, int, str, str, str, str]:
        """``(ver, crt, conf, models, decks, dconf)`` from the ``col`` table."""
        texts = ", ".join(_text(c) for c in ("conf", "models", "decks", "dconf"))
        rows = self._all(f"SELECT {_int('ver')}, {_int('crt')}, {texts} FROM col LIMIT 1")
        if not rows:
            raise ImportFormatError(
                "the collection has no 'col' row", path=self.source, record="table col"
            )
        ver, crt, conf, models, decks, dconf = rows[0]
        return int(ver), int(crt), str(conf), str(models), str(decks), str(dconf)

    def config_value(self, key: str) -> bytes | None:
        """A value of the schema-18 ``config`` table (JSON bytes), if present."""
        rows = self._all("SELECT CAST(val AS BLOB) FROM config WHERE KEY = ?", (key,))
        return bytes(rows[0][0]) if rows and rows[0][0] is not None else None

    def notetypes(self) -> list[tuple[int, str, bytes]]:
        """Schema 18: ``(id, name, config)`` of every note type."""
        return self._all("SELECT id, name, config FROM notetypes")

    def notetype_fields(self) -> list[tuple[int, int, str]]:
        """Schema 18: ``(ntid, ord, name)`` of every field, in order."""
        return self._all("SELECT ntid, ord, name FROM fields ORDER BY ntid, ord")

    def templates(self) -> list[tuple[int, int, str, bytes]]:
        """Schema 18: ``(ntid, ord, name, config)`` of every card template, in order."""
        return self._all("SELECT ntid, ord, name, config FROM templates ORDER BY ntid, ord")

    def decks(self) -> list[tuple[int, str, bytes]]:
        """Schema 18: ``(id, name, kind)`` of every deck."""
        return self._all("SELECT id, name, kind FROM decks")

    def deck_configs(self) -> list[tuple[int, str, bytes]]:
        """Schema 18: ``(id, name, config)`` of every deck option group."""
        return self._all("SELECT id, name, config FROM deck_config")

    def notes(self) -> Iterator[NoteRow]:
        """``(id, guid, mid, tags, flds)`` of every note, oldest first."""
        return self._iter(
            f"SELECT {_int('id')}, {_text('guid')}, {_int('mid')}, {_text('tags')}, {_text('flds')}"
            " FROM notes ORDER BY id"
        )

    def cards(self) -> Iterator[CardRow]:
        """Every card, grouped by note and ordered by template ordinal."""
        numbers = ", ".join(
            _int(c) for c in ("did", "ord", "type", "queue", "due", "ivl", "left", "reps", "lapses")
        )
        return self._iter(
            f"SELECT {_int('id')}, {_int('nid')}, {numbers}, {_int('odue')}, {_int('odid')},"
            f" {_text('data')} FROM cards ORDER BY nid, ord"
        )

    def revlog_count(self) -> int:
        """How many review-log rows there are (refusing a ``revlog`` that is not a table)."""
        kind = self._all("SELECT type FROM sqlite_master WHERE name = 'revlog'")
        if not kind or kind[0][0] != "table":
            raise ImportFormatError(
                "the collection has no review-log table",
                path=self.source,
                record="table revlog",
                hint="the package is damaged or was not made by Anki; export it again",
            )
        return int(self._all("SELECT count(*) FROM revlog")[0][0])

    def last_answers(self) -> dict[int, float]:
        """card id -> epoch seconds of its last answer (manual entries aside), in one pass."""
        # NOT INDEXED: one sequential scan and a hash of groups beats walking
        # ix_revlog_cid with a random table read per row.
        rows = self._all(
            "SELECT cid, max(id) FROM revlog NOT INDEXED"
            " WHERE ease != 0 AND type NOT IN (4, 5) GROUP BY cid"
        )
        return {cid: last / 1000 for cid, last in rows}


def history_select(*, v1: bool) -> str:
    """The SELECT that gives an attached Anki file's revlog as interchange HISTORY_COLUMNS.

    It is scheduling.revlog_meaning written in SQL (a test checks the two agree
    on every code), so a million rows are converted by SQLite, not Python:
    manual entries (ease 0, type 4/5) have rating 0 and no states, except
    "Forget" (factor 0) which leaves the card new; v1 learning eases 2/3 are
    Good/Easy; a card's first learning answer starts from new.
    """
    manual = "(r.ease = 0 OR r.type IN (4, 5))"
    shift = "r.type IN (0, 2) AND r.ease IN (2, 3)" if v1 else "0"
    first = "r.id = (SELECT min(f.id) FROM source.revlog f WHERE f.cid = r.cid)"
    return (
        "SELECT r.cid, r.id,"
        f" CASE WHEN {manual} THEN 0 WHEN {shift} THEN r.ease + 1 ELSE r.ease END,"
        " max(r.time, 0),"
        f" CASE WHEN {manual} THEN 'manual' WHEN r.type = 0 THEN 'learn'"
        " WHEN r.type = 2 THEN 'relearn' WHEN r.type = 3 THEN 'filtered' ELSE 'review' END,"
        " CASE WHEN r.ivl >= 0 THEN r.ivl ELSE -r.ivl / 86400.0 END,"
        f" CASE WHEN {manual} OR r.type = 3 THEN NULL"
        f" WHEN r.type = 0 THEN CASE WHEN {first} THEN 'new' ELSE 'learning' END"
        " WHEN r.type = 2 THEN 'relearning' ELSE 'review' END,"
        f" CASE WHEN {manual} THEN CASE WHEN r.type IN (4, 5) AND r.factor = 0 THEN 'new' END"
        " WHEN r.ivl > 0 THEN 'review' WHEN r.type = 0 THEN 'learning' ELSE 'relearning' END,"
        " NULL, NULL"
        " FROM source.revlog r ORDER BY r.id"
    )
