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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tokendeck.domain.synced import NOTE_FIELDS
from tokendeck.storage.database import POSTGRESQL
from tokendeck.storage.rows import marks
from tokendeck.storage.search import mark_stale
from tokendeck.storage.sync_reviews import ReviewWrites, chunks
from tokendeck.storage.table import Table

Row = tuple[Any, ...]
#: Notes in one batch from which the search index is rebuilt later rather than per note.
_BULK_NOTES = 200

#: The columns that store a note's synced values, NOTE_FIELDS (which name the note type
#: by its GUID; the column holds its local id).
_NOTE_COLUMNS = (*NOTE_FIELDS[:8], "note_type_id", "format")
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
    flag: int
    buried_until: int | None
    sched: tuple[Any, ...]
    created_at: int
    stamps: str
    seq: int | None
    origin: str


class SyncWrite(ReviewWrites, Table):
    """A user's rows as a sync writes them."""

    __slots__ = ()

    # -- settings --------------------------------------------------------------------------
    def settings(self, keys: Sequence[str]) -> dict[str, LocalRow]:
        """Stored settings by key."""
        found: dict[str, LocalRow] = {}
        for part in chunks(keys):
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
        for part in chunks(guids):
            for r in self.db.fetchall(
                "SELECT n.id, n.guid, n.kind, n.front, n.back, n.tags, n.accepted, n.fields,"
                " n.source, n.source_note, (SELECT t.guid FROM note_types t"
                " WHERE t.user_id = n.user_id AND t.id = n.note_type_id), n.format,"
                " n.created_at, n.sync_stamps, n.sync_seq, n.sync_origin FROM notes n"
                f" WHERE n.user_id=? AND n.guid IN ({marks(part)})",
                (self.user, *part),
            ):
                found[r[1]] = LocalRow(r[0], dict(zip(NOTE_FIELDS, r[2:12], strict=True)), *r[12:])
        return found

    def _note_type_ids(self) -> dict[str, int]:
        rows = self.db.fetchall(
            "SELECT guid, id FROM note_types WHERE user_id=? AND guid IS NOT NULL", (self.user,)
        )
        return {guid: type_id for guid, type_id in rows}

    def note_ids(self, guids: Sequence[str]) -> dict[str, int]:
        """Note id by GUID."""
        found: dict[str, int] = {}
        for part in chunks(guids):
            found.update(
                self.db.fetchall(
                    f"SELECT guid, id FROM notes WHERE user_id=? AND guid IN ({marks(part)})",
                    (self.user, *part),
                )
            )
        return found

    def insert_notes(self, rows: Sequence[Row]) -> None:
        """New notes: (guid, the NOTE_FIELDS, created_at, modified_at, stamps, round, origin)."""
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
        at = 1 + NOTE_FIELDS.index("note_type")  # after the GUID
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
            (*(stored[k] for k in NOTE_FIELDS), created_at, now_ms, self.user, note_id),
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
        for part in chunks(note_ids):
            for r in self.db.fetchall(
                "SELECT id, note_id, ordinal, deck_id, suspended, flag, buried_until, state, due,"
                " step, stability, difficulty, last_review, reps, lapses, created_at, sync_stamps,"
                f" sync_seq, sync_origin FROM cards WHERE user_id=? AND note_id IN ({marks(part)})",
                (self.user, *part),
            ):
                found[(r[1], r[2])] = LocalCard(
                    r[0], r[1], r[2], r[3], r[4], r[5], r[6], tuple(r[7:15]), *r[15:]
                )
        return found

    def insert_cards(self, rows: Sequence[Row]) -> None:
        """New cards: (note_id, deck_id, ordinal, 8 schedule values, suspended, buried_until,
        flag, created_at, modified_at, stamps, round, origin)."""
        columns = (
            "user_id",
            "note_id",
            "deck_id",
            "ordinal",
            *SCHED_VALUES,
            "suspended",
            "buried_until",
            "flag",
            "created_at",
            "modified_at",
            "sync_stamps",
            "sync_seq",
            "sync_origin",
        )
        self.db.copy_in("cards", columns, iter([(self.user, *row) for row in rows]))

    def update_cards(self, rows: Sequence[Row]) -> None:
        """Merged cards: (deck_id, suspended, buried_until, flag, 8 schedule values,
        modified_at, stamps, round, origin, id)."""
        sched = ", ".join(f"{k}=?" for k in SCHED_VALUES)
        self.db.executemany(
            f"UPDATE cards SET deck_id=?, suspended=?, buried_until=?, flag=?, {sched},"
            " modified_at=?, sync_stamps=?, sync_seq=?, sync_origin=? WHERE user_id=? AND id=?",
            [(*row[:-1], self.user, row[-1]) for row in rows],
        )

    def cards_named(
        self, keys: Sequence[str], note_guids: Sequence[str], review_uids: Sequence[bytes]
    ) -> list[int]:
        """The local card ids whose logs or decks a batch may change: the cards of some keys
        (live, or deleted with their reviews kept), every card of some notes, and the cards
        of some reviews. With the ids a batch creates, what the statistics summary
        recounts around it."""
        found: set[int] = {orphan_id(key) for key in keys}
        wanted: dict[str, set[int]] = {}
        for key in keys:
            guid, _, ordinal = key.rpartition(":")
            wanted.setdefault(guid, set()).add(int(ordinal))
        guids = sorted(set(wanted) | set(note_guids))
        everything = set(note_guids)
        for part in chunks(guids):
            for card_id, guid, ordinal in self.db.fetchall(
                "SELECT c.id, n.guid, c.ordinal FROM cards c JOIN notes n"
                " ON n.user_id = c.user_id AND n.id = c.note_id"
                f" WHERE c.user_id=? AND n.guid IN ({marks(part)})",
                (self.user, *part),
            ):
                if guid in everything or ordinal in wanted.get(guid, ()):
                    found.add(card_id)
        for part in chunks(list(keys)):
            found.update(
                r[0]
                for r in self.db.fetchall(
                    f"SELECT card_id FROM sync_orphans WHERE user_id=? AND key IN ({marks(part)})",
                    (self.user, *part),
                )
            )
        for part in chunks(list(review_uids)):
            found.update(
                r[0]
                for r in self.db.fetchall(
                    f"SELECT card_id FROM reviews WHERE user_id=? AND uid IN ({marks(part)})",
                    (self.user, *part),
                )
            )
        return sorted(found)

    def next_card_id(self) -> int:
        """No card this replica creates from now on has a smaller id (on PostgreSQL, whose
        key is (user, id), the user's largest: one index probe, not a scan)."""
        mine = " WHERE user_id=?" if self.db.dialect == POSTGRESQL else ""
        params = (self.user,) if mine else ()
        return int(self.db.scalar(f"SELECT coalesce(max(id), 0) + 1 FROM cards{mine}", params) or 1)

    def card_notes(self, card_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
        """Card id -> (note id, note GUID), for cards named by their reviews."""
        found: dict[int, tuple[int, str]] = {}
        for part in chunks(card_ids):
            for card_id, note_id, guid in self.db.fetchall(
                "SELECT c.id, n.id, n.guid FROM cards c JOIN notes n"
                " ON n.user_id = c.user_id AND n.id = c.note_id"
                f" WHERE c.user_id=? AND c.id IN ({marks(part)})",
                (self.user, *part),
            ):
                found[card_id] = (note_id, guid)
        return found

    # -- tombstones ------------------------------------------------------------------------
    def tombstones(self, kind: str, keys: Sequence[str]) -> dict[str, tuple[int, int | None]]:
        """Stored tombstones of one kind: key -> (deleted stamp, local id)."""
        found: dict[str, tuple[int, int | None]] = {}
        if not keys or not self.db.scalar(
            "SELECT 1 FROM sync_tombstones WHERE user_id=? AND kind=? LIMIT 1", (self.user, kind)
        ):
            return found
        for part in chunks(keys):
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
        for part in chunks(ids):
            self.db.execute(
                f"DELETE FROM {table} WHERE user_id=? AND id IN ({marks(part)})", (self.user, *part)
            )

    def retire_cards(self, cards: Sequence[tuple[int, str]]) -> None:
        """Before cards are deleted by a sync: their reviews stay under their ids, named
        by their keys (as a deletion made here leaves them: storage/sync_schema.py)."""
        self.note_orphans(cards, replace=True)

    def note_orphans(self, rows: Sequence[tuple[int, str]], *, replace: bool = False) -> None:
        """Record which card key the id of a card no longer here stands for."""
        if rows:
            kept = "DO UPDATE SET key = excluded.key" if replace else "DO NOTHING"
            self.db.executemany(
                "INSERT INTO sync_orphans (user_id, card_id, key) VALUES (?, ?, ?)"
                f" ON CONFLICT (user_id, card_id) {kept}",
                [(self.user, card_id, key) for card_id, key in rows],
            )


def undo_json(card: dict[str, Any], previous: str | None) -> str:
    """Undo data with its card snapshot replaced (its other keys kept)."""
    data = json.loads(previous) if previous else {"leech": False}
    data["card"] = card
    return json.dumps(data)
