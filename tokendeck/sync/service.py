"""The server's side of sync, for one user's store: info, push, pull.

Stateless between requests (any worker of any server process may answer any
of them): a device's cursor and its pull's position come with each request,
and what a push changed is in the database when it answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tokendeck.errors import ReplicaCopyError, ServerChangedError, ValidationError
from tokendeck.scheduling.scheduler import Scheduler
from tokendeck.storage import Store
from tokendeck.storage.sync_read import Window
from tokendeck.sync import codec
from tokendeck.sync.applying import SERVER, Side
from tokendeck.sync.clock import skew_ms
from tokendeck.sync.incoming import apply
from tokendeck.sync.model import Batch
from tokendeck.sync.outgoing import Limits, Position, collect
from tokendeck.sync.protocol import MIN_PROTOCOL, PROTOCOL, check_request
from tokendeck.version import __version__

#: How far ahead of the server's clock a device's stamps may be (a wrong date is refused).
MAX_SKEW_MS = 24 * 3_600_000


def info(store: Store) -> dict[str, Any]:
    """What a client checks before it syncs."""
    state = store.sync.state()
    return {
        "protocol": PROTOCOL,
        "min_protocol": MIN_PROTOCOL,
        "server": __version__,
        "replica": state.replica,
        "round": state.round,
        "hlc": state.hlc,
    }


def push(
    store: Store, body: bytes, *, now_ms: int, scheduler: Callable[[int], Scheduler]
) -> dict[str, Any]:
    """Apply one pushed batch; returns what it did."""
    batch = codec.decode(body)
    header = batch.header
    check_request(header.get("protocol"))
    device = _device(header.get("device"))
    known = int(header.get("cursor", 0))
    stamp = int(header.get("hlc", 0))
    if skew_ms(stamp, now_ms) > MAX_SKEW_MS:
        hours = skew_ms(stamp, now_ms) / 3_600_000
        raise ValidationError(
            f"this device's clock is {hours:.0f} hours ahead of the server's",
            hint="set the device's date and time right, then sync again; nothing was sent",
        )
    _admit(store, device, header, now_ms)
    with store.transaction():  # the round and what is new in it, as the batch left them
        done = apply(store, batch, Side(SERVER, device, known, now_ms, scheduler))
        state = store.sync.state()
        # The push's last batch (protocol 2): when nothing else is new for the device,
        # it takes this round as pulled and sends no pull request.
        caught_up = bool(header.get("last")) and store.sync.nothing_for(device, known, state.round)
    return {
        "added": done.added,
        "merged": done.merged,
        "deleted": done.deleted,
        "replayed": done.replayed,
        "hlc": state.hlc,
        "round": state.round,
        "caught_up": caught_up,
    }


def pull(
    store: Store, request: dict[str, Any], *, now_ms: int, limits: Limits | None = None
) -> bytes:
    """The next batch of changes a device has not seen, as a frame."""
    check_request(request.get("protocol"))
    device = _device(request.get("device"))
    cursor = int(request.get("cursor", 0))
    upto = request.get("upto")
    if upto is None:  # a pull's first request: admitted, and the window fixed, at once
        with store.transaction():
            _admit(store, device, request, now_ms)
            upto = store.sync.sequence(reviews=True)  # later changes wait for the next pull
    upto = int(upto)
    if cursor > upto:
        cursor = 0  # the server was restored to an older state: send everything again
    position = Position.from_json(request.get("position"))
    state = store.sync.state()
    if cursor == upto:  # nothing changed since the device's last pull: no phase to read
        batch, following = Batch(), Position("done")
    else:
        window = Window(cursor, upto, device, replica=state.replica)
        asked = limits or _asked(request)
        batch, following = collect(store, window, position, asked, undo_since=None)
        state = store.sync.state()
    batch.header = {
        "protocol": PROTOCOL,
        "upto": upto,
        "position": following.to_json(),
        "done": following.done,
        "hlc": state.hlc,
    }
    return codec.encode(batch)


def _admit(store: Store, device: str, request: dict[str, Any], now_ms: int) -> None:
    """Refuse a device that expects another server (``remote``: the replica it last synced
    with, protocol 2), and a copy of a device's file (it presents a token older than the
    server's)."""
    session, following = str(request.get("session") or ""), str(request.get("next") or "")
    expected = str(request.get("remote") or "")
    with store.transaction():
        state = store.sync.state()
        if expected and (expected != state.replica or int(request.get("cursor", 0)) > state.round):
            raise ServerChangedError(
                "this server is not the one this device last synced with, or it was restored "
                "from a backup",
                hint="sync again: `tokendeck sync` then sends everything, and nothing is lost",
            )
        admitted = store.sync.admit(device, session[:64], following[:64], now_ms)
    if not admitted:
        raise ReplicaCopyError(
            "this collection was copied, or restored from a backup, since it last synced",
            hint="sync again: `tokendeck sync` then syncs it as a new device, and nothing is lost",
        )


def _device(value: Any) -> str:
    text = str(value or "")
    if not text or len(text) > 64 or text in ("", "*", "remote"):
        raise ValidationError(
            "the sync request names no valid device", hint="sync with `tokendeck sync`"
        )
    return text


def _asked(request: dict[str, Any]) -> Limits:
    """The batch size a client asked for ("limits": [rows, reviews]), at most the default."""
    default = Limits()
    try:
        rows, reviews = (int(n) for n in request.get("limits") or ())
    except (TypeError, ValueError):
        return default
    return Limits(min(max(1, rows), default.rows), min(max(1, reviews), default.reviews))
