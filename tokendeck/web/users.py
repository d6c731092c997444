"""Who is asking. The one place the web layer decides the current user.

Single-user mode (``tokendeck serve``) always answers with the local user. In
multi-user mode (``tokendeck server``) :func:`current_user` authenticates the
request, in this order:

* ``Authorization: Bearer tdk_...``: a personal API token (scripts, the CLI,
  sync); no CSRF check, since a browser never adds it on its own;
* the ``tokendeck_session`` cookie of a logged-in browser; a state-changing
  request must then also come from this site (``Origin``, when sent) and carry
  the session's CSRF token (header ``X-TokenDeck-CSRF``, or the form field
  ``csrf_token`` of a page's form).

Anything else is 401 (a page asked for by a browser redirects to the log-in
page instead). Every route reaches the user through this one dependency, and
the collection is opened for that user only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from fastapi import Request

from tokendeck.errors import AuthenticationError, ForbiddenError

if TYPE_CHECKING:
    from collections.abc import Callable

    from tokendeck.domain.accounts import Account
    from tokendeck.server import Server
    from tokendeck.server.accounts import Identity
    from tokendeck.web.lanes import UserLanes

SESSION_COOKIE = "tokendeck_session"
CSRF_HEADER = "x-tokendeck-csrf"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class WebUser:
    """The user a request acts for."""

    id: int
    name: str
    #: admin, teacher or learner ("local" in the single-user app)
    role: str = "local"
    #: How the request proved it: "local", "session" or "token".
    via: str = "local"
    #: The session's CSRF token, for pages to embed ("" otherwise).
    csrf: str = ""
    #: The server's view of the account (None in the single-user app).
    account: Account | None = None
    #: The identity the server checked (to log out, change the password).
    identity: Identity | None = None


LOCAL_USER = WebUser(id=1, name="local")


async def current_user(request: Request) -> WebUser:
    """FastAPI dependency: the user of this request.

    Async so FastAPI calls it on the event loop rather than in a worker thread
    (the database handle belongs to the loop's thread).
    """
    server: Server | None = getattr(request.app.state, "server", None)
    if server is None:
        return LOCAL_USER
    cached: WebUser | None = getattr(request.state, "user", None)
    if cached is not None:
        return cached
    identity = await _identify(request, server)
    account = identity.account
    user = WebUser(
        id=account.user_id,
        name=account.name,
        role=account.role.value,
        via=identity.via,
        csrf=identity.csrf or "",
        account=account,
        identity=identity,
    )
    request.state.user = user
    return user


async def optional_user(request: Request) -> WebUser | None:
    """The logged-in user, or None (pages that anyone may see: log in, register, join)."""
    try:
        return await current_user(request)
    except (AuthenticationError, ForbiddenError):
        return None


async def _identify(request: Request, server: Server) -> Identity:
    now = request.app.state.settings.clock()
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        value = value.strip()
        if scheme.lower() != "bearer" or not value:
            raise AuthenticationError(
                "the Authorization header is not a bearer token",
                hint="send 'Authorization: Bearer tdk_...' (POST /api/v1/auth/token makes one)",
            )
        identity = await _off_loop(request, lambda: server.accounts.from_token(value, now=now))
        if identity is None:
            raise AuthenticationError(
                "the API token is not valid (revoked or mistyped)",
                hint="make a new one: POST /api/v1/auth/token",
            )
        return identity
    cookie = request.cookies.get(SESSION_COOKIE)
    identity = (
        None
        if cookie is None
        else await _off_loop(request, lambda: server.accounts.from_cookie(cookie, now=now))
    )
    if identity is None:
        raise AuthenticationError(
            "log in first",
            hint="log in at /login, or send an API token (POST /api/v1/auth/token)",
        )
    if request.method not in SAFE_METHODS:
        await check_same_site(request, identity.csrf or "")
    return identity


async def _off_loop(request: Request, check: Callable[[], Identity | None]) -> Identity | None:
    """A credential check: in a worker thread on a PostgreSQL server (its queries wait for
    the database, and the loop serves others meanwhile), in place otherwise.

    Every request asks the database, so a revoked token or ended session is refused
    at once by every worker."""
    lanes: UserLanes = request.app.state.collections.lanes
    return await lanes.call(check)


async def check_same_site(request: Request, expected: str) -> None:
    """Refuse a state-changing request that another site could have made (403).

    ``expected`` is the CSRF token the request must carry (header or form field).
    """
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        parts = urlsplit(origin)
        host = request.headers.get("host", "")
        if parts.netloc.lower() != host.lower():
            raise ForbiddenError(
                "a change must come from this server's own pages",
                hint="send the request from the TokenDeck page, or use an API token",
            )
    given = request.headers.get(CSRF_HEADER)
    if given is None and _is_form(request):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    from tokendeck.server.credentials import same_secret

    if not given or not expected or not same_secret(given, expected):
        raise ForbiddenError(
            "the request lacks this page's security token (CSRF)",
            hint="reload the page and try again",
        )


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
