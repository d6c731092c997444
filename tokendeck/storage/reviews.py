"""The ``reviews`` table: the review log, one row per answer, kept forever."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from tokendeck.domain.reviews import Review
from tokendeck.storage.database import Database
from tokendeck.storage.review_slots import Summary
from tokendeck.storage.rows import REVIEW_COLUMNS, review_from_row, to_ms
from tokendeck.storage.table import Table

INSERT_REVIEW = (
    "INSERT INTO reviews (user_id, card_id, reviewed_at, rating, duration_ms, kind, state_before,"
    " state_after, scheduled_days, elapsed_days, stability, difficulty, undo)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class Reviews(Table):
    """A user's review log."""

    __slots__ = ("summary",)

    def __init__(self, db: Database, user: int, summary: Summary) -> None:
        super().__init__(db, user)
        #: The statistics summary this table keeps in step with its writes.
        self.summary = summary

    def insert(self, review: Review, undo: dict[str, Any] | None) -> int:
        """Append to the log; ``undo`` holds what is needed to take it back.

        The statistics summary counts it too: one row updated for an answer after
        the card's newest entry, the card recounted for one before it.
        """
        at_ms = to_ms(review.reviewed_at)
        card = review.card_id
        with self.db.transaction():  # the entry and its count land together
            if self.summary.add(card, at_ms, review.kind, review.rating, review.duration_ms):
                return self._insert(review, at_ms, undo)
            with self.summary.refreshing([card]):  # before the card's newest entry
                return self._insert(review, at_ms, undo)

    def _insert(self, review: Review, at_ms: int, undo: dict[str, Any] | None) -> int:
        return self.db.execute(
            INSERT_REVIEW,
            (
                self.user,
                review.card_id,
                at_ms,
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

    def newest_undoable(self, limit: int) -> list[tuple[int, int, dict[str, Any]]]:
        """The newest reviews, newest first, while they can be undone: (id, card id, undo data).

        An entry without undo data (an imported review) stops the run. Only answers
        made here count: a review that arrived by sync is another device's to undo.
        """
        rows = self.db.fetchall(
            "SELECT id, card_id, undo FROM reviews WHERE user_id=? AND sync_origin = ''"
            " ORDER BY id DESC LIMIT ?",
            (self.user, limit),
        )
        undoable = []
        for review_id, card_id, undo in rows:
            if undo is None:
                break
            undoable.append((review_id, card_id, json.loads(undo)))
        return undoable

    def answered_after(self, card_id: int, review_id: int) -> list[tuple[bytes, int, int]]:
        """Answers of a card that came by sync at or after a review's time: (id, answered
        at ms, rating).

        An undo takes back one answer; these (made on another device) are answered
        again on top of the card as it was before it. Entries made here are not: an
        undo takes back the newest of them.
        """
        rows = self.db.fetchall(
            "SELECT uid, reviewed_at, rating FROM reviews WHERE user_id=? AND card_id=?"
            " AND id <> ? AND sync_origin <> '' AND rating BETWEEN 1 AND 4"
            " AND reviewed_at >= (SELECT reviewed_at FROM reviews WHERE user_id=? AND id=?)",
            (self.user, card_id, review_id, self.user, review_id),
        )
        return [(b"" if r[0] is None else bytes(r[0]), r[1], r[2]) for r in rows]

    def delete(self, review_id: int) -> None:
        """Remove one row of the log (undo only); its card is recounted in the summary."""
        card = self.db.scalar(
            "SELECT card_id FROM reviews WHERE id=? AND user_id=?", (review_id, self.user)
        )
        if card is None:
            return
        with self.summary.refreshing([int(card)]):
            self.db.execute("DELETE FROM reviews WHERE id=? AND user_id=?", (review_id, self.user))

    def of_card(self, card_id: int) -> list[Review]:
        """A card's history, oldest first."""
        rows = self.db.fetchall(
            f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE user_id=? AND card_id=?"
            " ORDER BY reviewed_at, id",
            (self.user, card_id),
        )
        return [review_from_row(r) for r in rows]

    def since(self, since_ms: int = 0) -> Iterator[Review]:
        """Stream the log from a time on, oldest first."""
        rows = self.db.iterate(
            f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE user_id=? AND reviewed_at>=?"
            " ORDER BY reviewed_at, id",
            (self.user, since_ms),
        )
        return (review_from_row(r) for r in rows)

    def answered_since(self, start_ms: int) -> list[tuple[int, int, int, int]]:
        """(card id, note id, deck id, state before) of every answer since ``start_ms``."""
        return [
            (r[0], r[1], r[2], r[3])
            for r in self.db.fetchall(
                "SELECT r.card_id, c.note_id, c.deck_id, r.state_before FROM reviews r"
                " JOIN cards c ON c.id = r.card_id AND c.user_id = r.user_id"
                " WHERE r.user_id=? AND r.reviewed_at>=? AND r.kind != 'manual'",
                (self.user, start_ms),
            )
        ]
