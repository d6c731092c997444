"""FastAPI dependencies: the settings, the time, the current user's collection.

Route handlers are ``async`` on purpose: together with these async
dependencies they all run on the event-loop thread, so each collection (one
SQLite connection) is only ever used from one thread, and requests are
serialised the way SQLite wants writes to be. Work that can take seconds does
not run there (see :mod:`tokendeck.web.background`): these collections defer it.

The collections kept open here are caches of the database, not state: on a
PostgreSQL server each notices other processes' commits (its queues are
rebuilt), so any worker of any machine may serve any request.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from tokendeck.collection import Collection
from tokendeck.errors import NotFoundError
from tokendeck.server import Server
from tokendeck.web.settings import WebSettings
from tokendeck.web.users import WebUser, current_user


class CollectionPool:
    """One open collection per user, opened on first use and closed at shutdown.

    In multi-user mode every collection is a view over the server's one
    database handle (nothing to close per user), and the learner's shared
    decks are brought up to date each time their collection is handed out.
    """

    def __init__(self, settings: WebSettings, server: Server | None = None) -> None:
        self._settings = settings
        self._server = server
        self._open: dict[str, Collection] = {}

    def get(self, user: WebUser, now: datetime, *, visit: bool = True) -> Collection:
        """The collection of ``user``, opening it if needed.

        ``visit``: a page or a read (GET), on which a learner's shared decks are
        brought up to date; an answer or another change skips that query.
        """
        if self._server is not None:
            return self._server_collection(self._server, user, now, visit)
        col = self._open.get(user.name)
        if col is None:
            col = Collection.open(
                self._settings.database or self._settings.db_path,
                user=user.name,
                now=now,
                install_builtin=self._settings.install_builtin,
                fuzz_seed=self._settings.fuzz_seed,
            )
            col.defer_slow_work()  # never embed or rebuild an index on the event loop
            self._open[user.name] = col
            gc.freeze()  # the collection lives as long as the server (see app.lifespan)
        return col

    def _server_collection(
        self, server: Server, user: WebUser, now: datetime, visit: bool
    ) -> Collection:
        assert user.account is not None
        col = server.collection(user.account)  # one per user, kept by the server
        if visit:
            server.sharing.sync(user.account, col, now=now)
        return col

    def forget(self, user: WebUser) -> None:
        """Drop a user's collection (their account was deleted)."""
        self._open.pop(user.name, None)

    def close(self) -> None:
        """Close every open collection (the server's own handle closes with the server)."""
        if self._server is None:
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
) -> AsyncIterator[Collection]:
    """The current user's collection, its calls in this request one burst (see Collection.burst)."""
    pool: CollectionPool = request.app.state.collections
    request.state.user = user  # for the handler that starts slow work (web/errors.py)
    col = pool.get(user, now, visit=request.method in ("GET", "HEAD"))
    with col.burst():
        yield col


async def get_server(request: Request) -> Server:
    """The multi-user server (its routes exist only in multi-user mode)."""
    server: Server | None = getattr(request.app.state, "server", None)
    if server is None:
        raise NotFoundError("this is the single-user app", hint="run `tokendeck server`")
    return server


Settings = Annotated[WebSettings, Depends(get_settings)]
ServerDep = Annotated[Server, Depends(get_server)]
Now = Annotated[datetime, Depends(get_now)]
User = Annotated[WebUser, Depends(current_user)]
Col = Annotated[Collection, Depends(get_collection)]
