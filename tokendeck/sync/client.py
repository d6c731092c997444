"""The client's side of sync: the HTTP transport, logging in, and the resumable sync loop.

A sync is: check the server (:data:`~.protocol.INFO`), push this collection's
changes batch by batch, then pull everyone else's batch by batch. After each
batch the position is saved in the collection, in the same transaction as the
batch's changes on a pull, so a sync killed at any point resumes where it
stopped when run again: a batch the server applied but whose answer was lost
is sent again and changes nothing the second time.
"""

from __future__ import annotations

import http.client
import json
import secrets
import socket
import ssl
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from tokendeck.errors import (
    AuthenticationError,
    DiskFullError,
    ReplicaCopyError,
    ServerChangedError,
    SyncError,
    SyncVersionError,
)
from tokendeck.scheduling.scheduler import Scheduler
from tokendeck.storage import Store
from tokendeck.storage.sync import SyncState
from tokendeck.storage.sync_read import Window
from tokendeck.sync import codec
from tokendeck.sync.applying import CLIENT, REMOTE, Applied, Side
from tokendeck.sync.incoming import apply
from tokendeck.sync.model import Batch
from tokendeck.sync.outgoing import Limits, Position, collect
from tokendeck.sync.protocol import BATCH_TYPE, INFO, PROTOCOL, PULL, PUSH, check_server
from tokendeck.version import __version__

#: An exclusion no origin matches: a full push sends every row, received ones too.
_EVERYTHING = "!everything"
#: Answers of the last this many days carry their undo data to the server (replay bases):
#: an answer made offline longer ago than that is replayed from the server's current state.
UNDO_DAYS = 60


@dataclass
class Response:
    """What came back for a request."""

    status: int
    body: bytes
    content_type: str = ""

    def json(self) -> dict[str, Any]:
        """The body as a JSON object (SyncError if it is not one)."""
        try:
            value = json.loads(self.body or b"{}")
        except ValueError as exc:
            raise SyncError(
                "the server answered something that is not JSON",
                hint="check that the URL points at a TokenDeck server",
            ) from exc
        if not isinstance(value, dict):
            raise SyncError("the server's answer is not a JSON object")
        return value


class Transport(Protocol):
    """How requests reach the server (HTTP; tests may answer in-process)."""

    url: str

    def send(
        self, method: str, path: str, body: bytes | None = None, *, content_type: str = ""
    ) -> Response:
        """Send one request; raises SyncError when the server cannot be reached."""


class HttpTransport:
    """HTTP(S) with one kept-alive connection and a bearer token."""

    def __init__(self, url: str, token: str | None = None, *, timeout: float = 120.0) -> None:
        parts = urlsplit(url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SyncError(
                f"{url!r} is not a server address", hint="give one like https://tokendeck.example"
            )
        self.url = url.rstrip("/")
        self._parts = parts
        self._token = token
        self._timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self.sent = 0
        self.received = 0

    def _connect(self) -> http.client.HTTPConnection:
        if self._conn is None:
            host, port = self._parts.hostname or "", self._parts.port
            if self._parts.scheme == "https":
                self._conn = http.client.HTTPSConnection(
                    host, port, timeout=self._timeout, context=ssl.create_default_context()
                )
            else:
                self._conn = http.client.HTTPConnection(host, port, timeout=self._timeout)
        return self._conn

    def send(
        self, method: str, path: str, body: bytes | None = None, *, content_type: str = ""
    ) -> Response:
        """Send one request (once more on a fresh connection if a kept-alive one had closed)."""
        headers = {"User-Agent": f"TokenDeck/{__version__}", "Accept": "*/*"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        if content_type:
            headers["Content-Type"] = content_type
        prefix = self._parts.path or ""
        for attempt in (1, 2):
            try:
                conn = self._connect()
                conn.request(method, prefix + path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                self.close()
                if attempt == 2:
                    raise self._unreachable(exc) from exc
                continue
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise self._unreachable(exc) from exc
            self.sent += len(body or b"")
            self.received += len(data)
            return Response(answer.status, data, answer.getheader("Content-Type", ""))
        raise AssertionError("unreachable")

    def _unreachable(self, exc: BaseException) -> SyncError:
        reason = "timed out" if isinstance(exc, socket.timeout | TimeoutError) else str(exc)
        return SyncError(
            f"cannot reach the server at {self.url}: {reason or type(exc).__name__}",
            hint="check the address and the network, then run `tokendeck sync` again; "
            "your changes are kept here until then",
        )

    def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def checked(response: Response, url: str) -> Response:
    """The response if it succeeded, else the error it reports, in TokenDeck's words."""
    if response.status < 400:
        return response
    try:
        error = json.loads(response.body).get("error", {})
    except (ValueError, AttributeError):
        error = {}
    message = str(error.get("message") or f"HTTP {response.status}")
    hint = error.get("hint")
    code = error.get("code")
    if response.status == 401:
        raise AuthenticationError(
            f"the server at {url} refused this collection's token: {message}",
            hint="the token was revoked or has expired: log in again with "
            f"`tokendeck login {url} --user NAME`",
        )
    if response.status == 404 and code != "not_found":
        raise SyncError(
            f"the server at {url} does not offer sync (HTTP 404)",
            hint="check the URL; the server may run a TokenDeck without sync: ask its "
            "administrator to upgrade it",
        )
    if response.status == 426 or code == "sync_protocol":
        raise SyncVersionError(message, hint=hint)
    if code == "sync_copy":
        raise ReplicaCopyError(message, hint=hint)
    if code == "sync_server_changed":
        raise ServerChangedError(message, hint=hint)
    if response.status == 507 or code == "disk_full":
        raise DiskFullError(
            f"the server at {url} is out of disk space: {message}",
            hint="nothing was lost: tell the server's administrator, and sync again later",
        )
    raise SyncError(f"the server at {url} refused the sync: {message}", hint=hint)


def login(transport: Transport, user: str, password: str, device: str) -> tuple[str, int | None]:
    """A personal API token for ``user`` (POST /api/v1/auth/token): (token, its id)."""
    body = json.dumps({"username": user, "password": password, "name": device}).encode()
    answer = transport.send("POST", "/api/v1/auth/token", body, content_type="application/json")
    if answer.status in (400, 401, 403):
        raise AuthenticationError(
            f"the server at {transport.url} refused the name or password",
            hint="check both (names are case-sensitive) and try again",
        )
    data = checked(answer, transport.url).json()
    token = data.get("token")
    if not isinstance(token, str) or not token:
        raise SyncError(f"the server at {transport.url} sent no token")
    token_id = data.get("id")
    return token, int(token_id) if isinstance(token_id, int) else None


@dataclass
class Report:
    """What a sync did."""

    pushed: dict[str, int] = field(default_factory=dict)
    pulled: dict[str, int] = field(default_factory=dict)
    batches_sent: int = 0
    batches_received: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    replayed: int = 0
    seconds: float = 0.0

    def add(self, into: dict[str, int], counts: dict[str, int]) -> None:
        """Add row counts per kind."""
        for kind, n in counts.items():
            into[kind] = into.get(kind, 0) + int(n)


def run(
    store: Store,
    transport: Transport,
    *,
    now_ms: int,
    scheduler: Callable[[int], Scheduler],
    limits: Limits | None = None,
) -> Report:
    """One sync: check the server, push, pull. Resumes a sync that was interrupted.

    A collection file that is a copy of another device's, or was restored from a
    snapshot, is told so by the server (it presents an older session token); it
    then takes a replica id of its own and syncs again as a new device.
    """
    try:
        return _known_or_checked(store, transport, now_ms, scheduler, limits)
    except ReplicaCopyError:
        with store.transaction():
            store.sync.become_new_replica()
        return _known_or_checked(store, transport, now_ms, scheduler, limits)


def _known_or_checked(
    store: Store,
    transport: Transport,
    now_ms: int,
    scheduler: Callable[[int], Scheduler],
    limits: Limits | None,
) -> Report:
    """A sync with a server met before goes straight to its changes (a sync with nothing
    to send or receive is one request); the first request names the server's replica,
    and a server that is another one, was restored, or speaks another protocol refuses
    it before it changes anything. Then (and on a first sync) ``info`` is read first:
    it says which side to upgrade, or makes this sync send everything."""
    state = store.sync.state()
    if state.remote and not state.progress.get("full"):
        try:
            return _run(store, transport, now_ms, scheduler, limits, checked_first=False)
        except (ServerChangedError, SyncVersionError):
            pass
    return _run(store, transport, now_ms, scheduler, limits, checked_first=True)


def _run(
    store: Store,
    transport: Transport,
    now_ms: int,
    scheduler: Callable[[int], Scheduler],
    limits: Limits | None,
    *,
    checked_first: bool,
) -> Report:
    started = time.perf_counter()
    report = Report()
    version, full = PROTOCOL, False
    if checked_first:
        info = checked(transport.send("GET", INFO), transport.url).json()
        version = check_server(info, transport.url)
        full = _adopt_server(store, info)
    with store.transaction():  # the token this sync offers the server for the next one
        if not store.sync.state().next_session:
            store.sync.update(next_session=secrets.token_hex(16))
    loop = _Loop(store, transport, version, now_ms, scheduler, limits or Limits(), report)
    try:
        with store.sync.batched_commits():
            if not loop.push(full):
                loop.pull()
    except DiskFullError as exc:
        raise DiskFullError(
            exc.message,
            hint="free some space, then run `tokendeck sync` again: it goes on from the last "
            "batch that was saved, and nothing was lost",
        ) from exc
    with store.transaction():
        agreed = store.sync.state().next_session
        store.sync.update(last_sync=now_ms, session=agreed, next_session="")
    report.seconds = time.perf_counter() - started
    return report


def _adopt_server(store: Store, info: dict[str, Any]) -> bool:
    """Remember the server's replica; True when everything must be sent again.

    A different replica (another server or account) or a server whose rounds
    went back (restored from a backup) knows nothing of what we sent: the
    cursors start over and the whole collection is pushed (merging is
    idempotent, so whatever it already holds is unchanged).
    """
    state = store.sync.state()
    replica = str(info.get("replica", ""))
    restored = state.pulled > int(info.get("round", 0))
    with store.transaction():
        if not state.remote:
            store.sync.update(remote=replica)
            return False
        if state.remote != replica or restored:
            store.sync.update(remote=replica, pushed=0, pulled=0, progress={"full": True})
            return True
    return bool(state.progress.get("full"))


class _Loop:
    def __init__(
        self,
        store: Store,
        transport: Transport,
        version: int,
        now_ms: int,
        scheduler: Callable[[int], Scheduler],
        limits: Limits,
        report: Report,
    ) -> None:
        self.store = store
        self.transport = transport
        self.version = version
        self.now_ms = now_ms
        self.scheduler = scheduler
        self.limits = limits
        self.report = report

    def _progress(self, **changes: Any) -> None:
        progress = dict(self.store.sync.state().progress)
        for key, value in changes.items():
            if value is None:
                progress.pop(key, None)
            else:
                progress[key] = value
        self.store.sync.update(progress=progress)

    def push(self, full: bool) -> bool:
        """Send this replica's changes; True when the server said that nothing else is new
        for this device up to the round of the push (its cursor moved there: no pull)."""
        state = self.store.sync.state()
        saved = state.progress.get("push")
        if saved:
            rnd, upto = int(saved["round"]), int(saved["upto"])
            position = Position.from_json(saved["position"])
        else:
            with self.store.transaction():
                rnd = self.store.sync.sequence(reviews=False)
            upto = self.store.sync.newest_review(received=full)
            position = Position()
            if rnd <= state.pushed and upto <= state.review_mark and not full:
                return False
        window = Window(
            0 if full else state.pushed,
            rnd,
            _EVERYTHING if full else REMOTE,
            replica=state.replica,
            local_reviews=(0 if full else state.review_mark, upto),
            all_reviews=full,
        )
        undo_since = self.now_ms - UNDO_DAYS * 86_400_000

        def next_batch(at: Position) -> tuple[Batch, Position]:
            return collect(self.store, window, at, self.limits, undo_since=undo_since)

        # While the server applies one batch, the next is read here (one request in flight).
        batch, following = next_batch(position)
        answer: dict[str, Any] = {}
        with ThreadPoolExecutor(max_workers=1) as sender:
            while True:
                sending = None
                if batch.size():  # framed here: only the request runs beside the next read
                    body = self._frame(batch, last=following.done)
                    sending = sender.submit(self._push_body, body, batch)
                upcoming = None if following.done else next_batch(following)
                answer = sending.result() if sending is not None else {}
                with self.store.transaction():
                    if answer.get("hlc"):
                        self.store.sync.observe(int(answer["hlc"]))
                    saved = {"round": rnd, "upto": upto, "position": following.to_json()}
                    self._progress(push=saved)
                if upcoming is None:
                    break
                batch, following = upcoming
        caught_up = bool(answer.get("caught_up")) and not state.progress.get("pull")
        with self.store.transaction():
            self.store.sync.update(pushed=rnd, review_mark=upto)
            if caught_up:
                self.store.sync.update(pulled=int(answer["round"]))
            self._progress(push=None, full=None)
        return caught_up

    def _frame(self, batch: Batch, *, last: bool) -> bytes:
        current = self.store.sync.state()
        batch.header = {
            "protocol": self.version,
            "device": current.replica,
            "cursor": current.pulled,
            "hlc": current.hlc,
            "session": current.session,
            "next": current.next_session,
            "remote": current.remote,
            "last": last,
        }
        return codec.encode(batch)

    def _push_body(self, body: bytes, batch: Batch) -> dict[str, Any]:
        """Send one framed batch (in the sender thread: no database here)."""
        answer = self._send(PUSH, body, BATCH_TYPE).json()
        self.report.batches_sent += 1
        self.report.bytes_sent += len(body)
        self.report.add(self.report.pushed, batch.counts())
        self.report.replayed += int(answer.get("replayed", 0))
        return answer

    def pull(self) -> None:
        state = self.store.sync.state()
        saved = state.progress.get("pull") or {}
        side = Side(CLIENT, REMOTE, state.pushed, self.now_ms, self.scheduler)
        # The next batch is fetched while this one is applied (one request in flight).
        with ThreadPoolExecutor(max_workers=1) as fetcher:
            fetching = fetcher.submit(self._fetch, state, saved.get("upto"), saved.get("position"))
            while True:
                batch = codec.decode(fetching.result())
                header = batch.header
                done = bool(header.get("done"))
                if not done:
                    fetching = fetcher.submit(
                        self._fetch, state, header["upto"], header["position"]
                    )
                with self.store.transaction():
                    # Nothing to apply (a sync with nothing new): only the cursor moves.
                    applied = apply(self.store, batch, side) if batch.size() else Applied()
                    if header.get("hlc"):
                        self.store.sync.observe(int(header["hlc"]))
                    if done:
                        self.store.sync.update(pulled=int(header["upto"]))
                        self._progress(pull=None)
                    else:
                        where = {"upto": header["upto"], "position": header["position"]}
                        self._progress(pull=where)
                self.report.add(self.report.pulled, applied.added)
                if done:
                    return

    def _fetch(self, state: SyncState, upto: Any, position: Any) -> bytes:
        request = {
            "protocol": self.version,
            "device": state.replica,
            "cursor": state.pulled,
            "upto": upto,
            "position": position,
            "limits": [self.limits.rows, self.limits.reviews],
            "session": state.session,
            "next": state.next_session,
            "remote": state.remote,
        }
        answer = self._send(PULL, json.dumps(request).encode(), "application/json")
        self.report.batches_received += 1
        self.report.bytes_received += len(answer.body)
        return answer.body

    def _send(self, path: str, body: bytes, content_type: str) -> Response:
        answer = self.transport.send("POST", path, body, content_type=content_type)
        return checked(answer, self.transport.url)
