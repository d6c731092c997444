"""The SQL the collection needs, as small functions over a :class:`Database`.

Rows are converted to the domain dataclasses here so nothing above this
package sees a tuple or a column name. Instants are stored as integer
milliseconds since the Unix epoch (UTC); study days as date ordinals.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from tokendeck.domain.attempts import Attempt, LoggedAttempt
from tokendeck.domain.cards import Card, CardState
from tokendeck.domain.decks import Deck, DeckConfig
from tokendeck.domain.notes import Note
from tokendeck.domain.reviews import Review
from tokendeck.storage.database import Database, Row

CARD_COLUMNS = (
    "id, note_id, deck_id, user_id, ordinal, state, due, step, stability, difficulty,"
    " last_review, reps, lapses, suspended, buried_until"
)
NOTE_COLUMNS = (
    "id, user_id, guid, kind, front, back, tags, accepted, fields, source, source_note,"
    " created_at, modified_at"
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
    """A :class:`Card` from a row selected with ``CARD_COLUMNS``."""
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
    """A :class:`Deck` from ``id, user_id, name, description, config``."""
    return Deck(row[0], row[1], row[2], row[3], _deck_config(row[4]))


@lru_cache(maxsize=256)
def _deck_config(text: str) -> DeckConfig:
    # Decks are read several times per answer; parsing their JSON options was a
    # third of next-card time. DeckConfig is frozen (tuples inside), so sharing is safe.
    return DeckConfig.from_dict(json.loads(text))


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


UPDATE_CARD_SCHEDULE = (
    "UPDATE cards SET state=?, due=?, step=?, stability=?, difficulty=?, last_review=?,"
    " reps=?, lapses=?, suspended=?, buried_until=?, modified_at=? WHERE id=?"
)


# -- users and settings ---------------------------------------------------------------------
def user_id(db: Database, name: str, now_ms: int) -> int:
    """The id of user ``name``, creating the user on first use."""
    found = db.scalar("SELECT id FROM users WHERE name=?", (name,))
    if found is not None:
        return int(found)
    with db.transaction():
        return db.execute("INSERT INTO users (name, created_at) VALUES (?, ?)", (name, now_ms))


def settings(db: Database, user: int) -> dict[str, Any]:
    """All stored settings of a user, decoded from JSON."""
    rows = db.fetchall("SELECT key, value FROM settings WHERE user_id=?", (user,))
    return {key: json.loads(value) for key, value in rows}


def put_setting(db: Database, user: int, key: str, value: Any) -> None:
    """Insert or replace one setting."""
    db.execute(
        "INSERT INTO settings (user_id, key, value) VALUES (?, ?, ?)"
        " ON CONFLICT (user_id, key) DO UPDATE SET value=excluded.value",
        (user, key, json.dumps(value)),
    )


# -- decks ---------------------------------------------------------------------------------------
_DECK_SELECT = "SELECT id, user_id, name, description, config FROM decks"


def decks(db: Database, user: int) -> list[Deck]:
    """Every deck of a user, by name."""
    rows = db.fetchall(f"{_DECK_SELECT} WHERE user_id=? ORDER BY name", (user,))
    return [deck_from_row(r) for r in rows]


def deck_by_name(db: Database, user: int, name: str) -> Deck | None:
    """A deck by exact name (case-insensitive), or None."""
    row = db.fetchone(f"{_DECK_SELECT} WHERE user_id=? AND lower(name)=lower(?)", (user, name))
    return None if row is None else deck_from_row(row)


def deck_by_id(db: Database, user: int, deck_id: int) -> Deck | None:
    """A deck by id, or None."""
    row = db.fetchone(f"{_DECK_SELECT} WHERE user_id=? AND id=?", (user, deck_id))
    return None if row is None else deck_from_row(row)


def insert_deck(db: Database, user: int, name: str, config: DeckConfig, now_ms: int) -> int:
    """Create a deck; returns its id."""
    return db.execute(
        "INSERT INTO decks (user_id, name, config, created_at, modified_at) VALUES (?, ?, ?, ?, ?)",
        (user, name, json.dumps(config.to_dict()), now_ms, now_ms),
    )


def update_deck(db: Database, deck: Deck, now_ms: int) -> None:
    """Store a deck's name, description and options."""
    db.execute(
        "UPDATE decks SET name=?, description=?, config=?, modified_at=? WHERE id=?",
        (deck.name, deck.description, json.dumps(deck.config.to_dict()), now_ms, deck.id),
    )


# -- notes ---------------------------------------------------------------------------------------
def note(db: Database, user: int, note_id: int) -> Note | None:
    """A note by id, or None."""
    row = db.fetchone(f"SELECT {NOTE_COLUMNS} FROM notes WHERE user_id=? AND id=?", (user, note_id))
    return None if row is None else note_from_row(row)


def note_by_guid(db: Database, user: int, guid: str) -> Note | None:
    """A note by GUID, or None."""
    row = db.fetchone(f"SELECT {NOTE_COLUMNS} FROM notes WHERE user_id=? AND guid=?", (user, guid))
    return None if row is None else note_from_row(row)


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
    )


INSERT_NOTE = (
    "INSERT INTO notes (user_id, guid, kind, front, back, tags, accepted, fields, source,"
    " source_note, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def insert_note(db: Database, note: Note) -> int:
    """Store a new note; returns its id."""
    return db.execute(INSERT_NOTE, note_params(note))


def update_note(db: Database, note: Note) -> None:
    """Store a note's content (kind, text, tags, ...)."""
    db.execute(
        "UPDATE notes SET kind=?, front=?, back=?, tags=?, accepted=?, fields=?, source=?,"
        " source_note=?, modified_at=? WHERE id=?",
        (*note_params(note)[2:10], note_params(note)[11], note.id),
    )


def delete_note(db: Database, note_id: int) -> None:
    """Delete a note and (by cascade) its cards; reviews are kept."""
    db.execute("DELETE FROM notes WHERE id=?", (note_id,))


def has_notes(db: Database, user: int) -> bool:
    """Whether the user has any note at all."""
    return db.scalar("SELECT 1 FROM notes WHERE user_id=? LIMIT 1", (user,)) is not None


def notes_with_tag(db: Database, user: int, tag: str) -> list[int]:
    """Ids of a user's notes carrying ``tag``."""
    rows = db.fetchall("SELECT id FROM notes WHERE user_id=? AND tags LIKE ?", (user, f"% {tag} %"))
    return [r[0] for r in rows]


# -- cards ---------------------------------------------------------------------------------------
INSERT_CARD = (
    "INSERT INTO cards (user_id, note_id, deck_id, ordinal, state, due, step, stability,"
    " difficulty, last_review, reps, lapses, suspended, buried_until, created_at, modified_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def card_insert_params(card: Card, now_ms: int) -> tuple[Any, ...]:
    """Parameters for :data:`INSERT_CARD`."""
    params = card_schedule_params(card, now_ms)
    return (card.user_id, card.note_id, card.deck_id, card.ordinal, *params[:10], now_ms, now_ms)


def insert_card(db: Database, card: Card, now_ms: int) -> int:
    """Store a new card; returns its id."""
    return db.execute(INSERT_CARD, card_insert_params(card, now_ms))


def card(db: Database, user: int, card_id: int) -> Card | None:
    """A card by id, or None."""
    row = db.fetchone(f"SELECT {CARD_COLUMNS} FROM cards WHERE user_id=? AND id=?", (user, card_id))
    return None if row is None else card_from_row(row)


def cards_of_note(db: Database, note_id: int) -> list[Card]:
    """All cards of a note, by ordinal."""
    rows = db.fetchall(
        f"SELECT {CARD_COLUMNS} FROM cards WHERE note_id=? ORDER BY ordinal", (note_id,)
    )
    return [card_from_row(r) for r in rows]


def save_card(db: Database, card: Card, now_ms: int) -> None:
    """Store a card's scheduling state."""
    db.execute(UPDATE_CARD_SCHEDULE, card_schedule_params(card, now_ms))


def move_card(db: Database, card_id: int, deck_id: int, now_ms: int) -> None:
    """Move a card to another deck."""
    db.execute("UPDATE cards SET deck_id=?, modified_at=? WHERE id=?", (deck_id, now_ms, card_id))


def delete_card(db: Database, card_id: int) -> None:
    """Delete one card (its reviews stay in the log)."""
    db.execute("DELETE FROM cards WHERE id=?", (card_id,))


def count_cards_of_note(db: Database, note_id: int) -> int:
    """How many cards a note still has."""
    return int(db.scalar("SELECT count(*) FROM cards WHERE note_id=?", (note_id,)))


def cards_where(db: Database, where: str, params: Sequence[Any], tail: str = "") -> list[Card]:
    """Cards matching a WHERE clause built by this package's callers in storage."""
    rows = db.fetchall(f"SELECT {CARD_COLUMNS} FROM cards WHERE {where} {tail}", params)
    return [card_from_row(r) for r in rows]


# -- reviews -----------------------------------------------------------------------------------
INSERT_REVIEW = (
    "INSERT INTO reviews (user_id, card_id, reviewed_at, rating, duration_ms, kind, state_before,"
    " state_after, scheduled_days, elapsed_days, stability, difficulty, undo)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def insert_review(db: Database, review: Review, undo: dict[str, Any] | None) -> int:
    """Append to the review log; ``undo`` holds what is needed to take it back."""
    return db.execute(
        INSERT_REVIEW,
        (
            review.user_id,
            review.card_id,
            to_ms(review.reviewed_at),
            review.rating,
            review.duration_ms,
            review.kind,
            int(review.state_before),
            int(review.state_after),
            review.scheduled_days,
            review.elapsed_days,
            review.stability,
            review.difficulty,
            None if undo is None else json.dumps(undo),
        ),
    )


def last_undoable(db: Database, user: int) -> tuple[int, int, dict[str, Any]] | None:
    """The newest review that can be undone: (review id, card id, undo data)."""
    row = db.fetchone(
        "SELECT id, card_id, undo FROM reviews WHERE user_id=? ORDER BY id DESC LIMIT 1", (user,)
    )
    if row is None or row[2] is None:
        return None
    return row[0], row[1], json.loads(row[2])


def delete_review(db: Database, review_id: int) -> None:
    """Remove one review-log row (undo only)."""
    db.execute("DELETE FROM reviews WHERE id=?", (review_id,))


def reviews_of_card(db: Database, card_id: int) -> list[Review]:
    """A card's history, oldest first."""
    rows = db.fetchall(
        f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE card_id=? ORDER BY reviewed_at, id", (card_id,)
    )
    return [review_from_row(r) for r in rows]


def iter_reviews(db: Database, user: int, since_ms: int = 0) -> Iterator[Review]:
    """Stream a user's review log, oldest first."""
    rows = db.iterate(
        f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE user_id=? AND reviewed_at>=?"
        " ORDER BY reviewed_at, id",
        (user, since_ms),
    )
    return (review_from_row(r) for r in rows)


def answered_today(db: Database, user: int, start_ms: int) -> list[tuple[int, int, int, int]]:
    """(card id, note id, deck id, state before) of every answer since ``start_ms``."""
    return [
        (r[0], r[1], r[2], r[3])
        for r in db.fetchall(
            "SELECT r.card_id, c.note_id, c.deck_id, r.state_before FROM reviews r"
            " JOIN cards c ON c.id = r.card_id"
            " WHERE r.user_id=? AND r.reviewed_at>=? AND r.kind != 'manual'",
            (user, start_ms),
        )
    ]


# -- attempts ------------------------------------------------------------------------------
def insert_attempt(db: Database, review: Review, attempt: Attempt) -> int:
    """Store how a review's answer was asked and graded."""
    return db.execute(
        "INSERT INTO attempts (user_id, review_id, card_id, answered_at, format, answer, score,"
        " verdict, suggested_rating, rating, overridden) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            review.user_id,
            review.id,
            review.card_id,
            to_ms(review.reviewed_at),
            attempt.format,
            attempt.answer,
            attempt.score,
            attempt.verdict,
            attempt.suggested_rating,
            review.rating,
            int(attempt.overridden),
        ),
    )


def attempts(db: Database, user: int, since_ms: int = 0) -> list[LoggedAttempt]:
    """A user's attempts since a time, oldest first."""
    rows = db.fetchall(
        "SELECT id, review_id, card_id, answered_at, rating, format, answer, score, verdict,"
        " suggested_rating, overridden FROM attempts WHERE user_id=? AND answered_at>=?"
        " ORDER BY answered_at, id",
        (user, since_ms),
    )
    return [
        LoggedAttempt(
            r[0],
            r[1],
            r[2],
            from_ms(r[3]),
            r[4],
            Attempt(r[5], r[6], r[7], r[8], r[9], bool(r[10])),
        )
        for r in rows
    ]
