"""The SQL behind ``tokendeck check``: finding damage and inconsistencies, and the safe repairs.

Each finder returns what it found; each repair changes only rows that are
wrong in a way with one right answer (a card pointing at a deck that is gone
goes to a deck that exists; a count that disagrees with a complete history
takes the history's count). Everything else is reported, never guessed at.
"""

from __future__ import annotations

from tokendeck.domain.cards import CardState
from tokendeck.errors import StorageError
from tokendeck.storage.database import POSTGRESQL
from tokendeck.storage.search import ensure_current
from tokendeck.storage.table import Table

_NEW, _REVIEW = int(CardState.NEW), int(CardState.REVIEW)
_STATES = ", ".join(str(int(s)) for s in CardState)


# Answers (not manual entries) after each card's last reset, and whether that stretch of
# history starts with the card new: only then is the count the card's whole story.
_COUNTS = f"""
WITH last_reset AS (
    SELECT card_id, max(id) AS rid FROM reviews
    WHERE user_id = ? AND kind = 'manual' AND state_after = {_NEW} GROUP BY card_id
), answers AS (
    SELECT r.card_id, count(*) AS n,
           sum(CASE WHEN r.rating = 1 AND r.state_before = {_REVIEW} THEN 1 ELSE 0 END) AS lapses,
           min(r.id) AS first_id, max(r.id) AS last_id
    FROM reviews r LEFT JOIN last_reset l ON l.card_id = r.card_id
    WHERE r.user_id = ? AND r.kind != 'manual' AND r.rating BETWEEN 1 AND 4
      AND r.id > coalesce(l.rid, 0)
    GROUP BY r.card_id
)
SELECT c.id, c.reps, a.n, c.lapses, a.lapses, f.state_before, c.state, z.state_after
FROM cards c
JOIN answers a ON a.card_id = c.id
JOIN reviews f ON f.id = a.first_id
JOIN reviews z ON z.id = a.last_id
WHERE c.user_id = ?
"""


class Consistency(Table):
    """A user's collection checked: the file, the index, and cards against their review log."""

    __slots__ = ()

    def damage(self) -> list[str]:
        """SQLite's full integrity check: ``[]`` when the file is sound, else its complaints.

        A PostgreSQL server keeps its own pages sound (checksums, WAL): nothing to check here.
        """
        if self.db.dialect == POSTGRESQL:
            return []
        try:
            rows = [str(r[0]) for r in self.db.fetchall("PRAGMA integrity_check(20)")]
        except StorageError as exc:  # too damaged for the check itself to walk
            return [exc.message]
        return [] if rows == ["ok"] else rows

    def search_index_faulty(self) -> bool:
        """Whether the full-text index disagrees with the notes (a rebuild mends it).

        PostgreSQL's trigram index is an ordinary index the server keeps in step.
        """
        if self.db.dialect == POSTGRESQL:
            return False
        ensure_current(self.db)  # a bulk import's deferred rebuild is not a fault
        try:
            self.db.execute("INSERT INTO notes_fts (notes_fts, rank) VALUES ('integrity-check', 1)")
        except StorageError:  # "database disk image is malformed": the index, not the notes
            return True
        return False

    def rebuild_search_index(self) -> None:
        """Rebuild the full-text index from the notes as they are."""
        with self.db.transaction():
            self.db.execute("INSERT INTO notes_fts (notes_fts) VALUES ('rebuild')")

    def count_mismatches(self) -> list[tuple[int, int, int, int, int]]:
        """Cards whose reps or lapses disagree with their complete history.

        (card id, reps, answers, lapses, lapses in the log); only cards whose
        history since the last reset starts with the card new count: an imported
        card may carry reps from a log it did not bring.
        """
        rows = self.db.fetchall(_COUNTS, (self.user, self.user, self.user))
        return [
            (r[0], r[1], r[2], r[3], r[4])
            for r in rows
            if r[5] == _NEW and (r[1] != r[2] or r[3] != r[4])
        ]

    def state_mismatches(self) -> list[tuple[int, int, int]]:
        """Cards whose state is not the one their newest answer left them in.

        (card id, state, state after the newest answer); reported, not repaired:
        only a learner knows whether the log or the card is right.
        """
        rows = self.db.fetchall(_COUNTS, (self.user, self.user, self.user))
        return [(r[0], r[6], r[7]) for r in rows if r[6] != r[7]]

    def set_counts(self, rows: list[tuple[int, int, int]]) -> None:
        """(reps, lapses, card id): counts taken from the history."""
        self.db.executemany(
            f"UPDATE cards SET reps=?, lapses=? WHERE id=? AND user_id={int(self.user)}", rows
        )

    def invalid_cards(self) -> list[int]:
        """Cards with values no TokenDeck writes (unknown state, negative counts, bad numbers)."""
        rows = self.db.fetchall(
            f"SELECT id FROM cards WHERE user_id=? AND (state NOT IN ({_STATES}) OR reps < 0"
            " OR lapses < 0 OR (stability IS NOT NULL AND NOT stability > 0)"
            " OR (difficulty IS NOT NULL AND NOT difficulty BETWEEN 1 AND 10))",
            (self.user,),
        )
        return [r[0] for r in rows]

    def cards_in_missing_decks(self) -> list[int]:
        """Cards whose deck is gone."""
        rows = self.db.fetchall(
            "SELECT c.id FROM cards c LEFT JOIN decks d ON d.id = c.deck_id"
            " WHERE c.user_id=? AND d.id IS NULL",
            (self.user,),
        )
        return [r[0] for r in rows]

    def notes_without_cards(self) -> list[int]:
        """Notes that have no card left (they can never be studied)."""
        rows = self.db.fetchall(
            "SELECT n.id FROM notes n WHERE n.user_id=?"
            " AND NOT EXISTS (SELECT 1 FROM cards c WHERE c.note_id = n.id)",
            (self.user,),
        )
        return [r[0] for r in rows]

    def orphaned_attempts(self) -> int:
        """Attempts whose review is gone."""
        return int(
            self.db.scalar(
                "SELECT count(*) FROM attempts a WHERE a.user_id=?"
                " AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.id = a.review_id)",
                (self.user,),
            )
        )

    def delete_orphaned_attempts(self) -> None:
        """Remove attempts whose review is gone (nothing refers to them)."""
        self.db.execute(
            "DELETE FROM attempts WHERE user_id=?"
            " AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.id = attempts.review_id)",
            (self.user,),
        )
