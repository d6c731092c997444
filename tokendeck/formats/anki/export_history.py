"""A package's bulk history (:class:`interchange.ReviewSource`) as Anki ``revlog`` rows, in SQL.

The inverse of ``database.history_select``: the source is ATTACHed as
``source`` to the collection being written and converted by SQLite, so a
million answers never become Python objects. Rows are joined to a temporary
table mapping each source card key to the Anki card id the writer gave it.

Anki's revlog id is the answer's millisecond timestamp and must be unique;
two answers in one millisecond are nudged forward as Anki does: with rows in
time order, ``id_i = max(t_i, id_(i-1) + 1)``, i.e. ``i + max(t_j - j, j <= i)``.
One self-join finds whether any row needs that; only then does the copy pay
for the window function that computes it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tokendeck.transfer.package import HISTORY_COLUMNS, ReviewSource

_DAY = 86400
_MAX_TIME_MS = 2**31 - 1
_STARTING_EASE = 2500

#: Anki revlog type of each interchange review kind (unknown kinds count as review).
_TYPE = (
    "CASE h.kind WHEN 'learn' THEN 0 WHEN 'review' THEN 1 WHEN 'relearn' THEN 2"
    " WHEN 'filtered' THEN 3 WHEN 'manual' THEN 4 ELSE 1 END"
)
#: Whole days, or negative seconds for learning steps.
_IVL = (
    "CASE WHEN h.scheduled_days IS NULL THEN 0"
    " WHEN h.scheduled_days >= 1 THEN CAST(round(h.scheduled_days) AS INTEGER)"
    f" ELSE -CAST(round(h.scheduled_days * {_DAY}) AS INTEGER) END"
)

_STAGE = (
    "CREATE TEMP TABLE td_history AS WITH h({columns}) AS ({select})"
    " SELECT m.cid AS cid, h.reviewed_at_ms AS at,"
    " CASE WHEN h.kind = 'manual' THEN 0 ELSE h.rating END AS ease,"
    f" {_IVL} AS ivl,"
    # Factor 0 marks a learning step, or (on a manual entry) Anki's "Forget".
    " CASE WHEN h.kind = 'learn' OR (h.kind = 'manual' AND h.state_after = 'new') THEN 0"
    f" ELSE {_STARTING_EASE} END AS factor,"
    f" min(max(h.duration_ms, 0), {_MAX_TIME_MS}) AS time,"
    f" {_TYPE} AS type"
    " FROM h CROSS JOIN temp.td_card_keys AS m ON m.key = h.card_key"
)
_UNIQUE_ID = "rowid + max(at - rowid) OVER (ORDER BY rowid ROWS UNBOUNDED PRECEDING)"
#: The staged rows again, by card and time, with their final ids: each row's
#: predecessor (rowid - 1) is then the card's previous answer, or another card.
_BY_CARD = (
    "CREATE TEMP TABLE td_by_card AS SELECT {id} AS id, cid, ease, ivl, factor, time, type"
    " FROM temp.td_history ORDER BY cid, rowid"
)
#: lastIvl is the card's previous ivl (0 for its first answer); a self-join on
#: rowid costs less than lag() over a million rows.
_ROWS = (
    "SELECT h.id, h.cid, -1, h.ease, h.ivl, CASE WHEN p.cid = h.cid THEN p.ivl ELSE 0 END,"
    " h.factor, h.time, h.type FROM temp.td_by_card h"
    " LEFT JOIN temp.td_by_card p ON p.rowid = h.rowid - 1"
)
_COPY = "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) " + _ROWS
_CLASHES = (
    "SELECT 1 FROM temp.td_history a JOIN temp.td_history b ON b.rowid = a.rowid + 1"
    " WHERE b.at <= a.at LIMIT 1"
)
RevlogRows = Callable[[list[tuple[Any, ...]]], None]


@contextmanager
def attached(conn: sqlite3.Connection, source: ReviewSource | None) -> Iterator[None]:
    """``source`` attached read-only while inside (enter outside any transaction)."""
    if source is None:
        yield
        return
    uri = f"{Path(source.path).resolve().as_uri()}?mode=ro"
    conn.execute("ATTACH ? AS source", (uri,))
    try:
        yield
    finally:
        conn.execute("DETACH source")


def copy_history(
    conn: sqlite3.Connection,
    source: ReviewSource,
    card_ids: Sequence[tuple[int, int]],
    insert_rows: RevlogRows,
) -> int:
    """Append the attached source's rows as revlog rows; returns how many.

    ``card_ids`` pairs each source card key with its Anki card id. When the
    revlog already has rows (a package with per-card lists too), the computed
    ids could clash with theirs, so the rows go through ``insert_rows``
    (the writer's row-by-row clash handling) instead.
    """
    conn.execute("CREATE TEMP TABLE td_card_keys (key INTEGER PRIMARY KEY, cid INTEGER)")
    try:
        conn.executemany("INSERT OR REPLACE INTO temp.td_card_keys VALUES (?, ?)", card_ids)
        conn.execute(_STAGE.format(columns=", ".join(HISTORY_COLUMNS), select=source.select))
        try:
            empty = conn.execute("SELECT 1 FROM revlog LIMIT 1").fetchone() is None
            clashes = empty and conn.execute(_CLASHES).fetchone() is not None
            conn.execute(_BY_CARD.format(id=_UNIQUE_ID if clashes else "at"))
            if empty:
                return conn.execute(_COPY).rowcount
            rows = conn.execute(_ROWS + " ORDER BY h.id").fetchall()
            insert_rows(rows)
            return len(rows)
        finally:
            conn.execute("DROP TABLE IF EXISTS temp.td_by_card")
            conn.execute("DROP TABLE temp.td_history")
    finally:
        conn.execute("DROP TABLE temp.td_card_keys")
