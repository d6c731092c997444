"""Statistics: the review log, read whole or lean, and every chart series."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tokendeck.collection.core import Core
from tokendeck.collection.decks import Decks
from tokendeck.collection.notes import Notes
from tokendeck.domain.reviews import Review
from tokendeck.storage.rows import to_ms

if TYPE_CHECKING:
    from tokendeck.memory.workload import Inputs


class Statistics:
    """The review log and the statistics built from it."""

    def __init__(self, core: Core, decks: Decks, notes: Notes) -> None:
        self.core = core
        self.store = core.store
        self.decks = decks
        self.notes = notes

    def history(self, card_id: int) -> list[Review]:
        """A card's reviews, oldest first."""
        self.notes.card_state(card_id)
        return self.store.reviews.of_card(card_id)

    def reviews(self, since: datetime | None = None) -> Iterator[Review]:
        """The whole review log (or since a time), oldest first, streamed."""
        return self.store.reviews.since(to_ms(since) if since else 0)

    def review_rows(self, deck: str | int | None = None) -> list[tuple[int, int, int, int]]:
        """The review log as the memory model reads it, without a ``Review`` per row.

        (card id, epoch ms, rating 1-4 or 0 for a reset, duration ms) in log
        order; manual reschedules left out (see :mod:`tokendeck.storage.history`).
        ``deck`` keeps cards now in it and its subdecks; None keeps every review.
        """
        return self.store.history.rows(None if deck is None else self.decks.ids(deck))

    def packed_review_rows(self, deck: str | int | None = None) -> list[tuple[int, int]]:
        """:meth:`review_rows` for fitting: (card id, epoch ms * 8 + rating), no durations.

        Half the Python objects per row, for reading a million answers quickly.
        """
        return self.store.history.packed(None if deck is None else self.decks.ids(deck))

    def packed_review_log(self, deck: str | int | None = None) -> bytes:
        """:meth:`packed_review_rows` as one byte string (two big-endian 64-bit numbers a
        row): the whole log read without a Python object per row."""
        return self.store.history.packed_log(None if deck is None else self.decks.ids(deck))

    def stats(self, now: datetime, deck: str | int | None = None) -> dict[str, Any]:
        """Every statistic and chart series, added up by the database (see tokendeck.stats)."""
        from tokendeck.stats import series
        from tokendeck.stats.charts import DEFAULT_DECAY, curve_factor

        rows = self.store.stats.gather(
            calendar=self.core.calendar,
            now=now,
            deck_ids=None if deck is None else self.decks.ids(deck),
            edges=series.HISTOGRAM_EDGES,
            factor=curve_factor(DEFAULT_DECAY),
            decay=DEFAULT_DECAY,
            forecast_days=series.FORECAST_DAYS,
        )
        return series.chart_series(rows, now, self.core.calendar)

    def workload_inputs(self, deck: str | int | None, *, now: datetime) -> Inputs:
        """What the workload simulator needs for a deck (None: the whole collection)."""
        from tokendeck.memory import workload

        decks = [self.decks.get(deck)] if deck is not None else self.decks.all()
        return workload.inputs(
            decks,
            self.review_rows(deck),
            self.notes.count(now=now, deck=deck),
            self.core.calendar,
            whole_collection=deck is None,
        )
