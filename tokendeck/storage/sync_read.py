"""Reading the rows a sync sends: one window of rounds, in the wire's column order.

A :class:`Window` is the rows whose round lies in ``(lo, hi]`` and whose latest
change did not come from ``exclude`` (the side being sent to already has
those). Rows come back as tuples in the order of
:data:`tokendeck.sync.model.SCHEMAS`, with the local ids the engine needs to
send along what a row refers to when the other side may lack it.

Reviews are read in local id order (the table's own order: a million of them
stream without a random read), and a client's own reviews by local id
(``Window.local_reviews``), never by round: they are never rewritten to be sent.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tokendeck.storage.rows import marks
from tokendeck.storage.sync import SyncRows, local_uid, uid_maker
from tokendeck.storage.table import Table

Row = tuple[Any, ...]

#: A note as sent (its note type by GUID); ``n`` is the notes table.
_NOTE = (
    "n.guid, n.kind, n.front, n.back, n.tags, n.accepted, n.fields, n.source, n.source_note,"
    " (SELECT t.guid FROM note_types t WHERE t.user_id = n.user_id AND t.id = n.note_type_id),"
    " n.format, n.created_at, n.modified_at, n.sync_stamps"
)
_CARD = (
    "c.id, c.note_id, c.deck_id, c.sync_seq, n.sync_seq, d.sync_seq,"
    " n.guid, c.ordinal, d.guid, c.state, c.due, c.step, c.stability, c.difficulty,"
    " c.last_review, c.reps, c.lapses, c.suspended, c.buried_until, c.flag, c.created_at,"
    " c.sync_stamps"
)
_CARD_FROM = (
    "cards c JOIN notes n ON n.user_id = c.user_id AND n.id = c.note_id"
    " LEFT JOIN decks d ON d.user_id = c.user_id AND d.id = c.deck_id"
)
_ATTEMPT = "review_id, format, answer, score, verdict, suggested_rating, rating, overridden"
_ATTEMPT_KEYS = ("format", "answer", "score", "verdict", "suggested_rating", "rating", "overridden")
#: A review's columns as sent (its undo data only from a time on: the first parameter).
_REVIEW = (
    "r.card_id, r.id, r.uid, r.reviewed_at, r.rating, r.duration_ms, r.kind,"
    " r.state_before, r.state_after, r.scheduled_days, r.elapsed_days, r.stability,"
    " r.difficulty, CASE WHEN r.reviewed_at >= ? THEN r.undo END"
)
_NEVER = 1 << 62


@dataclass(frozen=True, slots=True)
class Window:
    """Rows changed in rounds ``(lo, hi]``, except those whose change came from ``exclude``.

    A client's push reads its own reviews by local id instead: those in
    ``local_reviews`` = (above, up to), every review there (received ones too)
    with ``all_reviews``. ``replica`` is the reading replica's id, from which the
    ids of reviews answered there are derived.
    """

    lo: int
    hi: int
    exclude: str
    replica: str = ""
    local_reviews: tuple[int, int] | None = None
    all_reviews: bool = False

    def where(self, alias: str) -> str:
        """The window as a SQL condition on table ``alias`` (three parameters)."""
        return f"{alias}.sync_seq > ? AND {alias}.sync_seq <= ? AND {alias}.sync_origin <> ?"

    @property
    def params(self) -> tuple[int, int, str]:
        """The parameters of :meth:`where`."""
        return (self.lo, self.hi, self.exclude)

    def maybe_unknown(self, seq: int | None) -> bool:
        """Whether the other side may lack a row of round ``seq`` (changed after the window)."""
        return seq is None or seq > self.hi


@dataclass(frozen=True, slots=True)
class CardOut:
    """A card row as sent, with the local ids and rounds of what it refers to."""

    id: int
    note_id: int
    deck_id: int
    #: the rounds of the card, its note and its deck
    seq: int | None
    note_seq: int | None
    deck_seq: int | None
    row: Row


@dataclass(frozen=True, slots=True)
class ReviewColumns:
    """Reviews as sent, column by column (wire order); the card column still holds local
    card ids, which the engine turns into the batch's card numbers."""

    ids: list[int]
    card_ids: list[int]
    columns: list[list[Any]]

    @property
    def last(self) -> int:
        """The largest local id among them."""
        return self.ids[-1]

    def head(self, count: int) -> ReviewColumns:
        """The first ``count`` of them."""
        if count >= len(self.ids):
            return self
        return ReviewColumns(
            self.ids[:count], self.card_ids[:count], [c[:count] for c in self.columns]
        )


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

    def notes(self, window: Window, after: int, limit: int) -> list[tuple[int, Row]]:
        """Notes in the window after local id ``after``: (id, row)."""
        rows = self.db.fetchall(
            f"SELECT n.id, {_NOTE} FROM notes n WHERE n.user_id=? AND {window.where('n')}"
            " AND n.id > ? ORDER BY n.id LIMIT ?",
            (self.user, *window.params, after, limit),
        )
        return [(r[0], tuple(r[1:])) for r in rows]

    def notes_by_id(self, ids: Sequence[int]) -> list[Row]:
        """Notes by local id (what cards refer to)."""
        if not ids:
            return []
        return self.db.fetchall(
            f"SELECT {_NOTE} FROM notes n WHERE n.user_id=? AND n.id IN ({marks(ids)})",
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

    def reviews(
        self, window: Window, after: int, limit: int, *, undo_since: int | None
    ) -> ReviewColumns | None:
        """The window's reviews after local id ``after``, by id, with their attempts.

        ``undo_since``: send the undo data (the card before the answer, a replay
        base on the server) of answers from then on (ms); None sends none.
        Returned as columns (a million reviews are never a million Python objects).
        """
        since = _NEVER if undo_since is None else undo_since
        if window.local_reviews is not None:
            above, upto = window.local_reviews
            mine = "" if window.all_reviews else " AND r.sync_origin = ''"
            rows = self.db.fetchall(
                f"SELECT {_REVIEW} FROM reviews r WHERE r.user_id=? AND r.id > ? AND r.id <= ?"
                f"{mine} ORDER BY r.id LIMIT ?",
                (since, self.user, max(above, after), upto, limit),
            )
        else:
            rows = self.db.fetchall(
                f"SELECT {_REVIEW} FROM reviews r WHERE r.user_id=? AND {window.where('r')}"
                " AND r.id > ? ORDER BY r.id LIMIT ?",
                (since, self.user, *window.params, after, limit),
            )
        if not rows:
            return None
        columns = [list(c) for c in zip(*rows, strict=True)]
        card_ids, ids, uids, answered = columns[0], columns[1], columns[2], columns[3]
        if None in uids:  # answered here: the id is derived (or, rarely, given now)
            make = uid_maker(window.replica)
            waiting = [(ids[i], answered[i]) for i, u in enumerate(uids) if u is None]
            sync = SyncRows(self.db, self.user)
            retired = sync.retired(waiting)
            named = sync.name_reviews(sorted(retired)) if retired else {}
            uids = [
                u if u is not None else named.get(i) or make(i, at)
                for u, i, at in zip(uids, ids, answered, strict=True)
            ]
        attempts = {
            r[0]: json.dumps(dict(zip(_ATTEMPT_KEYS, r[1:], strict=True)))
            for r in self.db.fetchall(
                f"SELECT {_ATTEMPT} FROM attempts WHERE user_id=? AND review_id BETWEEN ? AND ?",
                (self.user, ids[0], ids[-1]),
            )
        }
        wire = [
            [bytes(u) for u in uids],
            card_ids,
            *columns[3:14],
            [attempts.get(i) for i in ids] if attempts else [None] * len(ids),
        ]
        return ReviewColumns(ids, card_ids, wire)

    def gone_card_keys(self, card_ids: Sequence[int]) -> dict[int, str]:
        """Local id -> card key of cards that were deleted (their reviews stay)."""
        if not card_ids:
            return {}
        rows = self.db.fetchall(
            "SELECT card_id, key FROM sync_orphans WHERE user_id=?"
            f" AND card_id IN ({marks(card_ids)})",
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
        rows = self.db.fetchall(
            f"SELECT kind, key, deleted FROM sync_tombstones t WHERE t.user_id=?"
            f" AND {window.where('t')} AND t.kind='review' AND t.local_id IN ({marks(card_ids)})",
            (self.user, *window.params, *card_ids),
        )
        return [(kind, sent_key(key, window.replica), deleted) for kind, key, deleted in rows]


def sent_key(key: str, replica: str) -> str:
    """A review tombstone's key as sent: the derived id of a review answered here."""
    if not key.startswith("local:"):
        return key
    _, review_id, reviewed_at = key.split(":")
    return local_uid(replica, int(review_id), int(reviewed_at)).hex()


def _card(r: Row) -> CardOut:
    return CardOut(r[0], r[1], r[2], r[3], r[4], r[5], tuple(r[6:]))
