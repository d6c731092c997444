"""Group commit for answers: answers that arrive together share one durable commit.

Every answer is committed with ``synchronous=FULL`` (one fsync, 10-20 ms on the
shared disk). With many learners answering at once, waiting for one fsync per
answer would cap the server at a few dozen answers a second. The batcher
collects the answers whose requests are ready in the same turn of the event
loop, applies them inside one outer transaction (the facade's own transactions
nest into it) and commits once. Each request still gets its answer only after
the commit, so an answer the learner saw acknowledged is on disk.

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
            _apply(items)


def _apply(items: list[_Pending]) -> None:
    """Record the items' answers in one transaction (the facade's one answer path).

    When one of them is refused (an unknown card, say) nothing of the batch is
    written, and each is then recorded on its own, so the others still land and
    only the refused one gets its error.
    """
    col = items[0].col
    answers = [Answer(i.card_id, i.rating, i.duration_ms, at=i.now) for i in items]
    try:
        results = col.answer_many(answers, now=items[0].now)
    except TokenDeckError as exc:
        if len(items) > 1:  # nothing was written: each on its own, so only the bad one fails
            for item in items:
                _apply([item])
        else:
            _fail(items, exc)
        return
    except Exception as exc:  # the commit failed: none of these answers is stored
        _fail(items, exc)
        return
    for item, result in zip(items, results, strict=True):
        if not item.future.done():
            item.future.set_result(result)


def _fail(items: list[_Pending], exc: BaseException) -> None:
    for item in items:
        if not item.future.done():
            item.future.set_exception(exc)
