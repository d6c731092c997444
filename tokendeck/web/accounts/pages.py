"""The server's pages: log in, register, account, classes (and the teacher's dashboard),
joining by link, shared-deck updates, and the admin page.

Plain HTML forms that post back and redirect (they work without JavaScript);
each form carries the session's CSRF token, which
:func:`tokendeck.web.users.current_user` checks. The log-in and registration
forms, made before there is a session, are protected by a double-submit
cookie instead. Outcomes are shown from a fixed list of messages (``?done=``),
never from text in the URL.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tokendeck.domain.accounts import Account, Registration, Role
from tokendeck.domain.classes import Changes
from tokendeck.errors import ForbiddenError, TokenDeckError, ValidationError
from tokendeck.server import Server
from tokendeck.server.classes import hardest_csv, progress_csv
from tokendeck.web.accounts import flows
from tokendeck.web.deps import Col, Now, ServerDep, User
from tokendeck.web.pages import render
from tokendeck.web.users import WebUser, optional_user

MaybeUser = Annotated[WebUser | None, Depends(optional_user)]


def _redirect(path: str, done: str | None = None) -> RedirectResponse:
    target = f"{path}?done={done}" if done else path
    return RedirectResponse(target, status_code=303)


def _safe_next(target: str | None) -> str:
    # Only a path on this site: "//evil.example" or "https://..." would be an open redirect.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _account(user: WebUser) -> Account:
    assert user.account is not None
    return user.account


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _page(request: Request, template: str, title: str, **context: Any) -> HTMLResponse:
    return render(request, template, title, **context)


def _check_form_token(request: Request, form: dict[str, str]) -> None:
    from tokendeck.server.credentials import same_secret

    cookie = request.cookies.get(flows.FORM_COOKIE, "")
    given = form.get("form_token", "")
    if not cookie or not given or not same_secret(cookie, given):
        raise ForbiddenError(
            "the form expired or came from another site", hint="reload the page and try again"
        )


def account_pages_router() -> APIRouter:
    """The server's pages (built on call)."""
    router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
    _auth_pages(router)
    _account_pages(router)
    _class_pages(router)
    _admin_pages(router)
    return router


# -- log in, register, log out ------------------------------------------------------------


def _auth_pages(router: APIRouter) -> None:
    @router.get("/login")
    async def login_page(request: Request, user: MaybeUser, next: str = "/") -> Response:
        if user is not None:
            return _redirect(_safe_next(next))
        return _login_form(request, next=_safe_next(next))

    @router.post("/login")
    async def login(request: Request, server: ServerDep, now: Now) -> Response:
        form = await _form(request)
        _check_form_token(request, form)
        target = _safe_next(form.get("next"))
        try:
            account = await flows.login(
                server, request, form.get("username", ""), form.get("password", ""), now
            )
        except TokenDeckError as exc:
            return _login_form(request, next=target, error=exc, username=form.get("username", ""))
        session = server.accounts.open_session(account, now=now)
        response = _redirect(target)
        flows.set_session_cookie(response, session, secure=flows.secure_cookies(request))
        return response

    @router.get("/register")
    async def register_page(
        request: Request, server: ServerDep, invite: str = "", code: str = ""
    ) -> Response:
        return _register_form(request, server, invite=invite, code=code)

    @router.post("/register")
    async def register(request: Request, server: ServerDep, now: Now) -> Response:
        form = await _form(request)
        _check_form_token(request, form)
        invite, code = form.get("invite", "").strip(), form.get("code", "").strip()
        name, password = form.get("username", ""), form.get("password", "")
        try:
            if password != form.get("confirm", ""):
                raise ValidationError(
                    "the two passwords differ", hint="type the same password twice"
                )
            account = await flows.register(
                server, request, name, password, invite or None, now, class_code=code or None
            )
        except TokenDeckError as exc:
            return _register_form(
                request, server, invite=invite, code=code, error=exc, username=name
            )
        session = server.accounts.open_session(account, now=now)
        if code:  # registered from a class link: join it straight away
            try:
                server.classes.join(account, code, now=now)
                target = "/?done=joined"
            except TokenDeckError:
                target = "/classes"
        else:
            target = "/"
        response = RedirectResponse(target, status_code=303)
        flows.set_session_cookie(response, session, secure=flows.secure_cookies(request))
        return response

    @router.post("/logout")
    async def logout(request: Request, user: User, server: ServerDep) -> Response:
        assert user.identity is not None
        server.accounts.logout(user.identity)
        response = _redirect("/login", "logged-out")
        flows.clear_session_cookie(response, secure=flows.secure_cookies(request))
        return response


def _login_form(
    request: Request,
    *,
    next: str,
    error: TokenDeckError | None = None,
    username: str = "",
) -> Response:
    token = _form_token(request)
    page = _page(
        request,
        "login.html",
        "Log in",
        next=next,
        error=error,
        username=username,
        form_token=token,
    )
    return _finish_form(request, page, token, error)


def _register_form(
    request: Request,
    server: Server,
    *,
    invite: str,
    code: str,
    error: TokenDeckError | None = None,
    username: str = "",
) -> Response:
    mode = server.accounts.registration()
    school_class = None
    if code:
        try:
            school_class = server.classes.preview(code)
        except TokenDeckError:
            school_class = None
    allowed = mode is Registration.OPEN or (
        mode is Registration.INVITE and (bool(invite) or school_class is not None)
    )
    token = _form_token(request)
    page = _page(
        request,
        "register.html",
        "Create an account",
        mode=mode.value,
        invite=invite,
        code=code,
        school_class=school_class,
        error=error,
        username=username,
        allowed=allowed,
        form_token=token,
    )
    return _finish_form(request, page, token, error)


def _form_token(request: Request) -> str:
    """The double-submit token of a log-in or registration form (kept while the cookie is)."""
    return request.cookies.get(flows.FORM_COOKIE) or secrets.token_urlsafe(24)


def _finish_form(
    request: Request, page: HTMLResponse, token: str, error: TokenDeckError | None
) -> Response:
    page.set_cookie(
        flows.FORM_COOKIE,
        token,
        httponly=True,
        secure=flows.secure_cookies(request),
        samesite="strict",
        path="/",
    )
    if error is not None:
        page.status_code = error.status
    return page


# -- the account page ----------------------------------------------------------------------


def _account_pages(router: APIRouter) -> None:
    @router.get("/account")
    async def account_page(request: Request, user: User, server: ServerDep) -> HTMLResponse:
        return _account_view(request, server, user)

    @router.post("/account/password")
    async def password(request: Request, user: User, server: ServerDep, now: Now) -> Response:
        form = await _form(request)
        assert user.identity is not None
        try:
            if form.get("new", "") != form.get("confirm", ""):
                raise ValidationError("the two new passwords differ", hint="type it twice")
            await flows.change_password(
                server, user.identity, form.get("current", ""), form.get("new", ""), now
            )
        except TokenDeckError as exc:
            return _account_view(request, server, user, error=exc)
        return _redirect("/account", "password")

    @router.post("/account/tokens")
    async def new_token(request: Request, user: User, server: ServerDep, now: Now) -> Response:
        form = await _form(request)
        _, token = server.accounts.create_token(_account(user), form.get("name", ""), now=now)
        return _account_view(request, server, user, new_token=token)

    @router.post("/account/tokens/{token_id}/revoke")
    async def revoke(
        request: Request, token_id: int, user: User, server: ServerDep, now: Now
    ) -> Response:
        server.accounts.revoke_token(_account(user), token_id, now=now)
        return _redirect("/account", "revoked")

    @router.post("/account/delete")
    async def delete(request: Request, user: User, server: ServerDep) -> Response:
        form = await _form(request)
        account = _account(user)
        try:
            await flows.confirm_password(server, account, form.get("password", ""))
            server.accounts.delete_account(account)
        except TokenDeckError as exc:
            return _account_view(request, server, user, error=exc)
        request.app.state.collections.forget(user)
        response = _redirect("/login")
        flows.clear_session_cookie(response, secure=flows.secure_cookies(request))
        return response


def _account_view(
    request: Request,
    server: Server,
    user: WebUser,
    *,
    error: TokenDeckError | None = None,
    new_token: str | None = None,
) -> HTMLResponse:
    account = _account(user)
    page = _page(
        request,
        "account.html",
        "Account",
        account=account,
        tokens=server.accounts.tokens(account),
        error=error,
        new_token=new_token,
    )
    if error is not None:
        page.status_code = error.status
    return page


# -- classes -------------------------------------------------------------------------------


def _class_pages(router: APIRouter) -> None:
    @router.get("/classes")
    async def classes_page(request: Request, user: User, server: ServerDep) -> HTMLResponse:
        teaching, joined = server.classes.visible(_account(user))
        return _page(request, "classes.html", "Classes", teaching=teaching, joined=joined)

    @router.post("/classes")
    async def create(request: Request, user: User, server: ServerDep, now: Now) -> Response:
        form = await _form(request)
        created = server.classes.create(_account(user), form.get("name", ""), now=now)
        return _redirect(f"/classes/{created.id}", "created")

    @router.post("/classes/join")
    async def join(request: Request, user: User, server: ServerDep, now: Now) -> Response:
        form = await _form(request)
        joined = server.classes.join(_account(user), form.get("code", ""), now=now)
        return _redirect(f"/classes/{joined.id}", "joined")

    @router.get("/join/{code}")
    async def join_link(
        request: Request, code: str, user: MaybeUser, server: ServerDep
    ) -> Response:
        if user is None:  # not logged in: log in (or register) first, then come back here
            return RedirectResponse(f"/login?next={quote('/join/' + code)}", status_code=303)
        school_class = server.classes.preview(code)
        return _page(request, "join.html", "Join a class", school_class=school_class, code=code)

    @router.get("/classes/{class_id}")
    async def class_page(
        request: Request, class_id: int, user: User, col: Col, server: ServerDep, now: Now
    ) -> HTMLResponse:
        account = _account(user)
        school_class = server.classes.get(account, class_id)
        publications = server.sharing.of_class(account, class_id)
        if school_class.teacher_id != account.user_id:
            return _page(
                request,
                "class_learner.html",
                school_class.name,
                school_class=school_class,
                publications=publications,
            )
        return _teacher_view(request, server, account, col, school_class.id, publications, now)

    @router.get("/classes/{class_id}/progress.csv")
    async def progress_file(class_id: int, user: User, server: ServerDep, now: Now) -> Response:
        rows = server.classes.progress(_account(user), class_id, now=now)
        return _csv(progress_csv(rows), f"class-{class_id}-progress.csv")

    @router.get("/classes/{class_id}/hardest.csv")
    async def hardest_file(class_id: int, user: User, server: ServerDep) -> Response:
        rows = server.classes.hardest(_account(user), class_id)
        return _csv(hardest_csv(rows), f"class-{class_id}-hardest.csv")

    @router.post("/classes/{class_id}/publish")
    async def publish(
        request: Request, class_id: int, user: User, col: Col, server: ServerDep, now: Now
    ) -> Response:
        form = await _form(request)
        account = _account(user)
        if form.get("builtin"):
            found = server.sharing.publish_builtin(account, class_id, now=now)
        else:
            found = server.sharing.publish_deck(
                account, col, class_id, form.get("deck", ""), now=now
            )
        # An admin may publish the built-in deck to a class they do not teach: back to /admin.
        school_class = server.store.classes.get(found.class_id)
        teaches = school_class is not None and school_class.teacher_id == account.user_id
        return _redirect(f"/classes/{class_id}" if teaches else "/admin", "published")

    @router.post("/published/{publication_id}/update")
    async def publish_changes(
        publication_id: int, user: User, col: Col, server: ServerDep, now: Now
    ) -> Response:
        account = _account(user)
        publication = server.sharing.authored(account, publication_id)
        found = server.sharing.publish_changes(account, col, publication_id, now=now)
        return _redirect(f"/classes/{publication.class_id}", "updated" if found else "unchanged")

    @router.post("/classes/{class_id}/code")
    async def new_code(class_id: int, user: User, server: ServerDep) -> Response:
        server.classes.new_code(_account(user), class_id)
        return _redirect(f"/classes/{class_id}", "code")

    @router.post("/classes/{class_id}/leave")
    async def leave(class_id: int, user: User, server: ServerDep) -> Response:
        server.classes.leave(_account(user), class_id)
        return _redirect("/classes", "left")

    @router.get("/updates")
    async def updates_page(
        request: Request, user: User, col: Col, server: ServerDep
    ) -> HTMLResponse:
        conflicts = server.sharing.conflicts(_account(user), col)
        return _page(request, "updates.html", "Shared deck updates", conflicts=conflicts)

    @router.post("/updates/{note_id}")
    async def resolve(
        request: Request, note_id: int, user: User, col: Col, server: ServerDep, now: Now
    ) -> Response:
        form = await _form(request)
        server.sharing.resolve(_account(user), col, note_id, form.get("choice", ""), now=now)
        return _redirect("/updates", "resolved")


def _teacher_view(
    request: Request,
    server: Server,
    account: Account,
    col: Any,
    class_id: int,
    publications: list[Any],
    now: datetime,
) -> HTMLResponse:
    school_class = server.classes.taught(account, class_id)
    pending: dict[int, Changes | None] = {}
    for publication in publications:
        try:
            pending[publication.id] = server.sharing.pending(account, col, publication.id)
        except TokenDeckError:
            pending[publication.id] = None
    published = {p.source_deck_id for p in publications}
    return _page(
        request,
        "class_teacher.html",
        school_class.name,
        school_class=school_class,
        publications=publications,
        pending=pending,
        progress=server.classes.progress(account, class_id, now=now),
        hardest=server.classes.hardest(account, class_id),
        decks=[d for d in col.decks() if d.id not in published],
        join_url=str(request.base_url).rstrip("/") + f"/join/{school_class.join_code}",
        is_admin=account.role is Role.ADMIN,
    )


def _csv(text: str, name: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# -- admin ---------------------------------------------------------------------------------


def _admin_pages(router: APIRouter) -> None:
    @router.get("/admin")
    async def admin_page(request: Request, user: User, server: ServerDep) -> HTMLResponse:
        return _admin_view(request, server, user)

    @router.post("/admin/registration")
    async def registration(request: Request, user: User, server: ServerDep) -> Response:
        form = await _form(request)
        server.accounts.require_admin(_account(user))
        server.accounts.set_registration(Registration.parse(form.get("mode", "")))
        return _redirect("/admin", "registration")

    @router.post("/admin/invites")
    async def invite(request: Request, user: User, server: ServerDep, now: Now) -> Response:
        form = await _form(request)
        code = server.accounts.invite(_account(user), Role.parse(form.get("role", "")), now=now)
        link = str(request.base_url).rstrip("/") + f"/register?invite={quote(code)}"
        return _admin_view(request, server, user, invite_link=link)

    @router.post("/admin/users/{user_id}/role")
    async def role(request: Request, user_id: int, user: User, server: ServerDep) -> Response:
        form = await _form(request)
        server.accounts.set_role(_account(user), user_id, Role.parse(form.get("role", "")))
        return _redirect("/admin", "role")


def _admin_view(
    request: Request, server: Server, user: WebUser, *, invite_link: str | None = None
) -> HTMLResponse:
    account = _account(user)
    accounts = server.accounts.all(account)  # ForbiddenError for anyone but an admin
    classes = server.classes.all(account)
    return _page(
        request,
        "admin.html",
        "Admin",
        accounts=accounts,
        classes=classes,
        mode=server.accounts.registration().value,
        invite_link=invite_link,
        roles=[r.value for r in Role],
    )
