"""Applying a batch received from the other side: the merge rules over one user's store.

One batch is one transaction: all of it is applied, or (on any error, a full
disk, a killed process) none of it; and applying it twice changes nothing
the second time. So a sync that was interrupted sends the batch again.

Both sides run this code and differ only where the server is the authority
(:class:`~tokendeck.sync.applying.Side`): ties between equal stamps go to the
server, and the server decides a card's schedule (:mod:`.apply_cards`). Rows
the server merged into something other than what the device sent are marked
with origin ``"*"``, so that the device pulls the result back.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from tokendeck.storage import Store
from tokendeck.sync import apply_rows
from tokendeck.sync.apply_cards import CardsApply
from tokendeck.sync.applying import Applied, Context, Side
from tokendeck.sync.model import Batch, card_key

#: A batch with this many reviews leaves the statistics summary to be recounted when read.
BULK_REVIEWS = 2_000


def _statistics_kept(
    store: Store, batch: Batch, tombstones: list[tuple[Any, ...]]
) -> AbstractContextManager[None]:
    """The statistics summary recounted around the batch's cards and reviews (see
    tokendeck/storage/review_slots.py): the cards it names, those of the notes it
    deletes and of the reviews it undoes, and the cards it creates."""
    keys = [card_key(r[0], r[1]) for r in batch.rows("cards")]
    keys += [card_key(guid, ordinal) for guid, ordinal in batch.rows("card_keys")]
    keys += [t[1] for t in tombstones if t[0] == "card"]
    notes = [t[1] for t in tombstones if t[0] == "note"]
    undone = [bytes.fromhex(t[1]) for t in tombstones if t[0] == "review"]
    if not (keys or notes or undone):
        return nullcontext()
    if len(batch.table("reviews")) >= BULK_REVIEWS:
        # A first upload or download: recounting as it goes cost more than the sync
        # itself; the summary is dropped and recounted from the log when next read.
        store.summary.forget()
        return nullcontext()
    cards = store.sync_write.cards_named(sorted(set(keys)), notes, undone)
    return store.stats.refreshing(cards, and_from=store.sync_write.next_card_id())


def apply(store: Store, batch: Batch, side: Side) -> Applied:
    """Apply one batch in one transaction; returns what it did."""
    with store.transaction(), store.sync.applying():
        # The sender's clock is past every stamp it sends: ours moves past it first, so
        # whatever this batch makes (a replay, a rename) is stamped after all of them.
        store.sync.observe(int(batch.header.get("hlc") or 0))
        ctx = Context(store, side, store.sync.next_round() if side.server else 0)
        apply_rows.settings(ctx, batch.rows("settings"))
        apply_rows.decks(ctx, batch.rows("decks"))
        apply_rows.note_types(ctx, batch.rows("note_types"))
        apply_rows.notes(ctx, batch.rows("notes"))
        tombstones = batch.rows("tombstones")
        with _statistics_kept(store, batch, tombstones):
            CardsApply(
                ctx,
                batch.rows("cards"),
                [(guid, int(ordinal)) for guid, ordinal in batch.rows("card_keys")],
                batch.table("reviews"),
                [t for t in tombstones if t[0] == "review"],
            ).run()
            apply_rows.tombstones(ctx, [t for t in tombstones if t[0] != "review"])
        ctx.w.add_history(ctx.history)
        if ctx.result.newest_stamp:
            store.sync.observe(ctx.result.newest_stamp)
        return ctx.result
