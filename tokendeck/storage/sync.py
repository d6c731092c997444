"""Sync bookkeeping of one user's replica: its state and clock, sequencing rounds, applying.

The schema is described in :mod:`.sync_schema`. This object holds what every
sync step needs before it reads or writes rows: the replica's state (its id,
hybrid clock, cursors, the position of a sync under way), giving pending
changes their round number, and the "applying" switch under which the edit
triggers leave the sync's own writes alone. Reading rows is
:mod:`.sync_read`, writing them :mod:`.sync_write`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tokendeck.storage.database import POSTGRESQL
from tokendeck.storage.decks import deck_guid
from tokendeck.storage.table import Table

#: Tables whose rows are sequenced (given a round) before a sync reads them.
SEQUENCED = ("settings", "decks", "notes", "cards", "reviews", "sync_tombstones")

_STATE_COLUMNS = "replica, hlc, round, server, account, remote, pushed, pulled, progress, last_sync"
_WRITABLE = frozenset(
    {"hlc", "server", "account", "remote", "pushed", "pulled", "progress", "last_sync"}
)


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
    #: Where a push or pull under way stands (resumed after a crash).
    progress: dict[str, Any]
    #: When the last sync finished (ms), or None.
    last_sync: int | None


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
        values[8] = json.loads(values[8] or "{}")
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

    # -- rounds ----------------------------------------------------------------------------
    def sequence(self) -> int:
        """Give every change not yet sequenced the next round; returns the newest round.

        Reviews get their global id here (a review is written without one, by
        whatever path), decks their GUID if a path made one without.
        """
        pending = any(
            self.db.scalar(
                f"SELECT 1 FROM {table} WHERE user_id=? AND sync_seq IS NULL LIMIT 1",
                (self.user,),
            )
            for table in SEQUENCED
        )
        state = self.state()
        if not pending:
            return state.round
        number = state.round + 1
        self._name_decks()
        random_id = (
            "decode(md5(random()::text || id::text || clock_timestamp()::text), 'hex')"
            if self.db.dialect == POSTGRESQL
            else "randomblob(16)"
        )
        self.db.execute(
            f"UPDATE reviews SET uid = {random_id} WHERE user_id=? AND sync_seq IS NULL"
            " AND uid IS NULL",
            (self.user,),
        )
        for table in SEQUENCED:
            self.db.execute(
                f"UPDATE {table} SET sync_seq=? WHERE user_id=? AND sync_seq IS NULL",
                (number, self.user),
            )
        self.db.execute("UPDATE sync_state SET round=? WHERE user_id=?", (number, self.user))
        return number

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

    def pending(self) -> bool:
        """Whether this replica holds local changes it has not pushed (a client's question)."""
        state = self.state()
        for table in SEQUENCED:
            found = self.db.scalar(
                f"SELECT 1 FROM {table} WHERE user_id=? AND sync_origin <> 'remote'"
                " AND (sync_seq IS NULL OR sync_seq > ?) LIMIT 1",
                (self.user, state.pushed),
            )
            if found:
                return True
        return False
