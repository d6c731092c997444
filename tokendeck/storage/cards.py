"""The ``cards`` table: scheduling state, one row per card."""

from __future__ import annotations

from collections.abc import Sequence

from tokendeck.domain.cards import Card
from tokendeck.storage.database import Database
from tokendeck.storage.notes import content_key
from tokendeck.storage.review_slots import Summary
from tokendeck.storage.rows import (
    CARD_READ_COLUMNS,
    card_from_row,
    card_schedule_params,
    marks,
)
from tokendeck.storage.table import Table

INSERT_CARD = (
    "INSERT INTO cards (user_id, note_id, deck_id, ordinal, state, due, step, stability,"
    " difficulty, last_review, reps, lapses, suspended, buried_until, created_at, modified_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
UPDATE_SCHEDULE = (
    "UPDATE cards SET state=?, due=?, step=?, stability=?, difficulty=?, last_review=?,"
    " reps=?, lapses=?, suspended=?, buried_until=?, modified_at=? WHERE id=? AND user_id=?"
)


class Cards(Table):
    """A user's cards."""

    __slots__ = ("summary",)

    def __init__(self, db: Database, user: int, summary: Summary) -> None:
        super().__init__(db, user)
        #: The statistics summary this table keeps in step with its writes.
        self.summary = summary

    def get(self, card_id: int) -> Card | None:
        """A card by id, or None."""
        row = self.db.fetchone(
            f"SELECT {CARD_READ_COLUMNS} FROM cards WHERE user_id=? AND id=?", (self.user, card_id)
        )
        return None if row is None else card_from_row(row)

    def of_note(self, note_id: int) -> list[Card]:
        """All cards of a note, by ordinal."""
        rows = self.db.fetchall(
            f"SELECT {CARD_READ_COLUMNS} FROM cards WHERE user_id=? AND note_id=? ORDER BY ordinal",
            (self.user, note_id),
        )
        return [card_from_row(r) for r in rows]

    def count_of_note(self, note_id: int) -> int:
        """How many cards a note still has."""
        return int(
            self.db.scalar(
                "SELECT count(*) FROM cards WHERE user_id=? AND note_id=?", (self.user, note_id)
            )
        )

    def all(self, deck_ids: Sequence[int] | None = None) -> list[Card]:
        """Every card (of some decks), without note text: for statistics and rescheduling."""
        if deck_ids is None:
            rows = self.db.fetchall(
                f"SELECT {CARD_READ_COLUMNS} FROM cards WHERE user_id=?", (self.user,)
            )
        else:
            rows = self.db.fetchall(
                f"SELECT {CARD_READ_COLUMNS} FROM cards WHERE user_id=?"
                f" AND deck_id IN ({marks(deck_ids)})",
                (self.user, *deck_ids),
            )
        return [card_from_row(r) for r in rows]

    def totals_by_deck(self) -> dict[int, int]:
        """Number of cards in each deck."""
        rows = self.db.fetchall(
            "SELECT deck_id, count(*) FROM cards WHERE user_id=? GROUP BY deck_id", (self.user,)
        )
        return {deck: count for deck, count in rows}

    def insert(self, card: Card, now_ms: int) -> int:
        """Store a new card (of this user); returns its id."""
        params = card_schedule_params(card, now_ms)
        card_id = self.db.execute(
            INSERT_CARD,
            (self.user, card.note_id, card.deck_id, card.ordinal, *params[:10], now_ms, now_ms),
        )
        self.summary.adopt_orphans(card_id)
        return card_id

    def save(self, card: Card, now_ms: int) -> None:
        """Store a card's scheduling state."""
        self.db.execute(UPDATE_SCHEDULE, (*card_schedule_params(card, now_ms), self.user))

    def move(self, card_id: int, deck_id: int, now_ms: int) -> None:
        """Move a card to another deck (its history moves with it in the statistics)."""
        with self.summary.refreshing([card_id]):
            self.db.execute(
                "UPDATE cards SET deck_id=?, modified_at=? WHERE id=? AND user_id=?",
                (deck_id, now_ms, card_id, self.user),
            )

    def delete(self, card_id: int) -> None:
        """Delete one card (its reviews stay in the log, and in the whole-collection statistics)."""
        with self.summary.refreshing([card_id]):
            self.db.execute("DELETE FROM cards WHERE id=? AND user_id=?", (card_id, self.user))

    def fingerprint(self, deck_ids: Sequence[int]) -> tuple[int, int, int]:
        """What changes when the decks' cards or their notes' text change (not when cards
        are answered): card count, sum of card ids, and the decks' content versions
        (bumped when a note is edited and by a rename: storage/notes.py, bump_content)."""
        keys = [content_key(self.user, d) for d in deck_ids]
        row = self.db.fetchone(
            f"SELECT count(*), coalesce(sum(id), 0), (SELECT coalesce(sum(CAST(value AS"
            f" INTEGER)), 0) FROM meta WHERE key IN ({marks(keys)})) FROM cards"
            f" WHERE user_id=? AND deck_id IN ({marks(deck_ids)})",
            (*keys, self.user, *deck_ids),
        )
        assert row is not None
        return int(row[0]), int(row[1]), int(row[2])

    def set_flag(self, card_ids: Sequence[int], flag: int, now_ms: int) -> None:
        """Set (0: clear) the coloured flag of cards."""
        self.db.executemany(
            "UPDATE cards SET flag=?, modified_at=? WHERE id=? AND user_id=?",
            [(flag, now_ms, card_id, self.user) for card_id in card_ids],
        )

    def count_in_decks(self, deck_ids: Sequence[int]) -> int:
        """How many cards the decks hold."""
        return int(
            self.db.scalar(
                f"SELECT count(*) FROM cards WHERE user_id=? AND deck_id IN ({marks(deck_ids)})",
                (self.user, *deck_ids),
            )
        )

    def move_decks(self, deck_ids: Sequence[int], target: int, now_ms: int) -> None:
        """Move every card of some decks into ``target`` (their history moves with them in
        the statistics)."""
        with self.summary.refreshing(self._ids_in(deck_ids)):
            self.db.execute(
                f"UPDATE cards SET deck_id=?, modified_at=? WHERE user_id=?"
                f" AND deck_id IN ({marks(deck_ids)})",
                (target, now_ms, self.user, *deck_ids),
            )

    def _ids_in(self, deck_ids: Sequence[int]) -> list[int]:
        rows = self.db.fetchall(
            f"SELECT id FROM cards WHERE user_id=? AND deck_id IN ({marks(deck_ids)})",
            (self.user, *deck_ids),
        )
        return [int(r[0]) for r in rows]

    def delete_in_decks(self, deck_ids: Sequence[int]) -> tuple[int, int]:
        """Delete the cards of some decks, and the notes left without a card; returns
        (cards, notes) deleted. The review log keeps their history."""
        where = f"deck_id IN ({marks(deck_ids)})"
        cards = self.count_in_decks(deck_ids)
        # Notes whose every card is in these decks go (their cards by cascade); a note
        # with a card elsewhere stays and loses only its cards here.
        lonely = (
            f"FROM notes WHERE user_id=? AND id IN (SELECT note_id FROM cards WHERE"
            f" user_id=? AND {where}) AND NOT EXISTS (SELECT 1 FROM cards o WHERE"
            f" o.note_id=notes.id AND o.deck_id NOT IN ({marks(deck_ids)}))"
        )
        params = (self.user, self.user, *deck_ids, *deck_ids)
        notes = int(self.db.scalar(f"SELECT count(*) {lonely}", params))
        # their history stays in the log, and in the whole-collection statistics
        with self.summary.refreshing(self._ids_in(deck_ids)):
            self.db.execute(f"DELETE {lonely}", params)
            self.db.execute(
                f"DELETE FROM cards WHERE user_id=? AND {where}", (self.user, *deck_ids)
            )
        return cards, notes
