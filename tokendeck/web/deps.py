"""FastAPI dependencies: the settings, the time, the current user's collection.

Route handlers are ``async`` on purpose: together with these async
dependencies they all run on the event-loop thread, so each collection (one
SQLite connection) is only ever used from one thread, and requests are
serialised the way SQLite wants writes to be. Work that can take seconds does
not run there (see :mod:`tokendeck.web.background`): these collections defer it.
On a PostgreSQL server the study loop's requests run in worker threads instead,
each user's one at a time (:class:`Lane`, :mod:`tokendeck.web.lanes`).

The collections kept open here are caches of the database, not state: on a
PostgreSQL server each notices other processes' commits (its queues are
rebuilt), so any worker of any machine may serve any request.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from functools import partial
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from tokendeck.collection import Collection
from tokendeck.errors import NotFoundError
from tokendeck.server import Server
from tokendeck.web.lanes import UserLanes
from tokendeck.web.settings import WebSettings
from tokendeck.web.users import WebUser, current_user

T = TypeVar("T")


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
        #: Each user's turn, and worker threads on a PostgreSQL server.
        self.lanes = UserLanes(server.threads if server is not None else 0)

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

    def in_thread(
        self, user: WebUser, now: datetime, visit: bool, work: Callable[[Collection], T]
    ) -> T:
        """``work(collection)`` as one burst on one held connection (a worker thread's request)."""
        server = self._server
        assert server is not None and user.account is not None
        with server.holding(user.account):
            col = self._server_collection(server, user, now, visit)
            with col.burst():
                return work(col)

    def forget(self, user: WebUser) -> None:
        """Drop a user's collection (their account was deleted)."""
        self._open.pop(user.name, None)

    def close(self) -> None:
        """Close every open collection (the server's own handle closes with the server)."""
        self.lanes.close()
        if self._server is None:
            for col in self._open.values():
                col.close()
        self._open.clear()


class Lane:
    """The current user's collection for one request, used in the user's turn.

    :meth:`run` runs the request's work in a worker thread on a PostgreSQL server
    (so that learners' commits overlap) and in place otherwise; :meth:`in_place`
    hands the collection to the handler on the loop (what :func:`get_collection` does).
    """

    def __init__(self, pool: CollectionPool, user: WebUser, now: datetime, *, visit: bool) -> None:
        self._pool = pool
        self._user = user
        self._now = now
        self._visit = visit

    @property
    def threaded(self) -> bool:
        """Whether :meth:`run` uses a worker thread."""
        return self._pool.lanes.threaded

    async def run(self, work: Callable[[Collection], T]) -> T:
        """``work(collection)`` in the user's turn, as one burst; its result or error."""
        lanes = self._pool.lanes
        if not lanes.threaded:
            async with self.in_place() as col:
                return work(col)
        async with lanes.turn(self._user.id):
            job = partial(self._pool.in_thread, self._user, self._now, self._visit, work)
            return await lanes.call(job)

    @asynccontextmanager
    async def in_place(self) -> AsyncIterator[Collection]:
        """The collection on the loop's thread, in the user's turn, its calls one burst."""
        async with self._pool.lanes.turn(self._user.id):
            col = self._pool.get(self._user, self._now, visit=self._visit)
            with col.burst():
                yield col


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
    request.state.user = user  # for the handler that starts slow work (web/errors.py)
    pool: CollectionPool = request.app.state.collections
    lane = Lane(pool, user, now, visit=request.method in ("GET", "HEAD"))
    async with lane.in_place() as col:
        yield col


async def get_lane(
    request: Request,
    user: Annotated[WebUser, Depends(current_user)],
    now: Annotated[datetime, Depends(get_now)],
) -> Lane:
    """The current user's :class:`Lane` (dependency): their collection in their turn."""
    request.state.user = user  # for the handler that starts slow work (web/errors.py)
    pool: CollectionPool = request.app.state.collections
    return Lane(pool, user, now, visit=request.method in ("GET", "HEAD"))


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
UserLane = Annotated[Lane, Depends(get_lane)]
