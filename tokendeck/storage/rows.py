"""Rows and values: the columns of each table and the conversions between rows and domain values.

Rows are converted to the domain dataclasses here so nothing above this
package sees a tuple or a column name. Instants are stored as integer
milliseconds since the Unix epoch (UTC); study days as date ordinals.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from tokendeck.domain.cards import Card, CardState
from tokendeck.domain.decks import Deck, DeckConfig, own_options
from tokendeck.domain.notes import Note
from tokendeck.domain.reviews import Review
from tokendeck.storage.database import Row

CARD_COLUMNS = (
    "id, note_id, deck_id, user_id, ordinal, state, due, step, stability, difficulty,"
    " last_review, reps, lapses, suspended, buried_until"
)
#: What a card is read with: the scheduling row and its flag (cards are written
#: with CARD_COLUMNS, which leaves the flag alone; it has its own statement).
CARD_READ_COLUMNS = f"{CARD_COLUMNS}, flag"
NOTE_COLUMNS = (
    "id, user_id, guid, kind, front, back, tags, accepted, fields, source, source_note,"
    " created_at, modified_at, note_type_id, format"
)
REVIEW_COLUMNS = (
    "id, card_id, user_id, reviewed_at, rating, duration_ms, kind, state_before, state_after,"
    " scheduled_days, elapsed_days, stability, difficulty"
)


# -- time conversion -------------------------------------------------------------
def to_ms(moment: datetime) -> int:
    """UTC milliseconds of an aware datetime."""
    return int(moment.timestamp() * 1000)


def from_ms(value: int) -> datetime:
    """Aware UTC datetime from stored milliseconds."""
    return datetime.fromtimestamp(value / 1000, UTC)


def _opt_ms(value: int | None) -> datetime | None:
    return None if value is None else from_ms(value)


# -- row conversion ------------------------------------------------------------------
#: Stored state number -> CardState; a dict lookup is 25x cheaper than calling the enum,
#: which matters when a search or a queue converts thousands of rows.
_CARD_STATES = {state.value: state for state in CardState}


def card_from_row(row: Row) -> Card:
    """A :class:`Card` from a row selected with ``CARD_READ_COLUMNS`` (or ``CARD_COLUMNS``)."""
    return Card(
        id=row[0],
        note_id=row[1],
        deck_id=row[2],
        user_id=row[3],
        ordinal=row[4],
        state=_CARD_STATES[row[5]],
        due=from_ms(row[6]),
        step=row[7],
        stability=row[8],
        difficulty=row[9],
        last_review=_opt_ms(row[10]),
        reps=row[11],
        lapses=row[12],
        suspended=bool(row[13]),
        buried_until=None if row[14] is None else date.fromordinal(row[14]),
        flag=row[15] if len(row) > 15 else 0,
    )


def note_from_row(row: Row) -> Note:
    """A :class:`Note` from a row selected with ``NOTE_COLUMNS``."""
    return Note(
        id=row[0],
        user_id=row[1],
        guid=row[2],
        kind=row[3],
        front=row[4],
        back=row[5],
        tags=tuple(row[6].split()),
        accepted=() if row[7] == "[]" else tuple(json.loads(row[7])),
        fields={} if row[8] == "{}" else json.loads(row[8]),
        source=row[9],
        source_note=row[10],
        created_at=from_ms(row[11]),
        modified_at=from_ms(row[12]),
        note_type_id=row[13],
        format=row[14],
    )


def review_from_row(row: Row) -> Review:
    """A :class:`Review` from a row selected with ``REVIEW_COLUMNS``."""
    return Review(
        id=row[0],
        card_id=row[1],
        user_id=row[2],
        reviewed_at=from_ms(row[3]),
        rating=row[4],
        duration_ms=row[5],
        kind=row[6],
        state_before=_CARD_STATES[row[7]],
        state_after=_CARD_STATES[row[8]],
        scheduled_days=row[9],
        elapsed_days=row[10],
        stability=row[11],
        difficulty=row[12],
    )


def deck_from_row(row: Row) -> Deck:
    """A :class:`Deck` from ``id, user_id, name, description, config``.

    The stored config holds the options the deck sets itself; ``config`` here is
    those over the defaults (the collection resolves what subdecks inherit).
    """
    config, options = _deck_config(row[4])
    return Deck(row[0], row[1], row[2], row[3], config, dict(options))


@lru_cache(maxsize=256)
def _deck_config(text: str) -> tuple[DeckConfig, tuple[tuple[str, Any], ...]]:
    # Decks are read several times per answer; parsing their JSON options was a
    # third of next-card time. DeckConfig is frozen (tuples inside), so sharing is safe.
    stored = own_options(json.loads(text))
    return DeckConfig.from_dict(stored), tuple(stored.items())


def tags_text(tags: Iterable[str]) -> str:
    """Tags stored space-separated with spaces around, so ``LIKE '% t %'`` matches whole tags."""
    joined = " ".join(tags)
    return f" {joined} " if joined else ""


def card_schedule_params(card: Card, now_ms: int) -> tuple[Any, ...]:
    """Parameters for :data:`UPDATE_CARD_SCHEDULE`."""
    return (
        int(card.state),
        to_ms(card.due),
        card.step,
        card.stability,
        card.difficulty,
        None if card.last_review is None else to_ms(card.last_review),
        card.reps,
        card.lapses,
        int(card.suspended),
        None if card.buried_until is None else card.buried_until.toordinal(),
        now_ms,
        card.id,
    )


#: The scheduling fields of a card kept in a review's undo data, in ``card_schedule_params`` order.
_SNAPSHOT_KEYS = (
    "state",
    "due",
    "step",
    "stability",
    "difficulty",
    "last_review",
    "reps",
    "lapses",
    "suspended",
    "buried_until",
)


def card_snapshot(card: Card) -> dict[str, Any]:
    """A card's scheduling state as the JSON-ready dict a review keeps for undo."""
    return dict(zip(_SNAPSHOT_KEYS, card_schedule_params(card, 0)[:10], strict=True))


def card_from_snapshot(card: Card, snap: dict[str, Any]) -> Card:
    """``card`` with the scheduling state of a :func:`card_snapshot` put back."""
    return replace(
        card,
        state=CardState(snap["state"]),
        due=from_ms(snap["due"]),
        step=snap["step"],
        stability=snap["stability"],
        difficulty=snap["difficulty"],
        last_review=_opt_ms(snap["last_review"]),
        reps=snap["reps"],
        lapses=snap["lapses"],
        suspended=bool(snap["suspended"]),
        buried_until=None
        if snap["buried_until"] is None
        else date.fromordinal(snap["buried_until"]),
    )


def note_params(note: Note) -> tuple[Any, ...]:
    """Column values of a note in ``NOTE_COLUMNS`` order, without the id."""
    return (
        note.user_id,
        note.guid,
        note.kind,
        note.front,
        note.back,
        tags_text(note.tags),
        json.dumps(list(note.accepted), ensure_ascii=False),
        json.dumps(note.fields, ensure_ascii=False),
        note.source,
        note.source_note,
        to_ms(note.created_at) if note.created_at else 0,
        to_ms(note.modified_at) if note.modified_at else 0,
        note.note_type_id,
        note.format,
    )


def marks(values: Sequence[Any]) -> str:
    """``?, ?, ?``: one placeholder per value, for ``IN (...)`` lists.

    No values gives ``NULL``, which matches nothing: SQLite accepts ``IN ()`` but
    PostgreSQL refuses it (a collection with no deck yet, on the server).
    """
    return ", ".join("?" for _ in values) if values else "NULL"
