"""FastAPI dependencies: the settings, the time, the current user's collection.

Route handlers are ``async`` on purpose: together with these async
dependencies they all run on the event-loop thread, so each collection (one
SQLite connection) is only ever used from one thread, and requests are
serialised the way SQLite wants writes to be. Work that can take seconds does
not run there (see :mod:`tokendeck.web.background`): these collections defer it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from tokendeck.collection import Collection
from tokendeck.web.settings import WebSettings
from tokendeck.web.users import WebUser, current_user


class CollectionPool:
    """One open collection per user, opened on first use and closed at shutdown."""

    def __init__(self, settings: WebSettings) -> None:
        self._settings = settings
        self._open: dict[str, Collection] = {}

    def get(self, user: WebUser, now: datetime) -> Collection:
        """The collection of ``user``, opening it if needed."""
        col = self._open.get(user.name)
        if col is None:
            col = Collection.open(
                self._settings.db_path,
                user=user.name,
                now=now,
                install_builtin=self._settings.install_builtin,
                fuzz_seed=self._settings.fuzz_seed,
            )
            col.defer_slow_work()  # never embed or rebuild an index on the event loop
            self._open[user.name] = col
        return col

    def close(self) -> None:
        """Close every open collection."""
        for col in self._open.values():
            col.close()
        self._open.clear()


async def get_settings(request: Request) -> WebSettings:
    """The settings the app was built with."""
    settings: WebSettings = request.app.state.settings
    return settings


async def get_now(request: Request) -> datetime:
    """The current time according to the injected clock (UTC)."""
    settings: WebSettings = request.app.state.settings
    return settings.clock()


async def get_collection(
    request: Request,
    user: Annotated[WebUser, Depends(current_user)],
    now: Annotated[datetime, Depends(get_now)],
) -> Collection:
    """The current user's collection."""
    pool: CollectionPool = request.app.state.collections
    request.state.user = user.name  # for the handler that starts slow work (preparing.py)
    return pool.get(user, now)


Settings = Annotated[WebSettings, Depends(get_settings)]
Now = Annotated[datetime, Depends(get_now)]
User = Annotated[WebUser, Depends(current_user)]
Col = Annotated[Collection, Depends(get_collection)]
