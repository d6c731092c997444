"""Long reads off the event loop: statistics, simulations and related cards.

Every request handler runs on the event-loop thread with the user's one
collection, so that SQLite sees one writer. A read that takes long (every
chart of a large collection, a workload simulation, a deck's similarities)
would hold up every answer behind it. Such reads go to a worker thread with a
collection of their own: a second connection to the same file. SQLite in WAL
mode lets it read while the event loop's connection writes, so answering goes
on meanwhile; each read sees the collection as last committed.

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
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from tokendeck.collection import Collection
from tokendeck.web.deps import CollectionPool
from tokendeck.web.settings import WebSettings
from tokendeck.web.users import WebUser

if TYPE_CHECKING:
    from tokendeck.grading import Grader

T = TypeVar("T")


class Readers:
    """A worker thread and, per user, a collection it reads with."""

    def __init__(self, settings: WebSettings, pool: CollectionPool) -> None:
        self._settings = settings
        self._pool = pool
        self._worker = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="tokendeck-read", initializer=_lower_priority
        )
        self._open: dict[str, Collection] = {}

    async def read(
        self,
        user: WebUser,
        now: datetime,
        work: Callable[[Collection], T],
        *,
        grader: Grader | None = None,
    ) -> T:
        """``work(collection)`` in the worker thread; its result, or the error it raised."""
        main = self._pool.get(user, now)  # opened (and migrated) on the loop as usual
        path = main.path
        if path is None or str(path) == ":memory:":
            if grader is not None:
                main.use_grader(grader)
            return work(main)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._worker, self._run, Path(path), user, now, work, grader
        )

    def _run(
        self,
        path: Path,
        user: WebUser,
        now: datetime,
        work: Callable[[Collection], T],
        grader: Grader | None,
    ) -> T:
        col = self._open.get(user.name)
        if col is None:
            col = Collection.open(
                path,
                user=user.name,
                now=now,
                install_builtin=False,  # the loop's collection installs it
                fuzz_seed=self._settings.fuzz_seed,
            )
            self._open[user.name] = col
        if grader is not None:
            col.use_grader(grader)
        return work(col)

    def close(self) -> None:
        """Close the worker's collections and stop it (waits for a read under way)."""
        self._worker.submit(self._close_all).result()
        self._worker.shutdown(wait=True)

    def _close_all(self) -> None:
        for col in self._open.values():
            col.close()
        self._open.clear()


#: How much nicer than the event loop the reading thread runs (Linux: per thread).
READER_NICENESS = 10


def _lower_priority() -> None:
    """Lower this thread's CPU priority, where the system allows it per thread (Linux)."""
    import os
    import threading

    try:
        thread = threading.get_native_id()
        now = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, now + READER_NICENESS)
    except (AttributeError, OSError):  # no such call here, or not allowed: same priority
        pass
