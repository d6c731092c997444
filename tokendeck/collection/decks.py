"""Decks: creating, finding and changing them, and each deck's scheduler."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from tokendeck.collection.core import Core
from tokendeck.domain.decks import DEFAULT_DECK, Deck, DeckConfig, check_name
from tokendeck.errors import NotFoundError
from tokendeck.scheduling.scheduler import Scheduler
from tokendeck.storage.rows import to_ms


class Decks:
    """A collection's decks (names are case-insensitive; ``A::B`` is a subdeck of ``A``)."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.store = core.store

    def all(self) -> list[Deck]:
        """Every deck, by name."""
        return self.store.decks.all()

    def get(self, name_or_id: str | int) -> Deck:
        """A deck by name or id; NotFoundError says which decks exist."""
        found = (
            self.store.decks.by_id(name_or_id)
            if isinstance(name_or_id, int)
            else self.store.decks.by_name(check_name(name_or_id))
        )
        if found is None:
            names = ", ".join(d.name for d in self.all()) or "none yet"
            raise NotFoundError(f"no deck {name_or_id!r}", hint=f"decks: {names}")
        return found

    def create(self, name: str, *, now: datetime, config: DeckConfig | None = None) -> Deck:
        """Create a deck, or return the existing deck of that name."""
        name = check_name(name)
        existing = self.store.decks.by_name(name)
        if existing is not None:
            return existing
        with self.store.transaction():
            deck_id = self.store.decks.insert(name, config or DeckConfig(), to_ms(now))
        return self.get(deck_id)

    def resolve(self, deck: str | int, *, now: datetime) -> Deck:
        """A deck by id, or by name (created when missing)."""
        return self.create(deck, now=now) if isinstance(deck, str) else self.get(deck)

    def update(
        self,
        deck_id: int,
        *,
        now: datetime,
        name: str | None = None,
        description: str | None = None,
        **config_changes: Any,
    ) -> Deck:
        """Rename a deck or change its options (validated)."""
        deck = self.get(deck_id)
        updated = replace(
            deck,
            name=check_name(name) if name else deck.name,
            description=deck.description if description is None else description,
            config=deck.config.updated(**config_changes),
        )
        with self.store.transaction():
            self.store.decks.update(updated, to_ms(now))
        self.core.forget()
        return updated

    def ids(self, deck: str | int | None) -> list[int]:
        """A deck and its subdecks (every deck for None)."""
        decks = self.all()
        if deck is None:
            return [d.id for d in decks]
        parent = self.get(deck)
        prefix = parent.name.lower() + "::"
        return [d.id for d in decks if d.id == parent.id or d.name.lower().startswith(prefix)]

    def name(self, deck_id: int) -> str:
        """A deck's name (cached: card views ask for it for every card)."""
        names = self.core.caches.deck_names
        if deck_id not in names:
            found = self.store.decks.by_id(deck_id)
            names[deck_id] = found.name if found else DEFAULT_DECK
        return names[deck_id]

    def scheduler(self, deck_id: int) -> Scheduler:
        """The deck's scheduler, cached until its options change (here or elsewhere)."""
        schedulers = self.core.caches.schedulers
        scheduler = schedulers.get(deck_id)
        if scheduler is None:
            config = self.get(deck_id).config
            scheduler = Scheduler(config, self.core.calendar, fuzz_seed=self.core.fuzz_seed)
            schedulers[deck_id] = scheduler
        return scheduler
