"""SQL for building the study queue, custom study sessions and today's limit extensions."""

from __future__ import annotations

from collections.abc import Sequence

from tokendeck.domain.cards import Card, CardState
from tokendeck.storage.rows import CARD_READ_COLUMNS, card_from_row, marks
from tokendeck.storage.table import Table

_AVAILABLE = "suspended=0 AND (buried_until IS NULL OR buried_until<=?)"
_C_AVAILABLE = "c.suspended=0 AND (c.buried_until IS NULL OR c.buried_until<=?)"
_C_COLUMNS = ", ".join(f"c.{name.strip()}" for name in CARD_READ_COLUMNS.split(","))


class Study(Table):
    """The cards a study session draws from."""

    __slots__ = ()

    def learning_cards(self, deck_ids: Sequence[int], today: int, until_ms: int) -> list[Card]:
        """(Re)learning cards due before ``until_ms``."""
        rows = self.db.fetchall(
            f"SELECT {CARD_READ_COLUMNS} FROM cards WHERE user_id=? AND state IN (?, ?) AND due<?"
            f" AND {_AVAILABLE} AND deck_id IN ({marks(deck_ids)}) ORDER BY due, id",
            (
                self.user,
                int(CardState.LEARNING),
                int(CardState.RELEARNING),
                until_ms,
                today,
                *deck_ids,
            ),
        )
        return [card_from_row(r) for r in rows]

    def review_cards(self, deck_id: int, today: int, until_ms: int, limit: int) -> list[Card]:
        """One deck's review cards due before ``until_ms``, oldest due first.

        One deck at a time: with one query over a parent and its subdecks, a
        parent with many due cards would fill the limit and leave its subdecks none.
        """
        rows = self.db.fetchall(
            f"SELECT {CARD_READ_COLUMNS} FROM cards WHERE user_id=? AND deck_id=? AND state=?"
            f" AND due<? AND {_AVAILABLE} ORDER BY due, id LIMIT ?",
            (self.user, deck_id, int(CardState.REVIEW), until_ms, today, limit),
        )
        return [card_from_row(r) for r in rows]

    def new_cards(self, deck_id: int, today: int, limit: int) -> list[Card]:
        """One deck's new cards in the order they were added."""
        rows = self.db.fetchall(
            f"SELECT {CARD_READ_COLUMNS} FROM cards WHERE user_id=? AND deck_id=? AND state=?"
            f" AND {_AVAILABLE} ORDER BY due, id LIMIT ?",
            (self.user, deck_id, int(CardState.NEW), today, limit),
        )
        return [card_from_row(r) for r in rows]

    def next_due_ms(self, deck_ids: Sequence[int], today: int) -> int | None:
        """The earliest due time of any available card that is not new."""
        value = self.db.scalar(
            f"SELECT min(due) FROM cards WHERE user_id=? AND state!=? AND {_AVAILABLE}"
            f" AND deck_id IN ({marks(deck_ids)})",
            (self.user, int(CardState.NEW), today, *deck_ids),
        )
        return None if value is None else int(value)

    # -- today's limit extensions (custom study: more new cards or reviews today) -----------
    def extensions(self, deck_ids: Sequence[int], day: int) -> dict[int, tuple[int, int]]:
        """deck id -> (extra new cards, extra reviews) granted for study day ``day``."""
        rows = self.db.fetchall(
            "SELECT deck_id, new_cards, reviews FROM study_extensions"
            f" WHERE user_id=? AND day=? AND deck_id IN ({marks(deck_ids)})",
            (self.user, day, *deck_ids),
        )
        return {deck: (new, reviews) for deck, new, reviews in rows}

    def extend(self, deck_id: int, day: int, new_cards: int, reviews: int) -> None:
        """Add to a deck's limits for one study day (older days' rows are dropped)."""
        self.db.execute("DELETE FROM study_extensions WHERE user_id=? AND day<?", (self.user, day))
        self.db.execute(
            "INSERT INTO study_extensions (user_id, deck_id, day, new_cards, reviews)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, deck_id, day) DO UPDATE SET"
            " new_cards=study_extensions.new_cards+excluded.new_cards,"
            " reviews=study_extensions.reviews+excluded.reviews",
            (self.user, deck_id, day, new_cards, reviews),
        )

    def available(self, deck_id: int, state: CardState, today: int, until_ms: int) -> int:
        """How many available cards of one deck are new (``state`` NEW) or reviews due
        before ``until_ms`` (``state`` REVIEW)."""
        due = "" if state == CardState.NEW else " AND due<?"
        params = (self.user, deck_id, int(state), today) + (() if not due else (until_ms,))
        return int(
            self.db.scalar(
                f"SELECT count(*) FROM cards WHERE user_id=? AND deck_id=? AND state=?"
                f" AND {_AVAILABLE}{due}",
                params,
            )
        )

    # -- custom study sessions -----------------------------------------------------------
    def custom_cards(self, deck_id: int, deck_ids: Sequence[int], today: int) -> list[Card]:
        """The available cards of a deck's custom study session, in session order; a card
        moved out of the deck (``deck_ids``: it and its subdecks) since is left out."""
        rows = self.db.fetchall(
            f"SELECT {_C_COLUMNS} FROM custom_study s JOIN cards c ON c.id=s.card_id"
            f" WHERE s.user_id=? AND s.deck_id=? AND {_C_AVAILABLE}"
            f" AND c.deck_id IN ({marks(deck_ids)}) ORDER BY s.position",
            (self.user, deck_id, today, *deck_ids),
        )
        return [card_from_row(r) for r in rows]

    def custom_size(self, deck_id: int) -> int:
        """How many cards a deck's custom session still holds (suspended ones included)."""
        return int(
            self.db.scalar(
                "SELECT count(*) FROM custom_study WHERE user_id=? AND deck_id=?",
                (self.user, deck_id),
            )
        )

    def start_custom(self, deck_id: int, card_ids: Sequence[int], now_ms: int) -> None:
        """Make ``card_ids`` (in order) the deck's custom session, replacing its old one.

        A card is in one custom session at most: one taken here leaves any other.
        """
        self.db.execute(
            "DELETE FROM custom_study WHERE user_id=? AND deck_id=?", (self.user, deck_id)
        )
        self.db.executemany(
            "INSERT INTO custom_study (user_id, card_id, deck_id, position, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, card_id) DO UPDATE SET"
            " deck_id=excluded.deck_id, position=excluded.position,"
            " created_at=excluded.created_at",
            [(self.user, card, deck_id, n, now_ms) for n, card in enumerate(card_ids)],
        )

    def custom_place(self, card_id: int) -> tuple[int, int, int] | None:
        """(session deck id, position, created at) of a card in a custom session, or None."""
        row = self.db.fetchone(
            "SELECT deck_id, position, created_at FROM custom_study WHERE user_id=? AND card_id=?",
            (self.user, card_id),
        )
        return None if row is None else (row[0], row[1], row[2])

    def leave_custom(self, card_id: int) -> None:
        """Take a card out of its custom session (it graduated, or was answered in review)."""
        self.db.execute(
            "DELETE FROM custom_study WHERE user_id=? AND card_id=?", (self.user, card_id)
        )

    def rejoin_custom(self, card_id: int, place: tuple[int, int, int]) -> None:
        """Put a card back at its place in a custom session (undo of the answer that took it
        out); nothing when that session's deck is gone."""
        deck_id, position, created = place
        self.db.execute(
            "INSERT INTO custom_study (user_id, card_id, deck_id, position, created_at)"
            " SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM decks WHERE id=? AND user_id=?)"
            " ON CONFLICT (user_id, card_id) DO NOTHING",
            (self.user, card_id, deck_id, position, created, deck_id, self.user),
        )

    def end_custom(self, deck_id: int) -> None:
        """Forget a deck's custom session."""
        self.db.execute(
            "DELETE FROM custom_study WHERE user_id=? AND deck_id=?", (self.user, deck_id)
        )

    # -- choosing the cards of a custom session -------------------------------------------
    def reviews_ahead(
        self, deck_ids: Sequence[int], today: int, from_ms: int, until_ms: int, limit: int
    ) -> list[int]:
        """Review cards due from ``from_ms`` (tomorrow) to ``until_ms``, soonest first."""
        rows = self.db.fetchall(
            f"SELECT id FROM cards WHERE user_id=? AND state=? AND due>=? AND due<?"
            f" AND {_AVAILABLE} AND deck_id IN ({marks(deck_ids)}) ORDER BY due, id LIMIT ?",
            (self.user, int(CardState.REVIEW), from_ms, until_ms, today, *deck_ids, limit),
        )
        return [r[0] for r in rows]

    def forgotten_since(
        self, deck_ids: Sequence[int], today: int, since_ms: int, limit: int
    ) -> list[int]:
        """Cards answered Again since ``since_ms``, most recently forgotten last."""
        rows = self.db.fetchall(
            f"SELECT c.id FROM cards c JOIN (SELECT card_id, max(reviewed_at) AS at FROM reviews"
            " WHERE user_id=? AND rating=1 AND reviewed_at>=? GROUP BY card_id) f"
            f" ON f.card_id=c.id WHERE c.user_id=? AND {_C_AVAILABLE}"
            f" AND c.deck_id IN ({marks(deck_ids)}) ORDER BY f.at, c.id LIMIT ?",
            (self.user, since_ms, self.user, today, *deck_ids, limit),
        )
        return [r[0] for r in rows]
