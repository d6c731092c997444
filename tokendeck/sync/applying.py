"""What applying a batch shares: who applies (:class:`Side`), the tally, the marks rule.

See :mod:`.incoming` for the whole of applying a batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tokendeck.scheduling.scheduler import Scheduler
from tokendeck.storage import Store
from tokendeck.storage.sync_write import SyncWrite
from tokendeck.sync.merge import Merged

SERVER, CLIENT = "server", "client"
#: Origin a client gives rows it took from the server.
REMOTE = "remote"
#: Origin of a row merged from several replicas: it travels to every device.
MIXED = "*"


@dataclass(frozen=True)
class Side:
    """Who applies: the server (for a device) or a client (from the server)."""

    kind: str
    #: server: the pushing device's replica id; client: REMOTE
    origin: str
    #: server: the round the device has pulled up to; client: the round it has pushed
    known: int
    #: the clock's physical time of this apply (ms)
    now_ms: int
    #: deck id -> its scheduler (replays)
    scheduler: Callable[[int], Scheduler]

    @property
    def server(self) -> bool:
        """Whether this side is the authority."""
        return self.kind == SERVER


@dataclass
class Applied:
    """What a batch did."""

    added: dict[str, int] = field(default_factory=dict)
    merged: int = 0
    deleted: int = 0
    replayed: int = 0
    kept_versions: int = 0
    newest_stamp: int = 0

    def count(self, kind: str, n: int = 1) -> None:
        """Count rows of ``kind`` added."""
        if n:
            self.added[kind] = self.added.get(kind, 0) + n


@dataclass
class Context:
    """One batch being applied: the store, the side, the round its writes take, the tally."""

    store: Store
    side: Side
    round: int
    result: Applied = field(default_factory=Applied)
    #: losing versions: (guid, field, value, stamp, recorded at, reason)
    history: list[tuple[str, str, Any, int, int, str]] = field(default_factory=list)

    @property
    def w(self) -> SyncWrite:
        """The store's sync writer."""
        return self.store.sync_write

    @property
    def server(self) -> bool:
        """Whether the server applies."""
        return self.side.server

    def marks(self, merged: Merged | None) -> tuple[int | None, str]:
        """(round, origin) of a row after a merge (None: taken just as it was sent).

        On the server a row the device sent unchanged keeps the device as its
        origin (the device has it already); one merged into something else is
        MIXED (the device pulls it back). On a client a row taken from the
        server is REMOTE (not pushed back); one where a local edit won stays
        a pending local change.
        """
        exact = merged is None or not merged.kept
        if self.side.server:
            return self.round, self.side.origin if exact else MIXED
        return (0, REMOTE) if exact else (None, "")

    def lost(self, guid: str, merged: Merged, reason: str = "merge") -> None:
        """Keep the losing values of a merge in the note's history."""
        for name, value, stamp in merged.lost:
            self.history.append((guid, name, value, stamp, self.side.now_ms, reason))
        self.result.kept_versions += len(merged.lost)

    def observe(self, *stamps: int) -> None:
        """Note stamps received (the clock moves past the newest at the end)."""
        if stamps:
            self.result.newest_stamp = max(self.result.newest_stamp, *stamps)
