"""SQL for building the study queue and counting what is due."""

from __future__ import annotations

from collections.abc import Sequence

from tokendeck.domain.cards import Card, CardState
from tokendeck.storage.database import Database
from tokendeck.storage.queries import CARD_COLUMNS, card_from_row


def _deck_filter(deck_ids: Sequence[int]) -> tuple[str, list[int]]:
    marks = ", ".join("?" for _ in deck_ids)
    return f"deck_id IN ({marks})", list(deck_ids)


_AVAILABLE = "suspended=0 AND (buried_until IS NULL OR buried_until<=?)"


def learning_cards(
    db: Database, user: int, deck_ids: Sequence[int], today: int, until_ms: int
) -> list[Card]:
    """(Re)learning cards due before ``until_ms``."""
    decks, params = _deck_filter(deck_ids)
    rows = db.fetchall(
        f"SELECT {CARD_COLUMNS} FROM cards WHERE user_id=? AND state IN (?, ?) AND due<?"
        f" AND {_AVAILABLE} AND {decks} ORDER BY due, id",
        (user, int(CardState.LEARNING), int(CardState.RELEARNING), until_ms, today, *params),
    )
    return [card_from_row(r) for r in rows]


def review_cards(
    db: Database, user: int, deck_ids: Sequence[int], today: int, until_ms: int, limit: int
) -> list[Card]:
    """Review cards due before ``until_ms``, oldest due first."""
    decks, params = _deck_filter(deck_ids)
    rows = db.fetchall(
        f"SELECT {CARD_COLUMNS} FROM cards WHERE user_id=? AND state=? AND due<?"
        f" AND {_AVAILABLE} AND {decks} ORDER BY due, id LIMIT ?",
        (user, int(CardState.REVIEW), until_ms, today, *params, limit),
    )
    return [card_from_row(r) for r in rows]


def new_cards(
    db: Database, user: int, deck_ids: Sequence[int], today: int, limit: int
) -> list[Card]:
    """New cards in the order they were added."""
    decks, params = _deck_filter(deck_ids)
    rows = db.fetchall(
        f"SELECT {CARD_COLUMNS} FROM cards WHERE user_id=? AND state=?"
        f" AND {_AVAILABLE} AND {decks} ORDER BY due, id LIMIT ?",
        (user, int(CardState.NEW), today, *params, limit),
    )
    return [card_from_row(r) for r in rows]


def next_due_ms(db: Database, user: int, deck_ids: Sequence[int], today: int) -> int | None:
    """The earliest due time of any available non-new card."""
    decks, params = _deck_filter(deck_ids)
    value = db.scalar(
        f"SELECT min(due) FROM cards WHERE user_id=? AND state!=? AND {_AVAILABLE} AND {decks}",
        (user, int(CardState.NEW), today, *params),
    )
    return None if value is None else int(value)


def deck_totals(db: Database, user: int) -> dict[int, int]:
    """Number of cards in each deck."""
    rows = db.fetchall(
        "SELECT deck_id, count(*) FROM cards WHERE user_id=? GROUP BY deck_id", (user,)
    )
    return {deck: count for deck, count in rows}


def data_version(db: Database) -> int:
    """Changes whenever another connection commits: our cue to rebuild cached queues."""
    return int(db.scalar("PRAGMA data_version"))


def all_cards(db: Database, user: int, deck_ids: Sequence[int] | None) -> list[Card]:
    """Every card of a user (in some decks), without note text: for statistics."""
    if deck_ids is None:
        rows = db.fetchall(f"SELECT {CARD_COLUMNS} FROM cards WHERE user_id=?", (user,))
    else:
        decks, params = _deck_filter(deck_ids)
        rows = db.fetchall(
            f"SELECT {CARD_COLUMNS} FROM cards WHERE user_id=? AND {decks}", (user, *params)
        )
    return [card_from_row(r) for r in rows]
