"""The study queue: which cards to show today, and in what order. Pure.

Rules (as a learner of Anki would expect):

* (re)learning cards come back at their exact step time; when nothing else
  is left they may be shown up to ``LEARN_AHEAD`` early;
* review cards due today, oldest first, up to each deck's reviews-per-day
  limit minus the reviews already done today;
* new cards in the order they were added, up to the new-per-day limit minus
  the new cards already started today, spread among the reviews;
* siblings (other cards of the same note) are not shown on a day on which
  one of them was answered, and at most one card per note is queued.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tokendeck.domain.cards import Card, CardState

#: How early a learning card may be shown when nothing else is due.
LEARN_AHEAD = timedelta(minutes=20)


@dataclass(frozen=True, slots=True)
class QueueCounts:
    """Cards still to study today."""

    new: int
    learning: int
    review: int

    @property
    def total(self) -> int:
        """All cards left."""
        return self.new + self.learning + self.review


@dataclass(frozen=True, slots=True)
class DayLog:
    """What was already answered today, per deck."""

    new_started: dict[int, int] = field(default_factory=dict)
    reviewed: dict[int, int] = field(default_factory=dict)
    #: note id -> card ids answered today
    notes_seen: dict[int, set[int]] = field(default_factory=dict)

    @classmethod
    def from_answers(cls, answers: Iterable[tuple[int, int, int, int]]) -> DayLog:
        """Build from (card id, note id, deck id, state before) rows."""
        log = cls()
        for card_id, note_id, deck_id, state_before in answers:
            if state_before == CardState.NEW:
                log.new_started[deck_id] = log.new_started.get(deck_id, 0) + 1
            elif state_before == CardState.REVIEW:
                log.reviewed[deck_id] = log.reviewed.get(deck_id, 0) + 1
            log.notes_seen.setdefault(note_id, set()).add(card_id)
        return log

    def sibling_seen(self, card: Card) -> bool:
        """Whether another card of this card's note was answered today."""
        seen = self.notes_seen.get(card.note_id)
        return bool(seen and (seen - {card.id}))


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-deck daily limits."""

    new_per_day: int
    reviews_per_day: int


def pick(
    cards: Iterable[Card],
    limits: dict[int, Limits],
    log: DayLog,
    taken_notes: set[int],
    *,
    new: bool,
) -> list[Card]:
    """Cards of one kind in order, respecting limits, siblings and one card per note."""
    remaining = {
        deck: max(0, (lim.new_per_day if new else lim.reviews_per_day) - _done(log, deck, new))
        for deck, lim in limits.items()
    }
    chosen = []
    for card in cards:
        if remaining.get(card.deck_id, 0) <= 0:
            continue
        if card.note_id in taken_notes or log.sibling_seen(card):
            continue
        remaining[card.deck_id] -= 1
        taken_notes.add(card.note_id)
        chosen.append(card)
    return chosen


def _done(log: DayLog, deck: int, new: bool) -> int:
    return (log.new_started if new else log.reviewed).get(deck, 0)


def interleave(reviews: list[Card], new: list[Card]) -> list[Card]:
    """Spread new cards evenly among reviews (new first when there are no reviews)."""
    if not reviews or not new:
        return [*reviews, *new] if reviews else list(new)
    every = max(1, len(reviews) // (len(new) + 1))
    merged: list[Card] = []
    pending = list(new)
    for index, card in enumerate(reviews, start=1):
        merged.append(card)
        if pending and index % every == 0:
            merged.append(pending.pop(0))
    return merged + pending


class StudyQueue:
    """Today's queue, kept in memory so that the next card is a list lookup.

    Every operation an answer needs is O(1): cards leave the main list by
    being marked gone (skipped when reached), and the counts are kept as
    running totals, so a queue of tens of thousands of cards costs no more
    per answer than a queue of twenty.
    """

    def __init__(
        self,
        learning: list[Card],
        main: list[Card],
        end_of_day: datetime,
        decks: Iterable[int] | None = None,
        members: Iterable[int] | None = None,
    ) -> None:
        #: The decks this queue draws from (None: every deck); an answered card of
        #: another deck never comes back into it.
        self.decks = None if decks is None else frozenset(decks)
        #: The only cards that may come back into it (a custom session's); None: any card
        #: of its decks.
        self.members = None if members is None else set(members)
        self._learning = sorted(learning, key=lambda c: (c.due, c.id))
        self._learning_ids = {c.id for c in learning}
        self._main = main
        self._position = 0
        self._end_of_day = end_of_day
        self._by_id = {c.id: c for c in main}
        self._by_note: dict[int, list[Card]] = {}
        for card in main:
            self._by_note.setdefault(card.note_id, []).append(card)
        #: Main-list cards taken out (answered, suspended, siblings of answered cards).
        self._gone: set[int] = set()
        self._new = sum(1 for c in main if c.state == CardState.NEW)
        self._review = len(main) - self._new
        #: Whether confusable cards were already spaced apart (Learn mode does it once).
        self.spaced = False

    def next(self, now: datetime) -> Card | None:
        """The card to show at ``now``, or None when nothing is left for now."""
        if self._learning and self._learning[0].due <= now:
            return self._learning[0]
        main, gone = self._main, self._gone
        while self._position < len(main) and main[self._position].id in gone:
            self._position += 1
        if self._position < len(main):
            return main[self._position]
        if self._learning and self._learning[0].due <= now + LEARN_AHEAD:
            return self._learning[0]
        return None

    def next_due(self) -> datetime | None:
        """When the earliest waiting learning card becomes due."""
        return self._learning[0].due if self._learning else None

    def holds(self, card_id: int) -> bool:
        """Whether the card is still queued (to come, or waiting in its learning steps)."""
        return card_id in self._learning_ids or (
            card_id in self._by_id and card_id not in self._gone
        )

    def draws_from(self, deck_id: int) -> bool:
        """Whether the queue takes cards of this deck."""
        return self.decks is None or deck_id in self.decks

    def answered(self, before: Card, after: Card) -> None:
        """Take an answered card out and requeue it if it is due again today."""
        self.remove(before.id)
        learning = after.state in (CardState.LEARNING, CardState.RELEARNING)
        if self.members is not None and not learning:
            self.members.discard(after.id)  # it left its custom session
        if (
            self.draws_from(after.deck_id)
            and (self.members is None or after.id in self.members)
            and learning
            and after.due < self._end_of_day
        ):
            insort(self._learning, after, key=lambda c: (c.due, c.id))
            self._learning_ids.add(after.id)

    def remove(self, card_id: int) -> None:
        """Forget a card (answered, suspended, buried, deleted)."""
        # An answered learning card is almost always the head of its list: O(1) then;
        # a card from the main list is not in it at all, which the id set tells at once.
        if card_id in self._learning_ids:
            self._learning_ids.discard(card_id)
            if self._learning[0].id == card_id:
                del self._learning[0]
            else:
                self._learning = [c for c in self._learning if c.id != card_id]
        card = self._by_id.get(card_id)
        if card is not None:
            self._drop(card)

    def holds_note(self, note_id: int) -> bool:
        """Whether a card of the note is still queued."""
        return any(self.holds(card.id) for card in self._by_note.get(note_id, ()))

    def remove_note(self, note_id: int) -> None:
        """Take out a note's other queued cards (siblings of an answered card)."""
        for card in self._by_note.get(note_id, ()):
            self._drop(card)

    def _drop(self, card: Card) -> None:
        if card.id in self._gone:
            return
        self._gone.add(card.id)
        if card.state == CardState.NEW:
            self._new -= 1
        else:
            self._review -= 1

    def pending_ids(self) -> list[int]:
        """Ids of the main-list cards still to come, in order."""
        gone = self._gone
        return [c.id for c in self._main[self._position :] if c.id not in gone]

    def reorder(self, card_ids: list[int]) -> None:
        """Put the pending main-list cards in a new order (e.g. confusable cards apart)."""
        pending = set(self.pending_ids())
        if set(card_ids) != pending:
            raise ValueError("reorder needs exactly the pending cards")
        self._main = [self._by_id[i] for i in card_ids]
        self._position = 0
        self.spaced = True

    def counts(self) -> QueueCounts:
        """New, learning and review cards still queued."""
        return QueueCounts(new=self._new, learning=len(self._learning), review=self._review)
