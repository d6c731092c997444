"""A reverse proxy between ``tokendeck sync`` and ``tokendeck server`` that kills at a request.

Killing after a delay depends on how fast the machine is (a sync may be done in
a tenth of a second); the proxy kills at a chosen sync request instead, so each
test kills exactly where it says:

* ``"request"``: the client is killed when its n-th push or pull arrives; the
  server never sees it;
* ``"answer"``: the request is handled by the server, then the client is killed
  before the answer reaches it (the server applied a batch the client does not
  know about);
* ``"server"``: the server is killed while it handles the request (after the
  proxy sent it the whole request, before its answer); the client sees the
  connection drop.

While a pull's answer is awaited the client applies the previous batch (one
request is in flight while the last batch is read or applied), so kills at
pulls land inside the client's own transactions too.
"""

from __future__ import annotations

import http.client
import signal
import subprocess
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from tests.sync.conftest import free_port

#: The requests counted (login and info are passed on without counting).
COUNTED = ("/api/v1/sync/push", "/api/v1/sync/pull")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class KillingProxy:
    """Forwards every request to ``upstream``; kills someone at the armed sync request."""

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.port = free_port()
        self.victim: subprocess.Popen[bytes] | None = None
        self.kill_server: Callable[[], None] | None = None
        self.at: int | None = None
        self.mode = "request"
        self.seen = 0
        self.kills = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy._handle(self)

            def do_POST(self) -> None:
                proxy._handle(self)

            def do_DELETE(self) -> None:
                proxy._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def arm(self, at: int | None, mode: str = "request") -> None:
        """Kill at the ``at``-th sync request from now (None: pass everything on)."""
        with self._lock:
            self.at, self.mode, self.seen = at, mode, 0

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- one request ---------------------------------------------------------------------------
    def _decide(self, path: str) -> str | None:
        """The kill this request triggers, if any."""
        if not path.startswith(COUNTED):
            return None
        with self._lock:
            self.seen += 1
            if self.at is None or self.seen != self.at:
                return None
            self.kills += 1
            return self.mode

    def _kill_client(self) -> None:
        if self.victim is not None and self.victim.poll() is None:
            self.victim.send_signal(signal.SIGKILL)
            self.victim.wait()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else None
        kill = self._decide(handler.path)
        if kill == "request":
            self._kill_client()
            handler.close_connection = True
            return
        upstream = http.client.HTTPConnection(
            self.upstream.hostname or "", self.upstream.port, timeout=120
        )
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP_BY_HOP}
        try:
            upstream.request(handler.command, handler.path, body=body, headers=headers)
            if kill == "server":
                assert self.kill_server is not None
                self.kill_server()
            answer = upstream.getresponse()
            data = answer.read()
        except (OSError, http.client.HTTPException):
            handler.close_connection = True  # the client sees the link drop
            return
        finally:
            upstream.close()
        if kill == "answer":
            self._kill_client()
            handler.close_connection = True
            return
        handler.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in _HOP_BY_HOP:
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
