"""Notes and their cards: adding, editing, deleting, moving, finding."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tokendeck.collection.core import Core
from tokendeck.collection.decks import Decks
from tokendeck.collection.faces import Faces
from tokendeck.domain import search as search_lang
from tokendeck.domain.cards import Card, CardState, CardView
from tokendeck.domain.decks import DEFAULT_DECK, Deck
from tokendeck.domain.notes import Note, card_ordinals, check_kind, new_guid, normalise_tags
from tokendeck.domain.notetypes import NoteType, flatten
from tokendeck.errors import ConflictError, NotFoundError, ValidationError
from tokendeck.storage.rows import to_ms


class Notes:
    """A collection's notes and cards."""

    def __init__(self, core: Core, decks: Decks) -> None:
        self.core = core
        self.store = core.store
        self.decks = decks
        self.faces = Faces(core)

    # -- notes -----------------------------------------------------------------------------
    def add(
        self,
        deck: str | int,
        front: str,
        back: str,
        *,
        now: datetime,
        reverse: bool = False,
        tags: Iterable[str] | str = (),
        accepted: Sequence[str] = (),
        kind: str | None = None,
        guid: str | None = None,
        source: str = "",
        source_note: str = "",
    ) -> Note:
        """Create a note and its cards in a deck (created if missing)."""
        kind = check_kind(kind or ("basic_reversed" if reverse else "basic"))
        _require_text(front, back)
        target = self.decks.resolve(deck, now=now)
        note = Note(
            id=0,
            user_id=self.core.user_id,
            guid=guid or new_guid(),
            kind=kind,
            front=front.strip(),
            back=back.strip(),
            tags=normalise_tags(tags),
            accepted=tuple(accepted),
            source=source,
            source_note=source_note,
            created_at=now,
            modified_at=now,
        )
        with self.store.transaction():
            note = replace(note, id=self.store.notes.insert(note))
            self._sync_cards(note, target.id, now)
        self.core.forget()
        return note

    def _sync_cards(self, note: Note, deck_id: int, now: datetime) -> None:
        """Create the cards a note's kind and text call for (existing ones are kept);
        a note with a note type gets a card for each template (or cloze) it fills."""
        have = {c.ordinal for c in self.store.cards.of_note(note.id)}
        note_type = self._note_type_of(note)
        if note_type is not None:
            from tokendeck.rendering import card_ordinals as type_ordinals

            wanted = type_ordinals(note_type, note.fields, tags=note.tags)
        else:
            wanted = card_ordinals(note.kind, note.front)
        for ordinal in wanted:
            if ordinal not in have:
                card = Card(
                    0,
                    note.id,
                    deck_id,
                    self.core.user_id,
                    ordinal,
                    CardState.NEW,
                    now.astimezone(UTC),
                )
                self.store.cards.insert(card, to_ms(now))

    def make_cards(self, note_id: int, deck_id: int, now: datetime) -> None:
        """Create the cards a note lacks, in ``deck_id`` (inside the caller's transaction)."""
        self._sync_cards(self.get(note_id), deck_id, now)

    def get(self, note_id: int) -> Note:
        """A note by id."""
        found = self.store.notes.get(note_id)
        if found is None:
            raise NotFoundError(
                f"no note {note_id}",
                hint="the Browse page lists every card and its note",
                cli_hint="`tokendeck cards` lists card and note ids",
            )
        return found

    def by_guid(self, guid: str) -> Note | None:
        """A note by its stable GUID, or None."""
        return self.store.notes.by_guid(guid)

    def is_empty(self) -> bool:
        """Whether the collection has no notes at all."""
        return not self.store.notes.any()

    def edit(
        self,
        note_id: int,
        *,
        now: datetime,
        front: str | None = None,
        back: str | None = None,
        tags: Iterable[str] | str | None = None,
        accepted: Sequence[str] | None = None,
        kind: str | None = None,
        fields: Mapping[str, str] | None = None,
        expected_modified: datetime | None = None,
    ) -> Note:
        """Change a note's text, tags or accepted answers; scheduling is kept.

        A note with a note type (from Anki) is edited by its ``fields`` (by name);
        ``front`` and ``back`` then set its first and second field.

        The note is read inside the write transaction, so an edit never undoes a change
        another process made to a field it does not touch. ``expected_modified``: the
        note's ``modified_at`` when the editor loaded it; if it was changed since (in
        another tab, device or process), nothing is written and ConflictError says so.
        """
        with self.store.transaction():
            note = self.get(note_id)
            _refuse_a_stale_edit(note, expected_modified)
            updated = self._edited(note, now, front, back, tags, accepted, kind, fields)
            cards = self.store.cards.of_note(note_id)
            self.store.notes.update(updated)
            if cards:
                self._sync_cards(updated, cards[0].deck_id, now)
        self.core.forget()
        return updated

    def _edited(
        self,
        note: Note,
        now: datetime,
        front: str | None,
        back: str | None,
        tags: Iterable[str] | str | None,
        accepted: Sequence[str] | None,
        kind: str | None,
        fields: Mapping[str, str] | None,
    ) -> Note:
        updated = replace(
            note,
            tags=note.tags if tags is None else normalise_tags(tags),
            accepted=note.accepted if accepted is None else tuple(accepted),
            kind=note.kind if kind is None else check_kind(kind),
            modified_at=_after(note.modified_at, now),
        )
        note_type = self._note_type_of(note)
        if note_type is not None:
            updated = _with_fields(updated, note_type, front, back, fields)
        else:
            if fields:
                raise ValidationError(
                    "this note has no named fields: it is a Markdown note",
                    hint="change its front and back instead",
                )
            updated = replace(
                updated,
                front=note.front if front is None else front.strip(),
                back=note.back if back is None else back.strip(),
            )
            _require_text(updated.front, updated.back)
        return updated

    def note_types(self) -> list[NoteType]:
        """Every note type, by name."""
        return self.store.note_types.all()

    def _note_type_of(self, note: Note) -> NoteType | None:
        if note.note_type_id is None:
            return None
        return self.faces.note_type(note.note_type_id)

    def tag(self, note_id: int, tag: str, *, add: bool, now: datetime) -> None:
        """Add or remove one tag (inside the caller's transaction)."""
        note = self.get(note_id)
        tags = (*note.tags, tag) if add else tuple(t for t in note.tags if t != tag)
        self.store.notes.update(replace(note, tags=normalise_tags(tags), modified_at=now))

    def delete(self, note_id: int) -> None:
        """Delete a note and its cards (the review log keeps their history)."""
        self.get(note_id)
        with self.store.transaction():
            self.store.notes.delete(note_id)
        self.core.forget()

    # -- cards -----------------------------------------------------------------------------
    def card_state(self, card_id: int) -> Card:
        """A card's scheduling state; NotFoundError for an unknown id."""
        found = self.store.cards.get(card_id)
        if found is None:
            raise NotFoundError(
                f"no card {card_id}",
                hint="the Browse page lists every card",
                cli_hint="`tokendeck cards` lists card ids",
            )
        return found

    def card(self, card_id: int) -> CardView:
        """A card with its note and the text to show."""
        return self.view(self.card_state(card_id))

    def view(self, card: Card) -> CardView:
        """Wrap a card with its note, deck name and what it shows."""
        return self.faces.view(card, self.get(card.note_id), self.decks.name(card.deck_id))

    def cards_of_note(self, note_id: int) -> list[Card]:
        """All cards of a note."""
        return self.store.cards.of_note(note_id)

    def all_cards(self, deck: str | int | None = None) -> list[Card]:
        """Every card (of a deck and its subdecks), scheduling state only: for statistics."""
        return self.store.cards.all(None if deck is None else self.decks.ids(deck))

    def delete_card(self, card_id: int) -> None:
        """Delete a card; its note goes too when it was the note's last card."""
        card = self.card_state(card_id)
        with self.store.transaction():
            self.store.cards.delete(card_id)
            if self.store.cards.count_of_note(card.note_id) == 0:
                self.store.notes.delete(card.note_id)
        self.core.forget()

    def move_cards(self, card_ids: Sequence[int], deck: str | int, *, now: datetime) -> Deck:
        """Move cards to a deck (created if missing)."""
        target = self.decks.resolve(deck, now=now)
        with self.store.transaction():
            for card_id in card_ids:
                self.card_state(card_id)
                self.store.cards.move(card_id, target.id, to_ms(now))
        self.core.forget()
        return target

    # -- finding ---------------------------------------------------------------------------
    def find(
        self,
        query: str = "",
        *,
        now: datetime,
        deck: str | int | None = None,
        tag: str | None = None,
        due: bool = False,
        state: str | None = None,
        order: str = "due",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[CardView]:
        """Cards matching a search (see :mod:`tokendeck.domain.search`); no silent cap."""
        where, params = self._where(query, now, deck, tag, due, state)
        found = self.store.search.cards_with_notes(
            where, params, order=order, limit=limit, offset=offset
        )
        names = {d.id: d.name for d in self.decks.all()}  # one query, not one per card
        view = self.faces.view
        return [view(c, n, names.get(c.deck_id, DEFAULT_DECK)) for c, n in found]

    def page(
        self,
        query: str = "",
        *,
        now: datetime,
        deck: str | int | None = None,
        order: str = "due",
        reverse: bool = False,
        limit: int = 100,
        after: str | None = None,
    ) -> CardPage:
        """One page of matching cards, and the cursor of the next (keyset paging)."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValidationError(f"a page holds 1 to {MAX_PAGE} cards", hint="ask for fewer")
        where, params = self._where(query, now, deck, None, False, None)
        start = None if after is None else _decode_cursor(after)
        try:
            found, last = self.store.search.page(
                where, params, order=order, reverse=reverse, after=start, limit=limit
            )
        except ValueError:
            raise _stale_cursor() from None
        names = {d.id: d.name for d in self.decks.all()}
        view = self.faces.view
        views = [view(c, n, names.get(c.deck_id, DEFAULT_DECK)) for c, n in found]
        total = self.store.search.count(where, params)
        return CardPage(views, total, None if last is None else _encode_cursor(last))

    def find_ids(
        self, query: str = "", *, now: datetime, deck: str | int | None = None, order: str = "due"
    ) -> list[int]:
        """Ids of every matching card, without loading their text (bulk actions, paging)."""
        where, params = self._where(query, now, deck, None, False, None)
        return self.store.search.ids(where, params, order=order)

    def count(
        self,
        query: str = "",
        *,
        now: datetime,
        deck: str | int | None = None,
        tag: str | None = None,
        due: bool = False,
        state: str | None = None,
    ) -> int:
        """How many cards :meth:`find` would return without a limit."""
        where, params = self._where(query, now, deck, tag, due, state)
        return self.store.search.count(where, params)

    def _where(
        self,
        query: str,
        now: datetime,
        deck: str | int | None,
        tag: str | None,
        due: bool,
        state: str | None,
    ) -> tuple[str, list[Any]]:
        parsed = search_lang.parse(query)
        if tag:
            parsed.tags.append(tag)
        if due:
            parsed.flags.add("due")
        if state:
            parsed.states.append(CardState.parse(state))
        deck_ids = self.decks.ids(deck) if deck is not None else None
        for name in parsed.decks:
            named = self.decks.ids(name)
            deck_ids = named if deck_ids is None else [d for d in deck_ids if d in named]
        calendar = self.core.calendar
        today = calendar.today(now)
        end = to_ms(calendar.end_of_today(now))
        return self.store.search.where(
            parsed, deck_ids, today.toordinal(), end, rebuild=not self.core.defer_slow_work
        )


#: The most cards one page holds.
MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class CardPage:
    """One page of a search: its cards, how many match in all, and where the next page
    starts (None on the last page)."""

    cards: list[CardView]
    total: int
    next: str | None


def _encode_cursor(key: list[Any]) -> str:
    """The sort key of a page's last row as an opaque, URL-safe cursor."""
    raw = json.dumps(key, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise _stale_cursor() from None
    if not isinstance(key, list) or not all(_key_value(v) for v in key):
        raise _stale_cursor()
    return key


def _key_value(value: object) -> bool:
    """Whether a cursor's value is one a sort key can hold (a cursor comes from the
    client: no 65-bit number, infinity or lone surrogate reaches the database)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    return False


def _stale_cursor() -> ValidationError:
    return ValidationError(
        "that page cursor does not fit this search or sort order",
        hint="start again from the first page",
    )


def _with_fields(
    note: Note,
    note_type: NoteType,
    front: str | None,
    back: str | None,
    changes: Mapping[str, str] | None,
) -> Note:
    """``note`` with fields changed by name (``front``/``back``: the first and second)."""
    names = note_type.field_names
    given = dict(changes or {})
    unknown = [name for name in given if name not in names]
    if unknown:
        raise ValidationError(
            f"note type {note_type.name!r} has no field {unknown[0]!r}",
            hint=f"its fields are {', '.join(names)}",
        )
    if front is not None:
        given.setdefault(names[0], front)
    if back is not None and len(names) > 1:
        given.setdefault(names[1], back)
    fields = {name: given.get(name, note.fields.get(name, "")) for name in names}
    if not any(value.strip() for value in fields.values()):
        raise ValidationError("every field is empty", hint="give the card some text")
    flat_front, flat_back = flatten(note_type, fields)
    return replace(note, fields=fields, front=flat_front, back=flat_back)


def _require_text(front: str, back: str) -> None:
    if not front.strip():
        raise ValidationError("the front is empty", hint="give the card a question or term")
    if not back.strip():
        raise ValidationError("the back is empty", hint="give the card an answer")


def _after(previous: datetime | None, now: datetime) -> datetime:
    """An edit's modified_at: ``now``, but always after the version it replaces (a clock
    that stands still or went back must not make two versions look the same)."""
    if previous is None or to_ms(now) > to_ms(previous):  # stored to the millisecond
        return now
    return previous + timedelta(milliseconds=1)


def _refuse_a_stale_edit(note: Note, expected: datetime | None) -> None:
    """ConflictError when the note changed after the editor loaded it (``expected``)."""
    if expected is None:
        return
    stored = note.modified_at
    # Stored to the millisecond; an editor may hold the microseconds it was sent.
    if stored is not None and to_ms(stored) == to_ms(expected):
        return
    changed = "" if stored is None else f" (at {stored.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC)"
    raise ConflictError(
        f"note {note.id} was changed elsewhere since it was opened{changed}; nothing was saved",
        hint="reload the card to see the other change, then edit it again",
        cli_hint="run the edit again: it starts from the note as it is now",
    )
