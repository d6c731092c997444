"""The sync protocol's versions, routes and messages, shared by the server and the client.

Three requests under ``/api/v1/sync``, each with the user's API token
(``Authorization: Bearer ...``); docs/sync.md describes them fully.

* ``GET info``: the server's protocol versions, its replica id for this user
  and its newest round; the client checks them before its first sync with a
  server (and when a request is refused for its version or its server's replica);
* ``POST push``: one batch of the client's changes (a compressed columnar
  frame, :mod:`.codec`) whose header names the protocol, the device and the
  round the device has pulled up to; the answer is JSON (what was applied);
* ``POST pull``: JSON naming the device, its cursor, the round the pull reads
  up to (none on its first request: the server fixes it) and the position;
  the answer is one batch whose header says where the next one starts.

Versions: a client sends :data:`PROTOCOL`; a server answers requests of any
version from :data:`MIN_PROTOCOL` to its own :data:`PROTOCOL`, and refuses
others with 426 and ``code: "sync_protocol"``. Bump PROTOCOL for any change a
peer of the previous version would misread, and keep MIN_PROTOCOL as low as
the code still serves.
"""

from __future__ import annotations

from typing import Any

from tokendeck.errors import SyncVersionError
from tokendeck.version import __version__

#: The protocol this TokenDeck speaks. 2: a device that has synced before skips ``info``;
#: its first request names the server replica it expects (``remote``), which a server
#: of another replica, or one restored behind the device's cursor, refuses with 409
#: ``sync_server_changed`` (the device then reads ``info`` and sends everything).
PROTOCOL = 2
#: The oldest protocol this TokenDeck still serves (as a server) and speaks (as a client):
#: a protocol 1 peer reads ``info`` first and never sends ``remote``.
MIN_PROTOCOL = 1

INFO = "/api/v1/sync/info"
PUSH = "/api/v1/sync/push"
PULL = "/api/v1/sync/pull"
#: Content type of a batch frame.
BATCH_TYPE = "application/x-tokendeck-sync"


def check_request(version: Any) -> int:
    """The server's check of a request's protocol version; returns it."""
    try:
        number = int(version)
    except (TypeError, ValueError):
        number = 0
    if number > PROTOCOL:
        raise SyncVersionError(
            f"this server speaks sync protocol {MIN_PROTOCOL} to {PROTOCOL}, the client {number}",
            hint=f"the server runs TokenDeck {__version__}: ask its administrator to upgrade it",
        )
    if number < MIN_PROTOCOL:
        raise SyncVersionError(
            f"the client speaks sync protocol {number}; this server needs {MIN_PROTOCOL} or newer",
            hint="upgrade TokenDeck on this device (pip install -U tokendeck)",
        )
    return number


def check_server(info: dict[str, Any], url: str) -> int:
    """The client's check of the server's ``info``; returns the protocol to speak."""
    newest = int(info.get("protocol", 0))
    oldest = int(info.get("min_protocol", newest))
    version = min(PROTOCOL, newest)
    if oldest > PROTOCOL:
        raise SyncVersionError(
            f"the server at {url} is newer: it needs sync protocol {oldest}, this TokenDeck "
            f"speaks up to {PROTOCOL}",
            hint="upgrade TokenDeck on this device (pip install -U tokendeck); your changes "
            "are kept here until you sync",
        )
    if version < MIN_PROTOCOL:
        raise SyncVersionError(
            f"the server at {url} is older: it speaks sync protocol {newest}, this TokenDeck "
            f"needs {MIN_PROTOCOL} or newer",
            hint=f"ask its administrator to upgrade the server to TokenDeck {__version__}, or "
            "sync with an older TokenDeck; your changes are kept here",
        )
    return version
