"""``/api/v1/sync``: sync, from both ends.

On ``tokendeck server`` (multi-user) the routes a device syncs through, for the
user of the request's API token: ``GET info``, ``POST push`` (a batch frame),
``POST pull`` (JSON in, a batch frame out). docs/sync.md is the protocol.

On ``tokendeck serve`` (the single-user app over a local collection) the Sync
button's routes: ``GET status`` and ``POST run``, which syncs this collection
with the server it logged in to (``tokendeck login``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from tokendeck.errors import TooLargeError, ValidationError
from tokendeck.web.deps import Col, Now, UserLane

#: The largest pushed batch accepted: a client cuts its batches at 8 MiB of text before
#: compression (tokendeck/sync/outgoing.py), and a single larger row travels alone.
MAX_PUSH_BYTES = 64 * 1024 * 1024
PUSH_PATH = "/api/v1/sync/push"
BATCH_TYPE = "application/x-tokendeck-sync"

server_router = APIRouter(prefix="/sync", tags=["sync"])
client_router = APIRouter(prefix="/sync", tags=["sync"])


@server_router.get("/info")
async def info(col: Col) -> dict[str, Any]:
    """The server's protocol versions and this user's replica: what a device checks first."""
    return col.serve_sync_info()


@server_router.post("/push")
async def push(request: Request, lane: UserLane, now: Now) -> dict[str, Any]:
    """Apply one batch of a device's changes (all of it or none); returns what it did."""
    size = int(request.headers.get("content-length") or 0)
    if size > MAX_PUSH_BYTES:
        raise TooLargeError(
            f"a sync batch of {size} bytes is too large", hint="sync with `tokendeck sync`"
        )
    body = await request.body()  # before the user's turn: a slow upload holds up nobody
    async with lane.in_place() as col:
        _class_decks_brought_up_to_date(request, col, now)  # then the push says a pull is due
        return col.serve_sync_push(body, now=now)


@server_router.post("/pull")
async def pull(request: Request, lane: UserLane, now: Now) -> Response:
    """The next batch of changes the device has not seen."""
    try:
        wanted = await request.json()
    except ValueError as exc:
        raise ValidationError(
            "the pull request is not JSON", hint="sync with `tokendeck sync`"
        ) from exc
    if not isinstance(wanted, dict):
        raise ValidationError("the pull request is not a JSON object")
    async with lane.in_place() as col:
        if wanted.get("upto") is None:
            _class_decks_brought_up_to_date(request, col, now)
        batch = col.serve_sync_pull(wanted, now=now)
    return Response(batch, media_type=BATCH_TYPE)


def _class_decks_brought_up_to_date(request: Request, col: Col, now: Now) -> None:
    """Before a push or a pull's first request, the learner's class decks take their newest
    versions (as on a page visit), so that the sync carries them: a device that has synced
    before sends no ``GET info``, which used to do it. One query when nothing is new."""
    server = getattr(request.app.state, "server", None)
    user = getattr(request.state, "user", None)
    if server is not None and user is not None and user.account is not None:
        server.sharing.sync(user.account, col, now=now)


class SyncStatusOut(BaseModel):
    server: str
    user: str
    logged_in: bool
    last_sync: str | None
    pending: bool


class SyncRunOut(BaseModel):
    pushed: dict[str, int]
    pulled: dict[str, int]
    bytes_sent: int
    bytes_received: int
    seconds: float
    status: SyncStatusOut


def _status(col: Col) -> SyncStatusOut:
    status = col.sync_status()
    return SyncStatusOut(
        server=status.server,
        user=status.user,
        logged_in=status.logged_in,
        last_sync=None if status.last_sync is None else status.last_sync.isoformat(),
        pending=status.pending,
    )


@client_router.get("/status", response_model=SyncStatusOut)
async def status(col: Col) -> SyncStatusOut:
    """Whether this collection is logged in to a server, when it last synced, what waits."""
    return _status(col)


@client_router.post("/run", response_model=SyncRunOut)
async def run(col: Col, now: Now) -> SyncRunOut:
    """Sync now (the Sync button): push this collection's changes, pull the server's."""
    report = col.sync(now=now)
    return SyncRunOut(
        pushed=report.pushed,
        pulled=report.pulled,
        bytes_sent=report.bytes_sent,
        bytes_received=report.bytes_received,
        seconds=round(report.seconds, 3),
        status=_status(col),
    )
