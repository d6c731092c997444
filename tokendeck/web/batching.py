"""Group commit for answers: answers that arrive together share one durable commit.

Every answer is committed with ``synchronous=FULL`` (one fsync, 10-20 ms on the
shared disk). With many learners answering at once, waiting for one fsync per
answer would cap the server at a few dozen answers a second. The batcher
collects the answers whose requests are ready in the same turn of the event
loop, applies them inside one outer transaction (the facade's own transactions
nest into it) and commits once. Each request still gets its answer only after
the commit, so an answer the learner saw acknowledged is on disk.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from tokendeck.collection import AnswerResult, Collection
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
    outcomes: list[tuple[_Pending, Callable[[], Any]]] = []
    try:
        with items[0].col.batch():
            for item in items:
                outcomes.append((item, _attempt(item)))
    except Exception as exc:  # the commit failed: none of these answers is stored
        for item in items:
            if not item.future.done():
                item.future.set_exception(exc)
        return
    for item, settle in outcomes:
        if not item.future.done():
            settle()


def _attempt(item: _Pending) -> Callable[[], Any]:
    """Apply one answer; return how to settle its future after the commit."""
    try:
        result = item.col.answer(
            item.card_id, item.rating, now=item.now, duration_ms=item.duration_ms
        )
    except TokenDeckError as exc:  # raised before anything is written (unknown card ...)
        return partial(item.future.set_exception, exc)
    return partial(item.future.set_result, result)
