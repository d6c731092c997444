"""Writing the reviews a sync received, and what it looks up about reviews and cards.

Part of :class:`tokendeck.storage.sync_write.SyncWrite` (a base class of it, in a
module of its own to keep each under 500 lines); the same rules hold: called
inside the batch's transaction, every statement scoped to the store's user,
lookups answered in one query per chunk of identities.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import repeat
from typing import Any

from tokendeck.storage.database import POSTGRESQL
from tokendeck.storage.rows import marks
from tokendeck.storage.table import Table

#: What a review records of an answer, in the wire's order after its id: two reviews that
#: agree on all of it (to the millisecond and the rating's effect) are one answer.
ANSWER = (
    "card_id",
    "reviewed_at",
    "rating",
    "duration_ms",
    "kind",
    "state_before",
    "state_after",
    "scheduled_days",
    "elapsed_days",
    "stability",
    "difficulty",
)
#: Identities per lookup query (SQLite allows 32,766 parameters; a margin for the rest).
CHUNK = 5_000


def chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """``items`` in slices of :data:`CHUNK`."""
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


class ReviewWrites(Table):
    """The reviews side of :class:`~tokendeck.storage.sync_write.SyncWrite`."""

    __slots__ = ()

    # -- reviews ---------------------------------------------------------------------------
    def known_reviews(self, uids: Sequence[bytes]) -> dict[bytes, tuple[int, int, int, str | None]]:
        """Stored reviews by global id: (local id, card id, reviewed at, undo data)."""
        found: dict[bytes, tuple[int, int, int, str | None]] = {}
        for part in chunks(uids):
            for uid, review_id, card_id, at, undo in self.db.fetchall(
                "SELECT uid, id, card_id, reviewed_at, undo FROM reviews"
                f" WHERE user_id=? AND uid IN ({marks(part)})",
                (self.user, *part),
            ):
                found[bytes(uid)] = (review_id, card_id, at, undo)
        return found

    def insert_reviews(self, columns: Sequence[Sequence[Any]]) -> None:
        """Reviews received, as columns: uid, card_id, reviewed_at, rating, duration_ms, kind,
        state_before, state_after, scheduled_days, elapsed_days, stability, difficulty, undo,
        round, origin. Those already here (by uid) are skipped."""
        names = ("user_id", "uid", *ANSWER, "undo", "sync_seq", "sync_origin")
        rows = zip(repeat(self.user), *columns)
        self.db.copy_in("reviews", names, rows, skip_duplicates=True)

    def answers_of(
        self, answers: Sequence[tuple[int, int]]
    ) -> dict[tuple[Any, ...], tuple[int, bytes | None, str]]:
        """Reviews held of some (card id, answered at) pairs, by everything they record
        (:data:`ANSWER`): (id, uid or None, origin). One index probe a pair."""
        found: dict[tuple[Any, ...], tuple[int, bytes | None, str]] = {}
        pairs = sorted(set(answers))
        recorded = ", ".join(f"r.{c}" for c in ANSWER)
        for start in range(0, len(pairs), CHUNK // 2):
            part = pairs[start : start + CHUNK // 2]
            listed = ", ".join("(?, ?)" for _ in part)
            for row in self.db.fetchall(
                f"WITH wanted (card, at) AS (VALUES {listed})"
                f" SELECT {recorded}, r.id, r.uid, r.sync_origin"
                " FROM wanted JOIN reviews r ON r.card_id = wanted.card"
                " AND r.reviewed_at = wanted.at WHERE r.user_id = ?",
                (*(v for pair in part for v in pair), self.user),
            ):
                review_id, uid, origin = row[-3:]
                named = None if uid is None else bytes(uid)
                found[tuple(row[:-3])] = (review_id, named, origin)
        return found

    def may_hold_others(self, device: str | None) -> bool:
        """Whether this replica may hold answers a batch repeats under other ids: on a
        server (``device`` pushing), answers made on it or sent by another device; on a
        client (None), answers made or imported here that have no id of their own yet."""
        if device is None:
            mine = "SELECT 1 FROM reviews WHERE user_id=? AND sync_origin='' AND uid IS NULL"
            return self.db.scalar(f"{mine} LIMIT 1", (self.user,)) is not None
        others = self.db.scalar(
            "SELECT 1 FROM sync_devices WHERE user_id=? AND device<>? LIMIT 1", (self.user, device)
        )
        here = "SELECT 1 FROM reviews WHERE user_id=? AND sync_origin='' LIMIT 1"
        return others is not None or self.db.scalar(here, (self.user,)) is not None

    def name_reviews_held(self, rows: Sequence[tuple[bytes, int]]) -> None:
        """Give reviews answered or imported here the id the server holds them under:
        (uid, local id)."""
        self.db.executemany(
            "UPDATE reviews SET uid=? WHERE user_id=? AND id=?",
            [(uid, self.user, review_id) for uid, review_id in rows],
        )

    def newest_review_id(self) -> int:
        """A local id no review stored from now on for this user has, nor a smaller one.

        Ids are unique across users and only grow. SQLite finds the largest of all at
        once (the rowid); PostgreSQL's key is (user, id), where the user's largest is
        one index probe and the largest of all a scan of the whole index.
        """
        mine = " WHERE user_id=?" if self.db.dialect == POSTGRESQL else ""
        params = (self.user,) if mine else ()
        return int(self.db.scalar(f"SELECT coalesce(max(id), 0) FROM reviews{mine}", params) or 0)

    def reviews_after(self, review_id: int) -> list[tuple[bytes, int, int]]:
        """This user's reviews stored after local id ``review_id``: (uid, card id, answered at)."""
        rows = self.db.fetchall(
            "SELECT uid, card_id, reviewed_at FROM reviews WHERE user_id=? AND id > ?",
            (self.user, review_id),
        )
        return [(bytes(r[0]), r[1], r[2]) for r in rows]

    def insert_attempts(self, rows: Sequence[tuple[bytes, dict[str, Any]]]) -> None:
        """How received reviews were asked and graded: (review uid, attempt fields)."""
        if not rows:
            return
        ids = self.known_reviews([uid for uid, _ in rows])
        values = []
        for uid, attempt in rows:
            review_id, card_id, answered_at, _ = ids[uid]
            values.append(
                (
                    self.user,
                    review_id,
                    card_id,
                    answered_at,
                    attempt.get("format", ""),
                    attempt.get("answer", ""),
                    attempt.get("score"),
                    attempt.get("verdict"),
                    attempt.get("suggested_rating"),
                    int(attempt.get("rating", 0)),
                    int(attempt.get("overridden", 0)),
                )
            )
        self.db.executemany(
            "INSERT INTO attempts (user_id, review_id, card_id, answered_at, format, answer,"
            " score, verdict, suggested_rating, rating, overridden)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            values,
        )

    def history_of(self, card_id: int) -> list[tuple[bytes, int, int, str | None]]:
        """A card's reviews: (uid, reviewed_at, rating, undo), in no particular order."""
        rows = self.db.fetchall(
            "SELECT uid, reviewed_at, rating, undo FROM reviews"
            " WHERE user_id=? AND card_id=? AND uid IS NOT NULL",
            (self.user, card_id),
        )
        return [(bytes(r[0]), r[1], r[2], r[3]) for r in rows]

    def pending_cards(self) -> set[int]:
        """The cards a client answered since its last push (one walk of the partial index
        of its own reviews, from the newest pushed on: usually none)."""
        rows = self.db.fetchall(
            "SELECT DISTINCT card_id FROM reviews WHERE user_id=? AND sync_origin = ''"
            " AND id > (SELECT coalesce(max(review_mark), 0) FROM sync_state WHERE user_id=?)",
            (self.user, self.user),
        )
        return {int(r[0]) for r in rows}

    def pending_reviews(self, card_id: int) -> list[tuple[bytes | None, int, int]]:
        """A client's answers of a card made since its last push: (uid, reviewed_at, rating)."""
        rows = self.db.fetchall(
            "SELECT uid, reviewed_at, rating FROM reviews WHERE user_id=? AND card_id=?"
            " AND sync_origin = '' AND id > (SELECT coalesce(max(review_mark), 0)"
            " FROM sync_state WHERE user_id=?)",
            (self.user, card_id, self.user),
        )
        return [(None if r[0] is None else bytes(r[0]), r[1], r[2]) for r in rows]

    def set_undo(self, rows: Sequence[tuple[str, bytes]]) -> None:
        """Rewrite the undo data (replay bases) of some reviews: (undo JSON, uid)."""
        self.db.executemany(
            "UPDATE reviews SET undo=? WHERE user_id=? AND uid=?",
            [(undo, self.user, uid) for undo, uid in rows],
        )

    def delete_reviews(self, ids: Sequence[int]) -> None:
        """Remove reviews (undone elsewhere) and their attempts."""
        for part in chunks(ids):
            self.db.execute(
                f"DELETE FROM reviews WHERE user_id=? AND id IN ({marks(part)})", (self.user, *part)
            )
