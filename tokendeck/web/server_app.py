"""The multi-user app as uvicorn's worker processes build it (``tokendeck server``).

Each worker calls :func:`create_server_app` and gets its own app and database
handle; they share nothing but the database, which holds every session, rate
count and shared deck.
"""

from __future__ import annotations

import os

from fastapi import FastAPI


def create_server_app() -> FastAPI:
    """The app over ``TOKENDECK_DATABASE_URL`` (set by ``tokendeck server``)."""
    from tokendeck import clock
    from tokendeck.web.app import create_app
    from tokendeck.web.settings import WebSettings

    url = os.environ.get("TOKENDECK_DATABASE_URL")
    if not url:
        raise RuntimeError("TOKENDECK_DATABASE_URL is not set; start with `tokendeck server`")
    fixed = os.environ.get("TOKENDECK_SERVER_NOW")
    if fixed:
        moment = clock.parse_instant(fixed)
        return create_app(
            WebSettings(
                database_url=url, install_builtin=False, clock=lambda: moment, allowed_hosts=None
            )
        )
    return create_app(WebSettings(database_url=url, install_builtin=False, allowed_hosts=None))
