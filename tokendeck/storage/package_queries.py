"""Bulk SQL for applying and building interchange packages (imports, exports, backups).

Rows are written with ``executemany`` and ids allocated up front, so a
100,000-note import is a handful of statements per table, not a round trip
per row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from tokendeck.domain.cards import CardState
from tokendeck.storage import search_index
from tokendeck.storage.database import Database, Row
from tokendeck.storage.queries import (
    CARD_COLUMNS,
    INSERT_REVIEW,
    NOTE_COLUMNS,
    from_ms,
)
from tokendeck.transfer.package import ReviewRecord


def next_ids(db: Database) -> tuple[int, int]:
    """The next free note id and card id."""
    note = db.scalar("SELECT coalesce(max(id), 0) + 1 FROM notes")
    card = db.scalar("SELECT coalesce(max(id), 0) + 1 FROM cards")
    return int(note), int(card)


def guid_index(db: Database, user: int) -> dict[str, int]:
    """guid -> note id for every note of a user."""
    return {
        guid: nid
        for guid, nid in db.fetchall("SELECT guid, id FROM notes WHERE user_id=?", (user,))
    }


def front_index(db: Database, user: int) -> dict[str, int]:
    """Lower-cased front -> note id, for formats that carry no GUID."""
    rows = db.fetchall("SELECT lower(front), id FROM notes WHERE user_id=? ORDER BY id", (user,))
    return {front: nid for front, nid in rows}


def insert_notes(db: Database, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert notes given with explicit ids (``id`` first, then NOTE_COLUMNS order)."""
    sql = f"INSERT INTO notes ({NOTE_COLUMNS}) VALUES ({', '.join(['?'] * 13)})"
    search_index.insert_notes_bulk(db, sql, rows)


def insert_cards(db: Database, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert cards given with explicit ids, plus created/modified times."""
    db.executemany(
        f"INSERT INTO cards ({CARD_COLUMNS}, created_at, modified_at)"
        f" VALUES ({', '.join(['?'] * 17)})",
        rows,
    )


def insert_new_cards(
    db: Database,
    runs: Sequence[Sequence[int]],
    rows: Sequence[tuple[int, int, int, int]],
    user: int,
    now_ms: int,
) -> None:
    """Insert cards that start new: runs (first card id, first note id, deck id, length)
    of one-card notes, and single (card id, note id, deck id, ordinal) rows.

    The rest of a new card's row is the same for the whole import, so it is
    part of the statement instead of being bound per card, and a run is
    expanded by SQLite: a 100,000-note basic file binds four numbers in all.
    """
    user, now_ms = int(user), int(now_ms)  # formatted into the SQL: must be plain numbers
    columns = (
        "INSERT INTO cards (id, note_id, deck_id, ordinal, user_id, state, due, reps, lapses,"
        " suspended, created_at, modified_at)"
    )
    constants = f"{user}, 0, {now_ms}, 0, 0, 0, {now_ms}, {now_ms}"
    db.executemany(
        f"{columns} WITH RECURSIVE k(i) AS"
        " (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < ?4)"
        f" SELECT ?1 + i, ?2 + i, ?3, 0, {constants} FROM k",
        runs,
    )
    db.executemany(f"{columns} VALUES (?, ?, ?, ?, {constants})", rows)


def insert_reviews(
    db: Database, rows: Sequence[tuple[Any, ...]] | Iterator[tuple[Any, ...]]
) -> None:
    """Append review-log rows (INSERT_REVIEW parameter order)."""
    db.executemany(INSERT_REVIEW, rows)


def update_note_text(db: Database, rows: Sequence[tuple[Any, ...]]) -> None:
    """(kind, front, back, tags, accepted, fields, source, source_note, modified_at, id) rows."""
    search_index.update_notes_bulk(
        db,
        "UPDATE notes SET kind=?, front=?, back=?, tags=?, accepted=?, fields=?, source=?,"
        " source_note=?, modified_at=? WHERE id=?",
        rows,
    )


def existing_ordinals(db: Database, note_ids: Sequence[int]) -> dict[int, set[int]]:
    """note id -> ordinals of its cards, for the given notes."""
    found: dict[int, set[int]] = {}
    for start in range(0, len(note_ids), 500):
        chunk = list(note_ids[start : start + 500])
        marks = ", ".join("?" for _ in chunk)
        for nid, ordinal in db.fetchall(
            f"SELECT note_id, ordinal FROM cards WHERE note_id IN ({marks})", chunk
        ):
            found.setdefault(nid, set()).add(ordinal)
    return found


def export_notes(db: Database, user: int, deck_ids: Sequence[int] | None) -> Iterator[Row]:
    """Notes (NOTE_COLUMNS) with at least one card in the decks (all notes for None)."""
    if deck_ids is None:
        return db.iterate(f"SELECT {NOTE_COLUMNS} FROM notes WHERE user_id=? ORDER BY id", (user,))
    marks = ", ".join("?" for _ in deck_ids)
    return db.iterate(
        f"SELECT {NOTE_COLUMNS} FROM notes WHERE user_id=? AND id IN"
        f" (SELECT note_id FROM cards WHERE deck_id IN ({marks})) ORDER BY id",
        (user, *deck_ids),
    )


def export_cards(db: Database, user: int) -> Iterator[Row]:
    """Every card of a user (CARD_COLUMNS), by note and ordinal."""
    return db.iterate(
        f"SELECT {CARD_COLUMNS} FROM cards WHERE user_id=? ORDER BY note_id, ordinal", (user,)
    )


_STATE_LABELS = {int(state): state.label for state in CardState}


def review_records(db: Database, user: int) -> Iterator[tuple[int, ReviewRecord]]:
    """(card id, review) for a user's whole log in interchange form, by card and time.

    Converted straight from rows: a million reviews are exported without
    building a :class:`tokendeck.domain.reviews.Review` for each first.
    """
    rows = db.iterate(
        "SELECT card_id, reviewed_at, rating, duration_ms, kind, scheduled_days, state_before,"
        " state_after, stability, difficulty FROM reviews WHERE user_id=?"
        " ORDER BY card_id, reviewed_at, id",
        (user,),
    )
    for card_id, at, rating, duration, kind, days, before, after, stability, difficulty in rows:
        yield (
            card_id,
            ReviewRecord(
                reviewed_at=from_ms(at),
                rating=rating,
                duration_ms=duration,
                kind=kind,
                scheduled_days=days,
                state_before=_STATE_LABELS[before],
                state_after=_STATE_LABELS[after],
                stability=stability,
                difficulty=difficulty,
            ),
        )
