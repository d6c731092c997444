"""Sync, as the collection offers it: log in, sync, log out; and a server's answers.

The engine is :mod:`tokendeck.sync`; this part gives it the collection's
store, its decks' schedulers (for replays) and its clock, and forgets the
collection's caches after anything arrived. A local collection is a client
(:meth:`Syncing.login`, :meth:`Syncing.sync`); a user's collection on a
``tokendeck server`` answers them (:meth:`Syncing.serve_push` and friends).
"""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tokendeck.collection.core import Core
from tokendeck.collection.decks import Decks
from tokendeck.collection.notes import Notes
from tokendeck.errors import NotLoggedInError, SyncError
from tokendeck.storage.rows import from_ms, to_ms

if TYPE_CHECKING:  # the engine is imported when a sync runs: `tokendeck next` never pays for it
    from tokendeck.sync.client import Report, Transport
    from tokendeck.sync.outgoing import Limits


@dataclass(frozen=True)
class SyncStatus:
    """Whether and where a collection syncs, and how it stands."""

    server: str
    user: str
    logged_in: bool
    last_sync: datetime | None
    #: Changes made here that the server has not received yet.
    pending: bool


@dataclass(frozen=True)
class NoteVersion:
    """A value of a note's field that lost a merge (or came after the note was deleted)."""

    field: str
    value: str | None
    #: hybrid-clock stamp of the edit that made it
    stamp: int
    recorded_at: datetime
    #: "merge" (another edit won) or "deleted" (the note was deleted elsewhere)
    reason: str


class Syncing:
    """A collection's sync: as a client of a server, or as the server's copy of a user."""

    def __init__(self, core: Core, decks: Decks, notes: Notes) -> None:
        self.core = core
        self.store = core.store
        self.decks = decks
        self.notes = notes

    @property
    def _name(self) -> str:
        return self.store.location

    # -- the client's side -------------------------------------------------------------------
    def login(
        self,
        url: str,
        user: str,
        password: str,
        *,
        now: datetime,
        transport: Transport | None = None,
    ) -> SyncStatus:
        """Get an API token for ``user`` at ``url``; keep it for this collection."""
        from tokendeck.sync import client, credentials

        if self.store.on_server:
            raise SyncError(
                "a collection on a server does not log in to another server",
                hint="sync a local collection (a file) instead",
            )
        url = url.rstrip("/")
        link = transport or client.HttpTransport(url)
        device = f"tokendeck sync on {socket.gethostname()}"[:100]
        token, token_id = client.login(link, user, password, device)
        credentials.save(self._name, credentials.Credentials(url, user, token, token_id))
        with self.store.transaction():
            self.store.sync.update(server=url, account=user)
        return self.status()

    def logout(self, *, transport: Transport | None = None) -> bool:
        """Revoke this collection's token on the server (if reachable) and forget it here."""
        from tokendeck.sync import client, credentials

        saved = credentials.load(self._name)
        if saved is None:
            return False
        if saved.token_id is not None:
            link = transport or client.HttpTransport(saved.server, saved.token)
            # Unreachable: the token is forgotten here; it can be revoked on the server's page.
            with contextlib.suppress(SyncError):
                link.send("DELETE", f"/api/v1/auth/tokens/{saved.token_id}")
        credentials.forget(self._name)
        return True

    def sync(
        self,
        *,
        now: datetime,
        transport: Transport | None = None,
        limits: Limits | None = None,
    ) -> Report:
        """Push this collection's changes to its server and pull everyone else's."""
        from tokendeck.sync import client, credentials

        saved = credentials.load(self._name)
        if saved is None and transport is None:
            raise NotLoggedInError(
                "this collection is not logged in to a server",
                hint="log in first: tokendeck login URL --user NAME",
            )
        link = transport or client.HttpTransport(saved.server, saved.token)  # type: ignore[union-attr]
        try:
            return client.run(
                self.store,
                link,
                now_ms=to_ms(now),
                scheduler=self.decks.scheduler,
                limits=limits or _limits_from_environment(),
            )
        finally:
            self.core.forget()

    def status(self) -> SyncStatus:
        """Where this collection syncs, when it last did, and whether changes wait."""
        from tokendeck.sync import credentials

        state = self.store.sync.state()
        saved = None if self.store.on_server else credentials.load(self._name)
        return SyncStatus(
            server=state.server or (saved.server if saved else ""),
            user=state.account or (saved.user if saved else ""),
            logged_in=saved is not None,
            last_sync=None if state.last_sync is None else from_ms(state.last_sync),
            pending=self.store.sync.pending(),
        )

    # -- the server's side -------------------------------------------------------------------
    def serve_info(self) -> dict[str, Any]:
        """What a device checks before it syncs with this (server-side) collection."""
        from tokendeck.sync import service

        return service.info(self.store)

    def serve_push(self, body: bytes, *, now: datetime) -> dict[str, Any]:
        """Apply a batch a device pushed; returns what it did."""
        from tokendeck.sync import service

        try:
            return service.push(self.store, body, now_ms=to_ms(now), scheduler=self.decks.scheduler)
        finally:
            self.core.forget()

    def serve_pull(
        self, request: dict[str, Any], *, now: datetime, limits: Limits | None = None
    ) -> bytes:
        """The next batch of changes a device has not seen."""
        from tokendeck.sync import service

        return service.pull(self.store, request, now_ms=to_ms(now), limits=limits)

    # -- history -----------------------------------------------------------------------------
    def note_history(self, note_id: int) -> list[NoteVersion]:
        """Values of a note's fields that lost a merge, oldest first."""
        note = self.notes.get(note_id)
        return [
            NoteVersion(field, value, stamp, from_ms(at), reason)
            for field, value, stamp, at, reason in self.store.sync_write.history(note.guid)
        ]


def _limits_from_environment() -> Limits | None:
    """Batch sizes from ``TOKENDECK_SYNC_BATCH`` ("rows,reviews"), for slow links and tests."""
    import os

    from tokendeck.sync.outgoing import Limits

    text = os.environ.get("TOKENDECK_SYNC_BATCH", "")
    if not text:
        return None
    try:
        rows, reviews = (int(part) for part in text.split(","))
    except ValueError:
        raise SyncError(
            f"TOKENDECK_SYNC_BATCH={text!r} is not two numbers",
            hint='write it like "5000,50000" (rows, reviews per batch)',
        ) from None
    return Limits(max(1, rows), max(1, reviews))
