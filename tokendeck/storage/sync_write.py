"""Writing what a sync received: rows found by identity, inserted, merged, deleted.

Called by :mod:`tokendeck.sync.incoming` inside one transaction per batch,
under :meth:`~tokendeck.storage.sync.SyncRows.applying` (so the edit triggers
leave these writes alone: the sync sets stamps, rounds and origins itself).
Every statement is scoped to the store's user. Lookups take lists of
identities and answer in one query per chunk, so a batch of thousands of rows
costs a handful of round trips.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from tokendeck.storage.database import POSTGRESQL
from tokendeck.storage.rows import marks
from tokendeck.storage.search import mark_stale
from tokendeck.storage.table import Table

Row = tuple[Any, ...]
#: Notes in one batch from which the search index is rebuilt later rather than per note.
_BULK_NOTES = 200
#: Identities per lookup query (SQLite allows 32,766 parameters; a margin for the rest).
_CHUNK = 5_000

#: A note's synced values as the merge sees them (its note type by GUID) ...
NOTE_VALUES = (
    "kind",
    "front",
    "back",
    "tags",
    "accepted",
    "fields",
    "source",
    "source_note",
    "note_type",
    "format",
)
#: ... and the columns that store them (the note type by its local id).
_NOTE_COLUMNS = (*NOTE_VALUES[:8], "note_type_id", "format")
SCHED_VALUES = (
    "state",
    "due",
    "step",
    "stability",
    "difficulty",
    "last_review",
    "reps",
    "lapses",
)


def orphan_id(key: str) -> int:
    """The negative card id under which the reviews of a card deleted elsewhere are kept.

    Derived from the card's key, so every batch that meets such a review files it
    under the same id; a deletion made here files them under its own stamp instead
    (the triggers of storage/sync_schema.py). ``sync_orphans`` maps either back.
    """
    return -int.from_bytes(hashlib.sha1(key.encode()).digest()[:6], "big") - 1


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


@dataclass(slots=True)
class LocalRow:
    """A stored row as the merge sees it: id, synced values, creation time, stamps, marks."""

    id: int
    values: dict[str, Any]
    created_at: int
    stamps: str
    seq: int | None
    origin: str


@dataclass(slots=True)
class LocalCard:
    """A stored card: identity, its own fields, schedule, stamps and marks."""

    id: int
    note_id: int
    ordinal: int
    deck_id: int
    suspended: int
    buried_until: int | None
    sched: tuple[Any, ...]
    created_at: int
    stamps: str
    seq: int | None
    origin: str


class SyncWrite(Table):
    """A user's rows as a sync writes them."""

    __slots__ = ()

    # -- settings --------------------------------------------------------------------------
    def settings(self, keys: Sequence[str]) -> dict[str, LocalRow]:
        """Stored settings by key."""
        found: dict[str, LocalRow] = {}
        for part in _chunks(keys):
            for key, value, stamp, seq, origin in self.db.fetchall(
                "SELECT key, value, sync_stamp, sync_seq, sync_origin FROM settings"
                f" WHERE user_id=? AND key IN ({marks(part)})",
                (self.user, *part),
            ):
                found[key] = LocalRow(0, {"value": value}, 0, str(stamp), seq, origin)
        return found

    def put_setting(self, key: str, value: str, stamp: int, seq: int | None, origin: str) -> None:
        """Insert or replace one setting with its stamp and marks."""
        self.db.execute(
            "INSERT INTO settings (user_id, key, value, sync_stamp, sync_seq, sync_origin)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, key) DO UPDATE SET"
            " value=excluded.value, sync_stamp=excluded.sync_stamp,"
            " sync_seq=excluded.sync_seq, sync_origin=excluded.sync_origin",
            (self.user, key, value, stamp, seq, origin),
        )

    # -- marks, shared by every table ------------------------------------------------------
    def mark(self, table: str, rows: Iterable[tuple[int, str, int | None, str]]) -> None:
        """Set (id, stamps, round, origin) of rows the merge decided on."""
        column = "sync_stamp" if table == "settings" else "sync_stamps"
        self.db.executemany(
            f"UPDATE {table} SET {column}=?, sync_seq=?, sync_origin=? WHERE user_id=? AND id=?",
            [(stamps, seq, origin, self.user, row_id) for row_id, stamps, seq, origin in rows],
        )

    # -- notes -----------------------------------------------------------------------------
    def notes(self, guids: Sequence[str]) -> dict[str, LocalRow]:
        """Stored notes by GUID."""
        found: dict[str, LocalRow] = {}
        for part in _chunks(guids):
            for r in self.db.fetchall(
                "SELECT n.id, n.guid, n.kind, n.front, n.back, n.tags, n.accepted, n.fields,"
                " n.source, n.source_note, (SELECT t.guid FROM note_types t"
                " WHERE t.user_id = n.user_id AND t.id = n.note_type_id), n.format,"
                " n.created_at, n.sync_stamps, n.sync_seq, n.sync_origin FROM notes n"
                f" WHERE n.user_id=? AND n.guid IN ({marks(part)})",
                (self.user, *part),
            ):
                found[r[1]] = LocalRow(r[0], dict(zip(NOTE_VALUES, r[2:12], strict=True)), *r[12:])
        return found

    def _note_type_ids(self) -> dict[str, int]:
        rows = self.db.fetchall(
            "SELECT guid, id FROM note_types WHERE user_id=? AND guid IS NOT NULL", (self.user,)
        )
        return {guid: type_id for guid, type_id in rows}

    def note_ids(self, guids: Sequence[str]) -> dict[str, int]:
        """Note id by GUID."""
        found: dict[str, int] = {}
        for part in _chunks(guids):
            found.update(
                self.db.fetchall(
                    f"SELECT guid, id FROM notes WHERE user_id=? AND guid IN ({marks(part)})",
                    (self.user, *part),
                )
            )
        return found

    def insert_notes(self, rows: Sequence[Row]) -> None:
        """New notes: (guid, the NOTE_VALUES, created_at, modified_at, stamps, round, origin)."""
        columns = (
            "user_id",
            "guid",
            *_NOTE_COLUMNS,
            "created_at",
            "modified_at",
            "sync_stamps",
            "sync_seq",
            "sync_origin",
        )
        if self.db.dialect != POSTGRESQL and len(rows) >= _BULK_NOTES:
            # Per-note indexing of the trigram search costs a fifth of a millisecond a note:
            # a large batch leaves the index to be rebuilt before the next search instead.
            mark_stale(self.db)
        types = self._note_type_ids()
        at = 1 + NOTE_VALUES.index("note_type")  # after the GUID
        stored = (
            (self.user, *row[:at], None if row[at] is None else types.get(row[at]), *row[at + 1 :])
            for row in rows
        )
        self.db.copy_in("notes", columns, stored)

    def update_note(
        self, note_id: int, values: dict[str, Any], created_at: int, now_ms: int
    ) -> None:
        """Store a note's merged values (its note type given by GUID)."""
        guid = values["note_type"]
        stored = {**values, "note_type": None if guid is None else self._note_type_ids().get(guid)}
        self.db.execute(
            "UPDATE notes SET kind=?, front=?, back=?, tags=?, accepted=?, fields=?, source=?,"
            " source_note=?, note_type_id=?, format=?, created_at=?, modified_at=?"
            " WHERE user_id=? AND id=?",
            (*(stored[k] for k in NOTE_VALUES), created_at, now_ms, self.user, note_id),
        )

    def add_history(self, rows: Sequence[tuple[str, str, Any, int, int, str]]) -> None:
        """Losing versions: (guid, field, value, stamp, recorded at, reason)."""
        if rows:
            self.db.executemany(
                "INSERT INTO note_history (user_id, guid, field, value, stamp, recorded_at,"
                " reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (self.user, g, f, None if v is None else str(v), s, t, r)
                    for g, f, v, s, t, r in rows
                ],
            )

    def history(self, guid: str) -> list[tuple[str, str | None, int, int, str]]:
        """A note's losing versions, oldest first: (field, value, stamp, recorded at, reason)."""
        rows = self.db.fetchall(
            "SELECT field, value, stamp, recorded_at, reason FROM note_history"
            " WHERE user_id=? AND guid=? ORDER BY id",
            (self.user, guid),
        )
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    # -- cards -----------------------------------------------------------------------------
    def cards_of(self, note_ids: Sequence[int]) -> dict[tuple[int, int], LocalCard]:
        """Stored cards of some notes, by (note id, ordinal)."""
        found: dict[tuple[int, int], LocalCard] = {}
        for part in _chunks(note_ids):
            for r in self.db.fetchall(
                "SELECT id, note_id, ordinal, deck_id, suspended, buried_until, state, due, step,"
                " stability, difficulty, last_review, reps, lapses, created_at, sync_stamps,"
                f" sync_seq, sync_origin FROM cards WHERE user_id=? AND note_id IN ({marks(part)})",
                (self.user, *part),
            ):
                found[(r[1], r[2])] = LocalCard(
                    r[0], r[1], r[2], r[3], r[4], r[5], tuple(r[6:14]), *r[14:]
                )
        return found

    def insert_cards(self, rows: Sequence[Row]) -> None:
        """New cards: (note_id, deck_id, ordinal, 8 schedule values, suspended, buried_until,
        created_at, modified_at, stamps, round, origin)."""
        columns = (
            "user_id",
            "note_id",
            "deck_id",
            "ordinal",
            *SCHED_VALUES,
            "suspended",
            "buried_until",
            "created_at",
            "modified_at",
            "sync_stamps",
            "sync_seq",
            "sync_origin",
        )
        self.db.copy_in("cards", columns, iter([(self.user, *row) for row in rows]))

    def update_cards(self, rows: Sequence[Row]) -> None:
        """Merged cards: (deck_id, suspended, buried_until, 8 schedule values, modified_at,
        stamps, round, origin, id)."""
        sched = ", ".join(f"{k}=?" for k in SCHED_VALUES)
        self.db.executemany(
            f"UPDATE cards SET deck_id=?, suspended=?, buried_until=?, {sched}, modified_at=?,"
            " sync_stamps=?, sync_seq=?, sync_origin=? WHERE user_id=? AND id=?",
            [(*row[:-1], self.user, row[-1]) for row in rows],
        )

    def card_notes(self, card_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
        """Card id -> (note id, note GUID), for cards named by their reviews."""
        found: dict[int, tuple[int, str]] = {}
        for part in _chunks(card_ids):
            for card_id, note_id, guid in self.db.fetchall(
                "SELECT c.id, n.id, n.guid FROM cards c JOIN notes n"
                " ON n.user_id = c.user_id AND n.id = c.note_id"
                f" WHERE c.user_id=? AND c.id IN ({marks(part)})",
                (self.user, *part),
            ):
                found[card_id] = (note_id, guid)
        return found

    # -- reviews ---------------------------------------------------------------------------
    def known_reviews(self, uids: Sequence[bytes]) -> dict[bytes, tuple[int, int, int, str | None]]:
        """Stored reviews by global id: (local id, card id, reviewed at, undo data)."""
        found: dict[bytes, tuple[int, int, int, str | None]] = {}
        for part in _chunks(uids):
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
        names = (
            "user_id",
            "uid",
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
            "undo",
            "sync_seq",
            "sync_origin",
        )
        rows = zip(repeat(self.user), *columns)
        self.db.copy_in("reviews", names, rows, skip_duplicates=True)

    def answers_of(
        self, answers: Sequence[tuple[int, int]]
    ) -> dict[tuple[int, int, int, str], tuple[int, bytes | None, str]]:
        """Reviews held of some (card id, answered at) pairs, by (card id, answered at,
        rating, kind): (id, uid or None, origin). One index probe a pair."""
        found: dict[tuple[int, int, int, str], tuple[int, bytes | None, str]] = {}
        pairs = sorted(set(answers))
        for start in range(0, len(pairs), _CHUNK // 2):
            part = pairs[start : start + _CHUNK // 2]
            listed = ", ".join("(?, ?)" for _ in part)
            for card_id, at, rating, kind, review_id, uid, origin in self.db.fetchall(
                f"WITH wanted (card, at) AS (VALUES {listed})"
                " SELECT r.card_id, r.reviewed_at, r.rating, r.kind, r.id, r.uid, r.sync_origin"
                " FROM wanted JOIN reviews r ON r.card_id = wanted.card"
                " AND r.reviewed_at = wanted.at WHERE r.user_id = ?",
                (*(v for pair in part for v in pair), self.user),
            ):
                named = None if uid is None else bytes(uid)
                found[(card_id, at, rating, kind)] = (review_id, named, origin)
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
        """The largest local id in the review log (any user's: ids are unique across users)."""
        return int(self.db.scalar("SELECT coalesce(max(id), 0) FROM reviews") or 0)

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
        for part in _chunks(ids):
            self.db.execute(
                f"DELETE FROM reviews WHERE user_id=? AND id IN ({marks(part)})", (self.user, *part)
            )

    # -- tombstones ------------------------------------------------------------------------
    def tombstones(self, kind: str, keys: Sequence[str]) -> dict[str, tuple[int, int | None]]:
        """Stored tombstones of one kind: key -> (deleted stamp, local id)."""
        found: dict[str, tuple[int, int | None]] = {}
        if not keys or not self.db.scalar(
            "SELECT 1 FROM sync_tombstones WHERE user_id=? AND kind=? LIMIT 1", (self.user, kind)
        ):
            return found
        for part in _chunks(keys):
            for key, deleted, local in self.db.fetchall(
                "SELECT key, deleted, local_id FROM sync_tombstones WHERE user_id=? AND kind=?"
                f" AND key IN ({marks(part)})",
                (self.user, kind, *part),
            ):
                found[key] = (deleted, local)
        return found

    def put_tombstones(
        self, rows: Sequence[tuple[str, str, int, int | None, int | None, str]]
    ) -> None:
        """Record deletions: (kind, key, deleted stamp, local id, round, origin)."""
        self.db.executemany(
            "INSERT INTO sync_tombstones (user_id, kind, key, deleted, local_id, sync_seq,"
            " sync_origin) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, kind, key)"
            " DO UPDATE SET deleted = CASE WHEN excluded.deleted > sync_tombstones.deleted"
            " THEN excluded.deleted ELSE sync_tombstones.deleted END,"
            " local_id = coalesce(sync_tombstones.local_id, excluded.local_id),"
            " sync_seq = excluded.sync_seq, sync_origin = excluded.sync_origin",
            [(self.user, *row) for row in rows],
        )

    def delete(self, table: str, ids: Sequence[int]) -> None:
        """Delete rows of notes, cards or decks by id (a note takes its cards along)."""
        if table not in ("notes", "cards", "decks"):
            raise ValueError(table)
        for part in _chunks(ids):
            self.db.execute(
                f"DELETE FROM {table} WHERE user_id=? AND id IN ({marks(part)})", (self.user, *part)
            )

    def retire_cards(self, cards: Sequence[tuple[int, str]]) -> None:
        """Before cards are deleted by a sync: their reviews move to their orphan ids."""
        for card_id, key in cards:
            orphan = orphan_id(key)
            self.db.execute(
                "UPDATE reviews SET card_id=? WHERE user_id=? AND card_id=?",
                (orphan, self.user, card_id),
            )
        self.note_orphans([(orphan_id(key), key) for _, key in cards])

    def note_orphans(self, rows: Sequence[tuple[int, str]]) -> None:
        """Record which card key a negative (orphan) card id stands for."""
        if rows:
            self.db.executemany(
                "INSERT INTO sync_orphans (user_id, card_id, key) VALUES (?, ?, ?)"
                " ON CONFLICT (user_id, card_id) DO NOTHING",
                [(self.user, card_id, key) for card_id, key in rows],
            )


def undo_json(card: dict[str, Any], previous: str | None) -> str:
    """Undo data with its card snapshot replaced (its other keys kept)."""
    data = json.loads(previous) if previous else {"leech": False}
    data["card"] = card
    return json.dumps(data)
