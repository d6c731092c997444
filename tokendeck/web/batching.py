"""Group commit for answers: answers that arrive together share one durable commit.

Every answer must be on disk before it is acknowledged (one fsync, 2-20 ms on
the shared disk). With many learners answering at once, waiting for one fsync
per answer would cap the server at a few dozen answers a second. The batcher
collects the answers whose requests are ready in the same turn of the event
loop and records them in one transaction (the one answer path,
``Collection.answer_many``). On SQLite the commit does not wait for the disk
on the event loop: the write-ahead log is synced in a worker thread while the
loop serves other requests (and gathers the next batch); on PostgreSQL the
commit itself is durable. Either way each request gets its answer only after
that, so an answer the learner saw acknowledged is on disk.

The batcher holds nothing between requests: a batch lives for one turn of one
process's event loop. Several workers or machines each batch their own
requests; on PostgreSQL each batch is one transaction under the user's write
lock, so answers reaching two processes at once are applied one after the
other, each from the state the other committed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from tokendeck.collection import Answer, AnswerResult, Collection
from tokendeck.domain.cards import Rating
from tokendeck.errors import TokenDeckError


@dataclass
class _Pending:
    col: Collection
    card_id: int
    rating: Rating
    now: datetime
    duration_ms: int
    future: asyncio.Future[AnswerResult] = field(repr=False)


class AnswerBatcher:
    """Collects answers and flushes them in one transaction per collection."""

    def __init__(self) -> None:
        self._pending: list[_Pending] = []
        self._scheduled = False
        #: Logs being synced in worker threads (kept referenced until done).
        self._syncing: set[asyncio.Task[None]] = set()
        #: Sizes of recent batches (for the benchmark and tests).
        self.batch_sizes: list[int] = []

    async def answer(
        self, col: Collection, card_id: int, rating: Rating, *, now: datetime, duration_ms: int
    ) -> AnswerResult:
        """Answer a card; returns once the answer is durably committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[AnswerResult] = loop.create_future()
        self._pending.append(_Pending(col, card_id, rating, now, duration_ms, future))
        if not self._scheduled:
            self._scheduled = True
            # call_soon runs after the requests already made ready in this loop turn.
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        self._scheduled = False
        batch, self._pending = self._pending, []
        self.batch_sizes = [*self.batch_sizes[-999:], len(batch)]
        by_collection: dict[int, list[_Pending]] = {}
        for item in batch:
            by_collection.setdefault(id(item.col), []).append(item)
        for items in by_collection.values():
            recorded = _apply(items)
            if recorded:
                task = asyncio.get_running_loop().create_task(_acknowledge(recorded))
                self._syncing.add(task)
                task.add_done_callback(self._syncing.discard)


async def _acknowledge(recorded: list[tuple[_Pending, AnswerResult]]) -> None:
    """Sync the log in a worker thread, then answer the requests (their answers are on disk)."""
    try:
        await asyncio.to_thread(recorded[0][0].col.sync_log)
    except Exception as exc:  # not known to be on disk: none of them is acknowledged
        _fail([item for item, _ in recorded], exc)
        return
    for item, result in recorded:
        if not item.future.done():
            item.future.set_result(result)


def _apply(items: list[_Pending]) -> list[tuple[_Pending, AnswerResult]]:
    """Record the items' answers in one transaction (the facade's one answer path),
    committed but not yet synced; returns those recorded.

    When one of them is refused (an unknown card, say) nothing of the batch is
    written, and each is then recorded on its own, so the others still land and
    only the refused one gets its error.
    """
    col = items[0].col
    answers = [Answer(i.card_id, i.rating, i.duration_ms, at=i.now) for i in items]
    try:
        results = col.answer_many(answers, now=items[0].now, wait_for_disk=False)
    except TokenDeckError as exc:
        if len(items) > 1:  # nothing was written: each on its own, so only the bad one fails
            return [done for item in items for done in _apply([item])]
        _fail(items, exc)
        return []
    except Exception as exc:  # the commit failed: none of these answers is stored
        _fail(items, exc)
        return []
    return list(zip(items, results, strict=True))


def _fail(items: list[_Pending], exc: BaseException) -> None:
    for item in items:
        if not item.future.done():
            item.future.set_exception(exc)
