"""Studying: today's queues, recording answers (the one answer path), undo, card actions.

Every front-end records answers through :meth:`Study.record`: the CLI and the
terminal one at a time, the web server's group commit many at once, a
matching question all its cards together. Each card is read and scheduled
*inside* the write transaction, so two processes answering the same card
cannot both schedule it from the same stale state (the second waits for the
first's commit, then reads what it wrote).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tokendeck.collection.core import Core
from tokendeck.collection.decks import Decks
from tokendeck.collection.notes import Notes
from tokendeck.domain.attempts import Attempt, LoggedAttempt
from tokendeck.domain.cards import Card, CardState, CardView, Rating, check_flag
from tokendeck.domain.decks import DeckCounts, is_within
from tokendeck.domain.reviews import Review, kind_for
from tokendeck.errors import NothingToUndoError, ValidationError
from tokendeck.scheduling.queue import DayLog, Limits, QueueCounts, StudyQueue, interleave, pick
from tokendeck.scheduling.scheduler import Outcome, Plan, reset_card
from tokendeck.storage.rows import card_from_snapshot, card_snapshot, from_ms, to_ms

LEECH_TAG = "leech"
#: The kinds of study session, each with its own queue (see Study.queue).
SESSIONS = ("study", "learn", "custom")
_LEARNING = (CardState.LEARNING, CardState.RELEARNING)
#: How far after a card's last answer an answer made on a clock behind it is recorded.
_AFTER = timedelta(milliseconds=1)
#: How many answers recorded together one undo takes back at most.
MAX_GROUP = 1000
#: Cards shown whose answers are kept worked out (many learners share a web server).
MAX_PLANS = 256


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer to record: the card, the rating, how long it took and how it was asked."""

    card_id: int
    rating: Rating | str | int
    duration_ms: int = 0
    #: The question format, what was typed or picked and the grade; plain flips leave it out.
    attempt: Attempt | None = None
    #: When it was answered, if not at the ``now`` of the call (answers gathered over a moment).
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AnswerResult:
    """What answering did: the card after, the review logged, and whether it became a leech."""

    card: Card
    review: Review
    leech: bool


@dataclass(frozen=True, slots=True)
class MemoryState:
    """A card's memory state and the due date it implies."""

    stability: float
    difficulty: float
    due: datetime


class Study:
    """Queues, answers, undo and the card actions suspend / bury / reset."""

    def __init__(self, core: Core, decks: Decks, notes: Notes) -> None:
        self.core = core
        self.store = core.store
        self.decks = decks
        self.notes = notes

    # -- the queue -------------------------------------------------------------------------
    def next_card(
        self, now: datetime, deck: str | int | None = None, session: str = "study"
    ) -> CardView | None:
        """The card to study now, or None when nothing is due (see :meth:`next_due`)."""
        with self.core.burst():  # one look for other writers' changes, not one per part
            card = self.queue(now, deck, session).next(now)
            return None if card is None else self.notes.view(card)

    def _plan(self, card: Card, now: datetime) -> Plan:
        plans = self.core.caches.plans
        plan = plans.get(card.id)
        if plan is None or plan.card != card:
            plan = self.decks.scheduler(card.deck_id).plan(card, now)
            if len(plans) >= MAX_PLANS:
                del plans[next(iter(plans))]  # the oldest shown
            plans[card.id] = plan
        return plan

    def counts(
        self, now: datetime, deck: str | int | None = None, session: str = "study"
    ) -> QueueCounts:
        """New, learning and review cards left to study today."""
        with self.core.burst():
            return self.queue(now, deck, session).counts()

    def next_due(
        self, now: datetime, deck: str | int | None = None, session: str = "study"
    ) -> datetime | None:
        """When the next card becomes due, if nothing is due now."""
        with self.core.burst():
            waiting = self.queue(now, deck, session).next_due()
            if waiting is not None or session == "custom":
                return waiting
            ids = self.decks.ids(deck)
        calendar = self.core.calendar
        found = self.store.study.next_due_ms(ids, calendar.today(now).toordinal())
        if found is None:
            return None
        return max(from_ms(found), calendar.end_of_today(now))

    def deck_counts(self, now: datetime, deck: str | int | None = None) -> list[DeckCounts]:
        """New / learning / due-today counts and totals for each deck, subdecks included.

        An empty "Default" deck without subdecks is left out (see Decks.lingering).
        """
        with self.core.burst():  # one look for other writers' changes, not one per deck
            return self._deck_counts(now, deck)

    def _deck_counts(self, now: datetime, deck: str | int | None) -> list[DeckCounts]:
        totals = self.store.cards.totals_by_deck()
        decks = self.decks.all()
        wanted = set(self.decks.ids(deck))
        hidden = self.decks.lingering(decks, totals)
        result = []
        for each in decks:
            if each.id in wanted and each.id not in hidden:
                counts = self.counts(now, each.id)
                total = sum(totals.get(d.id, 0) for d in decks if is_within(d.name, each.name))
                result.append(DeckCounts(each, counts.new, counts.learning, counts.review, total))
        return result

    def queue(self, now: datetime, deck: str | int | None, session: str = "study") -> StudyQueue:
        """Today's queue of a session over a deck and its subdecks (every deck for None).

        Kinds of session: "study" (today's cards, within the daily limits), "learn"
        (the same cards, its own order), "custom" (the deck's custom study session).
        Queues are cached per kind, decks and day; every answer updates each one
        (see :meth:`_after_answer`), so a session never shows another deck's card
        and its counts are what a fresh process would compute.
        """
        with self.core.burst():  # one look for other writers' changes (here and in decks)
            return self._queue(now, deck, session)

    def _queue(self, now: datetime, deck: str | int | None, session: str) -> StudyQueue:
        if session not in SESSIONS:
            raise ValidationError(
                f"unknown study session {session!r}", hint=f"use one of {', '.join(SESSIONS)}"
            )
        self.core.sync()
        today = self.core.calendar.today(now)
        ids = self.decks.ids(deck)
        if session == "custom" and deck is None:
            raise ValidationError(
                "a custom study session belongs to a deck", hint="choose the deck to study"
            )
        key = (session, None if deck is None else tuple(sorted(ids)), today)
        queues = self.core.caches.queues
        if key not in queues:
            for stale in [k for k in queues if k[2] != today]:
                del queues[stale]
            if session == "custom":
                queues[key] = self._build_custom(now, self.decks.get(deck or 0).id, ids)
            else:
                queues[key] = self._build_queue(now, ids, every=deck is None)
        return queues[key]

    def _build_queue(self, now: datetime, deck_ids: list[int], *, every: bool) -> StudyQueue:
        calendar = self.core.calendar
        today = calendar.today(now).toordinal()
        end = to_ms(calendar.end_of_today(now))
        start_ms = to_ms(calendar.start(calendar.today(now)))
        log = DayLog.from_answers(self.store.reviews.answered_since(start_ms))
        limits = self._limits(deck_ids, today)
        taken: set[int] = set()
        learning = self.store.study.learning_cards(deck_ids, today, end)
        taken.update(c.note_id for c in learning)
        due: list[Card] = []
        fresh: list[Card] = []
        for deck_id, limit in limits.items():
            # Fetch a little more than the limit: siblings of cards seen today are skipped.
            reviews_left = limit.reviews_per_day - log.reviewed.get(deck_id, 0)
            if reviews_left > 0:
                due += self.store.study.review_cards(deck_id, today, end, reviews_left * 2 + 50)
            new_left = limit.new_per_day - log.new_started.get(deck_id, 0)
            if new_left > 0:
                fresh += self.store.study.new_cards(deck_id, today, new_left * 2 + 50)
        reviews = pick(sorted(due, key=_due_order), limits, log, taken, new=False)
        new = pick(sorted(fresh, key=_due_order), limits, log, taken, new=True)
        end_of_day = calendar.end_of_today(now)
        decks = None if every else deck_ids
        return StudyQueue(learning, interleave(reviews, new), end_of_day, decks)

    def _limits(self, deck_ids: list[int], today: int) -> dict[int, Limits]:
        """Each deck's daily limits, with what custom study added for today."""
        configs = {d.id: d.config for d in self.decks.all() if d.id in set(deck_ids)}
        extra = self.store.study.extensions(deck_ids, today)
        return {
            i: Limits(
                c.new_per_day + extra.get(i, (0, 0))[0],
                c.reviews_per_day + extra.get(i, (0, 0))[1],
            )
            for i, c in configs.items()
        }

    def _build_custom(self, now: datetime, home: int, deck_ids: list[int]) -> StudyQueue:
        calendar = self.core.calendar
        end = calendar.end_of_today(now)
        cards = self.store.study.custom_cards(home, deck_ids, calendar.today(now).toordinal())
        learning = [c for c in cards if c.state in _LEARNING and c.due < end]
        main = [c for c in cards if c.state not in _LEARNING]
        members = [c.id for c in cards]
        return StudyQueue(learning, main, end, deck_ids, members=members)

    def preview(self, card_id: int, now: datetime) -> dict[Rating, datetime]:
        """The due time each rating would give (for the answer buttons).

        The four answers are worked out as the card is shown with its buttons and
        kept: answering it then only writes (the plan is used only if the card is
        unchanged when the answer's transaction reads it, on the same study day).
        """
        with self.core.burst():
            self.core.sync()
            card = self.notes.card_state(card_id)
            plan = self._plan(card, now)
            return self.decks.scheduler(card.deck_id).preview(card, now, plan)

    def retrievability(self, card: Card, now: datetime) -> float | None:
        """Probability of recalling a card now, from its memory state."""
        return self.decks.scheduler(card.deck_id).retrievability(card, now)

    # -- answering -------------------------------------------------------------------------
    def record(
        self,
        answers: Sequence[Answer],
        *,
        now: datetime,
        together: bool = False,
        wait_for_disk: bool = True,
    ) -> list[AnswerResult]:
        """Record answers in one durable transaction: all of them, or none (on any error).

        Each card is read, scheduled and written inside the transaction. With
        ``together`` (the cards of one matching question), one undo takes them
        all back. ``wait_for_disk=False``: return once committed, before the
        disk has it; the caller makes it durable with ``Store.sync_log`` (in
        another thread) before telling anyone the answers are recorded.
        """
        for answer in answers:
            if answer.attempt is not None:
                answer.attempt.validated()
        ratings = [
            a.rating if isinstance(a.rating, Rating) else Rating.parse(a.rating) for a in answers
        ]
        group = uuid.uuid4().hex if together and len(answers) > 1 else None
        done: list[tuple[Card, AnswerResult]] = []
        waiting = nullcontext() if wait_for_disk else self.store.disk_wait_deferred()
        try:
            with waiting, self.store.transaction(), self.core.burst():
                self.core.sync()  # inside the lock: another process's commit is seen now
                for answer, rating in zip(answers, ratings, strict=True):
                    done.append(self._record_one(answer, rating, answer.at or now, group))
        except BaseException:
            self.core.forget()  # queues may have seen answers that were rolled back
            raise
        for before, result in done:
            self._after_answer(before, result.card)
        return [result for _, result in done]

    def _record_one(
        self, answer: Answer, rating: Rating, now: datetime, group: str | None
    ) -> tuple[Card, AnswerResult]:
        card = self.notes.card_state(answer.card_id)  # inside the transaction: as it is now
        if card.last_review is not None and now <= card.last_review:
            # A clock behind the card's last answer (another device's, synced in): this
            # answer still comes after it, so every replica orders the two the same way.
            now = card.last_review + _AFTER
        plan = self.core.caches.plans.pop(card.id, None)
        outcome = self.decks.scheduler(card.deck_id).answer(card, rating, now, plan)
        after, leech = self._leech_check(outcome)
        review = _review(card, after, outcome, now, answer.duration_ms)
        undo: dict[str, Any] = {"card": card_snapshot(card), "leech": leech}
        if group is not None:
            undo["group"] = group
        if after.state not in _LEARNING:  # out of its custom session, if it was in one
            place = self.store.study.custom_place(card.id)
            if place is not None:
                self.store.study.leave_custom(card.id)
                undo["custom"] = list(place)
        self.store.cards.save(after, to_ms(now))
        review_id = self.store.reviews.insert(review, undo)
        review = _review(card, after, outcome, now, answer.duration_ms, review_id)
        if answer.attempt is not None:
            self.store.attempts.insert(review, answer.attempt)
        if leech:
            self.notes.tag(card.note_id, LEECH_TAG, add=True, now=now)
        return card, AnswerResult(after, review, leech)

    def _leech_check(self, outcome: Outcome) -> tuple[Card, bool]:
        threshold = self.decks.scheduler(outcome.card.deck_id).config.leech_threshold
        lapses = outcome.card.lapses
        # As in Anki: a leech at the threshold, and again every half threshold after it.
        half = max(1, threshold // 2)
        if outcome.lapsed and lapses >= threshold and (lapses - threshold) % half == 0:
            return replace(outcome.card, suspended=True), True
        return outcome.card, False

    def _after_answer(self, before: Card, after: Card) -> None:
        # Our own commits never change data_version, so the cached queues stay and each
        # learns of the answer. A queue that held the card takes it out (and back, if it
        # is due again today and belongs there). A study queue of the card's deck that
        # did not hold it (a card from a custom session, or rated in a matching round)
        # is dropped: the answer counts against its deck's daily limits, which a fresh
        # build reads from the log. So is one that did not hold the card but holds a
        # sibling (another deck's, say): the sibling waits until tomorrow, and a fresh
        # build gives its place today to the next card.
        queues = self.core.caches.queues
        for key, queue in list(queues.items()):
            if queue.holds(before.id) or (queue.members and before.id in queue.members):
                if after.suspended:
                    queue.remove(before.id)
                else:
                    queue.answered(before, after)
            elif key[0] != "custom" and (
                queue.draws_from(before.deck_id) or queue.holds_note(before.note_id)
            ):
                del queues[key]
                continue
            if key[0] != "custom":  # a custom session keeps siblings (it has no day limits)
                queue.remove_note(before.note_id)

    def attempts(self, since: datetime | None = None) -> list[LoggedAttempt]:
        """Logged attempts (format, typed answer, grade, overrides), oldest first."""
        return self.store.attempts.since(to_ms(since) if since else 0)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group several changes into one durable commit (all of them, or none)."""
        try:
            with self.store.transaction():
                yield
        except BaseException:
            self.core.forget()  # the in-memory queue saw answers that were rolled back
            raise

    # -- undo ------------------------------------------------------------------------------
    def undo(self, now: datetime) -> Card:
        """Take back the newest answer: restore the card and delete its review.

        Answers recorded together (one matching question) are taken back together;
        the card returned is the first of them, as restored.
        """
        with self.store.transaction():
            entries = self.store.reviews.newest_undoable(1)
            if not entries:
                raise NothingToUndoError("there is no answer to undo")
            group = entries[0][2].get("group")
            if group is not None:
                entries = _same_group(self.store.reviews.newest_undoable(MAX_GROUP), group)
            restored = [self._undo_one(*entry, now) for entry in entries]
        self.core.forget()
        return restored[-1]

    def _undo_one(self, review_id: int, card_id: int, data: dict[str, Any], now: datetime) -> Card:
        current = self.notes.card_state(card_id)
        restored = card_from_snapshot(current, data["card"])
        later = self.store.reviews.answered_after(card_id, review_id)
        if later:  # answers synced in after this one: they are answered again, in order
            restored = self._answer_again(restored, later)
        self.store.cards.save(restored, to_ms(now))
        self.store.reviews.delete(review_id)
        if data.get("custom"):
            deck_id, position, created = data["custom"]
            self.store.study.rejoin_custom(card_id, (deck_id, position, created))
        if data.get("leech"):
            self.notes.tag(current.note_id, LEECH_TAG, add=False, now=now)
        return restored

    def _answer_again(self, card: Card, answers: list[tuple[bytes, int, int]]) -> Card:
        from tokendeck.sync.replay import Step, replay, schedule_of

        guid = self.notes.get(card.note_id).guid
        steps = [Step(uid, from_ms(at), rating) for uid, at, rating in answers]
        scheduler = self.decks.scheduler(card.deck_id)
        again = replay(card, steps, scheduler, key=f"{guid}:{card.ordinal}").card
        return schedule_of(card, again)

    # -- card actions ----------------------------------------------------------------------
    def suspend(self, card_ids: Sequence[int], *, now: datetime) -> None:
        """Keep cards out of study until unsuspended."""
        self._set_cards(card_ids, now, suspended=True)

    def unsuspend(self, card_ids: Sequence[int], *, now: datetime) -> None:
        """Return suspended cards to study."""
        self._set_cards(card_ids, now, suspended=False)

    def bury(self, card_ids: Sequence[int], *, now: datetime) -> None:
        """Hide cards until the next study day."""
        tomorrow = self.core.calendar.today(now) + timedelta(days=1)
        self._set_cards(card_ids, now, buried_until=tomorrow)

    def flag(self, card_ids: Sequence[int], flag: int | str, *, now: datetime) -> int:
        """Set a coloured flag on cards (0 or "none" clears it); returns the flag number."""
        number = check_flag(flag)
        for card_id in card_ids:
            self.notes.card_state(card_id)  # NotFoundError before anything changes
        with self.store.transaction():
            self.store.cards.set_flag(list(card_ids), number, to_ms(now))
        self.core.forget()  # queued cards carry their flag
        return number

    def reset(self, card_ids: Sequence[int], *, now: datetime) -> None:
        """Make cards new again; the history is kept and a manual entry marks the reset.

        The review log records the reset (rating 0, kind "manual"), so parameter
        fitting knows the card started over, and ``undo`` can take it back.
        """
        now_ms = to_ms(now)
        with self.store.transaction():
            for card in [self.notes.card_state(i) for i in card_ids]:
                self.store.cards.save(reset_card(card, now), now_ms)
                entry = Review(
                    id=0,
                    card_id=card.id,
                    user_id=card.user_id,
                    reviewed_at=now.astimezone(UTC),
                    rating=0,
                    duration_ms=0,
                    kind="manual",
                    state_before=card.state,
                    state_after=CardState.NEW,
                    scheduled_days=0.0,
                    elapsed_days=-1,
                    stability=None,
                    difficulty=None,
                )
                self.store.reviews.insert(entry, {"card": card_snapshot(card), "leech": False})
        self.core.forget()

    def set_memory_states(self, states: Mapping[int, MemoryState], *, now: datetime) -> None:
        """Store recomputed memory states and due dates (after fitting parameters), atomically."""
        if len(states) > 1000:  # rescheduling a collection: one query, not one per card
            by_id = {c.id: c for c in self.store.cards.all() if c.id in states}
            cards = [by_id.get(i) or self.notes.card_state(i) for i in states]
        else:
            cards = [self.notes.card_state(i) for i in states]
        with self.store.transaction():
            for card in cards:
                state = states[card.id]
                updated = replace(
                    card, stability=state.stability, difficulty=state.difficulty, due=state.due
                )
                self.store.cards.save(updated, to_ms(now))
        self.core.forget()

    def _set_cards(self, card_ids: Sequence[int], now: datetime, **changes: Any) -> None:
        with self.store.transaction():
            for card in [self.notes.card_state(i) for i in card_ids]:
                self.store.cards.save(replace(card, **changes), to_ms(now))
        self.core.forget()


def _due_order(card: Card) -> tuple[datetime, int]:
    return card.due, card.id


def _same_group(
    entries: list[tuple[int, int, dict[str, Any]]], group: str
) -> list[tuple[int, int, dict[str, Any]]]:
    """The newest entries while they belong to ``group`` (newest first)."""
    run = []
    for entry in entries:
        if entry[2].get("group") != group:
            break
        run.append(entry)
    return run


def _review(
    card: Card, after: Card, outcome: Outcome, now: datetime, duration_ms: int, review_id: int = 0
) -> Review:
    # Built twice (before and after the insert gives the id): a constructor call
    # is several times cheaper than dataclasses.replace on the hot answer path.
    return Review(
        id=review_id,
        card_id=card.id,
        user_id=card.user_id,
        reviewed_at=now.astimezone(UTC),
        rating=int(outcome.rating),
        duration_ms=max(0, int(duration_ms)),
        kind=kind_for(card.state),
        state_before=card.state,
        state_after=after.state,
        scheduled_days=outcome.scheduled_days,
        elapsed_days=outcome.elapsed_days,
        stability=after.stability,
        difficulty=after.difficulty,
    )
