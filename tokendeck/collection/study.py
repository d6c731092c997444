"""Studying: the part of the collection facade that shows cards and records answers.

A mixin of :class:`tokendeck.collection.Collection`, kept apart so each module
stays small: the queue of today's cards (cached in memory, rebuilt when
another process commits), answering with leech handling, undo, and the card
actions suspend / bury / reset.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tokendeck.domain.attempts import Attempt, LoggedAttempt
from tokendeck.domain.cards import Card, CardState, CardView, Rating
from tokendeck.domain.days import Calendar
from tokendeck.domain.decks import Deck
from tokendeck.domain.notes import Note, normalise_tags
from tokendeck.domain.reviews import Review, kind_for
from tokendeck.errors import NothingToUndoError
from tokendeck.scheduling.queue import DayLog, Limits, QueueCounts, StudyQueue, interleave, pick
from tokendeck.scheduling.scheduler import Outcome, Scheduler
from tokendeck.storage import Database
from tokendeck.storage import queries as q
from tokendeck.storage import study_queries as sq

LEECH_TAG = "leech"


@dataclass(frozen=True, slots=True)
class MemoryState:
    """A card's memory state and the due date it implies."""

    stability: float
    difficulty: float
    due: datetime


@dataclass(frozen=True, slots=True)
class AnswerResult:
    """What answering did: the card after, the review logged, and whether it became a leech."""

    card: Card
    review: Review
    leech: bool


class Studying:
    """Study-queue and answer operations; mixed into ``Collection``."""

    db: Database
    user_id: int
    fuzz_seed: int | None
    _schedulers: dict[int, Scheduler]
    _queues: dict[tuple[str | None, date], StudyQueue]
    _version: int

    if TYPE_CHECKING:  # provided by Collection

        @property
        def calendar(self) -> Calendar: ...
        def decks(self) -> list[Deck]: ...
        def deck(self, name_or_id: str | int) -> Deck: ...
        def deck_ids(self, deck: str | int | None) -> list[int]: ...
        def note(self, note_id: int) -> Note: ...
        def view(self, card: Card) -> CardView: ...
        def _card(self, card_id: int) -> Card: ...
        def _forget_caches(self) -> None: ...

    # -- studying ---------------------------------------------------------------------------
    def next_card(self, now: datetime, deck: str | int | None = None) -> CardView | None:
        """The card to study now, or None when nothing is due (see :meth:`next_due`)."""
        card = self._queue(now, deck).next(now)
        return None if card is None else self.view(card)

    def study_queue(self, now: datetime, deck: str | int | None = None) -> StudyQueue:
        """Today's cached queue (for features that reorder what is still to come)."""
        return self._queue(now, deck)

    def queue_counts(self, now: datetime, deck: str | int | None = None) -> QueueCounts:
        """New, learning and review cards left to study today."""
        return self._queue(now, deck).counts()

    def next_due(self, now: datetime, deck: str | int | None = None) -> datetime | None:
        """When the next card becomes due, if nothing is due now."""
        waiting = self._queue(now, deck).next_due()
        if waiting is not None:
            return waiting
        today = self.calendar.today(now).toordinal()
        found = sq.next_due_ms(self.db, self.user_id, self.deck_ids(deck), today)
        if found is None:
            return None
        return max(q.from_ms(found), self.calendar.end_of_today(now))

    def preview(self, card_id: int, now: datetime) -> dict[Rating, datetime]:
        """The due time each rating would give (for the answer buttons)."""
        self._sync()
        card = self._card(card_id)
        return self._scheduler(card.deck_id).preview(card, now)

    def answer(
        self,
        card_id: int,
        rating: Rating | str | int,
        *,
        now: datetime,
        duration_ms: int = 0,
        attempt: Attempt | None = None,
    ) -> AnswerResult:
        """Record an answer: schedule the card and log the review, durably, in one transaction.

        ``attempt`` records the question format, what was typed or picked and the
        grade (see :mod:`tokendeck.domain.attempts`); plain flips may leave it out.
        """
        if attempt is not None:
            attempt.validated()
        self._sync()
        card = self._card(card_id)
        rating = rating if isinstance(rating, Rating) else Rating.parse(rating)
        outcome = self._scheduler(card.deck_id).answer(card, rating, now)
        after, leech = self._leech_check(outcome)
        review = _review(card, after, outcome, now, duration_ms)
        undo = {"card": _snapshot(card), "leech": leech}
        now_ms = q.to_ms(now)
        with self.db.transaction():
            q.save_card(self.db, after, now_ms)
            review_id = q.insert_review(self.db, review, undo)
            review = _review(card, after, outcome, now, duration_ms, review_id)
            if attempt is not None:
                q.insert_attempt(self.db, review, attempt)
            if leech:
                self._tag_note(card.note_id, LEECH_TAG, add=True, now=now)
        self._after_answer(card, after, now)
        return AnswerResult(after, review, leech)

    def attempts(self, since: datetime | None = None) -> list[LoggedAttempt]:
        """Logged attempts (format, typed answer, grade, overrides), oldest first."""
        return q.attempts(self.db, self.user_id, q.to_ms(since) if since else 0)

    def _leech_check(self, outcome: Outcome) -> tuple[Card, bool]:
        threshold = self._scheduler(outcome.card.deck_id).config.leech_threshold
        lapses = outcome.card.lapses
        # As in Anki: a leech at the threshold, and again every half threshold after it.
        half = max(1, threshold // 2)
        if outcome.lapsed and lapses >= threshold and (lapses - threshold) % half == 0:
            return replace(outcome.card, suspended=True), True
        return outcome.card, False

    def _after_answer(self, before: Card, after: Card, now: datetime) -> None:
        # No need to re-read data_version: a connection's own commits never change it.
        for queue in self._queues.values():
            if after.suspended:
                queue.remove(before.id)
            else:
                queue.answered(before, after)
            queue.remove_note(before.note_id)

    def undo(self, now: datetime) -> Card:
        """Take back the newest answer: restore the card and delete its review."""
        found = q.last_undoable(self.db, self.user_id)
        if found is None:
            raise NothingToUndoError("there is no answer to undo")
        review_id, card_id, data = found
        current = self._card(card_id)
        restored = _restore(current, data["card"])
        with self.db.transaction():
            q.save_card(self.db, restored, q.to_ms(now))
            q.delete_review(self.db, review_id)
            if data.get("leech"):
                self._tag_note(current.note_id, LEECH_TAG, add=False, now=now)
        self._forget_caches()
        return restored

    def _tag_note(self, note_id: int, tag: str, *, add: bool, now: datetime) -> None:
        note = self.note(note_id)
        tags = (*note.tags, tag) if add else tuple(t for t in note.tags if t != tag)
        q.update_note(self.db, replace(note, tags=normalise_tags(tags), modified_at=now))

    def suspend(self, card_ids: Sequence[int], *, now: datetime) -> None:
        """Keep cards out of study until unsuspended."""
        self._set_cards(card_ids, now, suspended=True)

    def unsuspend(self, card_ids: Sequence[int], *, now: datetime) -> None:
        """Return suspended cards to study."""
        self._set_cards(card_ids, now, suspended=False)

    def bury(self, card_ids: Sequence[int], *, now: datetime) -> None:
        """Hide cards until the next study day."""
        tomorrow = self.calendar.today(now) + timedelta(days=1)
        self._set_cards(card_ids, now, buried_until=tomorrow)

    def reset(self, card_ids: Sequence[int], *, now: datetime) -> None:
        """Make cards new again; the history is kept and a manual entry marks the reset.

        The review log records the reset (rating 0, kind "manual"), so parameter
        fitting knows the card started over, and ``undo`` can take it back.
        """
        cards = [self._card(i) for i in card_ids]
        now_ms = q.to_ms(now)
        with self.db.transaction():
            for card in cards:
                fresh = replace(
                    card,
                    state=CardState.NEW,
                    due=now.astimezone(UTC),
                    step=None,
                    stability=None,
                    difficulty=None,
                    last_review=None,
                    reps=0,
                    lapses=0,
                    buried_until=None,
                )
                q.save_card(self.db, fresh, now_ms)
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
                q.insert_review(self.db, entry, {"card": _snapshot(card), "leech": False})
        self._forget_caches()

    def set_memory_states(self, states: Mapping[int, MemoryState], *, now: datetime) -> None:
        """Store recomputed memory states and due dates (after fitting parameters), atomically."""
        if len(states) > 1000:  # rescheduling a collection: one query, not one per card
            by_id = {c.id: c for c in sq.all_cards(self.db, self.user_id, None) if c.id in states}
            cards = [by_id.get(i) or self._card(i) for i in states]  # _card: not found error
        else:
            cards = [self._card(i) for i in states]
        with self.db.transaction():
            for card in cards:
                state = states[card.id]
                updated = replace(
                    card, stability=state.stability, difficulty=state.difficulty, due=state.due
                )
                q.save_card(self.db, updated, q.to_ms(now))
        self._forget_caches()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group several changes (e.g. answers arriving together) into one durable commit."""
        try:
            with self.db.transaction():
                yield
        except BaseException:
            self._forget_caches()  # the in-memory queue saw answers that were rolled back
            raise

    def _set_cards(self, card_ids: Sequence[int], now: datetime, **changes: Any) -> None:
        cards = [self._card(i) for i in card_ids]
        with self.db.transaction():
            for card in cards:
                q.save_card(self.db, replace(card, **changes), q.to_ms(now))
        self._forget_caches()

    def _scheduler(self, deck_id: int) -> Scheduler:
        """The deck's scheduler, cached until its options change (here or elsewhere)."""
        scheduler = self._schedulers.get(deck_id)
        if scheduler is None:
            config = self.deck(deck_id).config
            scheduler = Scheduler(config, self.calendar, fuzz_seed=self.fuzz_seed)
            self._schedulers[deck_id] = scheduler
        return scheduler

    def _sync(self) -> None:
        """Drop every cache (queues, schedulers, settings) if another connection committed."""
        version = sq.data_version(self.db)
        if version != self._version:
            self._forget_caches()
            self._version = version

    def _queue(self, now: datetime, deck: str | int | None) -> StudyQueue:
        self._sync()
        today = self.calendar.today(now)
        key = (None if deck is None else str(deck), today)
        if key not in self._queues:
            self._queues = {k: v for k, v in self._queues.items() if k[1] == today}
            self._queues[key] = self._build_queue(now, self.deck_ids(deck))
        return self._queues[key]

    def _build_queue(self, now: datetime, deck_ids: list[int]) -> StudyQueue:
        calendar = self.calendar
        today = calendar.today(now).toordinal()
        end = calendar.end_of_today(now)
        start_ms = q.to_ms(calendar.start(calendar.today(now)))
        log = DayLog.from_answers(q.answered_today(self.db, self.user_id, start_ms))
        configs = {d.id: d.config for d in self.decks() if d.id in deck_ids}
        limits = {i: Limits(c.new_per_day, c.reviews_per_day) for i, c in configs.items()}
        taken: set[int] = set()
        learning = sq.learning_cards(self.db, self.user_id, deck_ids, today, q.to_ms(end))
        taken.update(c.note_id for c in learning)
        review_cap = sum(c.reviews_per_day for c in configs.values())
        new_cap = sum(c.new_per_day for c in configs.values())
        due = sq.review_cards(
            self.db, self.user_id, deck_ids, today, q.to_ms(end), review_cap * 2 + 50
        )
        reviews = pick(due, limits, log, taken, new=False)
        fresh = sq.new_cards(self.db, self.user_id, deck_ids, today, new_cap * 2 + 50)
        new = pick(fresh, limits, log, taken, new=True)
        return StudyQueue(learning, interleave(reviews, new), end)


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


def _snapshot(card: Card) -> dict[str, Any]:
    params = q.card_schedule_params(card, 0)
    keys = (
        "state",
        "due",
        "step",
        "stability",
        "difficulty",
        "last_review",
        "reps",
        "lapses",
        "suspended",
        "buried_until",
    )
    return dict(zip(keys, params[:10], strict=True))


def _restore(card: Card, snap: dict[str, Any]) -> Card:
    return replace(
        card,
        state=CardState(snap["state"]),
        due=q.from_ms(snap["due"]),
        step=snap["step"],
        stability=snap["stability"],
        difficulty=snap["difficulty"],
        last_review=None if snap["last_review"] is None else q.from_ms(snap["last_review"]),
        reps=snap["reps"],
        lapses=snap["lapses"],
        suspended=bool(snap["suspended"]),
        buried_until=None
        if snap["buried_until"] is None
        else date.fromordinal(snap["buried_until"]),
    )
