"""The pure FSRS scheduler: steps, day-based dues, fuzz, lapses."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tokendeck.domain.cards import Card, CardState, Rating
from tokendeck.domain.days import Calendar
from tokendeck.domain.decks import DeckConfig
from tokendeck.scheduling.scheduler import Scheduler, fuzz_interval

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
CAL = Calendar(UTC, 4)


def new_card(card_id: int = 1) -> Card:
    return Card(card_id, 1, 1, 1, 0, CardState.NEW, NOW)


def test_learning_steps_are_exact_times() -> None:
    sched = Scheduler(DeckConfig(), CAL, fuzz_seed=None)
    again = sched.answer(new_card(), Rating.AGAIN, NOW)
    good = sched.answer(new_card(), Rating.GOOD, NOW)
    assert again.card.due == NOW + timedelta(minutes=1)
    assert good.card.due == NOW + timedelta(minutes=10)
    assert good.card.state == CardState.LEARNING


def test_graduated_card_is_due_at_start_of_study_day() -> None:
    sched = Scheduler(DeckConfig(), CAL, fuzz_seed=None)
    easy = sched.answer(new_card(), Rating.EASY, NOW)
    assert easy.card.state == CardState.REVIEW
    assert easy.card.due.hour == 4 and easy.card.due.minute == 0
    days = (easy.card.due - datetime(2026, 11, 27, 4, tzinfo=UTC)).days
    assert days == easy.scheduled_days >= 1


def test_preview_equals_answer_even_with_fuzz() -> None:
    sched = Scheduler(DeckConfig(), CAL, fuzz_seed=7)
    card = sched.answer(new_card(), Rating.EASY, NOW).card
    later = NOW + timedelta(days=30)
    preview = sched.preview(card, later)
    for rating in Rating:
        assert sched.answer(card, rating, later).card.due == preview[rating]


def test_fuzz_seed_is_injectable_and_spreads_intervals() -> None:
    dues = set()
    for seed in range(20):
        sched = Scheduler(DeckConfig(), CAL, fuzz_seed=seed)
        card = replace(
            new_card(),
            state=CardState.REVIEW,
            stability=40.0,
            difficulty=5.0,
            last_review=NOW - timedelta(days=40),
            due=NOW,
        )
        dues.add(sched.answer(card, Rating.GOOD, NOW).card.due)
    assert len(dues) > 3


def test_fuzz_interval_stays_in_range() -> None:
    import random

    rng = random.Random(1)
    values = {fuzz_interval(100, rng, 36500) for _ in range(200)}
    # delta = 1 + 0.15*4.5 + 0.10*13 + 0.05*80 = 6.975 days
    assert min(values) >= 93 and max(values) <= 107 and len(values) > 5
    assert fuzz_interval(2, rng, 36500) == 2


def test_lapse_counts_and_relearning() -> None:
    sched = Scheduler(DeckConfig(), CAL, fuzz_seed=None)
    card = replace(
        new_card(),
        state=CardState.REVIEW,
        stability=10.0,
        difficulty=5.0,
        last_review=NOW - timedelta(days=10),
        due=NOW,
    )
    out = sched.answer(card, Rating.AGAIN, NOW)
    assert out.lapsed and out.card.lapses == 1
    assert out.card.state == CardState.RELEARNING
    assert out.card.due == NOW + timedelta(minutes=10)


def test_elapsed_days_are_study_days() -> None:
    sched = Scheduler(DeckConfig(), CAL, fuzz_seed=None)
    evening = datetime(2026, 11, 27, 22, tzinfo=UTC)
    card = sched.answer(new_card(), Rating.EASY, evening).card
    morning = datetime(2026, 11, 28, 8, tzinfo=UTC)  # 10 h later, next study day
    out = sched.answer(card, Rating.GOOD, morning)
    assert out.elapsed_days == 1
    # FSRS saw one elapsed day, so retrievability is below 1
    recall = sched.retrievability(card, morning)
    assert recall is not None and recall < 1.0


def test_maximum_interval_is_respected() -> None:
    sched = Scheduler(DeckConfig(maximum_interval=5), CAL, fuzz_seed=None)
    card = replace(
        new_card(),
        state=CardState.REVIEW,
        stability=300.0,
        difficulty=3.0,
        last_review=NOW - timedelta(days=200),
        due=NOW,
    )
    assert sched.answer(card, Rating.EASY, NOW).scheduled_days <= 5
