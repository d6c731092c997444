"""Collecting what one replica sends: a window of rounds, cut into bounded batches.

The same code serves a client's push (its own changes since its last push)
and the server's pull (everyone else's changes since the device's cursor).
A collection walks the phases in the order a receiver applies them (settings,
decks, note types, notes, cards with their undone reviews, reviews,
tombstones) and stops
when a batch is full; the :class:`Position` it returns is where the next batch
starts, so a sync interrupted between batches
resumes there.

A row refers to others by identity (a card to its note's GUID and deck's GUID,
a note to its note type's GUID, a review to its card's key). When the row
referred to changed again after the window was cut (so it is not in this
sync's window), it is sent along in the same batch: the receiver never meets a
card whose note it lacks, or a note whose note type it lacks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tokendeck.storage import Store
from tokendeck.storage.sync_read import CardOut, Window, sent_key
from tokendeck.sync.model import Batch, card_key, split_card_key

PHASES = ("settings", "decks", "note_types", "notes", "cards", "reviews", "tombstones", "done")


@dataclass
class Position:
    """Where a collection stands: the phase, and the last key sent in it."""

    phase: str = "settings"
    after: Any = 0

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (kept in the sync state, sent in pull requests)."""
        return {"phase": self.phase, "after": self.after}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Position:
        """The position saved by :meth:`to_json` (the start for None)."""
        if not data:
            return cls()
        phase = str(data.get("phase", "settings"))
        if phase not in PHASES:
            phase = "settings"
        after = data.get("after", 0)
        return cls(phase, tuple(after) if isinstance(after, list) else after)

    @property
    def done(self) -> bool:
        """Whether every phase is through."""
        return self.phase == "done"


@dataclass(frozen=True)
class Limits:
    """How much one batch may hold."""

    #: notes, cards or tombstones
    rows: int = 5_000
    reviews: int = 50_000
    #: text and numbers, before compression (roughly: characters, and 8 per number): notes
    #: may be large, and a server refuses a request body beyond its limit. A row larger
    #: than this still travels, alone in its batch.
    bytes: int = 8 << 20


@dataclass
class _Builder:
    batch: Batch = field(default_factory=Batch)
    keys: dict[str, int] = field(default_factory=dict)
    notes: set[str] = field(default_factory=set)
    decks: set[str] = field(default_factory=set)
    note_types: set[str] = field(default_factory=set)
    cards: set[str] = field(default_factory=set)

    def key_index(self, guid: str, ordinal: int) -> int:
        key = card_key(guid, ordinal)
        found = self.keys.get(key)
        if found is None:
            found = self.keys[key] = len(self.keys)
            self.batch.add("card_keys", [(guid, int(ordinal))])
        return found


def collect(
    store: Store,
    window: Window,
    position: Position,
    limits: Limits = Limits(),
    *,
    undo_since: int | None,
) -> tuple[Batch, Position]:
    """The next batch of ``window`` from ``position``, and where the one after starts.

    ``undo_since``: send the undo data (the card before each answer) of answers
    from then on (ms), which the server keeps as replay bases; None sends none
    (a client needs none of the server's).
    """
    read = store.sync_read
    out = _Builder()
    budget = _Budget(limits.rows, limits.reviews, limits.bytes)
    while not position.done and not budget.spent:
        phase = position.phase
        following = PHASES[PHASES.index(phase) + 1]
        last: Any = None
        if phase == "settings":
            out.batch.add("settings", read.settings(window))
        elif phase == "decks":
            found = store.sync_decks.changed(window)
            out.batch.add("decks", found)
            out.decks.update(r[0] for r in found)
        elif phase == "note_types":
            found = store.sync_note_types.changed(window)
            out.batch.add("note_types", found)
            out.note_types.update(r[0] for r in found)
        elif phase == "notes":
            notes = read.notes(window, int(position.after), budget.rows)
            notes = notes[: budget.fit([row_bytes(r) for _, r in notes])]
            _add_note_types(store, window, [i for i, _ in notes], out, budget)
            out.batch.add("notes", [r for _, r in notes])
            out.notes.update(r[0] for _, r in notes)
            last = budget.take(len(notes), 0, notes[-1][0] if notes else int(position.after))
        elif phase == "cards":
            cards = read.cards(window, int(position.after), budget.rows)
            cards = cards[: budget.fit([row_bytes(c.row) for c in cards])]
            _add_cards(store, window, cards, out, budget)
            undone = read.review_tombstones_of([c.id for c in cards], window)
            out.batch.add("tombstones", [tuple(r) for r in undone])
            last = budget.take(len(cards), 0, cards[-1].id if cards else int(position.after))
        elif phase == "reviews":
            last = _reviews(store, window, int(position.after), budget, out, undo_since)
        elif phase == "tombstones":
            after = tuple(position.after) if position.after else ("", "")
            found = read.tombstones(window, (str(after[0]), str(after[1])), budget.rows)
            out.batch.add(
                "tombstones", [(k, sent_key(key, window.replica), d) for k, key, d, _ in found]
            )
            last = budget.take(len(found), 0, [found[-1][0], found[-1][1]] if found else None)
        position = Position(phase, last) if last is not None else Position(following)
    return out.batch, position


#: A review's id and numbers, as :func:`row_bytes` counts them.
_REVIEW_BYTES = 16 + 11 * 8


def row_bytes(row: tuple[Any, ...]) -> int:
    """Roughly how much a row weighs before compression: its text, and 8 per number."""
    return sum(len(v) if isinstance(v, str | bytes) else 8 for v in row)


@dataclass
class _Budget:
    """What is left of a batch's room; a phase that fills it stays where it stopped."""

    rows: int
    reviews: int
    bytes: int
    used: int = 0

    @property
    def spent(self) -> bool:
        return self.rows <= 0 or self.reviews <= 0 or self.bytes <= 0

    def fit(self, sizes: list[int]) -> int:
        """How many of some rows (their sizes, in order) fit in the room left; at least
        one in an empty batch. The room is taken; the batch is full if some were left."""
        count = 0
        for size in sizes:
            if size > self.bytes and (count or self.used):
                self.bytes = 0
                break
            self.bytes -= size
            self.used += size
            count += 1
        return count

    def spend(self, size: int) -> None:
        """Count rows sent along (what other rows refer to) against the room."""
        self.bytes -= size
        self.used += size

    def take(self, rows: int, reviews: int, last: Any) -> Any:
        """Count what a phase took; returns ``last`` if the batch is now full, else None."""
        self.rows -= rows
        self.reviews -= reviews
        return last if self.spent else None


def _add_note_types(
    store: Store, window: Window, note_ids: list[int], out: _Builder, budget: _Budget
) -> None:
    """The note types of some notes that the receiver may lack."""
    for row in store.sync_note_types.behind(note_ids, window):
        if row[0] not in out.note_types:
            out.note_types.add(row[0])
            out.batch.add("note_types", [row])
            budget.spend(row_bytes(row))


def _add_cards(
    store: Store, window: Window, cards: list[CardOut], out: _Builder, budget: _Budget
) -> None:
    """Card rows, and the notes and decks they name that the receiver may lack."""
    read = store.sync_read
    notes = sorted({c.note_id for c in cards if window.maybe_unknown(c.note_seq)})
    _add_note_types(store, window, notes, out, budget)
    for row in read.notes_by_id(notes):
        if row[0] not in out.notes:
            out.notes.add(row[0])
            out.batch.add("notes", [row])
            budget.spend(row_bytes(row))
    decks = [c.deck_id for c in cards if window.maybe_unknown(c.deck_seq)]
    for row in store.sync_decks.by_id(sorted(set(decks))):
        if row[0] not in out.decks:
            out.decks.add(row[0])
            out.batch.add("decks", [row])
    for card in cards:
        key = card_key(card.row[0], card.row[1])
        if key not in out.cards:
            out.cards.add(key)
            out.batch.add("cards", [card.row])


def _reviews(
    store: Store,
    window: Window,
    after: int,
    budget: _Budget,
    out: _Builder,
    undo_since: int | None,
) -> int | None:
    """The window's reviews, each naming its card by key (a card of the batch, or one the
    receiver already has, or a deleted one: by its tombstone)."""
    read = store.sync_read
    found = read.reviews(window, after, budget.reviews, undo_since=undo_since)
    if found is None:
        return None
    kinds, undos, attempts = found.columns[5], found.columns[12], found.columns[13]
    sizes = [_REVIEW_BYTES + len(k) + len(u or "") + len(a or "")
             for k, u, a in zip(kinds, undos, attempts, strict=True)]  # fmt: skip
    kept = budget.fit(sizes)
    if not kept:
        return after  # the batch is full: these start the next one
    found = found.head(kept)
    card_ids = sorted(set(found.card_ids))
    live = {c.id: c for c in read.cards_by_id(card_ids)}
    behind = [c for c in live.values() if window.maybe_unknown(c.seq)]
    _add_cards(store, window, behind, out, budget)
    gone = read.gone_card_keys([i for i in card_ids if i not in live])
    index: dict[int, int] = {}  # card id -> its key's place in the batch
    for card_id, card in live.items():
        index[card_id] = out.key_index(card.row[0], card.row[1])
    for card_id, key in gone.items():  # a deleted card: by the key it had
        guid, ordinal = split_card_key(key)
        index[card_id] = out.key_index(guid, ordinal)
    columns = found.columns
    if len(index) < len(card_ids):
        # A review of a card deleted before sync existed has no name anywhere: it stays here.
        keep = [i for i, c in enumerate(found.card_ids) if c in index]
        columns = [[col[i] for i in keep] for col in columns]
    columns[1] = [index[c] for c in columns[1]]
    out.batch.add_columns("reviews", columns)
    return budget.take(0, len(found.ids), found.last)
