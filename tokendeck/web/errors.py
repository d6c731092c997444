"""The one JSON error shape, and the one place errors are translated to HTTP.

Every error response looks like::

    {"error": {"status": 404, "code": "not_found", "message": "...", "hint": "...",
               "details": []}}

TokenDeck errors carry their own status and code; FastAPI's validation errors
become 400 ``invalid`` with one detail per bad field; unknown routes keep their
HTTP status. Unexpected exceptions become 500 without leaking internals.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from tokendeck.errors import (
    AuthenticationError,
    NotPreparedError,
    RateLimitedError,
    TokenDeckError,
)
from tokendeck.web.background import Preparing

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
}


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    hint: str | None = None,
    details: list[dict[str, Any]] | None = None,
    request: Request | None = None,
) -> Response:
    """Build a response in the one error shape (an HTML page for a browser asking for a page)."""
    if request is not None and _wants_page(request):
        from tokendeck.web.pages import render

        page = render(request, "error.html", f"Error {status}", message=message, hint=hint)
        page.status_code = status
        return page
    body = {
        "status": status,
        "code": code,
        "message": message,
        "hint": hint,
        "details": details or [],
    }
    return JSONResponse({"error": body}, status_code=status)


def _wants_page(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/static/")) or path in ("/openapi.json", "/docs"):
        return False
    return "text/html" in request.headers.get("accept", "")


#: Advice that only makes sense at the command line ("`tokendeck cards` lists ...",
#: "--deck Spanish"): never shown by the web app, whose pages are the way to fix things.
_CLI_ADVICE = re.compile(r"`tokendeck\b|\btokendeck [a-z]|(?<![\w-])--[a-z]")


def web_hint(exc: TokenDeckError) -> str | None:
    """The hint a web page shows: the error's own, unless it speaks of the command line."""
    hint = exc.hint
    if hint and _CLI_ADVICE.search(hint):
        log.warning("dropped command-line advice from a web error: %s", hint)
        return None
    return hint


async def _tokendeck_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TokenDeckError)
    if isinstance(exc, NotPreparedError):
        return _not_prepared(request, exc)
    if isinstance(exc, AuthenticationError) and _wants_page(request) and request.method == "GET":
        # A browser that is not logged in is sent to the log-in page, and back afterwards.
        from urllib.parse import quote

        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?next={target}", status_code=303)
    message = exc.message
    if _CLI_ADVICE.search(message):
        log.warning("a web error speaks of the command line: %s", message)
    response = error_response(exc.status, exc.code, message, hint=web_hint(exc), request=request)
    if isinstance(exc, AuthenticationError):
        response.headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, RateLimitedError):
        response.headers["Retry-After"] = str(exc.retry_after_s)
    return response


def _not_prepared(request: Request, exc: NotPreparedError) -> Response:
    """Start preparing the deck and answer 202 with the progress (not an error)."""
    from tokendeck.web.preparing import preparing_response, start_preparing

    user = getattr(request.state, "user", None)  # the WebUser (web/deps.py, web/users.py)
    job = start_preparing(request, "local" if user is None else user.name, exc.deck_id)
    return preparing_response(job)


async def _preparing(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Preparing)
    from tokendeck.web.preparing import preparing_response

    return preparing_response(exc.job)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    details = [_detail(err) for err in exc.errors()]
    first = details[0] if details else {"field": "request", "message": "is invalid"}
    return error_response(
        400,
        "invalid",
        f"{first['field']}: {first['message']}",
        hint="check the request against the API documentation at /docs",
        details=details,
    )


def _detail(err: Any) -> dict[str, Any]:
    # loc is e.g. ("body", "front"); the first element only says where it came from.
    loc = [str(part) for part in err.get("loc", ())]
    field = ".".join(loc[1:]) or (loc[0] if loc else "request")
    message = str(err.get("msg", "is invalid"))
    if err.get("type") == "json_invalid" and err.get("ctx", {}).get("error"):
        message += f": {err['ctx']['error']}"  # what is wrong with the JSON, and where
    return {"field": field, "message": message}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    message = str(exc.detail) if exc.detail else "request failed"
    hint = "see /docs for the available endpoints" if exc.status_code in (404, 405) else None
    return error_response(exc.status_code, code, message, hint=hint, request=request)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(
        500,
        "internal",
        "the server hit an unexpected error",
        hint="see the server log; please report it if it persists",
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the translators on ``app`` (called once by the app factory)."""
    app.add_exception_handler(TokenDeckError, _tokendeck_error)
    app.add_exception_handler(Preparing, _preparing)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
