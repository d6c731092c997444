"""Reading the rows a sync sends: one window of rounds, in the wire's column order.

A :class:`Window` is the rows whose round lies in ``(lo, hi]`` and whose latest
change did not come from ``exclude`` (the side being sent to already has
those). Rows come back as tuples in the order of
:data:`tokendeck.sync.model.SCHEMAS`, with the local ids the engine needs to
group them (a card's reviews) and to send what a row refers to when the other
side may lack it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tokendeck.storage.rows import marks
from tokendeck.storage.table import Table

Row = tuple[Any, ...]

_NOTE = (
    "guid, kind, front, back, tags, accepted, fields, source, source_note, created_at,"
    " modified_at, sync_stamps"
)
_DECK = "guid, name, description, config, created_at, sync_stamps"
_CARD = (
    "c.id, c.note_id, c.deck_id, c.sync_seq, n.sync_seq, d.sync_seq,"
    " n.guid, c.ordinal, d.guid, c.state, c.due, c.step, c.stability, c.difficulty,"
    " c.last_review, c.reps, c.lapses, c.suspended, c.buried_until, c.created_at, c.sync_stamps"
)
_CARD_FROM = (
    "cards c JOIN notes n ON n.user_id = c.user_id AND n.id = c.note_id"
    " LEFT JOIN decks d ON d.user_id = c.user_id AND d.id = c.deck_id"
)
_ATTEMPT = "a.format, a.answer, a.score, a.verdict, a.suggested_rating, a.rating, a.overridden"
_ATTEMPT_KEYS = ("format", "answer", "score", "verdict", "suggested_rating", "rating", "overridden")
_REVIEW_FROM = "reviews r LEFT JOIN attempts a ON a.user_id = r.user_id AND a.review_id = r.id"


def _review(undo: bool) -> str:
    return (
        "r.card_id, r.id, r.uid, r.reviewed_at, r.rating, r.duration_ms, r.kind,"
        " r.state_before, r.state_after, r.scheduled_days, r.elapsed_days, r.stability,"
        f" r.difficulty, {'r.undo' if undo else 'NULL'}, {_ATTEMPT}"
    )


@dataclass(frozen=True, slots=True)
class Window:
    """Rows changed in rounds ``(lo, hi]``, except those whose change came from ``exclude``."""

    lo: int
    hi: int
    exclude: str

    def where(self, alias: str) -> str:
        """The window as a SQL condition on table ``alias`` (three parameters)."""
        return f"{alias}.sync_seq > ? AND {alias}.sync_seq <= ? AND {alias}.sync_origin <> ?"

    @property
    def params(self) -> tuple[int, int, str]:
        """The parameters of :meth:`where`."""
        return (self.lo, self.hi, self.exclude)

    def sent(self, seq: int | None) -> bool:
        """Whether a row of round ``seq`` that the window holds by origin is sent in it."""
        return seq is not None and self.lo < seq <= self.hi

    def maybe_unknown(self, seq: int | None) -> bool:
        """Whether the other side may lack a row of round ``seq`` (changed after the window)."""
        return seq is None or seq > self.hi


@dataclass(frozen=True, slots=True)
class CardOut:
    """A card row as sent, with the local ids of what it refers to."""

    id: int
    note_id: int
    deck_id: int
    #: the rounds of the card, its note and its deck
    seq: int | None
    note_seq: int | None
    deck_seq: int | None
    row: Row


@dataclass(frozen=True, slots=True)
class ReviewOut:
    """A review row as sent, without its card index (the engine numbers the batch's cards)."""

    card_id: int
    id: int
    row: Row


class SyncRead(Table):
    """A user's synced rows, read window by window."""

    __slots__ = ()

    def settings(self, window: Window) -> list[Row]:
        """Settings in the window: (key, value, stamp)."""
        return self.db.fetchall(
            f"SELECT key, value, sync_stamp FROM settings s WHERE s.user_id=?"
            f" AND {window.where('s')} ORDER BY key",
            (self.user, *window.params),
        )

    def decks(self, window: Window) -> list[Row]:
        """Decks in the window."""
        return self.db.fetchall(
            f"SELECT {_DECK} FROM decks d WHERE d.user_id=? AND {window.where('d')} ORDER BY d.id",
            (self.user, *window.params),
        )

    def decks_by_id(self, ids: Sequence[int]) -> list[Row]:
        """Decks by local id (what cards refer to)."""
        if not ids:
            return []
        return self.db.fetchall(
            f"SELECT {_DECK} FROM decks WHERE user_id=? AND id IN ({marks(ids)})",
            (self.user, *ids),
        )

    def notes(self, window: Window, after: int, limit: int) -> list[tuple[int, Row]]:
        """Notes in the window after local id ``after``: (id, row)."""
        rows = self.db.fetchall(
            f"SELECT id, {_NOTE} FROM notes n WHERE n.user_id=? AND {window.where('n')}"
            " AND n.id > ? ORDER BY n.id LIMIT ?",
            (self.user, *window.params, after, limit),
        )
        return [(r[0], tuple(r[1:])) for r in rows]

    def notes_by_id(self, ids: Sequence[int]) -> list[Row]:
        """Notes by local id (what cards refer to)."""
        if not ids:
            return []
        return self.db.fetchall(
            f"SELECT {_NOTE} FROM notes WHERE user_id=? AND id IN ({marks(ids)})",
            (self.user, *ids),
        )

    def cards(self, window: Window, after: int, limit: int) -> list[CardOut]:
        """Cards in the window after local id ``after``."""
        rows = self.db.fetchall(
            f"SELECT {_CARD} FROM {_CARD_FROM} WHERE c.user_id=? AND {window.where('c')}"
            " AND c.id > ? ORDER BY c.id LIMIT ?",
            (self.user, *window.params, after, limit),
        )
        return [_card(r) for r in rows]

    def cards_by_id(self, ids: Sequence[int]) -> list[CardOut]:
        """Cards by local id (what reviews refer to)."""
        if not ids:
            return []
        rows = self.db.fetchall(
            f"SELECT {_CARD} FROM {_CARD_FROM} WHERE c.user_id=? AND c.id IN ({marks(ids)})",
            (self.user, *ids),
        )
        return [_card(r) for r in rows]

    def reviews_of(self, card_ids: Sequence[int], window: Window, *, undo: bool) -> list[ReviewOut]:
        """The window's reviews of some cards, by card and id."""
        if not card_ids:
            return []
        rows = self.db.fetchall(
            f"SELECT {_review(undo)} FROM {_REVIEW_FROM} WHERE r.user_id=?"
            f" AND {window.where('r')} AND r.card_id IN ({marks(card_ids)})"
            " ORDER BY r.card_id, r.id",
            (self.user, *window.params, *card_ids),
        )
        return _reviews(rows)

    def other_reviews(
        self, window: Window, after: int, limit: int, *, undo: bool
    ) -> list[ReviewOut]:
        """The window's reviews whose card is not in the window (or is gone), after ``after``."""
        lo, hi, exclude = window.params
        rows = self.db.fetchall(
            f"SELECT {_review(undo)} FROM {_REVIEW_FROM}"
            " LEFT JOIN cards c ON c.user_id = r.user_id AND c.id = r.card_id"
            f" WHERE r.user_id=? AND {window.where('r')} AND r.id > ?"
            " AND (c.id IS NULL OR c.sync_seq IS NULL OR c.sync_seq <= ? OR c.sync_seq > ?"
            " OR c.sync_origin = ?) ORDER BY r.id LIMIT ?",
            (self.user, *window.params, after, lo, hi, exclude, limit),
        )
        return _reviews(rows)

    def gone_card_keys(self, card_ids: Sequence[int]) -> dict[int, str]:
        """Local id -> card key of cards that were deleted (their reviews stay)."""
        if not card_ids:
            return {}
        rows = self.db.fetchall(
            "SELECT local_id, key FROM sync_tombstones WHERE user_id=? AND kind='card'"
            f" AND local_id IN ({marks(card_ids)})",
            (self.user, *card_ids),
        )
        return {local: key for local, key in rows}

    def tombstones(
        self, window: Window, after: tuple[str, str], limit: int
    ) -> list[tuple[str, str, int, int | None]]:
        """Tombstones in the window after (kind, key): (kind, key, deleted, local id)."""
        rows = self.db.fetchall(
            f"SELECT kind, key, deleted, local_id FROM sync_tombstones t WHERE t.user_id=?"
            f" AND {window.where('t')} AND (t.kind > ? OR (t.kind = ? AND t.key > ?))"
            " ORDER BY t.kind, t.key LIMIT ?",
            (self.user, *window.params, after[0], after[0], after[1], limit),
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def review_tombstones_of(self, card_ids: Sequence[int], window: Window) -> list[Row]:
        """The window's undone reviews of some cards: (kind, key, deleted)."""
        if not card_ids:
            return []
        return self.db.fetchall(
            f"SELECT kind, key, deleted FROM sync_tombstones t WHERE t.user_id=?"
            f" AND {window.where('t')} AND t.kind='review' AND t.local_id IN ({marks(card_ids)})",
            (self.user, *window.params, *card_ids),
        )

    def newest_round(self) -> int:
        """The largest round any row of the user carries."""
        found = self.db.scalar("SELECT round FROM sync_state WHERE user_id=?", (self.user,))
        return int(found or 0)


def _reviews(rows: list[Row]) -> list[ReviewOut]:
    out: list[ReviewOut] = []
    seen: set[int] = set()
    for r in rows:
        if r[1] in seen:  # a review with two attempts: one row is enough
            continue
        seen.add(r[1])
        attempt = None
        if r[14] is not None:
            attempt = json.dumps(dict(zip(_ATTEMPT_KEYS, r[14:21], strict=True)))
        uid = None if r[2] is None else bytes(r[2])
        out.append(ReviewOut(r[0], r[1], (uid, *r[3:14], attempt)))
    return out


def _card(r: Row) -> CardOut:
    return CardOut(r[0], r[1], r[2], r[3], r[4], r[5], tuple(r[6:]))
