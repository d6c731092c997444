"""The ``decks`` table."""

from __future__ import annotations

import json

from tokendeck.domain.decks import Deck, DeckConfig
from tokendeck.storage.rows import deck_from_row
from tokendeck.storage.table import Table

_SELECT = "SELECT id, user_id, name, description, config FROM decks"


class Decks(Table):
    """A user's decks."""

    __slots__ = ()

    def all(self) -> list[Deck]:
        """Every deck, by name."""
        rows = self.db.fetchall(f"{_SELECT} WHERE user_id=? ORDER BY name", (self.user,))
        return [deck_from_row(r) for r in rows]

    def by_name(self, name: str) -> Deck | None:
        """A deck by exact name (case-insensitive), or None."""
        row = self.db.fetchone(
            f"{_SELECT} WHERE user_id=? AND lower(name)=lower(?)", (self.user, name)
        )
        return None if row is None else deck_from_row(row)

    def by_id(self, deck_id: int) -> Deck | None:
        """A deck by id, or None."""
        row = self.db.fetchone(f"{_SELECT} WHERE user_id=? AND id=?", (self.user, deck_id))
        return None if row is None else deck_from_row(row)

    def insert(self, name: str, config: DeckConfig, now_ms: int) -> int:
        """Create a deck; returns its id."""
        return self.db.execute(
            "INSERT INTO decks (user_id, name, config, created_at, modified_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (self.user, name, json.dumps(config.to_dict()), now_ms, now_ms),
        )

    def update(self, deck: Deck, now_ms: int) -> None:
        """Store a deck's name, description and options."""
        self.db.execute(
            "UPDATE decks SET name=?, description=?, config=?, modified_at=?"
            " WHERE id=? AND user_id=?",
            (
                deck.name,
                deck.description,
                json.dumps(deck.config.to_dict()),
                now_ms,
                deck.id,
                self.user,
            ),
        )
