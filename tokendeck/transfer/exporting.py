"""The collection's notes and cards as interchange records, straight from their rows.

Exports build a hundred thousand records; going from row to record directly
(rather than through a :class:`tokendeck.domain.notes.Note` / :class:`tokendeck.domain.cards.Card`
each, with creation times nobody exports) halves the work per note.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from tokendeck.domain.cards import CardState
from tokendeck.transfer.package import CardRecord, NoteRecord, ReviewRecord

_LABELS = {int(state): state.label for state in CardState}
_stamp = datetime.fromtimestamp


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


def note_record(row: tuple[Any, ...], cards: list[CardRecord]) -> NoteRecord:
    """A note record from a row of ``NOTE_COLUMNS`` and its card records."""
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
    )
