"""Decks: creating, finding, renaming, deleting them, their options and schedulers.

``A::B`` is a subdeck of ``A``. Every parent of a deck exists (creating or
renaming ``A::B`` creates ``A``), so the decks form a tree. A subdeck inherits
each option it does not set itself from its parent (see
:func:`tokendeck.domain.decks.resolve_configs`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from tokendeck.collection.core import Core
from tokendeck.domain.decks import (
    DEFAULT_DECK,
    OPTION_NAMES,
    Deck,
    DeckConfig,
    check_name,
    is_within,
    parent_names,
    resolve_configs,
)
from tokendeck.errors import ConflictError, NotFoundError, ValidationError
from tokendeck.scheduling.scheduler import Scheduler
from tokendeck.storage.rows import to_ms


@dataclass(frozen=True, slots=True)
class DeckDeletion:
    """What deleting a deck took away: the decks (the deck and its subdecks), cards, notes."""

    decks: tuple[str, ...]
    cards: int
    notes: int


class Decks:
    """A collection's decks (names are case-insensitive; ``A::B`` is a subdeck of ``A``)."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.store = core.store

    def all(self) -> list[Deck]:
        """Every deck, by name, with the options in force (inherited ones included)."""
        self.core.sync()
        caches = self.core.caches
        if caches.decks is None:
            caches.decks = resolve_configs(self.store.decks.all())
        return list(caches.decks)

    def get(self, name_or_id: str | int) -> Deck:
        """A deck by name or id; NotFoundError says which decks exist."""
        decks = self.all()
        if isinstance(name_or_id, int):
            found = next((d for d in decks if d.id == name_or_id), None)
        else:
            wanted = check_name(name_or_id).lower()
            found = next((d for d in decks if d.name.lower() == wanted), None)
        if found is None:
            names = ", ".join(d.name for d in decks) or "none yet"
            raise NotFoundError(f"no deck {name_or_id!r}", hint=f"decks: {names}")
        return found

    def create(self, name: str, *, now: datetime, config: DeckConfig | None = None) -> Deck:
        """Create a deck (and any missing parent), or return the existing deck of that name.

        Without ``config`` the new deck sets no option of its own: it follows its
        parent's (or the defaults); with one, it sets every option.
        """
        name = check_name(name)
        existing = self.store.decks.by_name(name)
        if existing is not None:
            return self.get(existing.id)
        with self.store.transaction():
            self._create_parents(name, now)
            deck_id = self.store.decks.insert(name, config if config else {}, to_ms(now))
        self.core.forget()
        return self.get(deck_id)

    def _create_parents(self, name: str, now: datetime) -> None:
        for parent in parent_names(name):
            if self.store.decks.by_name(parent) is None:
                self.store.decks.insert(parent, {}, to_ms(now))

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
        inherit: tuple[str, ...] | list[str] = (),
        **config_changes: Any,
    ) -> Deck:
        """Change a deck's options (validated), description or name (see :meth:`rename`).

        ``config_changes`` become options the deck sets itself; each option named
        in ``inherit`` is given back to the parent (or the defaults).
        """
        deck = self.get(deck_id)
        unknown = [n for n in (*inherit, *config_changes) if n not in OPTION_NAMES]
        if unknown:
            raise ValidationError(
                f"unknown deck option(s): {', '.join(sorted(unknown))}",
                hint=f"options: {', '.join(OPTION_NAMES)}",
            )
        own = {k: v for k, v in deck.options.items() if k not in inherit}
        checked = deck.config.updated(**config_changes).to_dict()  # validates the values
        own.update({k: checked[k] for k in config_changes})
        updated = replace(
            deck,
            description=deck.description if description is None else description,
            options=own,
        )
        with self.store.transaction():
            self.store.decks.update(updated, to_ms(now))
            self._check_subtree(deck)
            if name is not None and check_name(name) != deck.name:
                self._rename(deck, check_name(name), now)
        self.core.forget()
        return self.get(deck.id)

    def _check_subtree(self, deck: Deck) -> None:
        """Every deck under ``deck`` must still have valid options in force (inside the
        transaction: an invalid combination rolls the change back)."""
        for each in resolve_configs(self.store.decks.all()):
            if is_within(each.name, deck.name):
                each.config.validated()

    def rename(self, deck: str | int, name: str, *, now: datetime) -> Deck:
        """Rename a deck; its subdecks move with it, cards and history stay as they are."""
        found = self.get(deck)
        target = check_name(name)
        if target != found.name:
            with self.store.transaction():
                self._rename(found, target, now)
            self.core.forget()
        return self.get(found.id)

    def _rename(self, deck: Deck, target: str, now: datetime) -> None:
        if is_within(target, deck.name) and target.lower() != deck.name.lower():
            raise ValidationError(
                f"deck {deck.name!r} cannot go inside itself",
                hint="choose a name that is not one of its own subdecks",
            )
        clash = self.store.decks.by_name(target)
        if clash is not None and clash.id != deck.id:
            raise ConflictError(
                f"a deck named {clash.name!r} exists",
                hint="choose another name, or move the cards into that deck instead",
            )
        moving = [d for d in self.store.decks.all() if is_within(d.name, deck.name)]
        self._create_parents(target, now)
        prefix = len(deck.name)
        for each in sorted(moving, key=lambda d: d.depth):
            new_name = target + each.name[prefix:]
            other = self.store.decks.by_name(new_name)
            if other is not None and other.id != each.id:
                raise ConflictError(
                    f"renaming would give {each.name!r} the name of {other.name!r}",
                    hint="rename or delete that deck first",
                )
            self.store.decks.rename(each.id, new_name, to_ms(now))

    def delete(self, deck: str | int) -> DeckDeletion:
        """Delete a deck, its subdecks and their cards (notes left without a card go too;
        the review log keeps the history)."""
        found = self.get(deck)
        doomed = [d for d in self.all() if is_within(d.name, found.name)]
        ids = [d.id for d in doomed]
        with self.store.transaction():
            cards, notes = self.store.cards.delete_in_decks(ids)
            for each in sorted(doomed, key=lambda d: -d.depth):
                self.store.decks.delete(each.id)
        self.core.forget()
        return DeckDeletion(tuple(d.name for d in doomed), cards, notes)

    def ids(self, deck: str | int | None) -> list[int]:
        """A deck and its subdecks (every deck for None)."""
        with self.core.burst():  # all() and get() look for others' changes once between them
            decks = self.all()
            if deck is None:
                return [d.id for d in decks]
            parent = self.get(deck)
        return [d.id for d in decks if is_within(d.name, parent.name)]

    def lingering(self, decks: list[Deck], totals: dict[int, int]) -> set[int]:
        """Ids of decks not worth listing: an empty "Default" with no subdecks (it appears
        when a card is added without a deck and stays after its cards move away)."""
        return {
            deck.id
            for deck in decks
            if deck.name == DEFAULT_DECK
            and not totals.get(deck.id)
            and not any(d.parent_name == deck.name for d in decks)
        }

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
