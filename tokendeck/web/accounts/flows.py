"""Steps shared by the server's API and pages: logging in off the event loop, cookies.

Argon2id takes tens of milliseconds of CPU by design. It runs in a worker
thread (the library releases the GIL), so one person logging in does not stall
everyone else's answers; the database calls around it stay on the loop's
thread, which owns the connection.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from tokendeck.domain.accounts import Account, check_password
from tokendeck.server import Server
from tokendeck.server.accounts import SESSION_IDLE, Identity, Session
from tokendeck.web.users import SESSION_COOKIE

#: The cookie that protects the log-in and registration forms (double submit).
FORM_COOKIE = "tokendeck_form"


def client_address(request: Request) -> str:
    """The address log-in attempts are counted against."""
    return request.client.host if request.client else "unknown"


async def login(
    server: Server, request: Request, name: str, password: str, now: datetime
) -> Account:
    """Check a name and password (rate limited, one Argon2id check whatever the name)."""
    attempt = server.accounts.begin_login(name, client_address(request), now)
    verified = await run_in_threadpool(server.passwords.verify, attempt.stored_hash, password)
    return server.accounts.finish_login(attempt, verified, now)


async def register(
    server: Server,
    request: Request,
    name: str,
    password: str,
    invite: str | None,
    now: datetime,
    class_code: str | None = None,
) -> Account:
    """Create an account as registration allows, hashing off the loop."""
    client = client_address(request)
    server.accounts.check_registration(
        name, password, invite=invite, client=client, now=now, class_code=class_code
    )
    hashed = await run_in_threadpool(server.passwords.hash, password)
    return server.accounts.register(
        name,
        password,
        now=now,
        invite=invite,
        client=client,
        password_hash=hashed,
        class_code=class_code,
    )


async def confirm_password(server: Server, account: Account, password: str) -> None:
    """AuthenticationError unless ``password`` is the account's (checked off the loop)."""
    stored = server.accounts.stored_hash(account)
    verified = await run_in_threadpool(server.passwords.verify, stored, password)
    server.accounts.require(verified)


async def change_password(
    server: Server, identity: Identity, current: str, new: str, now: datetime
) -> None:
    """Replace the password once the current one checks out; other sessions end."""
    check_password(new)
    await confirm_password(server, identity.account, current)
    hashed = await run_in_threadpool(server.passwords.hash, new)
    server.accounts.set_password(identity, hashed, now=now)


def set_session_cookie(response: Response, session: Session, *, secure: bool) -> None:
    """Hand the browser its session: HttpOnly (no script reads it), SameSite=Lax, Secure."""
    response.set_cookie(
        SESSION_COOKIE,
        session.cookie,
        max_age=int(SESSION_IDLE.total_seconds()),
        path="/",
        httponly=True,
        secure=secure,
        samesite="lax",
    )


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    """Make the browser forget its session."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, secure=secure, samesite="lax")


def secure_cookies(request: Request) -> bool:
    """Whether this app marks its cookies Secure."""
    return bool(request.app.state.settings.secure_cookies)
