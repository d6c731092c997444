"""Turning a :class:`tokendeck.domain.search.SearchQuery` into SQL.

Words of three or more characters are answered by the trigram full-text
index (a real index, not a scan); shorter words fall back to LIKE on the
rows the other filters leave.
"""

from __future__ import annotations

from typing import Any

from tokendeck.domain.cards import Card, CardState
from tokendeck.domain.notes import Note
from tokendeck.domain.search import SearchQuery
from tokendeck.storage import search_index
from tokendeck.storage.database import Database
from tokendeck.storage.queries import CARD_COLUMNS, NOTE_COLUMNS, card_from_row, note_from_row

#: Trigrams need three characters; shorter words are matched with LIKE.
MIN_INDEX_WORD = 3

ORDERS = {
    "due": "c.due, c.id",
    "created": "c.id",
    "front": "n.front COLLATE NOCASE, c.id",
    "deck": "d.name, c.id",
    "interval": "c.stability DESC, c.id",
    "lapses": "c.lapses DESC, c.id",
}


_JOINED = "cards c JOIN notes n ON n.id=c.note_id JOIN decks d ON d.id=c.deck_id"


def _fts_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def prepare(db: Database, query: SearchQuery) -> None:
    """Bring the full-text index up to date if this query will use it."""
    if any(len(w) >= MIN_INDEX_WORD for w in query.words):
        search_index.ensure_current(db)


def where_clause(
    query: SearchQuery, user: int, deck_ids: list[int] | None, today: int, end_ms: int
) -> tuple[str, list[Any]]:
    """SQL condition and parameters over ``cards c JOIN notes n JOIN decks d``."""
    long_words = [w for w in query.words if len(w) >= MIN_INDEX_WORD]
    # With index words, the join must start from the index hits: a plain
    # "c.user_id=?" lets SQLite walk every card of the user through cards_due
    # and probe the hit list for each one (seconds at 100,000 cards). The unary
    # "+" keeps that index out of the plan.
    parts = ["+c.user_id=?" if long_words else "c.user_id=?"]
    params: list[Any] = [user]
    if long_words:
        parts.append("c.note_id IN (SELECT rowid FROM notes_fts WHERE notes_fts MATCH ?)")
        params.append(" AND ".join(_fts_phrase(w) for w in long_words))
    for word in (w for w in query.words if len(w) < MIN_INDEX_WORD):
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
    return " AND ".join(parts), params


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


def find_ids(db: Database, where: str, params: list[Any], *, order: str = "due") -> list[int]:
    """Ids of the matching cards only: for bulk actions and large result sets."""
    sql, params = _select("c.id", where, params, order, None, 0)
    return [r[0] for r in db.fetchall(sql, params)]


def find_with_notes(
    db: Database,
    where: str,
    params: list[Any],
    *,
    order: str = "due",
    limit: int | None = None,
    offset: int = 0,
) -> list[tuple[Card, Note]]:
    """Cards matching a clause, each with its note, in one query (no query per card)."""
    sql, params = _select(f"{_CARD_SELECT}, {_NOTE_SELECT}", where, params, order, limit, offset)
    width = len(CARD_COLUMNS.split(","))
    return [(card_from_row(r[:width]), note_from_row(r[width:])) for r in db.fetchall(sql, params)]


_CARD_SELECT = ", ".join(f"c.{col.strip()}" for col in CARD_COLUMNS.split(","))
_NOTE_SELECT = ", ".join(f"n.{col.strip()}" for col in NOTE_COLUMNS.split(","))


def _select(
    columns: str, where: str, params: list[Any], order: str, limit: int | None, offset: int
) -> tuple[str, list[Any]]:
    sql = (
        f"SELECT {columns} FROM {_JOINED} WHERE {where} ORDER BY {ORDERS.get(order, ORDERS['due'])}"
    )
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params = [*params, limit, offset]
    return sql, params


def count(db: Database, where: str, params: list[Any]) -> int:
    """How many cards match."""
    return int(
        db.scalar(
            f"SELECT count(*) FROM {_JOINED} WHERE {where}",
            params,
        )
    )
