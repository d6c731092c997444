"""Long reads off the event loop: statistics, simulations and related cards.

Every request handler runs on the event-loop thread with the user's one
collection, so that SQLite sees one writer. A read that takes long (every
chart of a large collection, a workload simulation, a deck's similarities)
would hold up every answer behind it. Such reads go to a worker thread with a
collection of their own (:meth:`Collection.reader`): on SQLite a second
connection to the same file, which WAL mode lets read while the event loop's
connection writes; on PostgreSQL a second handle on the same pool (a handle
is one thread's at a time, so the loop's own cannot be lent out). Answering
goes on meanwhile; each read sees the collection as last committed.

One worker thread serves all of them (its collections are used by no other
thread); reads queue behind each other, not behind or in front of answers.
On Linux the thread also runs at a lower CPU priority than the event loop, so
on a busy machine a long read takes the spare CPU, not the answers'.
An in-memory collection cannot be opened twice: its reads run in place.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from tokendeck.collection import Collection
from tokendeck.web.background import lower_priority
from tokendeck.web.deps import CollectionPool
from tokendeck.web.users import WebUser

if TYPE_CHECKING:
    from tokendeck.grading import Grader

T = TypeVar("T")


class Readers:
    """A worker thread and, per user, a collection it reads with."""

    def __init__(self, pool: CollectionPool) -> None:
        self._pool = pool
        self._worker = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="tokendeck-read", initializer=lower_priority
        )
        #: user id -> (the loop's collection, the reader's own beside it or None in memory);
        #: used on the event loop's thread only
        self._open: dict[int, tuple[Collection, Collection | None]] = {}

    async def read(
        self,
        user: WebUser,
        now: datetime,
        work: Callable[[Collection], T],
        *,
        grader: Grader | None = None,
    ) -> T:
        """``work(collection)`` in the worker thread; its result, or the error it raised."""
        async with self._pool.lanes.turn(user.id):  # the loop's collection is the user's turn's
            main = self._pool.get(user, now)  # opened (and migrated) on the loop as usual
            col = self._reader_beside(main)
        if col is None:  # in memory: no second connection, so the read runs in place
            if grader is not None:
                main.use_grader(grader)
            return work(main)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, _run, col, work, grader)

    def _reader_beside(self, main: Collection) -> Collection | None:
        """The reader's collection of ``main``'s user, opened on first use (a few ms)."""
        found = self._open.get(main.user_id)
        if found is not None and found[0] is main:
            return found[1]
        if found is not None and found[1] is not None:  # the loop's collection was replaced
            self._worker.submit(found[1].close)  # after the reads already queued
        reader = main.reader()
        self._open[main.user_id] = (main, reader)
        return reader

    def close(self) -> None:
        """Close the worker's collections and stop it (waits for a read under way)."""
        self._worker.submit(self._close_all).result()
        self._worker.shutdown(wait=True)

    def _close_all(self) -> None:
        for _, col in self._open.values():
            if col is not None:
                col.close()
        self._open.clear()


def _run(col: Collection, work: Callable[[Collection], T], grader: Grader | None) -> T:
    if grader is not None:
        col.use_grader(grader)
    return work(col)
