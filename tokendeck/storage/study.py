"""SQL for building the study queue and counting what is due."""

from __future__ import annotations

from collections.abc import Sequence

from tokendeck.domain.cards import Card, CardState
from tokendeck.storage.rows import CARD_COLUMNS, card_from_row, marks
from tokendeck.storage.table import Table

_AVAILABLE = "suspended=0 AND (buried_until IS NULL OR buried_until<=?)"


class Study(Table):
    """The cards a study session draws from."""

    __slots__ = ()

    def learning_cards(self, deck_ids: Sequence[int], today: int, until_ms: int) -> list[Card]:
        """(Re)learning cards due before ``until_ms``."""
        rows = self.db.fetchall(
            f"SELECT {CARD_COLUMNS} FROM cards WHERE user_id=? AND state IN (?, ?) AND due<?"
            f" AND {_AVAILABLE} AND deck_id IN ({marks(deck_ids)}) ORDER BY due, id",
            (
                self.user,
                int(CardState.LEARNING),
                int(CardState.RELEARNING),
                until_ms,
                today,
                *deck_ids,
            ),
        )
        return [card_from_row(r) for r in rows]

    def review_cards(
        self, deck_ids: Sequence[int], today: int, until_ms: int, limit: int
    ) -> list[Card]:
        """Review cards due before ``until_ms``, oldest due first."""
        rows = self.db.fetchall(
            f"SELECT {CARD_COLUMNS} FROM cards WHERE user_id=? AND state=? AND due<?"
            f" AND {_AVAILABLE} AND deck_id IN ({marks(deck_ids)}) ORDER BY due, id LIMIT ?",
            (self.user, int(CardState.REVIEW), until_ms, today, *deck_ids, limit),
        )
        return [card_from_row(r) for r in rows]

    def new_cards(self, deck_ids: Sequence[int], today: int, limit: int) -> list[Card]:
        """New cards in the order they were added."""
        rows = self.db.fetchall(
            f"SELECT {CARD_COLUMNS} FROM cards WHERE user_id=? AND state=?"
            f" AND {_AVAILABLE} AND deck_id IN ({marks(deck_ids)}) ORDER BY due, id LIMIT ?",
            (self.user, int(CardState.NEW), today, *deck_ids, limit),
        )
        return [card_from_row(r) for r in rows]

    def next_due_ms(self, deck_ids: Sequence[int], today: int) -> int | None:
        """The earliest due time of any available card that is not new."""
        value = self.db.scalar(
            f"SELECT min(due) FROM cards WHERE user_id=? AND state!=? AND {_AVAILABLE}"
            f" AND deck_id IN ({marks(deck_ids)})",
            (self.user, int(CardState.NEW), today, *deck_ids),
        )
        return None if value is None else int(value)
