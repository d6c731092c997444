"""Answers worked out when a card is shown give exactly what answering works out itself.

``preview`` (the answer buttons) plans a card's four answers, as Anki does when it
queues a card, and ``answer`` reuses the plan, but only for the very card state
it was made from, on the same study day: never from a stale card.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tokendeck.collection import Collection
from tokendeck.domain.cards import Card, CardState, Rating
from tokendeck.domain.days import Calendar, zone
from tokendeck.domain.decks import DeckConfig
from tokendeck.scheduling.scheduler import Scheduler

NOW = datetime(2026, 3, 28, 15, 0, tzinfo=UTC)  # a day before Europe's spring switch

cards = st.builds(
    lambda state, step, stability, difficulty, last, due, reps: Card(
        7,
        1,
        1,
        1,
        0,
        state,
        NOW + timedelta(hours=due),
        step=None if state in (CardState.NEW, CardState.REVIEW) else step,
        stability=None if state == CardState.NEW else stability,
        difficulty=None if state == CardState.NEW else difficulty,
        last_review=None if state == CardState.NEW else NOW - timedelta(hours=last),
        reps=reps,
    ),
    st.sampled_from(tuple(CardState)),
    st.integers(0, 2),
    st.floats(0.01, 5_000),
    st.floats(1.0, 10.0),
    st.floats(0, 24 * 400),
    st.floats(-24 * 30, 24 * 30),
    st.integers(0, 30),
)


@settings(max_examples=400, deadline=None)
@given(
    card=cards,
    rating=st.sampled_from(tuple(Rating)),
    zone_name=st.sampled_from(("UTC", "Europe/Berlin", "Asia/Kathmandu")),
    shown=st.floats(-48, 48),
    later=st.floats(0, 30),
    fuzz=st.sampled_from((None, 0, 7)),
)
def test_a_planned_answer_equals_the_answer_worked_out_then(
    card: Card, rating: Rating, zone_name: str, shown: float, later: float, fuzz: int | None
) -> None:
    scheduler = Scheduler(DeckConfig(), Calendar(zone(zone_name), 4), fuzz_seed=fuzz)
    shown_at = NOW + timedelta(hours=shown)
    answered_at = shown_at + timedelta(hours=later)  # sometimes the next study day
    plan = scheduler.plan(card, shown_at)
    assert scheduler.answer(card, rating, answered_at, plan) == scheduler.answer(
        card, rating, answered_at
    )
    assert scheduler.preview(card, answered_at, plan) == scheduler.preview(card, answered_at)


def test_a_plan_for_another_state_of_the_card_is_not_used() -> None:
    scheduler = Scheduler(DeckConfig(), Calendar(zone("UTC"), 4), fuzz_seed=0)
    card = Card(7, 1, 1, 1, 0, CardState.REVIEW, NOW, stability=10.0, difficulty=5.0,
                last_review=NOW - timedelta(days=10), reps=3)  # fmt: skip
    plan = scheduler.plan(card, NOW)
    changed = replace(card, stability=2.0, reps=4)
    assert scheduler.answer(changed, Rating.GOOD, NOW, plan) == scheduler.answer(
        changed, Rating.GOOD, NOW
    )
    assert scheduler.answer(changed, Rating.GOOD, NOW) != scheduler.answer(card, Rating.GOOD, NOW)


def test_a_card_answered_elsewhere_after_it_was_shown_is_scheduled_from_that_answer(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.db"
    with Collection.open(path, now=NOW, install_builtin=False) as mine:
        mine.add_note("D", "q", "a", now=NOW)
        shown = mine.next_card(NOW)
        assert shown is not None
        mine.preview(shown.id, NOW)  # its buttons: planned here, from the new card
        with Collection.open(path, now=NOW, install_builtin=False) as other:
            elsewhere = other.answer(shown.id, "easy", now=NOW)  # another process answers it
        result = mine.answer(shown.id, "good", now=NOW + timedelta(minutes=1))
    expected = Scheduler(DeckConfig(), mine.calendar, fuzz_seed=0).answer(
        elsewhere.card, Rating.GOOD, NOW + timedelta(minutes=1)
    )
    assert result.card == expected.card
    assert result.card.reps == 2 and result.review.state_before == CardState.REVIEW
