"""Each user's requests one at a time, in order; on a PostgreSQL server, in worker threads.

Route handlers run on the event loop (see :mod:`tokendeck.web.deps`). On a
PostgreSQL server every statement waits for the database, and an answer's
commit waits for PostgreSQL's fsync: on the loop one process would commit one
learner's answer at a time, whatever the number of learners. The study loop's
requests (the next card, an answer, a card action) and the credential check
therefore run in worker threads (half the connection pool's size, see
:attr:`tokendeck.server.Server.threads`): many learners' commits reach
PostgreSQL together and share its group commit (one WAL flush makes them all
durable). Every answer is still durable when it is acknowledged.

One user's requests still run one at a time, in the order they reach their
turn once their credentials are checked (a first-in first-out lock per user,
:meth:`UserLanes.turn`): the user's collection and its caches belong to one
request at a time, and an answer sent after the previous one was acknowledged
is recorded after it. Requests that stay on the loop (every other route that
opens the collection) take the same turn.

The single-user app and a server over SQLite are unchanged: their database
handle belongs to the loop's thread, so requests run there, in place, and the
turn is a no-op.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress
from typing import TypeVar

T = TypeVar("T")


class _Turn:
    """A user's lock and how many requests hold or wait for it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()  # wakes its waiters first come, first served
        self.users = 0


class UserLanes:
    """Per-user turns, and the worker threads requests run in (none: in place)."""

    def __init__(self, threads: int) -> None:
        #: Whether requests run in worker threads (a PostgreSQL server).
        self.threaded = threads > 0
        self._executor = (
            ThreadPoolExecutor(max_workers=threads, thread_name_prefix="tokendeck-request")
            if threads > 0
            else None
        )
        #: user id -> their turn, while a request holds or waits for it (event loop only)
        self._turns: dict[int, _Turn] = {}

    @asynccontextmanager
    async def turn(self, user_id: int) -> AsyncIterator[None]:
        """The block runs once the user's earlier requests are done, before later ones."""
        if not self.threaded:  # everything runs on the loop, one call after another
            yield
            return
        turn = self._turns.get(user_id)
        if turn is None:
            turn = self._turns[user_id] = _Turn()
        turn.users += 1
        try:
            async with turn.lock:
                yield
        finally:
            turn.users -= 1
            if not turn.users:
                del self._turns[user_id]

    @property
    def waiting(self) -> int:
        """Users with a request under way or waiting (tests check that turns are let go)."""
        return len(self._turns)

    async def call(self, work: Callable[[], T]) -> T:
        """``work()`` in a worker thread (in place without threads); its result or error.

        Cancelling the caller does not stop the thread: the caller still waits for
        it, so a turn is never let go while its request's work goes on.
        """
        if self._executor is None:
            return work()
        future = asyncio.get_running_loop().run_in_executor(self._executor, work)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            with suppress(BaseException):
                await future
            raise

    def close(self) -> None:
        """Stop the worker threads (after the work under way)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
