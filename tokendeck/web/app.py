"""The app factory: ``create_app(settings)`` builds a fresh FastAPI app.

Nothing is built at import time; each call gives an independent app with its
own settings and collections (tests build one per test over a temporary
collection file).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from tokendeck.web.api import api_router
from tokendeck.web.background import Background
from tokendeck.web.batching import AnswerBatcher
from tokendeck.web.deps import CollectionPool
from tokendeck.web.errors import install_error_handlers
from tokendeck.web.pages import pages_router
from tokendeck.web.presenters import format_steps
from tokendeck.web.quiz.pages import quiz_pages_router
from tokendeck.web.settings import WebSettings

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
VENDOR = "/static/vendor"
#: How often threads hand the GIL over while the app serves (Python's default: 5 ms).
GIL_SWITCH_SECONDS = 0.0005


def create_app(settings: WebSettings) -> FastAPI:
    """Build the web app over the collection named in ``settings``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Worker threads doing Python work (an import, building a deck's items) would
        # hold the GIL for 5 ms at a time, and a page needs it dozens of times: hand it
        # over every half millisecond while serving, so the event loop never waits long.
        switch = sys.getswitchinterval()
        sys.setswitchinterval(min(switch, GIL_SWITCH_SECONDS))
        if settings.preload_model:
            _warm_up()
        try:
            yield
        finally:
            sys.setswitchinterval(switch)
            app.state.background.close()
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
    app.state.collections = CollectionPool(settings)
    app.state.answers = AnswerBatcher()
    app.state.background = Background()
    app.state.templates = Jinja2Templates(directory=TEMPLATES)
    app.state.templates.env.filters["steps"] = format_steps
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api_router())
    app.include_router(pages_router())
    app.include_router(quiz_pages_router())
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


async def _docs_page() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="TokenDeck API",
        swagger_js_url=f"{VENDOR}/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url=f"{VENDOR}/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )
