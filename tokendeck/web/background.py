"""Work that can take seconds, off the event loop: worker threads, jobs shared by key.

Route handlers run on the event loop (see :mod:`tokendeck.web.deps`), so anything
slow there stalls every request, the home page included. Slow work runs here
instead, on a worker thread with its own connection to the collection file
(SQLite in WAL mode lets it read while the server reads and writes):

* the **prepare** lane embeds a deck's cards (minutes for 10,000 cards; the
  vectors are kept on disk, so a restart does not embed them again);
* the **work** lane runs the rest: imports, the full-text index after a bulk
  import, statistics of a large log, the concept graph, lint, snapshots.

A job has a key: asking again for a job that runs returns it (one embedding
of a deck however many pages ask). A request either awaits a job (the loop
serves others meanwhile) or gets 202 "preparing" with the job's progress and
asks again. Two lanes, so an import never waits behind an embedding. Both run
nicer than the event loop, so on a busy machine a page never waits for them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from tokendeck import progress

log = logging.getLogger(__name__)

#: Finished jobs remembered (their results serve later requests with the same key).
KEEP_FINISHED = 64

#: How much nicer than the event loop the worker threads run (Linux: per thread).
WORKER_NICENESS = 10


def lower_priority() -> None:
    """Lower the calling thread's CPU priority, where the system allows it per thread
    (Linux); the embedding model runs on the calling thread, so it is lowered too."""
    import os

    try:
        thread = threading.get_native_id()
        now = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, now + WORKER_NICENESS)
    except (AttributeError, OSError):  # no such call here, or not allowed: same priority
        pass


@dataclass
class Job:
    """One piece of background work and how far it got."""

    key: Hashable
    what: str
    future: concurrent.futures.Future[Any] = field(repr=False)
    stage: str = ""
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.monotonic)

    def report(self, stage: str, done: int, total: int) -> None:
        """Progress from the work (tokendeck.progress), read by the requests that poll."""
        self.stage, self.done, self.total = stage, done, total

    def state(self) -> dict[str, Any]:
        """What the "preparing" answer tells the page."""
        return {
            "what": self.what,
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "seconds": round(time.monotonic() - self.started, 1),
        }


class Preparing(Exception):
    """A job is not finished: the handler answers 202 with its progress."""

    def __init__(self, job: Job) -> None:
        super().__init__(job.what)
        self.job = job


class Background:
    """The app's worker threads and the jobs they run."""

    def __init__(self) -> None:
        self._lanes = {
            lane: concurrent.futures.ThreadPoolExecutor(
                1, f"tokendeck-{lane}", initializer=lower_priority
            )
            for lane in ("prepare", "work")
        }
        self._jobs: dict[Hashable, Job] = {}
        self._lock = threading.Lock()

    def submit(
        self,
        key: Hashable,
        what: str,
        work: Callable[..., Any],
        *args: Any,
        lane: str = "work",
        again: bool = False,
    ) -> Job:
        """The job of ``key``: the one already running (or done, unless ``again``: its
        result is out of date), or ``work(*args)`` started. A failed job starts again."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and not job.future.done():
                return job
            if job is not None and not again and job.future.exception() is None:
                return job
            future: concurrent.futures.Future[Any] = concurrent.futures.Future()
            job = Job(key, what, future)
            self._jobs[key] = job
            self._prune()
        inner = self._lanes[lane].submit(_run, job, work, args)
        inner.add_done_callback(lambda done: _settle(future, done))
        return job

    def peek(self, key: Hashable) -> Job | None:
        """The job of ``key``, if any."""
        return self._jobs.get(key)

    async def result(self, job: Job, wait: float) -> Any:
        """The job's result, waiting at most ``wait`` seconds (then Preparing)."""
        waiter = asyncio.wrap_future(job.future)
        done, _ = await asyncio.wait({waiter}, timeout=wait)
        if not done:
            raise Preparing(job)
        return waiter.result()

    async def run(self, work: Callable[..., Any], *args: Any, lane: str = "work") -> Any:
        """Run ``work(*args)`` on a worker thread and await it (no key: not shared)."""
        return await asyncio.wrap_future(self._lanes[lane].submit(work, *args))

    def close(self) -> None:
        """Stop the workers; jobs not started are dropped, a running one finishes alone."""
        for lane in self._lanes.values():
            lane.shutdown(wait=False, cancel_futures=True)

    def _prune(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.future.done()]
        for key in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[key]


def _run(job: Job, work: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    with progress.listening(job.report):
        try:
            return work(*args)
        except Exception:
            log.exception("background job failed: %s", job.what)
            raise


def _settle(future: concurrent.futures.Future[Any], done: concurrent.futures.Future[Any]) -> None:
    """Pass the worker's outcome to the job's future (which exists before the work starts,
    so that a fast job cannot finish before it is recorded)."""
    if done.cancelled():
        future.cancel()
    elif done.exception() is not None:
        future.set_exception(done.exception())
    else:
        future.set_result(done.result())
