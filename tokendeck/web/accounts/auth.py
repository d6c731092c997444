"""``/api/v1/auth`` and ``/api/v1/admin``: accounts, sessions, API tokens, registration.

``POST /auth/register`` and ``POST /auth/token`` need no credentials (they are
how one gets them); every other route acts for the user of
:func:`tokendeck.web.users.current_user`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from tokendeck.domain.accounts import Account, Registration, Role
from tokendeck.errors import AuthenticationError
from tokendeck.web.accounts import flows
from tokendeck.web.accounts import schemas as s
from tokendeck.web.deps import Now, ServerDep, User
from tokendeck.web.users import WebUser

router = APIRouter(tags=["accounts"])
#: The routes that hand out credentials, and so cannot require them.
public_router = APIRouter(tags=["accounts"])


def _account(user: WebUser) -> Account:
    if user.account is None:  # only reachable in the single-user app, where these routes are absent
        raise AuthenticationError("log in first", hint="log in at /login")
    return user.account


async def the_account(user: User) -> Account:
    """The logged-in account (dependency)."""
    return _account(user)


Me = Annotated[Account, Depends(the_account)]


@public_router.post(
    "/auth/register", response_model=s.AccountOut, status_code=status.HTTP_201_CREATED
)
async def register(
    request: Request, body: s.RegisterIn, server: ServerDep, now: Now
) -> s.AccountOut:
    """Create an account (201) when registration is open, or with an invitation code, or
    (where registration is by invitation) with a class's join code, which also joins it."""
    account = await flows.register(
        server, request, body.username, body.password, body.invite, now, class_code=body.code
    )
    if body.code:
        server.classes.join(account, body.code, now=now)
    return s.AccountOut.of(account)


@public_router.post("/auth/token", response_model=s.TokenOut)
async def token(request: Request, body: s.TokenIn, server: ServerDep, now: Now) -> s.TokenOut:
    """A personal API token for a name and password; send it as ``Authorization: Bearer``."""
    account = await flows.login(server, request, body.username, body.password, now)
    token_id, text = server.accounts.create_token(account, body.name, now=now)
    return s.TokenOut(token=text, id=token_id)


@public_router.post("/auth/login", response_model=s.SessionOut)
async def login(
    request: Request, response: Response, body: s.Credentials, server: ServerDep, now: Now
) -> s.SessionOut:
    """Log a browser in: sets the session cookie and returns the CSRF token to send back."""
    if request.headers.get("origin") is not None:  # login CSRF: only our own pages
        _same_origin(request)
    account = await flows.login(server, request, body.username, body.password, now)
    session = server.accounts.open_session(account, now=now)
    flows.set_session_cookie(response, session, secure=flows.secure_cookies(request))
    return s.SessionOut(user=s.AccountOut.of(account), csrf_token=session.csrf)


def _same_origin(request: Request) -> None:
    from urllib.parse import urlsplit

    from tokendeck.errors import ForbiddenError

    origin = request.headers.get("origin", "")
    if urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower():
        raise ForbiddenError(
            "logging in must happen on this server's own pages", hint="open /login"
        )


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(request: Request, user: User, server: ServerDep) -> Response:
    """End this browser session."""
    assert user.identity is not None
    server.accounts.logout(user.identity)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    flows.clear_session_cookie(response, secure=flows.secure_cookies(request))
    return response


@router.get("/auth/me", response_model=s.AccountOut)
async def me(account: Me) -> s.AccountOut:
    """The account this request acts for."""
    return s.AccountOut.of(account)


@router.post("/auth/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(body: s.PasswordIn, user: User, server: ServerDep, now: Now) -> Response:
    """Change the password (the current one is checked); other sessions end."""
    assert user.identity is not None
    await flows.change_password(server, user.identity, body.current, body.new, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/auth/me", status_code=status.HTTP_204_NO_CONTENT)
async def delete_me(
    request: Request, body: s.ConfirmIn, user: User, account: Me, server: ServerDep
) -> Response:
    """Delete the account and all its data (the password confirms it)."""
    await flows.confirm_password(server, account, body.password)
    server.accounts.delete_account(account)
    request.app.state.collections.forget(user)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    flows.clear_session_cookie(response, secure=flows.secure_cookies(request))
    return response


@router.get("/auth/tokens", response_model=list[s.TokenInfo])
async def list_tokens(account: Me, server: ServerDep) -> list[s.TokenInfo]:
    """Your API tokens (never their secrets), newest first."""
    return [s.TokenInfo.of(t) for t in server.accounts.tokens(account)]


@router.post("/auth/tokens", response_model=s.TokenOut, status_code=status.HTTP_201_CREATED)
async def new_token(body: s.NewTokenIn, account: Me, server: ServerDep, now: Now) -> s.TokenOut:
    """Another API token for the logged-in account (shown once)."""
    token_id, text = server.accounts.create_token(account, body.name, now=now)
    return s.TokenOut(token=text, id=token_id)


@router.delete("/auth/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(token_id: int, account: Me, server: ServerDep, now: Now) -> Response:
    """Revoke one of your tokens; it stops working at once."""
    server.accounts.revoke_token(account, token_id, now=now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- admin --------------------------------------------------------------------------------


@router.get("/admin/registration", response_model=s.RegistrationIO, tags=["admin"])
async def get_registration(account: Me, server: ServerDep) -> s.RegistrationIO:
    """Who may register (admins)."""
    server.accounts.require_admin(account)
    return s.RegistrationIO(mode=server.accounts.registration().value)


@router.put("/admin/registration", response_model=s.RegistrationIO, tags=["admin"])
async def set_registration(
    body: s.RegistrationIO, account: Me, server: ServerDep
) -> s.RegistrationIO:
    """Open, restrict to invitations, or close registration (admins)."""
    server.accounts.require_admin(account)
    server.accounts.set_registration(Registration(body.mode))
    return s.RegistrationIO(mode=body.mode)


@router.post(
    "/admin/invites",
    response_model=s.InviteOut,
    status_code=status.HTTP_201_CREATED,
    tags=["admin"],
)
async def invite(body: s.InviteIn, account: Me, server: ServerDep, now: Now) -> s.InviteOut:
    """A single-use invitation to register with a role (admins); valid for 14 days."""
    code = server.accounts.invite(account, Role(body.role), now=now)
    return s.InviteOut(code=code, link=f"/register?invite={code}", role=body.role)


@router.get("/admin/users", response_model=list[s.AccountOut], tags=["admin"])
async def users(account: Me, server: ServerDep) -> list[s.AccountOut]:
    """Every account (admins)."""
    return [s.AccountOut.of(a) for a in server.accounts.all(account)]


@router.post(
    "/admin/users",
    response_model=s.AccountOut,
    status_code=status.HTTP_201_CREATED,
    tags=["admin"],
)
async def create_user(
    body: s.NewAccountIn, account: Me, server: ServerDep, now: Now
) -> s.AccountOut:
    """Create an account whatever the registration mode (admins)."""
    server.accounts.require_admin(account)
    from starlette.concurrency import run_in_threadpool

    hashed = await run_in_threadpool(server.passwords.hash, body.password)
    created = server.accounts.create_account(
        body.username, body.password, Role(body.role), now=now, password_hash=hashed
    )
    return s.AccountOut.of(created)


@router.patch("/admin/users/{user_id}", response_model=s.AccountOut, tags=["admin"])
async def set_role(user_id: int, body: s.RoleIn, account: Me, server: ServerDep) -> s.AccountOut:
    """Change an account's role (admins)."""
    return s.AccountOut.of(server.accounts.set_role(account, user_id, Role(body.role)))
