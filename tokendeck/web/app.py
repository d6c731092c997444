"""The app factory: ``create_app(settings)`` builds a fresh FastAPI app.

Nothing is built at import time; each call gives an independent app with its
own settings and collections (tests build one per test over a temporary
collection file).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from tokendeck.web.api import api_router
from tokendeck.web.batching import AnswerBatcher
from tokendeck.web.deps import CollectionPool
from tokendeck.web.errors import install_error_handlers
from tokendeck.web.pages import pages_router
from tokendeck.web.pages_quiz import quiz_pages_router
from tokendeck.web.presenters import format_steps
from tokendeck.web.security import (
    CONTENT_SECURITY_POLICY,
    DEFAULT_MAX_BODY,
    MULTIPART_SLACK,
    GuardSettings,
    LocalGuard,
)
from tokendeck.web.settings import WebSettings

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
VENDOR = "/static/vendor"


def create_app(settings: WebSettings) -> FastAPI:
    """Build the web app over the collection named in ``settings``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.collections.close()

    app = FastAPI(
        title=f"{settings.title} API",
        version="1",
        summary="Study, browse, edit, import/export and statistics of a TokenDeck collection.",
        docs_url=None,  # the default page loads Swagger UI from a CDN; ours is vendored
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    guard = _guard_settings(settings)
    app.state.csrf_token = guard.csrf_token
    app.add_middleware(LocalGuard, settings=guard)
    app.state.collections = CollectionPool(settings)
    app.state.answers = AnswerBatcher()
    app.state.templates = Jinja2Templates(directory=TEMPLATES)
    app.state.templates.env.filters["steps"] = format_steps
    app.state.templates.env.globals["csrf_token"] = guard.csrf_token
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api_router())
    app.include_router(pages_router())
    app.include_router(quiz_pages_router())
    app.add_api_route("/docs", _docs_page, include_in_schema=False, response_class=HTMLResponse)
    return app


def _guard_settings(settings: WebSettings) -> GuardSettings:
    uploads = ("/api/v1/import", "/api/v1/import/preview")
    upload_limit = settings.max_upload_bytes + MULTIPART_SLACK

    def max_body(path: str) -> int:
        return upload_limit if path in uploads else DEFAULT_MAX_BODY

    return GuardSettings(hosts=settings.allowed_hosts, max_body=max_body)


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
