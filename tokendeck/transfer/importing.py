"""Importing: applying a neutral-form Package to a user's storage, all or nothing.

This is the collection side of every import: format modules never see the
database, and this module never sees a file. An import is one transaction:
it lands whole or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tokendeck import progress
from tokendeck.domain.cards import Card, CardState
from tokendeck.domain.days import Calendar
from tokendeck.domain.decks import DeckConfig, check_name, parent_names
from tokendeck.domain.notes import MAX_CLOZE, NOTE_KINDS, cloze_problem
from tokendeck.domain.notetypes import NoteType
from tokendeck.errors import ImportFormatError, ValidationError
from tokendeck.storage import Store
from tokendeck.storage.rows import card_schedule_params, to_ms
from tokendeck.transfer import history as package_history
from tokendeck.transfer import media as import_media
from tokendeck.transfer import notetypes
from tokendeck.transfer.collector import collector_paused
from tokendeck.transfer.history import rebuild_memory
from tokendeck.transfer.matching import ALREADY, Matcher
from tokendeck.transfer.media import safe_media_name
from tokendeck.transfer.package import (
    MATCH_RULES,
    CardRecord,
    DeckRecord,
    NoteRecord,
    Package,
    ReviewRecord,
)
from tokendeck.transfer.planning import NewCards, NoteRows, fresh_guids

MODES = ("update", "duplicate", "skip")

#: An import bringing this many reviews or more leaves the statistics summary to be
#: recounted when it is next read (:func:`_summary_kept`).
BULK_REVIEWS = 2_000

#: The cards a note of a note type has (its ordinals), from its fields and tags.
#: The collection passes :func:`tokendeck.rendering.card_ordinals`.
CardOrdinals = Callable[[NoteType, Mapping[str, str], Sequence[str]], list[int]]

__all__ = ["MODES", "ImportResult", "apply_package", "safe_media_name", "validate"]


@dataclass
class ImportResult:
    """What an import did."""

    added: int = 0
    updated: int = 0
    skipped: int = 0
    cards: int = 0
    reviews: int = 0
    decks: list[str] = field(default_factory=list)
    media: int = 0
    warnings: list[str] = field(default_factory=list)
    #: Notes recognised as already here from their recorded source (a file and the
    #: heading a note was made from): neither added nor changed.
    already: int = 0
    #: Each note type the file uses -> what the import did with it: "created",
    #: "matched", "updated", "mapped" (to the collection's of that name) or
    #: "created as 'Name (2)'" (the name was taken by a note type of other fields).
    note_types: dict[str, str] = field(default_factory=dict)
    #: Media files stored under another name (a different file had theirs).
    renamed_media: dict[str, str] = field(default_factory=dict)


@dataclass
class _Plan:
    """Rows to write, collected before the single transaction."""

    notes: list[tuple[Any, ...]] = field(default_factory=list)
    updates: list[tuple[Any, ...]] = field(default_factory=list)
    cards: list[tuple[Any, ...]] = field(default_factory=list)
    #: Cards that start new (most of a text import), in runs and rows.
    new_cards: NewCards = field(default_factory=NewCards)
    reviews: list[tuple[Any, ...]] = field(default_factory=list)
    #: (source card key, new card id) of cards whose history is in package.history.
    keys: list[tuple[int, int]] = field(default_factory=list)
    first_card: int = 0


def validate(package: Package, mode: str) -> None:
    """Refuse a package before anything is written; errors name the record."""
    if mode not in MODES:
        raise ValidationError(f"unknown import mode {mode!r}", hint="use update, duplicate or skip")
    if package.match not in MATCH_RULES:
        raise ValidationError(f"unknown match rule {package.match!r}", hint="use guid or front")
    notetypes.check_records(package)
    type_names = {t.name for t in package.note_types}
    good_decks: set[str] = set()  # checked once per distinct name, not once per note
    for index, note in enumerate(package.notes, start=1):
        problem, hint = _problem(note, good_decks, type_names)
        if problem:
            raise ImportFormatError(
                problem,
                path=package.source or None,
                line=note.line,
                record=f"note {index}",
                hint=hint,
            )


def _problem(
    note: NoteRecord, good_decks: set[str], type_names: set[str]
) -> tuple[str, str | None]:
    if note.kind not in NOTE_KINDS:
        return f"unknown note type {note.kind!r}", f"use {', '.join(NOTE_KINDS)}"
    if note.note_type is not None:
        if note.note_type not in type_names:
            return (
                f"uses note type {note.note_type!r}, which the file does not describe",
                "the file is incomplete; export it again",
            )
        # Anki lets a note's first field be empty; a note with no text at all is refused.
        # The front first: it is almost never empty, and then no field need be looked at.
        if not note.front.strip() and not any(v.strip() for v in note.fields.values()):
            return "every field is empty", "every card needs a question or term"
    elif not note.front.strip():
        return "the front is empty", "every card needs a question or term"
    if note.kind == "cloze" and (cloze := cloze_problem(note.front)):
        return cloze, f"number clozes from c1 to c{MAX_CLOZE}"
    if note.deck not in good_decks:
        try:
            check_name(note.deck)
        except ValidationError as exc:
            return exc.message, exc.hint
        good_decks.add(note.deck)
    return "", None


def apply_package(
    store: Store,
    package: Package,
    *,
    now: datetime,
    calendar: Calendar,
    media_dir: Path,
    mode: str = "update",
    deck: str | None = None,
    card_ordinals: CardOrdinals | None = None,
) -> ImportResult:
    """Write a package into ``store`` in one all-or-nothing transaction.

    ``calendar`` counts study days when a card's memory is rebuilt from its
    history; ``media_dir`` receives the package's media files, once the
    transaction has committed (:mod:`tokendeck.transfer.media`);
    ``card_ordinals`` gives the cards of a note of a note type that comes
    without cards (a text export's), else card 0 only.
    """
    validate(package, mode)
    result = ImportResult(warnings=list(package.warnings))
    staged = import_media.plan(media_dir, package.media)
    import_media.follow_renames(package, staged.renamed)  # before the notes are planned
    try:
        # Nothing an import builds is garbage until it is written (bulk.py says why), and
        # every id it writes is its own (so foreign keys go unchecked: database.py).
        with (
            collector_paused(),
            store.bulk_writes(),
            package_history.attached(store, package.history),
            store.transaction(),
        ):
            _apply(store, calendar, package, mode, deck, card_ordinals, now, result)
            staged.stage(media_dir)  # a staging folder: the media folder changes at commit
            progress.report("saving", 0)  # the commit below writes and syncs everything
        staged.commit(media_dir)
    finally:
        staged.discard()
    result.media = staged.count
    result.renamed_media = dict(staged.renamed)
    result.warnings.extend(import_media.renamed_warnings(staged.renamed))
    return result


def _apply(
    store: Store,
    calendar: Calendar,
    package: Package,
    mode: str,
    deck: str | None,
    card_ordinals: CardOrdinals | None,
    now: datetime,
    result: ImportResult,
) -> None:
    """Everything an import writes to the database (inside its transaction)."""
    decks = _Decks(store, package, deck, now)
    types = notetypes.resolve(store, package, mode, to_ms(now))
    result.note_types = types.outcome
    result.warnings.extend(types.warnings)
    progress.report("planning", 0, len(package.notes))
    context = _Context(store, calendar, package, decks, mode, now, types, card_ordinals)
    plan = _plan(context, result)
    if package.match == "guid" and deck is None:
        # An Anki package (or backup) brings its deck tree, empty decks and all.
        for record in package.decks:
            decks.id(record.name)
        result.decks = decks.created
    with _summary_kept(store, package, plan):
        _write_plan(store, plan, now)
        if package.history is not None:
            # One SQL statement: no partial counts, so the bar pulses with the size in words.
            progress.report(f"copying {package.history.count:,} reviews", 0)
            result.reviews += package_history.copy_history(
                store, calendar, package.history, plan.keys, plan.first_card, origin=package.source
            )
    del plan  # freed while the collector is paused: it need not scan 100,000 rows
    for key, value in package.settings.items():
        store.settings.put(key, value)


def _summary_kept(store: Store, package: Package, plan: _Plan) -> AbstractContextManager[None]:
    """Around writing the plan: the statistics summary kept in step, or dropped for a recount.

    The cards from ``plan.first_card`` on are this import's: the summary counts their
    history once it is written (and a deleted card's log its id inherits). An import
    that brings :data:`BULK_REVIEWS` or more reviews, and at least as many as the log
    already has, drops the summary instead, and the next statistics read recounts it
    from the log once (as a sync's bulk batch does): counting a million copied reviews
    inside the import took longer than copying them. A recount covers the whole log,
    so an import into a larger log keeps the summary as it goes.
    """
    reviews = len(plan.reviews) + (package.history.count if package.history else 0)
    if reviews >= BULK_REVIEWS and reviews >= store.history.export_count(None):
        store.summary.forget()
        return nullcontext()
    return store.stats.refreshing(plan.first_card)


def _write_plan(store: Store, plan: _Plan, now: datetime) -> None:
    """Write the planned rows, in chunks so that a watcher sees the import move."""
    for notes in progress.chunks(plan.notes, "writing notes"):
        store.bulk.insert_notes(notes)
    for updates in progress.chunks(plan.updates, "updating notes"):
        store.bulk.update_note_text(updates)
    store.bulk.insert_cards(plan.cards)
    new = plan.new_cards
    store.bulk.insert_new_cards(new.runs, new.rows, to_ms(now))
    for reviews in progress.chunks(plan.reviews, "writing review history"):
        store.bulk.insert_reviews(reviews)


class _Decks:
    """The import's decks by name, each created when the first note lands in it."""

    def __init__(self, store: Store, package: Package, override: str | None, now: datetime):
        self.store = store
        self.options = {d.name: d for d in package.decks}
        self.override = override
        self.now = now
        self.ids: dict[str, int] = {}
        self.created: list[str] = []

    def id(self, name: str) -> int:
        """The id of deck ``name`` (the ``--deck`` override wins), creating it if missing."""
        name = self.override or name
        found = self.ids.get(name)
        if found is not None:
            return found
        checked = check_name(name)
        existing = self.store.decks.by_name(checked)
        if existing is None:
            for parent in parent_names(checked):  # the deck tree needs each parent
                if self.store.decks.by_name(parent) is None:
                    self.store.decks.insert(parent, {}, to_ms(self.now))
            record = self.options.get(name, DeckRecord(name))
            given = _known_options(record.options)
            DeckConfig().updated(**given)  # validates; unset options follow the parent
            found = self.store.decks.insert(checked, given, to_ms(self.now))
            self.created.append(name)
        else:
            found = existing.id
        self.ids[name] = found
        return found


def _known_options(options: dict[str, object]) -> dict[str, Any]:
    known = set(DeckConfig.__dataclass_fields__)
    return {k: v for k, v in options.items() if k in known}


@dataclass
class _Context:
    """What planning an import needs, worked out once."""

    store: Store
    calendar: Calendar
    package: Package
    decks: _Decks
    mode: str
    now: datetime
    types: notetypes.Resolved
    card_ordinals: CardOrdinals | None


def _plan(context: _Context, result: ImportResult) -> _Plan:
    store, mode = context.store, context.mode
    plan = _Plan()
    matcher = Matcher(store, context.package, mode)
    next_note, next_card = store.bulk.next_ids()
    plan.first_card = next_card
    rows = NoteRows(store.user_id, to_ms(context.now))
    fresh = fresh_guids()
    inferred = {t.name for t in context.package.note_types if t.inferred}
    types, deck_of = context.types.types, context.decks.id  # looked up once, used per note
    for record in context.package.notes:
        note_type = types.get(record.note_type) if record.note_type else None
        if note_type is not None:
            record.fields = notetypes.fields_for(record, note_type, record.note_type in inferred)
        stored_as = (note_type.id if note_type else None, record.format)
        existing = matcher.find(record)
        if existing == ALREADY:
            result.already += 1
            continue
        if existing is not None and mode == "skip":
            result.skipped += 1
            continue
        if existing is not None and mode == "update":
            plan.updates.append((*rows.content(record), *stored_as, rows.now_ms, existing))
            matcher.claim(existing)
            result.updated += 1
            continue
        guid = matcher.new_guid(next_note, fresh)
        matcher.claim(next_note)
        plan.notes.append(rows.new_note(next_note, guid, record, *stored_as))
        deck_id = deck_of(record.deck)
        if not record.cards:  # new cards for its kind, without a CardRecord or Card each
            ordinals = None if note_type is None else _ordinals(context, note_type, record)
            added = plan.new_cards.add(record, next_note, deck_id, next_card, ordinals)
            next_card += added
            result.cards += added
        else:  # cards with scheduling state (and maybe history) from the file
            next_card = _plan_cards(context, plan, record, next_note, next_card, deck_id)
            result.cards += len(record.cards)
            result.reviews += sum(len(card.reviews) for card in record.cards)
        next_note += 1
        result.added += 1
    result.decks = context.decks.created
    if matcher.shared:
        result.warnings.append(
            f"{matcher.shared} note(s) of this file share a GUID (or a front) with another of "
            "its notes; each was kept as a note of its own"
        )
    return plan


def _ordinals(
    context: _Context, note_type: NoteType | None, record: NoteRecord
) -> list[int] | None:
    """The cards a note of a note type gets when its file gives none (None: from its kind)."""
    if note_type is None:
        return None
    if context.card_ordinals is None:
        return [0]
    return context.card_ordinals(note_type, record.fields, record.tags)


def _plan_cards(
    context: _Context, plan: _Plan, record: NoteRecord, note_id: int, card_id: int, deck_id: int
) -> int:
    """Plan the rows of a note's given cards (ids from ``card_id``); returns the next id.

    A card's own deck wins over the note's ``deck_id`` unless ``--deck`` puts
    every card in one deck.
    """
    user, calendar, now = context.store.user_id, context.calendar, context.now
    for card in record.cards:
        card_deck = context.decks.id(card.deck) if card.deck else deck_id
        plan.cards.append(_card_row(user, calendar, card_id, note_id, card_deck, card, now))
        plan.reviews.extend(_review_rows(user, card_id, card.reviews))
        if card.key is not None:
            plan.keys.append((card.key, card_id))
        card_id += 1
    return card_id


def _card_row(
    user: int,
    calendar: Calendar,
    card_id: int,
    note_id: int,
    deck_id: int,
    record: CardRecord,
    now: datetime,
) -> tuple[Any, ...]:
    """The stored row of a card given with its scheduling state.

    Built straight from the record (an Anki package has 100,000 of them): only a
    card that needs its memory replayed from its history goes through a ``Card``.
    """
    state = _STATE_NUMBERS.get(record.state)
    if state is None:
        state = int(CardState.parse(record.state))
    if state != _NEW and record.stability is None and record.reviews:
        return _rebuilt_card_row(user, calendar, card_id, note_id, deck_id, record, now)
    now_ms = to_ms(now)
    last = record.last_review
    return (
        card_id,
        note_id,
        deck_id,
        user,
        record.ordinal,
        state,
        to_ms(record.due or now),
        record.step,
        record.stability,
        record.difficulty,
        None if last is None else to_ms(last),
        record.reps,
        record.lapses,
        int(record.suspended),
        None,
        now_ms,
        now_ms,
    )


def _rebuilt_card_row(
    user: int,
    calendar: Calendar,
    card_id: int,
    note_id: int,
    deck_id: int,
    record: CardRecord,
    now: datetime,
) -> tuple[Any, ...]:
    """:func:`_card_row` of a card whose stability and difficulty come from its history."""
    card = Card(
        id=card_id,
        note_id=note_id,
        deck_id=deck_id,
        user_id=user,
        ordinal=record.ordinal,
        state=CardState.parse(record.state),
        due=(record.due or now).astimezone(UTC),
        step=record.step,
        stability=record.stability,
        difficulty=record.difficulty,
        last_review=record.last_review,
        reps=record.reps,
        lapses=record.lapses,
        suspended=record.suspended,
    )
    card = rebuild_memory(card, record.reviews, calendar)
    params = card_schedule_params(card, 0)
    now_ms = to_ms(now)
    return (card.id, note_id, deck_id, user, card.ordinal, *params[:10], now_ms, now_ms)


#: State label -> stored number; a dict lookup per review instead of an enum parse
#: matters when a package carries a million reviews.
_STATE_NUMBERS = {state.label: int(state) for state in CardState}
_NEW = int(CardState.NEW)


def _state_number(label: str | None) -> int:
    if not label:
        return int(CardState.REVIEW)
    number = _STATE_NUMBERS.get(label)
    return number if number is not None else int(CardState.parse(label))


def _review_rows(
    user: int, card_id: int, reviews: Iterable[ReviewRecord]
) -> Iterable[tuple[Any, ...]]:
    for r in reviews:
        yield (
            user,
            card_id,
            int(r.reviewed_at.timestamp() * 1000),
            r.rating,
            r.duration_ms,
            r.kind,
            _state_number(r.state_before),
            _state_number(r.state_after),
            r.scheduled_days or 0.0,
            -1,
            r.stability,
            r.difficulty,
            None,
        )
