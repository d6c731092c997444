"""The bulk review history of a package (:class:`interchange.ReviewSource`), collection side.

Importing: after the package's notes and cards are written, its history is
copied by SQLite in one statement (inside the import's transaction), and cards
that arrived without a memory state get one rebuilt from their copied history.
Exporting: the collection's own log offered as a ReviewSource, for formats
that take their history in bulk.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

from tokendeck.errors import ImportFormatError, StorageError
from tokendeck.storage import history_queries as hq
from tokendeck.storage import queries as q
from tokendeck.transfer.package import ReviewRecord, ReviewSource

if TYPE_CHECKING:
    from tokendeck.collection import Collection


def copy_history(
    col: Collection,
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
        copied = hq.copy_history(col.db, source, col.user_id, keys)
    except StorageError as exc:
        raise ImportFormatError(
            f"its review history could not be copied ({exc.message})",
            path=origin or str(source.path),
            record="review history",
            hint="the package is damaged; export it again",
        ) from exc
    rebuild_from_history(col, hq.memoryless_cards(col.db, first_card))
    return copied


def rebuild_from_history(col: Collection, card_ids: Sequence[int]) -> None:
    """Give cards that are not new but lack a memory state one, replayed from their log."""
    from tokendeck.transfer.importing import rebuild_memory

    updates = []
    for card_id, rows in groupby(hq.answers_of(col.db, card_ids), key=lambda row: row[0]):
        card = q.card(col.db, col.user_id, card_id)
        if card is None:
            continue
        reviews = [ReviewRecord(q.from_ms(at), rating, kind=kind) for _, at, rating, kind in rows]
        rebuilt = rebuild_memory(card, reviews, col)
        last = rebuilt.last_review
        updates.append(
            (rebuilt.stability, rebuilt.difficulty, q.to_ms(last) if last else None, card_id)
        )
    hq.set_memory(col.db, updates)


def export_source(col: Collection, deck_ids: Sequence[int] | None) -> ReviewSource | None:
    """The collection's review log as a ReviewSource (None for an in-memory collection)."""
    location = col.db.location
    if location == ":memory:" or not Path(location).is_file():
        return None
    return ReviewSource(
        Path(location),
        hq.export_select(col.user_id, deck_ids),
        hq.export_count(col.db, col.user_id, deck_ids),
    )


def attached(col: Collection, source: ReviewSource | None) -> AbstractContextManager[None]:
    """``source`` attached to the collection while inside (enter before the transaction)."""
    return hq.attached(col.db, source)
