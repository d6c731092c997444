"""Exporting: a user's notes, cards and history as a neutral-form Package.

Records are built straight from rows. Exports build a hundred thousand
records; going from row to record directly (rather than through a
:class:`~tokendeck.domain.notes.Note` / :class:`~tokendeck.domain.cards.Card`
each, with creation times nobody exports) halves the work per note.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from tokendeck import progress
from tokendeck.domain.cards import CardState
from tokendeck.domain.decks import resolve_configs
from tokendeck.domain.notetypes import NoteType
from tokendeck.storage import Store
from tokendeck.transfer import history as package_history
from tokendeck.transfer.package import (
    CardRecord,
    DeckRecord,
    NoteRecord,
    NoteTypeRecord,
    Package,
    ReviewRecord,
    TemplateRecord,
)

_LABELS = {int(state): state.label for state in CardState}
_stamp = datetime.fromtimestamp


def build_package(
    store: Store,
    *,
    deck_ids: Sequence[int] | None = None,
    with_scheduling: bool = True,
    bulk_history: bool = False,
) -> Package:
    """A user's collection (or some decks: ``deck_ids``) as a Package.

    ``bulk_history`` (for formats that take it) gives the review log as a
    ReviewSource over the collection file instead of per-card lists.
    """
    progress.report("collecting notes", 0)
    decks = {d.id: d for d in resolve_configs(store.decks.all())}  # inherited options too
    bulk = with_scheduling and bulk_history
    history = package_history.export_source(store, deck_ids) if bulk else None
    reviews = _reviews_by_card(store) if with_scheduling and history is None else {}
    cards = card_records(
        store.bulk.export_cards(),
        {i: d.name for i, d in decks.items()},
        None if deck_ids is None else set(deck_ids),
        scheduling=with_scheduling,
        keyed=history is not None,
        reviews=reviews,
    )
    package = Package(source=str(store.location), history=history, match="guid")
    types = {t.id: t for t in store.note_types.all()}
    names = {type_id: t.name for type_id, t in types.items()}
    package.notes = [
        note_record(row, cards.get(row[0], []), names) for row in store.bulk.export_notes(deck_ids)
    ]
    used = {n.note_type for n in package.notes if n.note_type}
    package.note_types = [note_type_record(t) for t in types.values() if t.name in used]
    wanted = set(deck_ids) if deck_ids is not None else set(decks)
    package.decks = [
        DeckRecord(d.name, d.description, d.config.to_dict())
        for i, d in decks.items()
        if i in wanted
    ]
    return package


def _reviews_by_card(store: Store) -> dict[int, list[ReviewRecord]]:
    """Every review as a record, grouped by card (converted straight from rows)."""
    grouped: dict[int, list[ReviewRecord]] = {}
    for row in store.bulk.review_rows():
        card_id, at, rating, duration, kind, days, before, after, stability, difficulty = row
        grouped.setdefault(card_id, []).append(
            ReviewRecord(
                reviewed_at=_stamp(at / 1000, UTC),
                rating=rating,
                duration_ms=duration,
                kind=kind,
                scheduled_days=days,
                state_before=_LABELS[before],
                state_after=_LABELS[after],
                stability=stability,
                difficulty=difficulty,
            )
        )
    return grouped


def card_records(
    rows: Iterable[tuple[Any, ...]],
    deck_names: dict[int, str],
    wanted: set[int] | None,
    *,
    scheduling: bool,
    keyed: bool,
    reviews: dict[int, list[ReviewRecord]],
) -> dict[int, list[CardRecord]]:
    """Card records grouped by note id, from rows of ``CARD_COLUMNS`` (in note, ordinal order).

    ``wanted`` limits them to some decks; ``keyed`` sets each record's key to the
    card id (its history is in the package's ReviewSource).
    """
    grouped: dict[int, list[CardRecord]] = {}
    for row in rows:
        card_id, note_id, deck_id, ordinal = row[0], row[1], row[2], row[4]
        if wanted is not None and deck_id not in wanted:
            continue
        deck = deck_names[deck_id]
        if not scheduling:
            record = CardRecord(ordinal=ordinal, deck=deck, suspended=bool(row[13]))
        else:
            record = CardRecord(
                ordinal=ordinal,
                deck=deck,
                state=_LABELS[row[5]],
                due=_stamp(row[6] / 1000, UTC),
                step=row[7],
                stability=row[8],
                difficulty=row[9],
                last_review=None if row[10] is None else _stamp(row[10] / 1000, UTC),
                reps=row[11],
                lapses=row[12],
                suspended=bool(row[13]),
                reviews=reviews.get(card_id, []),
                key=card_id if keyed else None,
            )
        found = grouped.get(note_id)
        if found is None:
            grouped[note_id] = [record]
        else:
            found.append(record)
    return grouped


def note_type_record(note_type: NoteType) -> NoteTypeRecord:
    """The neutral form of a stored note type (its id is the source's, as Anki knew it)."""
    return NoteTypeRecord(
        name=note_type.name,
        field_names=list(note_type.field_names),
        templates=[TemplateRecord(t.name, t.question, t.answer) for t in note_type.templates],
        kind=note_type.kind,
        css=note_type.css,
        latex_pre=note_type.latex_pre,
        latex_post=note_type.latex_post,
        latex_svg=note_type.latex_svg,
        sort_field=note_type.sort_field,
        id=note_type.source_id,
    )


def note_record(
    row: tuple[Any, ...], cards: list[CardRecord], type_names: dict[int, str] | None = None
) -> NoteRecord:
    """A note record from a row of ``NOTE_COLUMNS`` and its card records."""
    type_id = row[13]
    return NoteRecord(
        front=row[4],
        back=row[5],
        deck=cards[0].deck or "Default" if cards else "Default",
        kind=row[3],
        guid=row[2],
        tags=row[6].split(),
        fields={} if row[8] == "{}" else json.loads(row[8]),
        accepted=[] if row[7] == "[]" else json.loads(row[7]),
        source=row[9],
        source_note=row[10],
        cards=cards,
        note_type=None if type_id is None else (type_names or {}).get(type_id),
        format=row[14],
    )
