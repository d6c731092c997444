"""The ``attempts`` table: how each answer was asked and graded."""

from __future__ import annotations

from tokendeck.domain.attempts import Attempt, LoggedAttempt
from tokendeck.domain.reviews import Review
from tokendeck.storage.rows import from_ms, to_ms
from tokendeck.storage.table import Table


class Attempts(Table):
    """A user's attempts (deleted with their review on undo)."""

    __slots__ = ()

    def insert(self, review: Review, attempt: Attempt) -> int:
        """Store how a review's answer was asked and graded."""
        return self.db.execute(
            "INSERT INTO attempts (user_id, review_id, card_id, answered_at, format, answer,"
            " score, verdict, suggested_rating, rating, overridden)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.user,
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

    def since(self, since_ms: int = 0) -> list[LoggedAttempt]:
        """Attempts since a time, oldest first."""
        rows = self.db.fetchall(
            "SELECT id, review_id, card_id, answered_at, rating, format, answer, score, verdict,"
            " suggested_rating, overridden FROM attempts WHERE user_id=? AND answered_at>=?"
            " ORDER BY answered_at, id",
            (self.user, since_ms),
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
