"""The app factory: ``create_app(settings)`` builds a fresh FastAPI app.

Nothing is built at import time; each call gives an independent app with its
own settings and collections (tests build one per test over a temporary
collection file).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from tokendeck.web.api import api_router
from tokendeck.web.background import Background
from tokendeck.web.batching import AnswerBatcher
from tokendeck.web.deps import CollectionPool
from tokendeck.web.errors import install_error_handlers
from tokendeck.web.media import media_router
from tokendeck.web.pages import pages_router
from tokendeck.web.presenters import format_steps
from tokendeck.web.quiz.pages import quiz_pages_router
from tokendeck.web.readers import Readers
from tokendeck.web.security import (
    CONTENT_SECURITY_POLICY,
    DEFAULT_MAX_BODY,
    MULTIPART_SLACK,
    GuardSettings,
    LocalGuard,
)
from tokendeck.web.settings import WebSettings, settings_from_environment

if TYPE_CHECKING:
    from tokendeck.server import Server

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
VENDOR = "/static/vendor"
#: How often threads hand the GIL over while the app serves (Python's default: 5 ms).
GIL_SWITCH_SECONDS = 0.0005


def create_app(settings: WebSettings) -> FastAPI:
    """Build the web app over the collection named in ``settings``.

    With ``settings.database_url`` it is the multi-user server (accounts,
    classes, shared decks); without, the single-user app over one file.
    """
    server = _open_server(settings) if settings.database_url else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if server is not None:
            server.sharing.refresh_builtin(now=settings.clock())
        # Worker threads doing Python work (an import, building a deck's items) would
        # hold the GIL for 5 ms at a time, and a page needs it dozens of times: hand it
        # over every half millisecond while serving, so the event loop never waits long.
        switch = sys.getswitchinterval()
        sys.setswitchinterval(min(switch, GIL_SWITCH_SECONDS))
        if settings.preload_model:
            _warm_up()
        # What is loaded by now lives as long as the server: out of the collector's
        # sight, its full collections scan a few thousand objects instead of every
        # module and route (a 50-100 ms pause every few seconds under load otherwise).
        gc.freeze()
        try:
            yield
        finally:
            sys.setswitchinterval(switch)
            app.state.background.close()
            app.state.readers.close()
            app.state.collections.close()
            if server is not None:
                server.close()

    app = FastAPI(
        title=f"{settings.title} API",
        version="1",
        summary="Study, browse, edit, import/export and statistics of a TokenDeck collection.",
        docs_url=None,  # the default page loads Swagger UI from a CDN; ours is vendored
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    guard = _guard_settings(settings, multi_user=server is not None)
    app.state.csrf_token = guard.csrf_token
    app.add_middleware(LocalGuard, settings=guard)
    app.state.server = server
    app.state.collections = CollectionPool(settings, server)
    app.state.readers = Readers(app.state.collections)
    app.state.answers = AnswerBatcher()
    app.state.background = Background()
    app.state.templates = Jinja2Templates(directory=TEMPLATES)
    app.state.templates.env.filters["steps"] = format_steps
    app.state.templates.env.globals["csrf_token"] = guard.csrf_token
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # In the multi-user server every route of the single-user app needs a logged-in user.
    login: list[Any] = []
    if server is not None:
        from tokendeck.web.users import current_user

        login = [Depends(current_user)]
    # Routes are matched in order, and answering is most of the traffic: the study routes
    # (first in api_router) come before the server's own (no path of one matches the other's).
    app.include_router(api_router(), dependencies=login)
    if server is not None:
        from tokendeck.web.accounts.pages import account_pages_router
        from tokendeck.web.api import server_api_router

        app.include_router(server_api_router())
        app.include_router(account_pages_router())
    if server is None:
        from tokendeck.web.api import local_api_router

        app.include_router(local_api_router())
    app.include_router(pages_router(), dependencies=login)
    app.include_router(media_router(), dependencies=login)
    app.include_router(quiz_pages_router(), dependencies=login)
    app.add_api_route("/docs", _docs_page, include_in_schema=False, response_class=HTMLResponse)
    return app


def _warm_up() -> None:
    """Load the embedding model (and its libraries) now, before the first request."""
    from tokendeck.errors import ModelUnavailableError
    from tokendeck.grading import default_grader

    grader = default_grader()
    try:
        if grader.meaning_available:
            grader.embed(["warm up"])
    except ModelUnavailableError:
        pass  # the quiz features fall back to lexical similarities


def _open_server(settings: WebSettings) -> Server:
    from tokendeck.server import Server

    assert settings.database_url is not None
    return Server.open(
        settings.database_url, passwords=settings.passwords, fuzz_seed=settings.fuzz_seed
    )


def create_app_from_environment() -> FastAPI:
    """The app over ``TOKENDECK_DATABASE_URL`` (or ``TOKENDECK_DB``): a uvicorn factory.

    ``uvicorn --factory tokendeck.web.app:create_app_from_environment --workers N``
    builds one app per worker process, each with its own connection pool.
    """
    return create_app(settings_from_environment())


def _guard_settings(settings: WebSettings, *, multi_user: bool) -> GuardSettings:
    """The guard of every request: host names, body sizes, and (single-user app) where a
    change comes from. The multi-user server checks changes itself: a session's CSRF
    token (web/users.py), and a bearer token cannot be sent by another site's page."""
    from tokendeck.web.api.sync import MAX_PUSH_BYTES, PUSH_PATH

    uploads = ("/api/v1/import", "/api/v1/import/preview")
    upload_limit = settings.max_upload_bytes + MULTIPART_SLACK

    def max_body(path: str) -> int:
        if path in uploads:
            return upload_limit
        # A device's pushed batch (the multi-user server; the single-user app has no route).
        return MAX_PUSH_BYTES if multi_user and path == PUSH_PATH else DEFAULT_MAX_BODY

    # DNS rebinding matters to a server without log-in; the multi-user server is reached
    # under whatever name its proxy gives it, and every request proves who sends it.
    hosts = None if multi_user else settings.allowed_hosts
    return GuardSettings(hosts=hosts, max_body=max_body, writes_need_origin=not multi_user)


async def _docs_page() -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="TokenDeck API",
        swagger_js_url=f"{VENDOR}/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url=f"{VENDOR}/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )
    # Swagger UI starts from one inline script: allowed by its hash, nothing else inline.
    page.headers["content-security-policy"] = CONTENT_SECURITY_POLICY.replace(
        "script-src 'self'", f"script-src 'self' {_inline_script_hashes(bytes(page.body))}"
    )
    return page


def _inline_script_hashes(html: bytes) -> str:
    import base64
    import hashlib
    import re

    bodies = re.findall(rb"<script>(.*?)</script>", html, re.DOTALL)
    digests = (base64.b64encode(hashlib.sha256(body).digest()).decode() for body in bodies)
    return " ".join(f"'sha256-{d}'" for d in digests)
