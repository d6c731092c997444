"""Searching notes: the search language as SQL, and the trigram index behind it.

Words of three or more characters are answered by the trigram full-text
index (a real index, not a scan); shorter words fall back to LIKE on the
rows the other filters leave. On SQLite the index is an FTS5 trigram table;
on PostgreSQL a pg_trgm GIN index over the searched text (migration 2), asked
with ``ILIKE`` of the same expression, which it keeps up to date by itself.

Keeping the index in step with the notes, cheaply for bulk imports:

Triggers index each note as it is written, edited or deleted, which is right
for cards added one at a time. For a large import, per-row indexing costs far
more than the import itself (tens of seconds at 100,000 notes), so a bulk
insert marks the index stale instead, and the next search rebuilds it in one
pass, inside a transaction. Searches never see a stale index.

While the index is stale its three triggers are gone, not only the insert one:
the edit and delete triggers tell the index to forget a note's old text, and an
external-content FTS5 index asked to forget text it never held is corrupted
("database disk image is malformed"), so an edit or delete of a note the bulk
import wrote would fail until the next search. The rebuild reads every note as
it is then and puts the triggers back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokendeck.domain.cards import Card, CardState
from tokendeck.domain.notes import Note
from tokendeck.domain.search import SearchQuery
from tokendeck.storage.database import POSTGRESQL, Database
from tokendeck.storage.rows import CARD_READ_COLUMNS, NOTE_COLUMNS, card_from_row, note_from_row
from tokendeck.storage.table import Table

#: Trigrams need three characters; shorter words are matched with LIKE.
MIN_INDEX_WORD = 3

#: Sort orders: the key expressions of each, and whether each runs downwards. The
#: card id ends every key, so a key names exactly one row (what keyset paging needs).
KEYS: dict[str, tuple[tuple[str, bool], ...]] = {
    "due": (("c.due", False), ("c.id", False)),
    "created": (("c.id", False),),
    "front": (("n.front COLLATE NOCASE", False), ("c.id", False)),
    "deck": (("d.name", False), ("c.id", False)),
    # a new card has no stability: -1 sorts it last, as NULL did
    "interval": (("coalesce(c.stability, -1)", True), ("c.id", False)),
    "lapses": (("c.lapses", True), ("c.id", False)),
}

#: The text the PostgreSQL trigram index covers (migration 2); \x01 keeps a phrase in
#: one column, as FTS5 does.
PG_INDEXED_TEXT = "(front || chr(1) || back || chr(1) || tags)"


def _order_by(order: str, reverse: bool = False) -> str:
    keys = KEYS.get(order, KEYS["due"])
    return ", ".join(f"{expr} {'DESC' if down != reverse else 'ASC'}" for expr, down in keys)


ORDERS = {name: _order_by(name) for name in KEYS}


#: The tables a search joins. In a SQLite file ids are unique across users, and naming
#: the user in the joins lets SQLite look each hit's cards up through cards_due (every
#: card of the user, for each hit) instead of by note; on PostgreSQL ids are unique per
#: user, and a sharded database joins within the user's shard, so the joins name the user.
_JOINED = "cards c JOIN notes n ON n.id=c.note_id JOIN decks d ON d.id=c.deck_id"
_PG_JOINED = (
    "cards c JOIN notes n ON n.id=c.note_id AND n.user_id=c.user_id"
    " JOIN decks d ON d.id=c.deck_id AND d.user_id=c.user_id"
)


def _fts_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _like_literal(word: str) -> str:
    """``word`` matched literally by PostgreSQL's LIKE (backslash is its escape character)."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Search(Table):
    """A user's cards found by a search (see :mod:`tokendeck.domain.search`)."""

    __slots__ = ()

    def where(
        self,
        query: SearchQuery,
        deck_ids: list[int] | None,
        today: int,
        end_ms: int,
        *,
        rebuild: bool = True,
    ) -> tuple[str, list[Any]]:
        """SQL condition and parameters over ``cards c JOIN notes n JOIN decks d``.

        Brings the full-text index up to date first if the query will use it; with
        ``rebuild`` False a stale index is left to whoever rebuilds it (a web server's
        worker) and the words are matched by scanning the notes meanwhile.
        """
        scan = False
        if any(len(w) >= MIN_INDEX_WORD for w in query.words):
            if rebuild:
                ensure_current(self.db)
            else:
                scan = is_stale(self.db)
        return where_clause(
            query,
            self.user,
            deck_ids,
            today,
            end_ms,
            scan=scan,
            server=self.db.dialect == POSTGRESQL,
        )

    def ids(self, where: str, params: list[Any], *, order: str = "due") -> list[int]:
        """Ids of the matching cards only: for bulk actions and large result sets."""
        sql, params = _select(self._joined, "c.id", where, params, order, None, 0)
        return [r[0] for r in self.db.fetchall(sql, params)]

    def cards_with_notes(
        self,
        where: str,
        params: list[Any],
        *,
        order: str = "due",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[tuple[Card, Note]]:
        """Cards matching a clause, each with its note, in one query (no query per card)."""
        columns = f"{_CARD_SELECT}, {_NOTE_SELECT}"
        sql, params = _select(self._joined, columns, where, params, order, limit, offset)
        width = len(CARD_READ_COLUMNS.split(","))
        return [
            (card_from_row(r[:width]), note_from_row(r[width:]))
            for r in self.db.fetchall(sql, params)
        ]

    def page(
        self,
        where: str,
        params: list[Any],
        *,
        order: str,
        reverse: bool,
        after: Sequence[Any] | None,
        limit: int,
    ) -> tuple[list[tuple[Card, Note]], list[Any] | None]:
        """One page of matches after the row whose sort key is ``after`` (keyset paging:
        as fast on page 1,000 as on page 1, and no row is skipped or repeated when rows
        before it change). Returns the page and the key of its last row, if more follow."""
        keys = KEYS.get(order, KEYS["due"])
        clauses, values = [where], list(params)
        if after is not None:
            clause, bound = _after(keys, reverse, after)
            clauses.append(clause)
            values += bound
        expressions = ", ".join(expr for expr, _ in keys)
        columns = f"{_CARD_SELECT}, {_NOTE_SELECT}, {expressions}"
        sql = (
            f"SELECT {columns} FROM {self._joined} WHERE {' AND '.join(clauses)}"
            f" ORDER BY {_order_by(order, reverse)} LIMIT ?"
        )
        rows = self.db.fetchall(sql, [*values, limit + 1])
        width = len(CARD_READ_COLUMNS.split(","))
        notes_end = width + len(NOTE_COLUMNS.split(","))
        found = [(card_from_row(r[:width]), note_from_row(r[width:notes_end])) for r in rows]
        more = len(rows) > limit
        last = list(rows[limit - 1][notes_end:]) if more and limit > 0 else None
        return found[:limit], last

    def count(self, where: str, params: list[Any]) -> int:
        """How many cards match."""
        return int(self.db.scalar(f"SELECT count(*) FROM {self._joined} WHERE {where}", params))

    @property
    def _joined(self) -> str:
        return _PG_JOINED if self.db.dialect == POSTGRESQL else _JOINED


def where_clause(
    query: SearchQuery,
    user: int,
    deck_ids: list[int] | None,
    today: int,
    end_ms: int,
    *,
    scan: bool = False,
    server: bool = False,
) -> tuple[str, list[Any]]:
    """SQL condition and parameters over ``cards c JOIN notes n JOIN decks d``.

    ``scan``: match every word with LIKE, for while the index is stale; ``server``: for
    PostgreSQL (its trigram index instead of SQLite's FTS5 table).
    """
    long_words = [] if scan else [w for w in query.words if len(w) >= MIN_INDEX_WORD]
    # With index words, the join must start from the index hits: a plain
    # "c.user_id=?" lets SQLite walk every card of the user through cards_due
    # and probe the hit list for each one (seconds at 100,000 cards). The unary
    # "+" keeps that index out of the plan.
    parts = ["+c.user_id=?" if long_words and not server else "c.user_id=?"]
    params: list[Any] = [user]
    if long_words and server:
        found = " AND ".join(f"{PG_INDEXED_TEXT} LIKE ?" for _ in long_words)
        parts.append(f"c.note_id IN (SELECT id FROM notes WHERE user_id=? AND {found})")
        params += [user, *(f"%{_like_literal(w)}%" for w in long_words)]
    elif long_words:
        parts.append("c.note_id IN (SELECT rowid FROM notes_fts WHERE notes_fts MATCH ?)")
        params.append(" AND ".join(_fts_phrase(w) for w in long_words))
    for word in (w for w in query.words if w not in long_words):
        parts.append("(n.front LIKE ? OR n.back LIKE ? OR n.tags LIKE ?)")
        params += [f"%{word}%"] * 3
    for tag in query.tags:
        parts.append("n.tags LIKE ?")
        params.append(f"% {tag} %")
    for tag in query.not_tags:
        parts.append("n.tags NOT LIKE ?")
        params.append(f"% {tag} %")
    if deck_ids is not None:
        parts.append(f"c.deck_id IN ({', '.join('?' for _ in deck_ids)})")
        params += deck_ids
    if query.states:
        parts.append(f"c.state IN ({', '.join('?' for _ in query.states)})")
        params += [int(s) for s in query.states]
    for flag in query.flags:
        sql, values = _flag(flag, today, end_ms)
        parts.append(sql)
        params += values
    for flag in query.not_flags:
        sql, values = _flag(flag, today, end_ms)
        parts.append(f"NOT ({sql})")
        params += values
    if query.flag_numbers:
        parts.append(f"c.flag IN ({', '.join('?' for _ in query.flag_numbers)})")
        params += query.flag_numbers
    if query.not_flag_numbers:
        parts.append(f"c.flag NOT IN ({', '.join('?' for _ in query.not_flag_numbers)})")
        params += query.not_flag_numbers
    return " AND ".join(parts), params


def _after(
    keys: tuple[tuple[str, bool], ...], reverse: bool, after: Sequence[Any]
) -> tuple[str, list[Any]]:
    """``(k1 > v1) OR (k1 = v1 AND k2 > v2) ...``, each ``>`` a ``<`` where the key runs
    downwards (the direction the page goes)."""
    if len(after) != len(keys):
        raise ValueError("the cursor does not fit this order")
    alternatives, values = [], []
    for n, (expr, down) in enumerate(keys):
        equal = [f"{e} = ?" for e, _ in keys[:n]]
        step = f"{expr} {'<' if down != reverse else '>'} ?"
        alternatives.append("(" + " AND ".join([*equal, step]) + ")")
        values += [*after[:n], after[n]]
    return "(" + " OR ".join(alternatives) + ")", values


def _flag(flag: str, today: int, end_ms: int) -> tuple[str, list[Any]]:
    if flag == "due":
        return "(c.state!=? AND c.due<?)", [int(CardState.NEW), end_ms]
    if flag == "new":
        return "c.state=?", [int(CardState.NEW)]
    if flag == "learning":
        return "c.state IN (?, ?)", [int(CardState.LEARNING), int(CardState.RELEARNING)]
    if flag == "review":
        return "c.state=?", [int(CardState.REVIEW)]
    if flag == "suspended":
        return "c.suspended=1", []
    if flag == "buried":
        return "(c.buried_until IS NOT NULL AND c.buried_until>?)", [today]
    return "n.tags LIKE ?", ["% leech %"]  # leech


_CARD_SELECT = ", ".join(f"c.{col.strip()}" for col in CARD_READ_COLUMNS.split(","))
_NOTE_SELECT = ", ".join(f"n.{col.strip()}" for col in NOTE_COLUMNS.split(","))


def _select(
    joined: str,
    columns: str,
    where: str,
    params: list[Any],
    order: str,
    limit: int | None,
    offset: int,
) -> tuple[str, list[Any]]:
    sql = (
        f"SELECT {columns} FROM {joined} WHERE {where} ORDER BY {ORDERS.get(order, ORDERS['due'])}"
    )
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params = [*params, limit, offset]
    return sql, params


# -- the index --------------------------------------------------------------------------
#: Below this many rows, per-row indexing is cheaper than a later rebuild.
BULK_THRESHOLD = 2000

#: The triggers of migration 2, by name (CREATE ... IF NOT EXISTS: a stale
#: collection written before the triggers were dropped with the flag still has them).
_TRIGGERS = {
    "notes_fts_insert": """
CREATE TRIGGER IF NOT EXISTS notes_fts_insert AFTER INSERT ON notes BEGIN
    INSERT INTO notes_fts (rowid, front, back, tags)
    VALUES (new.id, new.front, new.back, new.tags);
END
""",
    "notes_fts_delete": """
CREATE TRIGGER IF NOT EXISTS notes_fts_delete AFTER DELETE ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, front, back, tags)
    VALUES ('delete', old.id, old.front, old.back, old.tags);
END
""",
    "notes_fts_update": """
CREATE TRIGGER IF NOT EXISTS notes_fts_update AFTER UPDATE OF front, back, tags ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, front, back, tags)
    VALUES ('delete', old.id, old.front, old.back, old.tags);
    INSERT INTO notes_fts (rowid, front, back, tags)
    VALUES (new.id, new.front, new.back, new.tags);
END
""",
}


def insert_notes_bulk(db: Database, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert many notes inside the caller's transaction, deferring their indexing (SQLite)."""
    if len(rows) >= BULK_THRESHOLD and db.dialect != POSTGRESQL:
        # DDL is transactional in SQLite: if the import fails, the triggers come back too.
        mark_stale(db)
    db.executemany(sql, rows)


def update_notes_bulk(db: Database, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Update many notes, deferring their re-indexing the same way.

    Re-importing 20,000 notes took 6.7 s with per-row re-indexing; the rebuild takes 0.9 s.
    """
    insert_notes_bulk(db, sql, rows)


def mark_stale(db: Database) -> None:
    """Stop indexing note writes and record that the index must be rebuilt before a search."""
    for name in _TRIGGERS:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('search_index_stale', '1')"
        " ON CONFLICT (key) DO UPDATE SET value='1'"
    )


def is_stale(db: Database) -> bool:
    """Whether a bulk write left the index behind (never on PostgreSQL: its index keeps up)."""
    if db.dialect == POSTGRESQL:
        return False
    return db.scalar("SELECT value FROM meta WHERE key='search_index_stale'") == "1"


def ensure_current(db: Database) -> bool:
    """Rebuild the index if a bulk import left it stale; returns whether it did."""
    if not is_stale(db):
        return False
    with db.transaction():
        # 'rebuild' re-reads every note as it is now, including edits made while stale.
        db.execute("INSERT INTO notes_fts (notes_fts) VALUES ('rebuild')")
        for create in _TRIGGERS.values():
            db.execute(create)
        db.execute("DELETE FROM meta WHERE key='search_index_stale'")
    return True
