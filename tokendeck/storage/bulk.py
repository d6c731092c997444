"""Bulk SQL for imports and exports: many rows in a handful of statements.

Rows are written with ``executemany`` and ids allocated up front, so a
100,000-note import is a handful of statements per table, not a round trip
per row. Rows come and go as plain tuples in the column orders named here;
:mod:`tokendeck.transfer` turns them into the neutral form.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

from tokendeck.storage.database import POSTGRESQL, Database, Row
from tokendeck.storage.notes import bump_content
from tokendeck.storage.reviews import INSERT_REVIEW
from tokendeck.storage.rows import CARD_COLUMNS, NOTE_COLUMNS, marks
from tokendeck.storage.search import insert_notes_bulk, update_notes_bulk
from tokendeck.storage.table import Table

#: Columns of :meth:`Bulk.review_rows`, in order.
REVIEW_EXPORT_COLUMNS = (
    "card_id, reviewed_at, rating, duration_ms, kind, scheduled_days, state_before,"
    " state_after, stability, difficulty"
)


class Bulk(Table):
    """A user's notes, cards and reviews written and read in bulk."""

    __slots__ = ()

    def next_ids(self) -> tuple[int, int]:
        """The next free note id and card id (ids are unique across users).

        On PostgreSQL the user sees only their own rows, so the id sequences say
        where the others' ids end; the insert moves them past the ids it used
        (storage/postgres.py). Another user's insert in between may take one of
        these ids too: harmless, every key there is ``(user_id, id)``.
        """
        if self.db.dialect == POSTGRESQL:
            return self._pg_next("notes"), self._pg_next("cards")
        note = self.db.scalar("SELECT coalesce(max(id), 0) + 1 FROM notes")
        card = self.db.scalar("SELECT coalesce(max(id), 0) + 1 FROM cards")
        return int(note), int(card)

    def _pg_next(self, table: str) -> int:
        sequence = f"pg_get_serial_sequence('{table}', 'id')::regclass"
        return int(
            self.db.scalar(
                f"SELECT greatest((SELECT coalesce(max(id), 0) FROM {table} WHERE user_id=?),"
                f" coalesce(pg_sequence_last_value({sequence}), 0)) + 1",
                (self.user,),
            )
        )

    def guid_index(self) -> dict[str, int]:
        """guid -> note id for every note."""
        rows = self.db.fetchall("SELECT guid, id FROM notes WHERE user_id=?", (self.user,))
        return {guid: nid for guid, nid in rows}

    def front_index(self) -> dict[str, int]:
        """Lower-cased front -> note id, for formats that carry no GUID."""
        rows = self.db.fetchall(
            "SELECT lower(front), id FROM notes WHERE user_id=? ORDER BY id", (self.user,)
        )
        return {front: nid for front, nid in rows}

    def insert_notes(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert notes given with explicit ids (``id`` first, then NOTE_COLUMNS order)."""
        sql = f"INSERT INTO notes ({NOTE_COLUMNS}) VALUES ({', '.join(['?'] * 15)})"
        insert_notes_bulk(self.db, sql, rows)

    def update_note_text(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Rows of (kind, front, back, tags, accepted, fields, source, source_note,
        note_type_id, format, modified_at, id)."""
        update_notes_bulk(
            self.db,
            "UPDATE notes SET kind=?, front=?, back=?, tags=?, accepted=?, fields=?, source=?,"
            " source_note=?, note_type_id=?, format=?, modified_at=?"
            f" WHERE id=? AND user_id={int(self.user)}",
            rows,
        )
        bump_content(self.db, self.user, [int(row[-1]) for row in rows])

    def insert_cards(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert cards given with explicit ids, plus created/modified times."""
        ids = [row[0] for row in rows] if len(rows) >= TRIGGER_ASIDE_FROM else []
        with reuse_trigger_aside(self.db, self.user, min(ids, default=0), max(ids, default=0)):
            self.db.executemany(
                f"INSERT INTO cards ({CARD_COLUMNS}, created_at, modified_at)"
                f" VALUES ({', '.join(['?'] * 17)})",
                rows,
            )

    def insert_new_cards(
        self,
        runs: Sequence[Sequence[int]],
        rows: Sequence[tuple[int, int, int, int]],
        now_ms: int,
    ) -> None:
        """Insert cards that start new: runs (first card id, first note id, deck id, length)
        of one-card notes, and single (card id, note id, deck id, ordinal) rows.

        The rest of a new card's row is the same for the whole import, so it is
        part of the statement instead of being bound per card, and a run is
        expanded by SQLite: a 100,000-note basic file binds four numbers in all.
        """
        user, now_ms = int(self.user), int(now_ms)  # formatted into the SQL: plain numbers
        columns = (
            "INSERT INTO cards (id, note_id, deck_id, ordinal, user_id, state, due, reps, lapses,"
            " suspended, created_at, modified_at)"
        )
        constants = f"{user}, 0, {now_ms}, 0, 0, 0, {now_ms}, {now_ms}"
        if self.db.dialect == POSTGRESQL:
            # No numbered parameters: each run's numbers are bound in the order used.
            self.db.executemany(
                f"{columns} SELECT ? + i, ? + i, ?, 0, {constants}"
                " FROM generate_series(0, ? - 1) i",
                runs,
            )
            self.db.executemany(f"{columns} VALUES (?, ?, ?, ?, {constants})", rows)
            last = max((run[0] + run[3] - 1 for run in runs if run[3]), default=0)
            if last:
                self.db.execute(
                    "SELECT setval(pg_get_serial_sequence('cards', 'id'), ?)"
                    " WHERE coalesce(pg_sequence_last_value("
                    "pg_get_serial_sequence('cards', 'id')::regclass), 0) < ?",
                    (last, last),
                )
            return
        ids = [card for run in runs if run[3] for card in (run[0], run[0] + run[3] - 1)]
        ids += [row[0] for row in rows]
        first, last = min(ids, default=0), max(ids, default=0)
        aside = len(rows) + sum(run[3] for run in runs) >= TRIGGER_ASIDE_FROM
        with reuse_trigger_aside(self.db, self.user, first, last) if aside else nullcontext():
            self.db.executemany(
                f"{columns} WITH RECURSIVE k(i) AS"
                " (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < ?4)"
                f" SELECT ?1 + i, ?2 + i, ?3, 0, {constants} FROM k",
                runs,
            )
            self.db.executemany(f"{columns} VALUES (?, ?, ?, ?, {constants})", rows)

    def insert_reviews(self, rows: Sequence[tuple[Any, ...]] | Iterator[tuple[Any, ...]]) -> None:
        """Append review-log rows (in the parameter order of a single review's insert)."""
        self.db.executemany(INSERT_REVIEW, rows)

    def export_notes(self, deck_ids: Sequence[int] | None) -> Iterator[Row]:
        """Notes (NOTE_COLUMNS) with at least one card in the decks (all notes for None)."""
        if deck_ids is None:
            return self.db.iterate(
                f"SELECT {NOTE_COLUMNS} FROM notes WHERE user_id=? ORDER BY id", (self.user,)
            )
        return self.db.iterate(
            f"SELECT {NOTE_COLUMNS} FROM notes WHERE user_id=? AND id IN"
            f" (SELECT note_id FROM cards WHERE deck_id IN ({marks(deck_ids)})) ORDER BY id",
            (self.user, *deck_ids),
        )

    def export_cards(self) -> Iterator[Row]:
        """Every card (CARD_COLUMNS), by note and ordinal."""
        return self.db.iterate(
            f"SELECT {CARD_COLUMNS} FROM cards WHERE user_id=? ORDER BY note_id, ordinal",
            (self.user,),
        )

    def review_rows(self) -> Iterator[Row]:
        """The whole log as REVIEW_EXPORT_COLUMNS rows, by card and time."""
        return self.db.iterate(
            f"SELECT {REVIEW_EXPORT_COLUMNS} FROM reviews WHERE user_id=?"
            " ORDER BY card_id, reviewed_at, id",
            (self.user,),
        )


#: From this many cards on, a bulk insert sets the cards' insert trigger aside.
TRIGGER_ASIDE_FROM = 1_000
#: The one trigger that runs on every card inserted (storage/sync_schema.py): when a
#: new card takes the id of a deleted one, the deleted card's log is moved aside.
_REUSE_TRIGGER = "cards_sync_reuse"


@contextmanager
def reuse_trigger_aside(db: Database, user: int, first: int, last: int) -> Iterator[None]:
    """Inside (a transaction): cards with ids from ``first`` to ``last`` are inserted
    without the insert trigger, when no deleted card of those ids left a log behind.

    The trigger acts only on a card whose id is in ``sync_orphans``; with none in the
    range it would do nothing for any of them. Yet any AFTER INSERT trigger on
    ``cards`` made inserting 100,000 cards three times slower (1.6 s of CPU against
    0.55 s), so a bulk insert drops it and creates it again from its own SQL, both
    inside the caller's transaction (a rollback undoes both). SQLite only.
    """
    if db.dialect == POSTGRESQL or not db.in_transaction or last < first or first <= 0:
        yield
        return
    sql = db.scalar("SELECT sql FROM sqlite_master WHERE type='trigger' AND name=?",
                    (_REUSE_TRIGGER,))  # fmt: skip
    orphaned = sql is not None and db.scalar(
        "SELECT 1 FROM sync_orphans WHERE user_id = ? AND card_id BETWEEN ? AND ? LIMIT 1",
        (user, first, last),
    )
    if sql is None or orphaned:
        yield
        return
    db.execute(f"DROP TRIGGER {_REUSE_TRIGGER}")
    try:
        yield
    finally:
        # After a failed statement the transaction may already be rolled back (and
        # the trigger with it): create it only where it is missing.
        if db.scalar("SELECT 1 FROM sqlite_master WHERE type='trigger' AND name=?",
                     (_REUSE_TRIGGER,)) is None:  # fmt: skip
            db.execute(str(sql))
