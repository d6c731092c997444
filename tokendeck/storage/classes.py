"""The class tables: classes and memberships (shared), and a learner's work on a class.

The teacher's view of a class is read one learner at a time
(:class:`ClassWork`, on the learner's own handle), and joins only the cards
of the decks the class's publications put into that learner's collection
(``subscriptions.deck_id``): a learner's own decks are never joined, whatever
they contain.
"""

from __future__ import annotations

from dataclasses import replace

from tokendeck.domain.cards import CardState
from tokendeck.domain.classes import HardCard, LearnerProgress, SchoolClass
from tokendeck.storage.accounts import ServerTable
from tokendeck.storage.database import Row
from tokendeck.storage.rows import from_ms
from tokendeck.storage.table import Table

_CLASS = (
    "SELECT c.id, c.teacher_id, u.name, c.name, c.join_code, c.created_at,"
    " (SELECT count(*) FROM memberships m WHERE m.class_id = c.id)"
    " FROM classes c JOIN users u ON u.id = c.teacher_id"
)

#: The decks the class's publications put into one learner's collection.
_CLASS_DECKS = (
    "WITH class_decks AS ("
    " SELECT s.user_id, s.deck_id, s.publication_id FROM subscriptions s"
    " JOIN publications p ON p.id = s.publication_id"
    " JOIN memberships m ON m.class_id = p.class_id AND m.user_id = s.user_id"
    " WHERE p.class_id = ? AND s.user_id = ?)"
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


class ClassWork(Table):
    """One learner's work on a class's decks: what the class's teacher may see of them.

    Read on the learner's own handle (on PostgreSQL, row-level security admits
    only their rows), one learner at a time; only the cards of the decks the
    class's publications put into their collection are joined.
    """

    __slots__ = ()

    def progress(self, class_id: int, name: str, now_ms: int) -> LearnerProgress:
        """The learner's reviews, retention, backlog and last activity on the class's decks."""
        week, month = now_ms - 7 * 86_400_000, now_ms - 30 * 86_400_000
        reviews = self.db.fetchone(
            f"{_CLASS_DECKS} SELECT count(*),"
            " count(*) FILTER (WHERE r.reviewed_at >= ?),"
            " count(*) FILTER (WHERE r.reviewed_at >= ? AND r.state_before = ?),"
            " count(*) FILTER (WHERE r.reviewed_at >= ? AND r.state_before = ?"
            "   AND r.rating > 1),"
            " max(r.reviewed_at)"
            " FROM reviews r JOIN cards c ON c.user_id = r.user_id AND c.id = r.card_id"
            " JOIN class_decks d ON d.user_id = c.user_id AND d.deck_id = c.deck_id"
            " WHERE r.user_id = ? AND r.rating > 0",
            (
                class_id,
                self.user,
                week,
                month,
                CardState.REVIEW,
                month,
                CardState.REVIEW,
                self.user,
            ),
        )
        cards = self.db.fetchone(
            f"{_CLASS_DECKS} SELECT"
            " count(*) FILTER (WHERE c.state <> ? AND c.suspended = 0 AND c.due <= ?),"
            " count(*) FILTER (WHERE c.state = ? AND c.suspended = 0)"
            " FROM cards c JOIN class_decks d ON d.user_id = c.user_id AND d.deck_id = c.deck_id"
            " WHERE c.user_id = ?",
            (class_id, self.user, CardState.NEW, now_ms, CardState.NEW, self.user),
        )
        return _progress(self.user, name, reviews, cards)

    def hard_cards(self, class_id: int) -> list[Row]:
        """(publication, guid, front, back, deck, reviews, again) of each class card reviewed.

        The text is the author's published text, never the learner's own edit.
        """
        return self.db.fetchall(
            f"{_CLASS_DECKS} SELECT pn.publication_id, pn.guid, pn.front, pn.back, p.name,"
            " count(*), count(*) FILTER (WHERE r.rating = 1)"
            " FROM reviews r JOIN cards c ON c.user_id = r.user_id AND c.id = r.card_id"
            " JOIN class_decks d ON d.user_id = c.user_id AND d.deck_id = c.deck_id"
            " JOIN notes n ON n.user_id = c.user_id AND n.id = c.note_id"
            " JOIN published_notes pn"
            "   ON pn.publication_id = d.publication_id AND pn.guid = n.guid"
            " JOIN publications p ON p.id = d.publication_id"
            " WHERE r.user_id = ? AND r.rating > 0"
            " GROUP BY pn.publication_id, pn.guid, pn.front, pn.back, p.name",
            (class_id, self.user, self.user),
        )


def hardest(rows_by_learner: list[list[Row]], limit: int, min_reviews: int) -> list[HardCard]:
    """The cards most often answered Again, each learner's :meth:`ClassWork.hard_cards` summed."""
    cards: dict[tuple[int, str], HardCard] = {}
    for rows in rows_by_learner:
        for pub, guid, front, back, deck, reviews, again in rows:
            seen = cards.get((pub, guid))
            cards[(pub, guid)] = (
                HardCard(guid, front, back, deck, 1, reviews, again)
                if seen is None
                else replace(
                    seen,
                    learners=seen.learners + 1,
                    reviews=seen.reviews + reviews,
                    again=seen.again + again,
                )
            )
    found = [card for card in cards.values() if card.reviews >= min_reviews]
    found.sort(key=lambda c: (-c.again_rate, -c.reviews, c.guid))
    return found[:limit]


def _progress(user_id: int, name: str, reviews: Row | None, cards: Row | None) -> LearnerProgress:
    mature, passed = (reviews[2], reviews[3]) if reviews else (0, 0)
    return LearnerProgress(
        user_id=user_id,
        name=name,
        reviews=reviews[0] if reviews else 0,
        reviews_7d=reviews[1] if reviews else 0,
        true_retention=passed / mature if mature else None,
        backlog=cards[0] if cards else 0,
        new_cards=cards[1] if cards else 0,
        last_active=from_ms(reviews[4]) if reviews and reviews[4] is not None else None,
    )
