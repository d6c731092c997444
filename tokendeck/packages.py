"""Applying an interchange Package to a collection, and building one from it.

This is the collection side of every import, export and backup: format
modules never see the database, and this module never sees a file. An import
is one transaction: it lands whole or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from tokendeck import export_records, package_history, progress
from tokendeck.bulk import collector_paused
from tokendeck.cards import Card, CardState, Rating
from tokendeck.decks import DeckConfig, check_name
from tokendeck.errors import ImportFormatError, ValidationError
from tokendeck.import_rows import NewCards, NoteRows, fresh_guids
from tokendeck.interchange import (
    CardRecord,
    DeckRecord,
    MediaFile,
    NoteRecord,
    Package,
    ReviewRecord,
)
from tokendeck.notes import MAX_CLOZE, NOTE_KINDS, cloze_problem
from tokendeck.scheduler import Scheduler
from tokendeck.storage import package_queries as pq
from tokendeck.storage import queries as q

if TYPE_CHECKING:
    from tokendeck.collection import Collection

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
    col: Collection,
    package: Package,
    *,
    now: datetime,
    mode: str = "update",
    deck: str | None = None,
) -> ImportResult:
    """Write a package into the collection in one all-or-nothing transaction."""
    validate(package, mode)
    result = ImportResult(warnings=list(package.warnings))
    # Nothing an import builds is garbage until it is written (bulk.py says why), and
    # every id it writes is its own (so foreign keys go unchecked: database.py).
    with (
        collector_paused(),
        col.db.bulk_writes(),
        package_history.attached(col, package.history),
        col.db.transaction(),
    ):
        deck_ids = _decks(col, package, deck, now, result)
        progress.report("planning", 0, len(package.notes))
        plan = _plan(col, package, deck, deck_ids, mode, now, result)
        _write_plan(col, plan, now)
        if package.history is not None:
            # One SQL statement: no partial counts, so the bar pulses with the size in words.
            progress.report(f"copying {package.history.count:,} reviews", 0)
            result.reviews += package_history.copy_history(
                col, package.history, plan.keys, plan.first_card, origin=package.source
            )
        del plan  # freed while the collector is paused: it need not scan 100,000 rows
        result.media = _write_media(col, package.media)
        for key, value in package.settings.items():
            q.put_setting(col.db, col.user_id, key, value)
        progress.report("saving", 0)  # the commit below writes and syncs everything
    return result


def _write_plan(col: Collection, plan: _Plan, now: datetime) -> None:
    """Write the planned rows, in chunks so that a watcher sees the import move."""
    for notes in progress.chunks(plan.notes, "writing notes"):
        pq.insert_notes(col.db, notes)
    for updates in progress.chunks(plan.updates, "updating notes"):
        pq.update_note_text(col.db, updates)
    pq.insert_cards(col.db, plan.cards)
    new = plan.new_cards
    pq.insert_new_cards(col.db, new.runs, new.rows, col.user_id, q.to_ms(now))
    for reviews in progress.chunks(plan.reviews, "writing review history"):
        pq.insert_reviews(col.db, reviews)


def _decks(
    col: Collection, package: Package, override: str | None, now: datetime, result: ImportResult
) -> dict[str, int]:
    options = {d.name: d for d in package.decks}
    names = [override] if override else package.deck_names()
    ids: dict[str, int] = {}
    for name in names:
        existing = q.deck_by_name(col.db, col.user_id, check_name(name))
        if existing is None:
            record = options.get(name, DeckRecord(name))
            config = DeckConfig().updated(**_known_options(record.options))
            ids[name] = q.insert_deck(col.db, col.user_id, check_name(name), config, q.to_ms(now))
            result.decks.append(name)
        else:
            ids[name] = existing.id
    return ids


def _known_options(options: dict[str, object]) -> dict[str, Any]:
    known = set(DeckConfig.__dataclass_fields__)
    return {k: v for k, v in options.items() if k in known}


def _plan(
    col: Collection,
    package: Package,
    override: str | None,
    deck_ids: dict[str, int],
    mode: str,
    now: datetime,
    result: ImportResult,
) -> _Plan:
    plan = _Plan()
    guids = pq.guid_index(col.db, col.user_id)
    fronts = pq.front_index(col.db, col.user_id) if mode != "duplicate" else {}
    next_note, next_card = pq.next_ids(col.db)
    plan.first_card = next_card
    rows = NoteRows(col.user_id, q.to_ms(now))
    fresh = fresh_guids()
    for record in package.notes:
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
            next_card = _plan_cards(col, plan, record, next_note, next_card, deck_id, decks, now)
            result.cards += len(record.cards)
            result.reviews += sum(len(card.reviews) for card in record.cards)
        next_note += 1
        result.added += 1
    return plan


def _plan_cards(
    col: Collection,
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
        plan.cards.append(_card_row(col, card_id, note_id, card_deck, card, now))
        plan.reviews.extend(_review_rows(col.user_id, card_id, card.reviews))
        if card.key is not None:
            plan.keys.append((card.key, card_id))
        card_id += 1
    return card_id


def _card_row(
    col: Collection, card_id: int, note_id: int, deck_id: int, record: CardRecord, now: datetime
) -> tuple[Any, ...]:
    card = Card(
        id=card_id,
        note_id=note_id,
        deck_id=deck_id,
        user_id=col.user_id,
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
        card = rebuild_memory(card, record.reviews, col)
    params = q.card_schedule_params(card, 0)
    now_ms = q.to_ms(now)
    return (card.id, note_id, deck_id, col.user_id, card.ordinal, *params[:10], now_ms, now_ms)


def rebuild_memory(card: Card, reviews: Iterable[ReviewRecord], col: Collection) -> Card:
    """Stability and difficulty from a card's history, replayed through FSRS."""
    scheduler = Scheduler(DeckConfig(), col.calendar, fuzz_seed=None)
    replayed = replace(
        card, state=CardState.NEW, stability=None, difficulty=None, last_review=None, step=None
    )
    for review in sorted(reviews, key=lambda r: r.reviewed_at):
        if 1 <= review.rating <= 4 and review.kind != "manual":
            replayed = scheduler.answer(replayed, Rating(review.rating), review.reviewed_at).card
    return replace(
        card,
        stability=replayed.stability,
        difficulty=replayed.difficulty,
        last_review=card.last_review or replayed.last_review,
    )


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


def _write_media(col: Collection, media: list[MediaFile]) -> int:
    if not media:
        return 0
    folder = col.media_dir()
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


# -- export ----------------------------------------------------------------------------------------
def build_package(
    col: Collection,
    *,
    deck: str | int | None = None,
    with_scheduling: bool = True,
    bulk_history: bool = False,
) -> Package:
    """The collection (or one deck and its subdecks) as a Package.

    ``bulk_history`` (for formats that take it) gives the review log as a
    ReviewSource over the collection file instead of per-card lists.
    """
    progress.report("collecting notes", 0)
    deck_ids = None if deck is None else col.deck_ids(deck)
    decks = {d.id: d for d in col.decks()}
    bulk = with_scheduling and bulk_history
    history = package_history.export_source(col, deck_ids) if bulk else None
    reviews = _reviews_by_card(col) if with_scheduling and history is None else {}
    cards = export_records.card_records(
        pq.export_cards(col.db, col.user_id),
        {i: d.name for i, d in decks.items()},
        None if deck_ids is None else set(deck_ids),
        scheduling=with_scheduling,
        keyed=history is not None,
        reviews=reviews,
    )
    package = Package(source=str(col.db.location), history=history)
    package.notes = [
        export_records.note_record(row, cards.get(row[0], []))
        for row in pq.export_notes(col.db, col.user_id, deck_ids)
    ]
    wanted = set(deck_ids) if deck_ids is not None else set(decks)
    package.decks = [
        DeckRecord(d.name, d.description, d.config.to_dict())
        for i, d in decks.items()
        if i in wanted
    ]
    return package


def _reviews_by_card(col: Collection) -> dict[int, list[ReviewRecord]]:
    grouped: dict[int, list[ReviewRecord]] = {}
    for card_id, record in pq.review_records(col.db, col.user_id):
        grouped.setdefault(card_id, []).append(record)
    return grouped
