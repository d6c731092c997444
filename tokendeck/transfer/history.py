"""The bulk review history of a package (:class:`~tokendeck.transfer.package.ReviewSource`).

Importing: after the package's notes and cards are written, its history is
copied by SQLite in one statement (inside the import's transaction), and cards
that arrived without a memory state get one rebuilt from their copied history.
Exporting: the collection's own log offered as a ReviewSource, for formats
that take their history in bulk.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from itertools import groupby
from pathlib import Path

from tokendeck.domain.cards import Card, CardState, Rating
from tokendeck.domain.days import Calendar
from tokendeck.domain.decks import DeckConfig
from tokendeck.errors import ImportFormatError, StorageError
from tokendeck.scheduling.scheduler import Scheduler
from tokendeck.storage import Store
from tokendeck.storage import history as stored_history
from tokendeck.storage.rows import from_ms, to_ms
from tokendeck.transfer.package import HISTORY_COLUMNS, ReviewRecord, ReviewSource


def copy_history(
    store: Store,
    calendar: Calendar,
    source: ReviewSource,
    keys: Sequence[tuple[int, int]],
    first_card: int,
    *,
    origin: str = "",
) -> int:
    """Copy the rows of ``source`` (attached) for the cards in ``keys``; returns the count.

    ``keys`` pairs a source card key with the new card's id; cards numbered
    from ``first_card`` on are the ones this import created. ``origin`` names
    the file in errors.
    """
    if not keys:
        return 0
    try:
        copied = store.history.copy(source.select, HISTORY_COLUMNS, source.count, keys, source.path)
    except StorageError as exc:
        raise ImportFormatError(
            f"its review history could not be copied ({exc.message})",
            path=origin or str(source.path),
            record="review history",
            hint="the package is damaged; export it again",
        ) from exc
    rebuild_from_history(store, calendar, store.history.memoryless_cards(first_card))
    return copied


def rebuild_from_history(store: Store, calendar: Calendar, card_ids: Sequence[int]) -> None:
    """Give cards that are not new but lack a memory state one, replayed from their log."""
    updates = []
    for card_id, rows in groupby(store.history.answers_of(card_ids), key=lambda row: row[0]):
        card = store.cards.get(card_id)
        if card is None:
            continue
        reviews = [ReviewRecord(from_ms(at), rating, kind=kind) for _, at, rating, kind in rows]
        rebuilt = rebuild_memory(card, reviews, calendar)
        last = rebuilt.last_review
        updates.append(
            (rebuilt.stability, rebuilt.difficulty, to_ms(last) if last else None, card_id)
        )
    store.history.set_memory(updates)


def rebuild_memory(card: Card, reviews: Iterable[ReviewRecord], calendar: Calendar) -> Card:
    """Stability and difficulty from a card's history, replayed through FSRS."""
    scheduler = Scheduler(DeckConfig(), calendar, fuzz_seed=None)
    replayed = replace(
        card, state=CardState.NEW, stability=None, difficulty=None, last_review=None, step=None
    )
    for review in sorted(reviews, key=lambda r: r.reviewed_at):
        if 1 <= review.rating <= 4 and review.kind != "manual":
            replayed = scheduler.answer(replayed, Rating(review.rating), review.reviewed_at).card
    return replace(
        card,
        stability=replayed.stability,
        difficulty=replayed.difficulty,
        last_review=card.last_review or replayed.last_review,
    )


def export_source(store: Store, deck_ids: Sequence[int] | None) -> ReviewSource | None:
    """The collection's review log as a ReviewSource (None for an in-memory collection)."""
    location = store.location
    if store.on_server or location == ":memory:" or not Path(location).is_file():
        return None  # no file to offer: the formats take the log card by card
    return ReviewSource(
        Path(location),
        store.history.export_select(deck_ids),
        store.history.export_count(deck_ids),
    )


def attached(store: Store, source: ReviewSource | None) -> AbstractContextManager[None]:
    """``source`` attached to the collection while inside (enter before the transaction)."""
    return stored_history.attached(store.db, None if source is None else source.path)
