"""Importing: applying a neutral-form Package to a user's storage, all or nothing.

This is the collection side of every import: format modules never see the
database, and this module never sees a file. An import is one transaction:
it lands whole or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from tokendeck import progress
from tokendeck.domain.cards import Card, CardState
from tokendeck.domain.days import Calendar
from tokendeck.domain.decks import DeckConfig, check_name, parent_names
from tokendeck.domain.notes import NOTE_KINDS
from tokendeck.errors import ImportFormatError, ValidationError
from tokendeck.storage import Store
from tokendeck.storage.rows import card_schedule_params, to_ms
from tokendeck.transfer import history as package_history
from tokendeck.transfer.collector import collector_paused
from tokendeck.transfer.history import rebuild_memory
from tokendeck.transfer.package import (
    CardRecord,
    DeckRecord,
    MediaFile,
    NoteRecord,
    Package,
    ReviewRecord,
)
from tokendeck.transfer.planning import NewCards, NoteRows, fresh_guids

MODES = ("update", "duplicate", "skip")


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
    good_decks: set[str] = set()  # checked once per distinct name, not once per note
    for index, note in enumerate(package.notes, start=1):
        problem, hint = _problem(note, good_decks)
        if problem:
            raise ImportFormatError(
                problem,
                path=package.source or None,
                line=note.line,
                record=f"note {index}",
                hint=hint,
            )


def _problem(note: NoteRecord, good_decks: set[str]) -> tuple[str, str | None]:
    if note.kind not in NOTE_KINDS:
        return f"unknown note type {note.kind!r}", f"use {', '.join(NOTE_KINDS)}"
    if not note.front.strip():
        return "the front is empty", "every card needs a question or term"
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
) -> ImportResult:
    """Write a package into ``store`` in one all-or-nothing transaction.

    ``calendar`` counts study days when a card's memory is rebuilt from its
    history; ``media_dir`` receives the package's media files.
    """
    validate(package, mode)
    result = ImportResult(warnings=list(package.warnings))
    # Nothing an import builds is garbage until it is written (bulk.py says why), and
    # every id it writes is its own (so foreign keys go unchecked: database.py).
    with (
        collector_paused(),
        store.bulk_writes(),
        package_history.attached(store, package.history),
        store.transaction(),
    ):
        deck_ids = _decks(store, package, deck, now, result)
        progress.report("planning", 0, len(package.notes))
        plan = _plan(store, calendar, package, deck, deck_ids, mode, now, result)
        _write_plan(store, plan, now)
        if package.history is not None:
            # One SQL statement: no partial counts, so the bar pulses with the size in words.
            progress.report(f"copying {package.history.count:,} reviews", 0)
            result.reviews += package_history.copy_history(
                store, calendar, package.history, plan.keys, plan.first_card, origin=package.source
            )
        del plan  # freed while the collector is paused: it need not scan 100,000 rows
        result.media = _write_media(media_dir, package.media)
        for key, value in package.settings.items():
            store.settings.put(key, value)
        progress.report("saving", 0)  # the commit below writes and syncs everything
    return result


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


def _decks(
    store: Store, package: Package, override: str | None, now: datetime, result: ImportResult
) -> dict[str, int]:
    options = {d.name: d for d in package.decks}
    names = [override] if override else package.deck_names()
    ids: dict[str, int] = {}
    for name in names:
        existing = store.decks.by_name(check_name(name))
        if existing is None:
            for parent in parent_names(check_name(name)):  # the deck tree needs each parent
                if store.decks.by_name(parent) is None:
                    store.decks.insert(parent, {}, to_ms(now))
            record = options.get(name, DeckRecord(name))
            given = _known_options(record.options)
            DeckConfig().updated(**given)  # validates; unset options follow the parent
            ids[name] = store.decks.insert(check_name(name), given, to_ms(now))
            result.decks.append(name)
        else:
            ids[name] = existing.id
    return ids


def _known_options(options: dict[str, object]) -> dict[str, Any]:
    known = set(DeckConfig.__dataclass_fields__)
    return {k: v for k, v in options.items() if k in known}


def _plan(
    store: Store,
    calendar: Calendar,
    package: Package,
    override: str | None,
    deck_ids: dict[str, int],
    mode: str,
    now: datetime,
    result: ImportResult,
) -> _Plan:
    plan = _Plan()
    guids = store.bulk.guid_index()
    fronts = store.bulk.front_index() if mode != "duplicate" else {}
    next_note, next_card = store.bulk.next_ids()
    plan.first_card = next_card
    rows = NoteRows(store.user_id, to_ms(now))
    fresh = fresh_guids()
    left_out = 0
    for record in package.notes:
        record, cut = _shown_cards_only(record)
        left_out += cut
        existing = (
            guids.get(record.guid) if record.guid else fronts.get(record.front.strip().lower())
        )
        if existing is not None and mode == "skip":
            result.skipped += 1
            continue
        if existing is not None and mode == "update":
            plan.updates.append((*rows.content(record), rows.now_ms, existing))
            result.updated += 1
            continue
        if record.guid and record.guid not in guids:
            guid = record.guid
            guids[guid] = next_note
        else:
            guid = next(fresh)  # unique already: no need to remember it
        plan.notes.append(rows.new_note(next_note, guid, record))
        deck_id = deck_ids[override or record.deck]
        if not record.cards:  # new cards for its kind, without a CardRecord or Card each
            added = plan.new_cards.add(record, next_note, deck_id, next_card)
            next_card += added
            result.cards += added
        else:  # cards with scheduling state (and maybe history) from the file
            decks = None if override else deck_ids
            next_card = _plan_cards(
                store.user_id, calendar, plan, record, next_note, next_card, deck_id, decks, now
            )
            result.cards += len(record.cards)
            result.reviews += sum(len(card.reviews) for card in record.cards)
        next_note += 1
        result.added += 1
    if left_out:
        result.warnings.append(
            f"{left_out} cards from a third or later card template were left out: "
            "only the first two templates of a note type are imported"
        )
    return plan


def _shown_cards_only(record: NoteRecord) -> tuple[NoteRecord, int]:
    """The record without cards of a third or later template, and how many it had.

    The collection renders a note's cards from its kind (forward, reverse,
    clozes) until it stores note types; a card of a third template would show
    the forward card again, so it is left out, as the Anki reader used to do.
    """
    if record.kind == "cloze" or all(card.ordinal <= 1 for card in record.cards):
        return record, 0
    kept = [card for card in record.cards if card.ordinal <= 1]
    return replace(record, cards=kept), len(record.cards) - len(kept)


def _plan_cards(
    user: int,
    calendar: Calendar,
    plan: _Plan,
    record: NoteRecord,
    note_id: int,
    card_id: int,
    deck_id: int,
    deck_ids: dict[str, int] | None,
    now: datetime,
) -> int:
    """Plan the rows of a note's given cards (ids from ``card_id``); returns the next id.

    A card's own deck (looked up in ``deck_ids``) wins over the note's
    ``deck_id``; ``deck_ids`` is None when ``--deck`` puts every card in one deck.
    """
    for card in record.cards:
        card_deck = deck_id if deck_ids is None else deck_ids.get(card.deck or "", deck_id)
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
    if card.state != CardState.NEW and card.stability is None and record.reviews:
        card = rebuild_memory(card, record.reviews, calendar)
    params = card_schedule_params(card, 0)
    now_ms = to_ms(now)
    return (card.id, note_id, deck_id, user, card.ordinal, *params[:10], now_ms, now_ms)


#: State label -> stored number; a dict lookup per review instead of an enum parse
#: matters when a package carries a million reviews.
_STATE_NUMBERS = {state.label: int(state) for state in CardState}


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


def _write_media(folder: Path, media: list[MediaFile]) -> int:
    if not media:
        return 0
    folder.mkdir(parents=True, exist_ok=True)
    for done, item in enumerate(media, start=1):
        (folder / safe_media_name(item.name)).write_bytes(item.data)
        progress.report("writing media files", done, len(media))
    return len(media)


def safe_media_name(name: str) -> str:
    """A media file name that cannot leave the media folder."""
    base = PurePosixPath(name.replace("\\", "/")).name
    if base in ("", ".", "..") or base.startswith("."):
        raise ImportFormatError(
            f"unsafe media file name {name!r}", hint="media names must be plain file names"
        )
    return base
