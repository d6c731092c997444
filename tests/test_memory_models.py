"""FSRS-6 curve, fitting, shrinkage, optimiser refusal and the simulator."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tokendeck.domain.days import Calendar
from tokendeck.errors import ValidationError
from tokendeck.memory import fsrs6, optimizer, shrinkage, simulation
from tokendeck.memory.histories import card_histories, samples
from tokendeck.memory.revlogs import LoggedReview, ReviewLog, read

DATA = Path(__file__).parent / "data" / "review-logs" / "anki-user-12k-reviews.csv"
NOW = datetime(2024, 10, 7, 12, tzinfo=UTC)


def test_recall_is_90_percent_after_stability_days() -> None:
    assert fsrs6.retrievability(7.0, 7.0, fsrs6.DEFAULT_PARAMETERS) == pytest.approx(0.9)
    assert fsrs6.retrievability(0.0, 7.0, fsrs6.DEFAULT_PARAMETERS) == pytest.approx(1.0)


def test_interval_inverts_the_forgetting_curve() -> None:
    params = fsrs6.DEFAULT_PARAMETERS
    days = optimizer.interval_days(10.0, params, 0.8)
    assert fsrs6.retrievability(days, 10.0, params) == pytest.approx(0.8)
    assert optimizer.interval_days(10.0, params, 0.9) == pytest.approx(10.0)


def test_shrinkage_weight_grows_with_history() -> None:
    assert shrinkage.fitted_weight(1000) == pytest.approx(0.5)
    assert shrinkage.fitted_weight(100_000) > 0.99
    blended = shrinkage.blend([0.9, 0.6], [0.9, 0.8], 1000)
    assert blended[0] == pytest.approx(0.9)
    assert 0.6 < blended[1] < 0.8


def test_optimizer_refuses_short_history_and_says_what_defaults_do() -> None:
    reviews = [LoggedReview(1, NOW - timedelta(days=d), 3) for d in (30, 20, 5)]
    with pytest.raises(ValidationError) as err:
        optimizer.optimize(ReviewLog(reviews), Calendar(UTC), now=NOW)
    assert "default parameters" in str(err.value)


def test_fitting_the_real_log_improves_on_defaults_in_sample() -> None:
    log = read(DATA)
    cal = Calendar(UTC, 4)
    fitted = optimizer.optimize(log, cal, now=NOW)
    assert fitted.review_count == 6276 and len(fitted.parameters) == 21
    scored = samples(card_histories(log.reviews, cal))
    from tokendeck.memory.metrics import log_loss

    ys = [s.recalled for s in scored]
    assert log_loss(ys, fsrs6.predict(fitted.parameters, scored)) < log_loss(
        ys, fsrs6.predict(fsrs6.DEFAULT_PARAMETERS, scored)
    )


def test_card_memories_report_state_now() -> None:
    log = read(DATA)
    memories = optimizer.card_memories(log, Calendar(UTC), fsrs6.DEFAULT_PARAMETERS, now=NOW)
    assert len(memories) == 1205
    assert all(
        m.stability > 0 and 1 <= m.difficulty <= 10 and 0 < m.retrievability <= 1 for m in memories
    )


def test_card_memories_equal_those_from_each_cards_history() -> None:
    from zoneinfo import ZoneInfo

    log, cal = read(DATA), Calendar(ZoneInfo("America/Chicago"), 4)
    params = fsrs6.DEFAULT_PARAMETERS
    histories = card_histories(log.reviews, cal)
    found = fsrs6.memory_states(params, list(histories.values()))
    states = dict(zip(histories, found, strict=True))
    for m in optimizer.card_memories(log, cal, params, now=NOW):
        last = histories[m.card_id][-1].reviewed_at
        elapsed = max(0, cal.days_between(last, NOW))
        state = states[m.card_id]
        assert (m.stability, m.difficulty) == (state.stability, state.difficulty)
        assert m.retrievability == fsrs6.retrievability(elapsed, state.stability, params)
        assert m.last_review.timestamp() == pytest.approx(last.timestamp(), abs=1e-6)
    assert len(states) == 1205


def test_simulation_more_retention_costs_more_and_recommends_one_tried(tmp_path: Path) -> None:
    result = simulation.simulate(
        fsrs6.DEFAULT_PARAMETERS,
        days=60,
        deck_size=300,
        new_per_day=10,
        rng=random.Random(1),
        retentions=(0.7, 0.8, 0.9, 0.95),
    )
    minutes = [o.minutes for o in result.outcomes]
    assert minutes == sorted(minutes)
    assert result.recommended.desired_retention in (0.7, 0.8, 0.9, 0.95)
    simulation.plot(result, tmp_path / "w.png")
    assert (tmp_path / "w.png").read_bytes()[:4] == b"\x89PNG"


def test_habits_come_from_the_log() -> None:
    habits = simulation.habits_from(card_histories(read(DATA).reviews, Calendar(UTC)))
    assert habits.first_rating_prob is not None and habits.review_costs is not None
    assert habits.first_rating_prob[0] > 0.5  # this learner mostly pressed Again first
    assert sum(habits.first_rating_prob) == pytest.approx(1.0)


def test_habits_from_the_review_table_equal_those_from_histories() -> None:
    from tokendeck.memory.review_table import from_log

    log, cal = read(DATA), Calendar(UTC, 4)
    slow = simulation.habits_from(card_histories(log.reviews, cal))
    fast = simulation.habits_from_table(from_log(log), cal)
    assert fast == slow and slow.review_rating_prob is not None


@pytest.mark.parametrize("zone_name", ["UTC", "America/Chicago", "Asia/Kathmandu"])
def test_fast_training_items_equal_the_sample_histories(zone_name: str) -> None:
    from zoneinfo import ZoneInfo

    from tokendeck.memory.training import training_items

    log = read(DATA)
    cal = Calendar(ZoneInfo(zone_name), 4)
    fast = [repr(item) for item in training_items(log.reviews, cal)]
    # the trainer's input order: card by card (by id), each card's reviews in time order
    scored = sorted(
        samples(card_histories(log.reviews, cal)), key=lambda s: (s.card_id, s.target.reviewed_at)
    )
    slow = [repr(item) for item in fsrs6.fsrs_items([s.steps for s in scored])]
    assert fast == slow and len(fast) > 6000
