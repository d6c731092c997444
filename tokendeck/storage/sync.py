"""Sync bookkeeping of one user's replica: its state and clock, sequencing rounds, applying.

The schema is described in :mod:`.sync_schema`. This object holds what every
sync step needs before it reads or writes rows: the replica's state (its id,
hybrid clock, cursors, the position of a sync under way), giving pending
changes their round number, and the "applying" switch under which the edit
triggers leave the sync's own writes alone. Reading rows is
:mod:`.sync_read`, writing them :mod:`.sync_write`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tokendeck.storage.database import POSTGRESQL
from tokendeck.storage.decks import deck_guid
from tokendeck.storage.table import Table

#: Tables whose rows are sequenced (given a round) before a sync reads them.
SEQUENCED = ("settings", "decks", "note_types", "notes", "cards", "reviews", "sync_tombstones")

_STATE_COLUMNS = (
    "replica, hlc, round, server, account, remote, pushed, pulled, review_mark, progress,"
    " last_sync, session, next_session"
)
_WRITABLE = frozenset(
    {
        "hlc",
        "server",
        "account",
        "remote",
        "pushed",
        "pulled",
        "review_mark",
        "progress",
        "last_sync",
        "session",
        "next_session",
    }
)


def local_uid(replica: str, review_id: int, reviewed_at: int) -> bytes:
    """The global id of a review answered on ``replica`` (stored NULL there: derived on read).

    The answer's time (48-bit ms, first, as in a UUIDv7: ids sort by time, and
    reach the unique index at its end), 48 bits of the replica's random id, and
    the local id. Local ids are reused after an undo, but never at the same
    millisecond on the same replica: the three together name one answer.
    """
    return uid_maker(replica)(review_id, reviewed_at)


def uid_maker(replica: str) -> Callable[[int, int], bytes]:
    """:func:`local_uid` for one replica, as a fast function (a million reviews on a push)."""
    middle = bytes.fromhex(replica.ljust(12, "0")[:12])

    def make(review_id: int, reviewed_at: int) -> bytes:
        return (
            (reviewed_at & 0xFFFF_FFFF_FFFF).to_bytes(6, "big")
            + middle
            + (review_id & 0xFFFF_FFFF).to_bytes(4, "big")
        )

    return make


def note_type_guid(name: str, field_names: str, templates: str) -> str:
    """A note type's GUID from its name and shape (its stored JSON of fields and templates).

    The same note type imported on two devices gets the same GUID (one note type
    after a sync); two of one name but other fields or templates stay two.
    """
    shape = f"notetype\x1f{name}\x1f{field_names}\x1f{len(json.loads(templates))}"
    return hashlib.sha1(shape.encode()).hexdigest()[:32]


def time_ordered(reviewed_at: int, rest: bytes) -> bytes:
    """A 16-byte review id that starts with the answer's time, then ``rest`` (10 bytes)."""
    return (int(reviewed_at) & 0xFFFF_FFFF_FFFF).to_bytes(6, "big") + rest[:10]


@dataclass(frozen=True, slots=True)
class SyncState:
    """A replica's sync state (one row per user)."""

    #: This replica's random id: a device's name on the server, the server's on a device.
    replica: str
    #: The hybrid clock: no stamp this replica gives is below it.
    hlc: int
    #: The newest sequencing round.
    round: int
    #: A client's server URL and account there ("" when not logged in).
    server: str
    account: str
    #: The id of the server's replica this client synced with.
    remote: str
    #: A client's last round pushed, and the server's round it pulled up to.
    pushed: int
    pulled: int
    #: A client's newest review pushed (its own reviews travel by local id).
    review_mark: int
    #: Where a push or pull under way stands (resumed after a crash).
    progress: dict[str, Any]
    #: When the last sync finished (ms), or None.
    last_sync: int | None
    #: A client's token agreed with the server at its last sync, and the next one (offered
    #: by a sync under way): a copy of the file presents an older one.
    session: str
    next_session: str


class SyncRows(Table):
    """A user's sync state, clock and rounds."""

    __slots__ = ()

    # -- state -----------------------------------------------------------------------------
    def state(self) -> SyncState:
        """The replica's state (created, with a fresh replica id, on first use)."""
        row = self.db.fetchone(
            f"SELECT {_STATE_COLUMNS} FROM sync_state WHERE user_id=?", (self.user,)
        )
        if row is None:
            self.db.execute(
                "INSERT INTO sync_state (user_id, replica) VALUES (?, ?)"
                " ON CONFLICT (user_id) DO NOTHING",
                (self.user, os.urandom(8).hex()),
            )
            return self.state()
        values = list(row)
        values[9] = json.loads(values[9] or "{}")
        return SyncState(*values)

    def update(self, **values: Any) -> None:
        """Change some of the state's fields (``progress`` as a dict)."""
        unknown = set(values) - _WRITABLE
        if unknown:
            raise ValueError(f"not a writable sync state field: {sorted(unknown)}")
        self.state()
        if "progress" in values:
            values["progress"] = json.dumps(values["progress"], separators=(",", ":"))
        names = sorted(values)
        self.db.execute(
            f"UPDATE sync_state SET {', '.join(f'{n}=?' for n in names)} WHERE user_id=?",
            (*(values[n] for n in names), self.user),
        )

    def tick(self, physical_ms: int) -> int:
        """A stamp for a change the sync makes itself (a replay, a rename): the clock moves."""
        state = self.state()
        stamp = max(state.hlc + 1, int(physical_ms) << 16)
        self.db.execute("UPDATE sync_state SET hlc=? WHERE user_id=?", (stamp, self.user))
        return stamp

    def observe(self, stamp: int) -> None:
        """Move the clock past a stamp received from the other side."""
        self.state()
        self.db.execute(
            "UPDATE sync_state SET hlc=? WHERE user_id=? AND hlc<?", (stamp, self.user, stamp)
        )

    @contextmanager
    def applying(self) -> Iterator[None]:
        """Inside the caller's transaction: the edit triggers leave the sync's writes alone."""
        self.db.execute(
            "INSERT INTO sync_applying (user_id) VALUES (?) ON CONFLICT (user_id) DO NOTHING",
            (self.user,),
        )
        try:
            yield
        finally:
            self.db.execute("DELETE FROM sync_applying WHERE user_id=?", (self.user,))

    @contextmanager
    def batched_commits(self) -> Iterator[None]:
        """While a client syncs: commits skip their fsync (SQLite ``synchronous=NORMAL``).

        A sync commits after every batch; each fsync costs more than the batch on a
        slow disk. What a power cut could take back is only sync work (a batch and
        its position, together), which the next sync redoes; the caller's last
        commit after this block, with the fsync back on, makes all of it durable.
        """
        if self.db.dialect == POSTGRESQL or self.db.in_transaction:
            yield
            return
        self.db.execute("PRAGMA synchronous=NORMAL")
        try:
            yield
        finally:
            self.db.execute("PRAGMA synchronous=FULL")

    # -- rounds ----------------------------------------------------------------------------
    def sequence(self, *, reviews: bool) -> int:
        """Give every change not yet sequenced the next round; returns the newest round.

        ``reviews``: sequence reviews too, and store the ids of those answered here
        (the server, whose pulls read reviews by round). A client pushes its own
        reviews by local id instead (:attr:`SyncState.review_mark`) and never
        rewrites them. Decks and note types without a GUID (made since the last
        sync, or restored) get one here.
        """
        tables = [t for t in SEQUENCED if reviews or t != "reviews"]
        # One statement for all tables: a sync with nothing new does only this (a round
        # trip each on PostgreSQL).
        pending = self.db.scalar(
            "SELECT "
            + " OR ".join(
                f"EXISTS (SELECT 1 FROM {table} WHERE user_id=? AND sync_seq IS NULL)"
                for table in tables
            ),
            tuple(self.user for _ in tables),
        )
        state = self.state()
        if not pending:
            return state.round
        number = state.round + 1
        self._name_decks()
        self._name_note_types()
        if reviews:
            rows = self.db.fetchall(
                "SELECT id, reviewed_at FROM reviews WHERE user_id=? AND sync_seq IS NULL"
                " AND uid IS NULL",
                (self.user,),
            )
            retired = self.retired([(i, at) for i, at in rows])
            self.db.executemany(
                "UPDATE reviews SET uid=? WHERE user_id=? AND id=?",
                [
                    (time_ordered(at, os.urandom(10)) if (i, at) in retired
                     else local_uid(state.replica, i, at), self.user, i)
                    for i, at in rows
                ],
            )  # fmt: skip
        for table in tables:
            self.db.execute(
                f"UPDATE {table} SET sync_seq=? WHERE user_id=? AND sync_seq IS NULL",
                (number, self.user),
            )
        self.db.execute("UPDATE sync_state SET round=? WHERE user_id=?", (number, self.user))
        return number

    def nothing_for(self, device: str, cursor: int, upto: int) -> bool:
        """Whether a pull by ``device`` from ``cursor`` would bring nothing: no change up to
        round ``upto`` from elsewhere (its own rows excluded, as a pull excludes them), and
        none waiting for a round (an answer made on the server's web app)."""
        found = self.db.scalar(
            "SELECT "
            + " OR ".join(
                f"EXISTS (SELECT 1 FROM {table} WHERE user_id=? AND (sync_seq IS NULL OR"
                " (sync_seq > ? AND sync_seq <= ? AND sync_origin <> ?)))"
                for table in SEQUENCED
            ),
            tuple(v for _ in SEQUENCED for v in (self.user, cursor, upto, device)),
        )
        return not found

    def retired(self, reviews: list[tuple[int, int]]) -> set[tuple[int, int]]:
        """Of (local id, answered at) pairs, those an undone review had (its id is taken).

        An answer undone and answered again in the same millisecond reuses the local
        id: its derived id would be the undone one's, so it gets a random one.
        """
        if not reviews or not self.db.scalar(
            "SELECT 1 FROM sync_tombstones WHERE user_id=? AND kind='review'"
            " AND key LIKE 'local:%' LIMIT 1",
            (self.user,),
        ):
            return set()
        keys = {f"local:{i}:{at}": (i, at) for i, at in reviews}
        found: set[tuple[int, int]] = set()
        names = list(keys)
        for start in range(0, len(names), 5000):
            part = names[start : start + 5000]
            marks = ", ".join("?" for _ in part)
            for (key,) in self.db.fetchall(
                "SELECT key FROM sync_tombstones WHERE user_id=? AND kind='review'"
                f" AND key IN ({marks})",
                (self.user, *part),
            ):
                found.add(keys[key])
        return found

    def name_reviews(self, reviews: list[tuple[int, int]]) -> dict[int, bytes]:
        """Give reviews answered here, (local id, answered at), a random global id (stored)."""
        named = {i: time_ordered(at, os.urandom(10)) for i, at in reviews}
        self.db.executemany(
            "UPDATE reviews SET uid=? WHERE user_id=? AND id=?",
            [(uid, self.user, i) for i, uid in named.items()],
        )
        return named

    def newest_review(self, *, received: bool = False) -> int:
        """The largest local id of a review answered here (or any, with ``received``)."""
        mine = "" if received else " AND sync_origin = ''"
        found = self.db.scalar(f"SELECT max(id) FROM reviews WHERE user_id=?{mine}", (self.user,))
        return int(found or 0)

    def next_round(self) -> int:
        """A new round number for rows the sync itself writes (on the server)."""
        number = self.state().round + 1
        self.db.execute("UPDATE sync_state SET round=? WHERE user_id=?", (number, self.user))
        return number

    def _name_decks(self) -> None:
        rows = self.db.fetchall(
            "SELECT id, name FROM decks WHERE user_id=? AND guid IS NULL", (self.user,)
        )
        for deck_id, name in rows:
            guid = deck_guid(name)
            if self.db.scalar("SELECT 1 FROM decks WHERE user_id=? AND guid=?", (self.user, guid)):
                guid = os.urandom(16).hex()
            self.db.execute(
                "UPDATE decks SET guid=? WHERE user_id=? AND id=?", (guid, self.user, deck_id)
            )

    def _name_note_types(self) -> None:
        rows = self.db.fetchall(
            "SELECT id, name, field_names, templates FROM note_types"
            " WHERE user_id=? AND guid IS NULL",
            (self.user,),
        )
        for type_id, name, field_names, templates in rows:
            guid = note_type_guid(name, field_names, templates)
            if self.db.scalar(
                "SELECT 1 FROM note_types WHERE user_id=? AND guid=?", (self.user, guid)
            ):
                guid = os.urandom(16).hex()
            self.db.execute(
                "UPDATE note_types SET guid=? WHERE user_id=? AND id=?", (guid, self.user, type_id)
            )

    # -- devices (the server's side) ------------------------------------------------------
    def admit(self, device: str, session: str, following: str, now_ms: int) -> bool:
        """Whether ``device`` is the replica the server last synced under that id.

        It is when the server has not met it, or it presents the token agreed at its
        last sync (``session``) or the one it offered since (``following``, from a sync
        that was cut off); the server then moves on to ``following``. Any other token
        is a copy of the device's file (or a restored one), whose state is behind.
        """
        known = self.db.scalar(
            "SELECT session FROM sync_devices WHERE user_id=? AND device=?", (self.user, device)
        )
        if known is not None and known not in (session, following):
            return False
        self.db.execute(
            "INSERT INTO sync_devices (user_id, device, session, seen_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id, device) DO UPDATE SET session = excluded.session,"
            " seen_at = excluded.seen_at",
            (self.user, device, following or session, now_ms),
        )
        return True

    # -- a copy becomes a replica of its own (the client's side) ----------------------------
    def become_new_replica(self) -> str:
        """Take a fresh replica id, as a new device: the file is a copy (or restored).

        Reviews answered here are first given the ids they were known by (derived from
        the old replica id), so that those the server holds are not sent again as new;
        the cursors start over, so everything is pushed and pulled again (both
        idempotent), and what the server has from the old id reaches this file.
        """
        state = self.state()
        rows = self.db.fetchall(
            "SELECT id, reviewed_at FROM reviews WHERE user_id=? AND uid IS NULL",
            (self.user,),
        )
        retired = self.retired([(i, at) for i, at in rows])
        make = uid_maker(state.replica)
        self.db.executemany(
            "UPDATE reviews SET uid=? WHERE user_id=? AND id=?",
            [
                (time_ordered(at, os.urandom(10)) if (i, at) in retired else make(i, at),
                 self.user, i)
                for i, at in rows
            ],
        )  # fmt: skip
        # Undone answers' tombstones name them as the old id did, for the same reason.
        local = self.db.fetchall(
            "SELECT key FROM sync_tombstones WHERE user_id=? AND kind='review'"
            " AND key LIKE 'local:%'",
            (self.user,),
        )
        for (key,) in local:
            _, review_id, reviewed_at = key.split(":")
            self.db.execute(
                "UPDATE sync_tombstones SET key=? WHERE user_id=? AND kind='review' AND key=?",
                (make(int(review_id), int(reviewed_at)).hex(), self.user, key),
            )
        replica = os.urandom(8).hex()
        self.db.execute(
            "UPDATE sync_state SET replica=?, pushed=0, pulled=0, review_mark=0, progress='{}',"
            " session='', next_session='' WHERE user_id=?",
            (replica, self.user),
        )
        return replica

    def pending(self) -> bool:
        """Whether this replica holds local changes it has not pushed (a client's question)."""
        state = self.state()
        for table in SEQUENCED:
            if table == "reviews":
                continue
            found = self.db.scalar(
                f"SELECT 1 FROM {table} WHERE user_id=? AND sync_origin <> 'remote'"
                " AND (sync_seq IS NULL OR sync_seq > ?) LIMIT 1",
                (self.user, state.pushed),
            )
            if found:
                return True
        return self.newest_review() > state.review_mark
