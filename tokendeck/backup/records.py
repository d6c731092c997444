"""Exact backups of a collection: every row of its user as interchange records.

An import treats a package as new material: it allocates ids, stamps rows
with the time of the import and merges into what is there. A backup keeps
what a restore (:mod:`tokendeck.backup.restore`) needs to give back an identical
collection: every deck, note, card, review and attempt with its id, row
times, card state (buried days included), undo data, settings and the owner.
This module converts the user's rows into neutral-form records;
:mod:`tokendeck.formats.backup` converts those records to and from the file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from tokendeck.domain.cards import CardState
from tokendeck.storage import Store
from tokendeck.storage.backup import Backup
from tokendeck.storage.backup import from_ms as from_exact_ms
from tokendeck.storage.database import Row
from tokendeck.storage.notetypes import note_type_from_row
from tokendeck.storage.rows import note_from_row
from tokendeck.transfer.package import (
    AttemptRecord,
    CardRecord,
    DeckRecord,
    MediaFile,
    NoteRecord,
    NoteTypeRecord,
    Package,
    ReviewRecord,
    TemplateRecord,
    UserRecord,
)

_LABELS = {int(state): state.label for state in CardState}


# -- backing up ----------------------------------------------------------------------------
def build_backup(store: Store, media_dir: Path, deck_ids: Sequence[int] | None = None) -> Package:
    """Everything of the store's user (or some decks) as a Package with ids and times.

    ``media_dir`` is the collection's media folder (backed up whole).
    """
    rows = store.backup
    wanted = None if deck_ids is None else set(deck_ids)
    decks = {row[0]: row for row in rows.deck_rows() if wanted is None or row[0] in wanted}
    reviews = _reviews_by_card(rows)
    cards = _cards_by_note(rows, decks, reviews)
    package = Package(source=str(store.location))
    package.decks = [_deck_record(row) for row in decks.values()]
    type_rows = {row[0]: row for row in store.note_types.rows()}
    names = {type_id: row[2] for type_id, row in type_rows.items()}
    package.notes = [
        _note_record(row, cards.get(row[0], []), names)
        for row in rows.note_rows()
        if deck_ids is None or row[0] in cards
    ]
    used = {n.note_type for n in package.notes if n.note_type}
    package.note_types = [_note_type_record(r) for r in type_rows.values() if r[2] in used]
    kept = {c.key for n in package.notes for c in n.cards}
    if deck_ids is None:  # the history of deleted cards belongs to the whole collection only
        package.deleted_card_reviews = [
            CardRecord(key=card_id, reviews=log) for card_id, log in reviews.items()
        ]
        kept.update(reviews)
    package.attempts = [_attempt_record(r) for r in rows.attempt_rows() if r[3] in kept]
    package.settings = {key: json.loads(value) for key, value in rows.setting_rows()}
    owner = rows.user_row()
    if owner is not None:
        package.user = UserRecord(owner[1], owner[0], from_exact_ms(owner[2]))
    package.media = _read_media(media_dir)
    return package


def _reviews_by_card(rows: Backup) -> dict[int, list[ReviewRecord]]:
    grouped: dict[int, list[ReviewRecord]] = {}
    for row in rows.review_rows():
        grouped.setdefault(row[2], []).append(_review_record(row))
    return grouped


def _cards_by_note(
    rows: Backup, decks: dict[int, Row], reviews: dict[int, list[ReviewRecord]]
) -> dict[int, list[CardRecord]]:
    """Card records by note id; each card's reviews are taken out of ``reviews``."""
    grouped: dict[int, list[CardRecord]] = {}
    for row in rows.card_rows():
        if row[2] in decks:
            record = _card_record(row, decks[row[2]][2], reviews.pop(row[0], []))
            grouped.setdefault(row[1], []).append(record)
        else:
            reviews.pop(row[0], None)  # a card outside the chosen deck: not a deleted one
    return grouped


def _deck_record(row: Row) -> DeckRecord:
    deck_id, _, name, description, config, created, modified = row
    return DeckRecord(
        name,
        description,
        json.loads(config),
        deck_id,
        from_exact_ms(created),
        from_exact_ms(modified),
    )


def _note_type_record(row: Row) -> NoteTypeRecord:
    note_type = note_type_from_row(row)
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
        key=note_type.id,
        created_at=from_exact_ms(row[12]),
        modified_at=from_exact_ms(row[13]),
    )


def _note_record(row: Row, cards: list[CardRecord], type_names: dict[int, str]) -> NoteRecord:
    note = note_from_row(row)
    return NoteRecord(
        front=note.front,
        back=note.back,
        deck=(cards[0].deck if cards else None) or "Default",
        kind=note.kind,
        guid=note.guid,
        tags=list(note.tags),
        fields=dict(note.fields),
        accepted=list(note.accepted),
        source=note.source,
        source_note=note.source_note,
        cards=cards,
        id=note.id,
        created_at=from_exact_ms(row[11]),
        modified_at=from_exact_ms(row[12]),
        note_type=None if note.note_type_id is None else type_names.get(note.note_type_id),
        format=note.format,
    )


def _card_record(row: Row, deck: str, reviews: list[ReviewRecord]) -> CardRecord:
    return CardRecord(
        ordinal=row[4],
        deck=deck,
        state=_LABELS[row[5]],
        due=from_exact_ms(row[6]),
        step=row[7],
        stability=row[8],
        difficulty=row[9],
        last_review=None if row[10] is None else from_exact_ms(row[10]),
        reps=row[11],
        lapses=row[12],
        suspended=bool(row[13]),
        reviews=reviews,
        key=row[0],
        buried_until=None if row[14] is None else date.fromordinal(row[14]),
        created_at=from_exact_ms(row[15]),
        modified_at=from_exact_ms(row[16]),
        flag=row[17],
    )


def _review_record(row: Row) -> ReviewRecord:
    return ReviewRecord(
        reviewed_at=from_exact_ms(row[3]),
        rating=row[4],
        duration_ms=row[5],
        kind=row[6],
        scheduled_days=row[9],
        state_before=_LABELS[row[7]],
        state_after=_LABELS[row[8]],
        stability=row[11],
        difficulty=row[12],
        id=row[0],
        elapsed_days=row[10],
        undo=row[13],
    )


def _attempt_record(row: Row) -> AttemptRecord:
    return AttemptRecord(
        id=row[0],
        review_id=row[2],
        card_id=row[3],
        answered_at=from_exact_ms(row[4]),
        format=row[5],
        answer=row[6],
        score=row[7],
        verdict=row[8],
        suggested_rating=row[9],
        rating=row[10],
        overridden=bool(row[11]),
    )


def _read_media(folder: Path) -> list[MediaFile]:
    if not folder.is_dir():
        return []
    return [MediaFile(p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file()]
