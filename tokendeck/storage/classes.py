"""The class tables: classes, memberships, and the teacher's read of class progress.

The progress queries are the one place that reads several users' cards and
reviews at once. They read only cards of the decks the class's publications
put into each learner's collection (``subscriptions.deck_id``): a learner's
own decks are never joined, whatever they contain.
"""

from __future__ import annotations

from tokendeck.domain.cards import CardState
from tokendeck.domain.classes import HardCard, LearnerProgress, SchoolClass
from tokendeck.storage.accounts import ServerTable
from tokendeck.storage.database import Row
from tokendeck.storage.rows import from_ms

_CLASS = (
    "SELECT c.id, c.teacher_id, u.name, c.name, c.join_code, c.created_at,"
    " (SELECT count(*) FROM memberships m WHERE m.class_id = c.id)"
    " FROM classes c JOIN users u ON u.id = c.teacher_id"
)

#: The decks the class's publications put into its learners' collections.
_CLASS_DECKS = (
    "WITH class_decks AS ("
    " SELECT s.user_id, s.deck_id, s.publication_id FROM subscriptions s"
    " JOIN publications p ON p.id = s.publication_id"
    " JOIN memberships m ON m.class_id = p.class_id AND m.user_id = s.user_id"
    " WHERE p.class_id = ?)"
)


def _class(row: Row) -> SchoolClass:
    return SchoolClass(
        id=row[0],
        teacher_id=row[1],
        teacher_name=row[2],
        name=row[3],
        join_code=row[4],
        created_at=from_ms(row[5]),
        learners=row[6],
    )


class Classes(ServerTable):
    """Classes and who is in them."""

    __slots__ = ()

    def create(self, teacher_id: int, name: str, join_code: str, now_ms: int) -> int:
        """A new class; returns its id."""
        return self.db.execute(
            "INSERT INTO classes (teacher_id, name, join_code, created_at) VALUES (?, ?, ?, ?)",
            (teacher_id, name, join_code, now_ms),
        )

    def get(self, class_id: int) -> SchoolClass | None:
        """A class by id."""
        row = self.db.fetchone(f"{_CLASS} WHERE c.id=?", (class_id,))
        return None if row is None else _class(row)

    def by_code(self, join_code: str) -> SchoolClass | None:
        """A class by its join code."""
        row = self.db.fetchone(f"{_CLASS} WHERE c.join_code=?", (join_code,))
        return None if row is None else _class(row)

    def name_taken(self, teacher_id: int, name: str) -> bool:
        """Whether the teacher already has a class of this name."""
        found = self.db.scalar(
            "SELECT 1 FROM classes WHERE teacher_id=? AND name=?", (teacher_id, name)
        )
        return found is not None

    def all(self) -> list[SchoolClass]:
        """Every class, by name."""
        return [_class(r) for r in self.db.fetchall(f"{_CLASS} ORDER BY c.name, c.id")]

    def taught_by(self, teacher_id: int) -> list[SchoolClass]:
        """The classes a teacher created."""
        rows = self.db.fetchall(f"{_CLASS} WHERE c.teacher_id=? ORDER BY c.name", (teacher_id,))
        return [_class(r) for r in rows]

    def joined_by(self, user_id: int) -> list[SchoolClass]:
        """The classes a learner joined."""
        rows = self.db.fetchall(
            f"{_CLASS} JOIN memberships j ON j.class_id = c.id WHERE j.user_id=? ORDER BY c.name",
            (user_id,),
        )
        return [_class(r) for r in rows]

    def set_code(self, class_id: int, join_code: str) -> None:
        """Replace a class's join code (the old one stops working)."""
        self.db.execute("UPDATE classes SET join_code=? WHERE id=?", (join_code, class_id))

    def delete(self, class_id: int) -> None:
        """Delete a class, its memberships and publications (learners keep their decks)."""
        self.db.execute("DELETE FROM classes WHERE id=?", (class_id,))

    # -- memberships -------------------------------------------------------------------------
    def join(self, class_id: int, user_id: int, now_ms: int) -> None:
        """Add a learner (joining twice is harmless)."""
        self.db.execute(
            "INSERT INTO memberships (class_id, user_id, joined_at) VALUES (?, ?, ?)"
            " ON CONFLICT (class_id, user_id) DO NOTHING",
            (class_id, user_id, now_ms),
        )

    def leave(self, class_id: int, user_id: int) -> None:
        """Remove a learner from a class."""
        self.db.execute(
            "DELETE FROM memberships WHERE class_id=? AND user_id=?", (class_id, user_id)
        )

    def is_member(self, class_id: int, user_id: int) -> bool:
        """Whether the user joined the class."""
        found = self.db.scalar(
            "SELECT 1 FROM memberships WHERE class_id=? AND user_id=?", (class_id, user_id)
        )
        return found is not None

    def learners(self, class_id: int) -> list[tuple[int, str]]:
        """(user id, name) of the class's learners, by name."""
        rows = self.db.fetchall(
            "SELECT u.id, u.name FROM memberships m JOIN users u ON u.id = m.user_id"
            " WHERE m.class_id=? ORDER BY u.name",
            (class_id,),
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    # -- what the teacher sees ---------------------------------------------------------------
    def progress(self, class_id: int, now_ms: int) -> list[LearnerProgress]:
        """Each learner's reviews, retention, backlog and last activity on the class's decks."""
        week, month = now_ms - 7 * 86_400_000, now_ms - 30 * 86_400_000
        reviews = {
            int(r[0]): r
            for r in self.db.fetchall(
                f"{_CLASS_DECKS} SELECT r.user_id, count(*),"
                " count(*) FILTER (WHERE r.reviewed_at >= ?),"
                " count(*) FILTER (WHERE r.reviewed_at >= ? AND r.state_before = ?),"
                " count(*) FILTER (WHERE r.reviewed_at >= ? AND r.state_before = ?"
                "   AND r.rating > 1),"
                " max(r.reviewed_at)"
                " FROM reviews r JOIN cards c ON c.user_id = r.user_id AND c.id = r.card_id"
                " JOIN class_decks d ON d.user_id = c.user_id AND d.deck_id = c.deck_id"
                " WHERE r.rating > 0 GROUP BY r.user_id",
                (class_id, week, month, CardState.REVIEW, month, CardState.REVIEW),
            )
        }
        cards = {
            int(r[0]): r
            for r in self.db.fetchall(
                f"{_CLASS_DECKS} SELECT c.user_id,"
                " count(*) FILTER (WHERE c.state <> ? AND c.suspended = 0 AND c.due <= ?),"
                " count(*) FILTER (WHERE c.state = ? AND c.suspended = 0)"
                " FROM cards c JOIN class_decks d"
                " ON d.user_id = c.user_id AND d.deck_id = c.deck_id GROUP BY c.user_id",
                (class_id, CardState.NEW, now_ms, CardState.NEW),
            )
        }
        return [
            _progress(user_id, name, reviews.get(user_id), cards.get(user_id))
            for user_id, name in self.learners(class_id)
        ]

    def hardest(self, class_id: int, limit: int = 20, min_reviews: int = 3) -> list[HardCard]:
        """The class's cards most often answered Again (the author's text, never a learner's)."""
        rows = self.db.fetchall(
            f"{_CLASS_DECKS} SELECT pn.guid, pn.front, pn.back, p.name,"
            " count(DISTINCT r.user_id), count(*), count(*) FILTER (WHERE r.rating = 1)"
            " FROM reviews r JOIN cards c ON c.user_id = r.user_id AND c.id = r.card_id"
            " JOIN class_decks d ON d.user_id = c.user_id AND d.deck_id = c.deck_id"
            " JOIN notes n ON n.user_id = c.user_id AND n.id = c.note_id"
            " JOIN published_notes pn"
            "   ON pn.publication_id = d.publication_id AND pn.guid = n.guid"
            " JOIN publications p ON p.id = d.publication_id"
            " WHERE r.rating > 0"
            " GROUP BY pn.publication_id, pn.guid, pn.front, pn.back, p.name"
            " HAVING count(*) >= ?"
            " ORDER BY count(*) FILTER (WHERE r.rating = 1) * 1.0 / count(*) DESC,"
            " count(*) DESC, pn.guid LIMIT ?",
            (class_id, min_reviews, limit),
        )
        return [
            HardCard(
                guid=r[0],
                front=r[1],
                back=r[2],
                deck=r[3],
                learners=r[4],
                reviews=r[5],
                again=r[6],
            )
            for r in rows
        ]


def _progress(user_id: int, name: str, reviews: Row | None, cards: Row | None) -> LearnerProgress:
    mature, passed = (reviews[3], reviews[4]) if reviews else (0, 0)
    return LearnerProgress(
        user_id=user_id,
        name=name,
        reviews=reviews[1] if reviews else 0,
        reviews_7d=reviews[2] if reviews else 0,
        true_retention=passed / mature if mature else None,
        backlog=cards[1] if cards else 0,
        new_cards=cards[2] if cards else 0,
        last_active=from_ms(reviews[5]) if reviews and reviews[5] is not None else None,
    )
