"""What keeps other websites out of the local server: one ASGI middleware.

``tokendeck serve`` listens on loopback, but every page the learner opens in
the same browser can send requests to it. :class:`LocalGuard` sits in front
of the whole app and, before any route runs:

* answers only requests whose ``Host`` is the bound address or a loopback name,
  so a DNS-rebinding page (``evil.example`` resolving to 127.0.0.1) gets
  nothing;
* lets a state-changing request (anything but GET/HEAD/OPTIONS) through only
  if its ``Origin`` is this server, or, when a browser or a privacy tool left
  the ``Origin`` out, if it carries this server's per-process token in the
  ``X-TokenDeck-CSRF`` header (the app's pages embed it and ``api.js`` sends
  it); a cross-origin form post or ``fetch`` therefore cannot change anything;
* refuses a body larger than its route allows from ``Content-Length`` before
  reading a byte, and cuts off a streamed body without one as soon as it
  crosses the limit;
* adds a Content-Security-Policy (no inline script, ``frame-ancestors 'none'``)
  and the other protective headers to every response.

Refusals use the API's one JSON error shape.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Methods that only read; everything else must prove it comes from our own pages.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
CSRF_HEADER = "x-tokendeck-csrf"
#: Largest JSON or form body outside the upload routes (100,000 card ids fit).
DEFAULT_MAX_BODY = 4 * 1024 * 1024
#: Room for the multipart envelope around an uploaded file.
MULTIPART_SLACK = 64 * 1024

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        # KaTeX and the charts set style attributes; styles cannot run code.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)


@dataclass(frozen=True)
class GuardSettings:
    """What :class:`LocalGuard` allows."""

    #: Host names (no port) the server answers to; None turns the check off.
    hosts: tuple[str, ...] | None = LOOPBACK_HOSTS
    #: The per-process token of :data:`CSRF_HEADER` (made fresh for every app).
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    #: Path -> largest body in bytes.
    max_body: Callable[[str], int] = lambda path: DEFAULT_MAX_BODY
    #: Whether a change must come from our own pages (Origin or the token): the single-user
    #: app, which has no log-in. The multi-user server checks its sessions' CSRF tokens.
    writes_need_origin: bool = True


class _BodyTooLarge(BaseException):
    """Raised into the app from ``receive``; a BaseException so no handler turns it into a 400."""


class LocalGuard:
    """ASGI middleware enforcing :class:`GuardSettings` on every HTTP request."""

    def __init__(self, app: ASGIApp, settings: GuardSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await _send_error(send, *refusal)
            return
        await self._run_limited(scope, receive, send)

    def _refusal(self, scope: Scope, headers: Headers) -> tuple[int, str, str, str] | None:
        host = headers.get("host", "")
        allowed = self.settings.hosts
        if allowed is not None and _hostname(host) not in allowed:
            return (
                400,
                "bad_host",
                f"this server answers only to {', '.join(allowed)}, not to {host[:100]!r}",
                "open the address `tokendeck serve` printed (http://127.0.0.1:PORT/)",
            )
        if (
            self.settings.writes_need_origin
            and scope["method"] not in SAFE_METHODS
            and not self._same_origin(scope, headers, host)
        ):
            return (
                403,
                "cross_origin",
                "a change must come from this server's own pages",
                "send the header 'Origin: http://HOST:PORT' naming this server, as browsers "
                "do (e.g. curl -H 'Origin: http://127.0.0.1:8000' ...)",
            )
        declared = headers.get("content-length")
        limit = self.settings.max_body(scope["path"])
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return _too_large(limit)
        return None

    def _same_origin(self, scope: Scope, headers: Headers, host: str) -> bool:
        origin = headers.get("origin")
        if origin is None:
            # No Origin: a tool, or a browser extension that strips it. Browsers send
            # Sec-Fetch-Site, which must then say the request is our own.
            site = headers.get("sec-fetch-site")
            if site is not None and site not in ("same-origin", "none"):
                return False
            token = headers.get(CSRF_HEADER, "")
            return secrets.compare_digest(token.encode(), self.settings.csrf_token.encode())
        parts = urlsplit(origin)
        scheme = scope.get("scheme", "http")
        return parts.scheme == scheme and parts.netloc.lower() == host.lower() != ""

    async def _run_limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.settings.max_body(scope["path"])
        secured = _with_headers(send)
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if received > limit:
                return  # the app answered its own parse error: ours is the 413 below
            started = started or message["type"] == "http.response.start"
            await secured(message)

        with suppress(_BodyTooLarge):
            await self.app(scope, limited_receive, tracked_send)
        if received > limit and not started:
            await _send_error(send, *_too_large(limit))


def _hostname(host: str) -> str:
    """The host name of a Host header, without port, brackets or a trailing dot."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0].rstrip(".") if host.count(":") <= 1 else host


def _too_large(limit: int) -> tuple[int, str, str, str]:
    return (
        413,
        "too_large",
        f"the request body is larger than {limit // 1024:,} KiB",
        "split the file into smaller ones, or raise the server's upload limit",
    )


def _with_headers(send: Send) -> Send:
    """``send`` adding the security headers (and the CSP unless the route set its own)."""

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            extra = [(n, v) for n, v in SECURITY_HEADERS if n not in present]
            if b"content-security-policy" not in present:
                extra.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return send_with_headers


async def _send_error(send: Send, status: int, code: str, message: str, hint: str) -> None:
    import json

    body: dict[str, Any] = {
        "error": {"status": status, "code": code, "message": message, "hint": hint, "details": []}
    }
    payload = json.dumps(body).encode()
    await _with_headers(send)(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
