"""A card's schedule recomputed from its merged answers: FSRS replayed, deterministically.

When two devices answered the same card while apart, the server holds both
answers and neither device's schedule accounts for the other's. It then
replays: from the card as it was before the earliest answer the sender had
not seen (each answer keeps that state, its undo data), every answer from
there on in time order, through the deck's scheduler. The order is
``(answered at, review id)``; the interval fuzz is drawn from the card's
stable identity (note GUID and ordinal) instead of a local id, so the replay
gives the same schedule on any replica and in any run.

Only the scheduling fields change: suspension and burying are the card's own
fields, merged by their stamps, and a leech found during the replay is not
suspended again (the answer that made it one already did, where it happened).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from tokendeck.domain.cards import Card, Rating
from tokendeck.scheduling.scheduler import Scheduler, reset_card


@dataclass(frozen=True, slots=True)
class Step:
    """One answer as the replay sees it (rating 0: a manual reset)."""

    uid: bytes
    at: datetime
    rating: int

    @property
    def order(self) -> tuple[datetime, bytes]:
        """Sort key: time, then review id (two answers in one millisecond)."""
        return (self.at, self.uid)


@dataclass(frozen=True, slots=True)
class Replayed:
    """The card after the replay, and the state each answer started from."""

    card: Card
    #: (review id, the card before that answer) in replay order
    before: list[tuple[bytes, Card]]


def replay(base: Card, steps: Iterable[Step], scheduler: Scheduler, *, key: str) -> Replayed:
    """Answer ``steps`` in time order starting from ``base``; ``key`` seeds the fuzz."""
    card = base
    before: list[tuple[bytes, Card]] = []
    for step in sorted(steps, key=lambda s: s.order):
        before.append((step.uid, card))
        if step.rating == 0:
            card = reset_card(card, step.at)
        else:
            card = scheduler.answer(card, Rating(step.rating), step.at, fuzz_key=key).card
    return Replayed(card, before)


def schedule_of(target: Card, source: Card) -> Card:
    """``target`` with ``source``'s scheduling state (its own deck, suspension, burying kept)."""
    return replace(
        target,
        state=source.state,
        due=source.due,
        step=source.step,
        stability=source.stability,
        difficulty=source.difficulty,
        last_review=source.last_review,
        reps=source.reps,
        lapses=source.lapses,
    )
