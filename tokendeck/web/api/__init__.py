"""The JSON API, version 1: one router module per resource, mounted under ``/api/v1``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tokendeck.web.schemas import ErrorOut

#: Documented error responses shared by every endpoint.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Invalid request"},
    404: {"model": ErrorOut, "description": "Not found"},
    409: {"model": ErrorOut, "description": "Conflict"},
}


#: Further error responses of the multi-user server.
SERVER_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No valid session or API token"},
    403: {"model": ErrorOut, "description": "The role does not allow it, or a cross-site change"},
    429: {"model": ErrorOut, "description": "Too many attempts"},
}


def api_router() -> APIRouter:
    """All v1 routers in one (built on call, not at import)."""
    from tokendeck.web.api import (
        cards,
        check,
        decks,
        media,
        notes,
        quiz,
        settings,
        simulation,
        stats,
        study,
        transfer,
    )

    router = APIRouter(prefix="/api/v1", responses=ERRORS)
    # Routes are matched in order: study first, since answering is most of the traffic
    # (every router before it is walked for each answer).
    modules = (
        study,
        decks,
        notes,
        cards,
        transfer,
        media,
        stats,
        simulation,
        settings,
        quiz,
        check,
    )
    for module in modules:
        router.include_router(module.router)
    return router


def server_api_router() -> APIRouter:
    """The multi-user server's routes: accounts, admin, classes, shared decks.

    Every route needs a logged-in user, except the three that hand out credentials
    (register, token, login).
    """
    from fastapi import Depends

    from tokendeck.web.accounts import auth, classes
    from tokendeck.web.api import sync
    from tokendeck.web.users import current_user

    router = APIRouter(prefix="/api/v1", responses={**ERRORS, **SERVER_ERRORS})
    router.include_router(auth.public_router)
    router.include_router(auth.router, dependencies=[Depends(current_user)])
    router.include_router(classes.router, dependencies=[Depends(current_user)])
    router.include_router(sync.server_router, dependencies=[Depends(current_user)])
    return router


def local_api_router() -> APIRouter:
    """Routes only the single-user app has: syncing its collection with a server."""
    from tokendeck.web.api import sync

    router = APIRouter(prefix="/api/v1", responses=ERRORS)
    router.include_router(sync.client_router)
    return router
