"""The ``decks`` table."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

from tokendeck.domain.decks import Deck, DeckConfig, own_options
from tokendeck.storage.notes import content_key
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

    def insert(self, name: str, config: DeckConfig | Mapping[str, Any], now_ms: int) -> int:
        """Create a deck; returns its id.

        ``config``: a whole DeckConfig (every option set here, none inherited, as
        an imported deck's) or the mapping of the options the deck sets itself.
        Its GUID (the deck's identity in a sync) comes from its name, so the same
        deck made on two devices is one deck once they sync; a name already used
        by a renamed deck gets a random one.
        """
        options = config.to_dict() if isinstance(config, DeckConfig) else own_options(config)
        guid = deck_guid(name)
        if self.db.scalar("SELECT 1 FROM decks WHERE user_id=? AND guid=?", (self.user, guid)):
            guid = uuid.uuid4().hex
        return self.db.execute(
            "INSERT INTO decks (user_id, name, config, created_at, modified_at, guid)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (self.user, name, json.dumps(options), now_ms, now_ms, guid),
        )

    def rename(self, deck_id: int, name: str, now_ms: int) -> None:
        """Give a deck another name (its cards keep their deck id, so nothing else moves)."""
        self.db.execute(
            "UPDATE decks SET name=?, modified_at=? WHERE id=? AND user_id=?",
            (name, now_ms, deck_id, self.user),
        )
        self.db.execute(  # cards name their deck: derived data of the deck is out of date
            "INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT (key)"
            " DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)",
            (content_key(self.user, deck_id),),
        )

    def delete(self, deck_id: int) -> None:
        """Delete a deck row (its cards must be gone or moved first)."""
        self.db.execute("DELETE FROM decks WHERE id=? AND user_id=?", (deck_id, self.user))

    def update(self, deck: Deck, now_ms: int) -> None:
        """Store a deck's name, description and its own options (not the inherited ones)."""
        self.db.execute(
            "UPDATE decks SET name=?, description=?, config=?, modified_at=?"
            " WHERE id=? AND user_id=?",
            (
                deck.name,
                deck.description,
                json.dumps(own_options(deck.options)),
                now_ms,
                deck.id,
                self.user,
            ),
        )


def deck_guid(name: str) -> str:
    """A deck's identity from its name: the same name made on two devices is one deck."""
    return hashlib.sha1(f"deck:{name.lower()}".encode()).hexdigest()[:32]
