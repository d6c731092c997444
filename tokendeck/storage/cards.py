"""The ``cards`` table: scheduling state, one row per card."""

from __future__ import annotations

from collections.abc import Sequence

from tokendeck.domain.cards import Card
from tokendeck.storage.database import Database
from tokendeck.storage.review_slots import Summary
from tokendeck.storage.rows import CARD_COLUMNS, card_from_row, card_schedule_params, marks
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
            f"SELECT {CARD_COLUMNS} FROM cards WHERE user_id=? AND id=?", (self.user, card_id)
        )
        return None if row is None else card_from_row(row)

    def of_note(self, note_id: int) -> list[Card]:
        """All cards of a note, by ordinal."""
        rows = self.db.fetchall(
            f"SELECT {CARD_COLUMNS} FROM cards WHERE user_id=? AND note_id=? ORDER BY ordinal",
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
                f"SELECT {CARD_COLUMNS} FROM cards WHERE user_id=?", (self.user,)
            )
        else:
            rows = self.db.fetchall(
                f"SELECT {CARD_COLUMNS} FROM cards WHERE user_id=?"
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
