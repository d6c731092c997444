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


def api_router() -> APIRouter:
    """All v1 routers in one (built on call, not at import)."""
    from tokendeck.web.api import (
        cards,
        decks,
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
    for module in (study, decks, notes, cards, transfer, stats, simulation, settings, quiz):
        router.include_router(module.router)
    return router
