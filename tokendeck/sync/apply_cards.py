"""Applying cards with their reviews and undone reviews, and deciding each card's schedule.

A card's own fields (deck, suspension, burying) merge by their stamps like a
note's. Its schedule is derived from its answers:

* **server**: a card the device had seen in its latest server version is a
  linear continuation of it, so the device's schedule is taken as sent. When
  the server has answers or undos of the card the device had not seen
  ("stale") and the device brings answers or undos of its own, the server
  replays (:mod:`.replay`): from the card as it was before the earliest answer
  in question, every answer since, in time order. It starts from a state it
  trusts: the undo data of the first answer it already held from that point
  (its own record of the card before that answer, rewritten by every replay),
  or of the earliest undone answer, or its current state when the new answers
  are its latest. The result is stamped by the server's clock, so every device
  takes it;
* **client**: the server's schedule is taken when its stamp is newer; if the
  card was answered here since the push, those answers are replayed on top
  and the card waits to be pushed again.

Every review is kept exactly once (its global id); a review of a card that was
deleted is kept in the log under the card's old id, or a negative one made
from the card's key where this replica never had the card.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from tokendeck.domain.cards import Card, CardState
from tokendeck.domain.synced import CARD_FIELDS
from tokendeck.errors import ValidationError
from tokendeck.storage.rows import card_from_snapshot, card_snapshot, from_ms, to_ms
from tokendeck.storage.sync_write import SCHED_VALUES, LocalCard, orphan_id, undo_json
from tokendeck.sync.applying import MIXED, REMOTE, Context
from tokendeck.sync.merge import dump_stamps, merge_fields, parse_stamps, survives
from tokendeck.sync.model import Table, card_key, index
from tokendeck.sync.replay import Step, replay, schedule_of

_C = index("cards")
_R = index("reviews")
_OWN = CARD_FIELDS[:4]  # deck, suspended, buried, flag
Order = tuple[int, bytes]  # (reviewed at ms, review id)


class CardsApply:
    """Cards, reviews and undone reviews of one batch."""

    def __init__(
        self,
        ctx: Context,
        rows: list[tuple[Any, ...]],
        keys: list[tuple[str, int]],
        reviews: Table,
        undone: list[tuple[Any, ...]],
    ) -> None:
        self.ctx = ctx
        self.w = ctx.w
        self.rows = rows
        self.keys = keys
        self.reviews = reviews
        self.undone = undone
        #: card key -> (the stored card before this batch, its incoming row)
        self.incoming: dict[str, tuple[LocalCard, tuple[Any, ...]]] = {}
        #: keys of cards this batch created (their schedule is as sent)
        self.created: set[str] = set()
        #: card id -> (card key, order keys of its new or undone reviews)
        self.changed: dict[int, tuple[str, list[Order]]] = {}
        #: order key -> undo data of reviews this batch undid (replay bases)
        self.undone_bases: dict[Order, str | None] = {}
        #: ids of reviews this batch added
        self.added: set[bytes] = set()
        #: a client's cards answered since its last push (read once, when first needed)
        self._pending: set[int] | None = None

    def run(self) -> None:
        """Merge the card rows, add and remove reviews, then decide the schedules."""
        guids = {r[_C["note_guid"]] for r in self.rows} | {g for g, _ in self.keys}
        self.note_ids = self.w.note_ids(sorted(guids))
        self.cards = self.w.cards_of(sorted(set(self.note_ids.values())))
        self._merge_rows()
        self._add_reviews()
        self._remove_reviews()
        self._decide()

    def _card(self, guid: str, ordinal: int) -> LocalCard | None:
        note = self.note_ids.get(guid)
        return None if note is None else self.cards.get((note, ordinal))

    # -- card rows -------------------------------------------------------------------------
    def _merge_rows(self) -> None:
        if not self.rows:
            return
        side = self.ctx.side
        keys = [card_key(r[_C["note_guid"]], r[_C["ordinal"]]) for r in self.rows]
        gone = self.w.tombstones("card", keys)
        decks = self.ctx.store.sync_decks.ids()
        fresh: list[tuple[Any, ...]] = []
        for row, key in zip(self.rows, keys, strict=True):
            guid, ordinal = row[_C["note_guid"]], int(row[_C["ordinal"]])
            self.ctx.observe(*parse_stamps(row[_C["stamps"]]).values())
            deletion = gone.get(key)
            if not survives(int(row[_C["created_at"]]), None if deletion is None else deletion[0]):
                continue
            note_id = self.note_ids.get(guid)
            if note_id is None:
                if self.w.tombstones("note", [guid]):
                    continue  # its note was deleted, and the card with it
                raise ValidationError(
                    f"the sync batch has a card of note {guid} but not the note",
                    hint="this is a bug in the sending TokenDeck; please report it",
                )
            deck = decks.get(row[_C["deck_guid"]] or "")
            if deck is None:
                deck = self.ctx.store.sync_decks.default_deck(side.now_ms)
            mine = self.cards.get((note_id, ordinal))
            if mine is None:
                seq, origin = self.ctx.marks(None)
                fresh.append(
                    (note_id, deck, ordinal, *(row[_C[k]] for k in SCHED_VALUES),
                     int(row[_C["suspended"]]), row[_C["buried_until"]], int(row[_C["flag"]] or 0),
                     int(row[_C["created_at"]]), side.now_ms, row[_C["stamps"]], seq, origin)
                )  # fmt: skip
                self.created.add(key)
                continue
            self.incoming[key] = (mine, (*row, deck))
        if fresh:
            self.w.insert_cards(fresh)
            self.ctx.result.count("cards", len(fresh))
            self.cards = self.w.cards_of(sorted(set(self.note_ids.values())))

    # -- reviews ---------------------------------------------------------------------------
    def _add_reviews(self) -> None:
        """Insert the reviews this replica lacks; note which cards they change.

        Reviews already here are skipped by the unique index as they are inserted
        (no lookup first: a new device downloading a million reviews asks its index
        nothing), and those new here are read back by local id, which only grows.
        Reviews stay columns from the wire to the database.
        """
        if not len(self.reviews):
            return
        cols = self.reviews.columns()
        uids = cols[_R["uid"]]
        undone = self.w.tombstones("review", [bytes(u).hex() for u in uids])
        seq, origin = self.ctx.marks(None)
        slots = [self._slot(guid, ordinal) for guid, ordinal in self.keys]
        self.w.note_orphans(sorted({(card_id, key) for card_id, key, live in slots if not live}))
        server = self.ctx.server
        count = len(uids)
        values = [
            uids,
            [slots[i][0] for i in cols[_R["card"]]],
            *cols[_R["reviewed_at"] : _R["undo"]],
            cols[_R["undo"]] if server else [None] * count,
            [seq] * count,
            [origin] * count,
        ]
        if undone:  # undone elsewhere meanwhile: they never come back
            keep = [i for i, u in enumerate(uids) if bytes(u).hex() not in undone]
            values = [[col[i] for i in keep] for col in values]
        values = self._without_answers_held(values)
        before = self.w.newest_review_id()
        self.w.insert_reviews(values)
        attempted = [i for i, a in enumerate(cols[_R["attempt"]]) if a]
        attempts = {bytes(uids[i]): cols[_R["attempt"]][i] for i in attempted}
        if not server and not attempts:
            self.ctx.result.count("reviews", len(values[0]))
            return
        added = self.w.reviews_after(before)
        self.ctx.result.count("reviews", len(added))
        live = {card_id: key for card_id, key, is_live in slots if is_live}
        for uid, card_id, answered in added:
            self.added.add(uid)
            key = live.get(card_id)
            if key is not None and key not in self.created:
                self.changed.setdefault(card_id, (key, []))[1].append((answered, uid))
        self.w.insert_attempts(
            [(uid, json.loads(attempts[uid])) for uid, _, _ in added if uid in attempts]
        )

    def _without_answers_held(self, values: list[Any]) -> list[Any]:
        """The reviews (as columns) less those this replica holds under another id.

        The same answer can reach two replicas under two ids: the same history
        imported on two devices, or a collection restored from a JSON backup, names
        its reviews afresh. A review from elsewhere that records exactly what one
        held here records (card, time to the millisecond, rating, duration, kind,
        states, interval and memory state) is that one: two devices' answers always
        differ somewhere (a clock behind the card's last answer records an answer
        just after it, so two devices may share a millisecond, not how long the
        learner took). The server keeps the id it has, unless the match came from
        the same device (which then answered twice: both count); the device takes
        the server's id on its next pull. A client gives its own review (answered or imported here,
        not yet named) the server's id, and keeps as distinct a review the server
        itself sent as distinct.
        """
        server = self.ctx.server
        if not self.w.may_hold_others(self.ctx.side.origin if server else None):
            return values  # a first upload or download: no lookups
        uids, card_ids, answered = values[0], values[1], values[2]
        held = self.w.answers_of(list(zip(card_ids, answered, strict=True)))
        if not held:
            return values
        recorded = values[1:12]  # card, time, rating, duration, kind, states, memory
        keep: list[int] = []
        named: list[tuple[bytes, int]] = []
        for i, uid in enumerate(uids):
            found = held.get(tuple(col[i] for col in recorded))
            if found is not None and found[1] != bytes(uid):
                if server and found[2] != self.ctx.side.origin:
                    continue  # held under the id the server has
                if not server and found[1] is None:
                    named.append((bytes(uid), found[0]))
                    continue
            keep.append(i)
        self.w.name_reviews_held(named)
        if len(keep) == len(uids):
            return values
        return [[col[i] for i in keep] for col in values]

    def _slot(self, guid: str, ordinal: int) -> tuple[int, str, bool]:
        """(card id, key, live) of a card the batch's reviews name: a card here, or the
        orphan id its reviews are kept under (a card deleted here or never here)."""
        key = card_key(guid, ordinal)
        card = self._card(guid, ordinal)
        if card is not None:
            return card.id, key, True
        return orphan_id(key), key, False

    def _remove_reviews(self) -> None:
        if not self.undone:
            return
        seq, origin = self.ctx.marks(None)
        uids = [bytes.fromhex(key) for _, key, _ in self.undone]
        known = self.w.known_reviews(uids)
        notes = self.w.card_notes(sorted({found[1] for found in known.values()}))
        tombs: list[tuple[str, str, int, int | None, int | None, str]] = []
        for (_, key, deleted), uid in zip(self.undone, uids, strict=True):
            self.ctx.observe(int(deleted))
            found = known.get(uid)
            tombs.append(
                ("review", key, int(deleted), None if found is None else found[1], seq, origin)
            )
            if found is None:
                continue
            _, card_id, at, undo = found
            self.undone_bases[(at, uid)] = undo
            owner = notes.get(card_id)
            if owner is not None:
                card = next(
                    (c for c in self.w.cards_of([owner[0]]).values() if c.id == card_id), None
                )
                if card is not None:
                    self.cards[(card.note_id, card.ordinal)] = card
                    self.note_ids.setdefault(owner[1], owner[0])
                    entry = self.changed.setdefault(card_id, (card_key(owner[1], card.ordinal), []))
                    entry[1].append((at, uid))
        self.w.delete_reviews([found[0] for found in known.values()])
        self.w.put_tombstones(tombs)
        self.ctx.result.deleted += len(known)

    # -- schedules -------------------------------------------------------------------------
    def _decide(self) -> None:
        by_id = {v: k for k, v in self.note_ids.items()}
        by_key = {card_key(by_id[c.note_id], c.ordinal): c for c in self.cards.values()}
        keys = set(self.incoming) | {key for key, _ in self.changed.values()}
        rows = []
        for key in sorted(keys - self.created):
            card = by_key.get(key)
            if card is not None:
                row = self._one(key, card)
                if row is not None:
                    rows.append(row)
        self.w.update_cards(rows)

    def _one(self, key: str, card: LocalCard) -> tuple[Any, ...] | None:
        ctx, side = self.ctx, self.ctx.side
        before, row = self.incoming.get(key, (card, None))
        changes = self.changed.get(card.id, (key, []))[1]
        mine = parse_stamps(card.stamps)
        values: dict[str, Any] = {
            "deck": card.deck_id,
            "suspended": card.suspended,
            "buried": card.buried_until,
            "flag": card.flag,
        }
        stamps = dict(mine)
        exact = True
        theirs: dict[str, int] = {}
        if row is not None:
            theirs = parse_stamps(row[_C["stamps"]])
            given = {
                "deck": row[-1],
                "suspended": int(row[_C["suspended"]]),
                "buried": row[_C["buried_until"]],
                "flag": int(row[_C["flag"]] or 0),
            }
            merged = merge_fields(
                _OWN, values, mine, given, theirs, incoming_wins_ties=not side.server
            )
            values, exact = merged.values, not merged.kept
            stamps.update(merged.stamps)
        their_sched = None if row is None else tuple(row[_C[k]] for k in SCHED_VALUES)
        sched = card.sched
        outcome = self._schedule(key, card, before, their_sched, theirs, mine, changes)
        if outcome is not None:
            sched, stamps["sched"], agreed = outcome
            exact = exact and agreed
        elif their_sched is not None and their_sched != sched:
            exact = False
        own = (card.deck_id, card.suspended, card.buried_until, card.flag)
        unchanged = own == tuple(values[k] for k in _OWN)
        if row is None and outcome is None and unchanged:
            return None
        seq: int | None
        if side.server:
            seq, origin = ctx.round, side.origin if exact else MIXED
        elif row is None:
            seq, origin = card.seq, card.origin
        else:
            seq, origin = (0, REMOTE) if exact else (None, "")
        ctx.result.merged += 1
        return (values["deck"], values["suspended"], values["buried"], values["flag"], *sched,
                side.now_ms, dump_stamps(stamps), seq, origin, card.id)  # fmt: skip

    def _schedule(
        self,
        key: str,
        card: LocalCard,
        before: LocalCard,
        their_sched: tuple[Any, ...] | None,
        theirs: dict[str, int],
        mine: dict[str, int],
        changes: list[Order],
    ) -> tuple[tuple[Any, ...], int, bool] | None:
        """(schedule, its stamp, taken as sent) when it changes or is confirmed, else None."""
        side = self.ctx.side
        ts, ms = theirs.get("sched", 0), mine.get("sched", 0)
        if not side.server:
            newer = ts > ms or (ts == ms and their_sched != card.sched)
            if their_sched is None or not newer:
                return None
            if self._pending is None:
                self._pending = self.w.pending_cards()
            pending = self.w.pending_reviews(card.id) if card.id in self._pending else []
            if not pending:
                return their_sched, ts, True
            # Answered here since the push: those answers go on top of the server's state.
            steps = [Step(uid or b"", from_ms(at), rating) for uid, at, rating in pending]
            base = _domain(card, their_sched)
            out = replay(base, steps, side.scheduler(card.deck_id), key=key).card
            return _sched(out), self.ctx.store.sync.tick(side.now_ms), False
        stale = before.seq is None or (before.seq > side.known and before.origin != side.origin)
        if changes and their_sched is None:
            # Answers arriving after their card (a later batch of the push): the card the
            # device sent (or last saw) already counts them, unless others answered too.
            return self._replay(key, card, changes) if stale else None
        if changes and (stale or ts <= ms):
            return self._replay(key, card, changes)
        if their_sched is not None and ts > ms:
            if not stale:
                return their_sched, ts, True
            # A schedule set without answers (a reschedule) on a device that had not seen
            # answers made elsewhere: the answers win. Stamped anew, so the device takes it.
            return card.sched, self.ctx.store.sync.tick(side.now_ms), False
        return None

    def _replay(
        self, key: str, card: LocalCard, changes: list[Order]
    ) -> tuple[tuple[Any, ...], int, bool]:
        """The server's replay of a card's answers from before the earliest change."""
        side = self.ctx.side
        earliest = min(changes)
        history = sorted(
            (at, uid, rating, undo) for uid, at, rating, undo in self.w.history_of(card.id)
        )
        # The state before the earliest change is what the server recorded before the
        # first answer it held from that point on (its own, not one just received), or
        # before the first answer just undone: whichever comes first.
        held = [((at, uid), undo) for at, uid, _, undo in history if uid not in self.added]
        after = sorted((o, u) for o, u in [*held, *self.undone_bases.items()] if o >= earliest)
        current = _domain(card, card.sched)
        if not after:  # the changes are the newest: they follow the current state
            base, steps = current, [h for h in history if (h[0], h[1]) >= earliest]
        elif after[0][1]:
            base = card_from_snapshot(current, json.loads(str(after[0][1]))["card"])
            steps = [h for h in history if (h[0], h[1]) >= earliest]
        else:  # imported history without snapshots: the new answers go on top
            base, steps = current, [h for h in history if h[1] in self.added]
        done = replay(
            base,
            [Step(uid, from_ms(at), rating) for at, uid, rating, _ in steps],
            side.scheduler(card.deck_id),
            key=key,
        )
        undos = {uid: undo for _, uid, _, undo in steps}
        self.w.set_undo(
            [(undo_json(card_snapshot(b), undos.get(uid)), uid) for uid, b in done.before]
        )
        self.ctx.result.replayed += 1
        stamp = self.ctx.store.sync.tick(side.now_ms)
        return _sched(schedule_of(current, done.card)), stamp, False


def _domain(card: LocalCard, sched: tuple[Any, ...]) -> Card:
    """A domain card from a stored card's identity and a schedule in column order."""
    state, due, step, stability, difficulty, last_review, reps, lapses = sched
    return Card(
        id=card.id,
        note_id=card.note_id,
        deck_id=card.deck_id,
        user_id=0,
        ordinal=card.ordinal,
        state=CardState(int(state)),
        due=from_ms(int(due)),
        step=step,
        stability=stability,
        difficulty=difficulty,
        last_review=None if last_review is None else from_ms(int(last_review)),
        reps=int(reps),
        lapses=int(lapses),
        suspended=bool(card.suspended),
        buried_until=None if card.buried_until is None else date.fromordinal(card.buried_until),
    )


def _sched(card: Card) -> tuple[Any, ...]:
    """A card's schedule in column order."""
    return (
        int(card.state),
        to_ms(card.due),
        card.step,
        card.stability,
        card.difficulty,
        None if card.last_review is None else to_ms(card.last_review),
        card.reps,
        card.lapses,
    )
