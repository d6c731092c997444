"""Chart data for the statistics page, from hand-made review rows and cards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tokendeck.domain.cards import Card, CardState
from tokendeck.domain.days import Calendar, zone
from tokendeck.domain.reviews import Review
from tokendeck.stats.charts import (
    answer_buttons,
    card_histograms,
    card_states,
    daily_reviews,
    due_forecast,
    forgetting_curve,
    histogram,
    hourly,
    retrievability,
    streak,
    true_retention,
)

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
CAL = Calendar(zone("UTC"), 4)


def review(card: int, days_ago: float, rating: int, kind: str = "review", ivl: float = 1.0,
           stability: float | None = 5.0, rid: int = 0) -> Review:  # fmt: skip
    return Review(
        id=rid, card_id=card, user_id=1, reviewed_at=NOW - timedelta(days=days_ago),
        rating=rating, duration_ms=1000, kind=kind, state_before=CardState.REVIEW,
        state_after=CardState.REVIEW, scheduled_days=ivl, elapsed_days=1, stability=stability,
        difficulty=5.0,
    )  # fmt: skip


def card(cid: int, state: CardState, due_days: float, **extra: object) -> Card:
    return Card(cid, 1, 1, 1, 0, state, NOW + timedelta(days=due_days), **extra)  # type: ignore[arg-type]


def test_retrievability_is_90_percent_at_stability() -> None:
    assert retrievability(0, 10) == pytest.approx(1.0)
    assert retrievability(10, 10) == pytest.approx(0.9)
    assert retrievability(30, 10) < 0.9


def test_due_forecast_counts_overdue_today_and_skips_new_and_suspended() -> None:
    cards = [
        card(1, CardState.REVIEW, -3),
        card(2, CardState.REVIEW, 0),
        card(3, CardState.REVIEW, 2),
        card(4, CardState.NEW, 0),
        card(5, CardState.REVIEW, 1, suspended=True),
        card(6, CardState.REVIEW, 200),
    ]
    assert due_forecast(cards, NOW, CAL, 5) == [2, 0, 1, 0, 0]


def test_daily_reviews_by_kind_on_study_days() -> None:
    rows = [review(1, 0, 3, "learn"), review(2, 0, 1, "relearn"), review(3, 2, 3)]
    daily = daily_reviews(rows, NOW, CAL, 7)
    assert daily["total"] == [0, 0, 0, 0, 1, 0, 2]
    assert daily["by_kind"]["learn"][-1] == 1
    assert daily["by_kind"]["relearn"][-1] == 1
    assert daily["dates"][-1] == "2026-11-27"


def test_buttons_and_retention_split_young_and_mature_by_previous_interval() -> None:
    rows = [
        review(1, 40, 3, "learn", ivl=30, rid=1),
        review(1, 5, 1, "review", ivl=1, rid=2),  # interval before was 30 days: mature
        review(2, 10, 3, "learn", ivl=3, rid=3),
        review(2, 0, 3, "review", ivl=8, rid=4),  # 3 days before: young
    ]
    buttons = answer_buttons(rows)
    assert buttons == {"learning": [0, 0, 2, 0], "young": [0, 0, 1, 0], "mature": [1, 0, 0, 0]}
    table = {row["period"]: row for row in true_retention(rows, NOW, CAL)}
    assert table["today"]["young"] == {"passed": 1, "total": 1, "rate": 1.0}
    assert table["today"]["mature"]["rate"] is None
    assert table["week"]["mature"] == {"passed": 0, "total": 1, "rate": 0.0}


def test_card_states_and_histograms() -> None:
    last = NOW - timedelta(days=4)
    cards = [
        card(1, CardState.NEW, 0),
        card(2, CardState.REVIEW, 6, stability=10.0, difficulty=5.0, last_review=last),
        card(
            3, CardState.REVIEW, 1, suspended=True, stability=2.0, difficulty=8.0, last_review=last
        ),
    ]
    assert card_states(cards, CAL.today(NOW)) == {
        "new": 1, "learning": 0, "review": 1, "relearning": 0, "suspended": 1,
    }  # fmt: skip
    hists = card_histograms(cards, NOW)
    assert sum(hists["stability"]["counts"]) == 2
    assert sum(hists["retrievability"]["counts"]) == 2
    assert histogram([0, 1, 10], [0, 5, 10]) == {"edges": [0, 5, 10], "counts": [2.0, 1.0]}


def test_hourly_and_streak() -> None:
    rows = [review(1, 0, 3), review(1, 1, 1), review(1, 2, 4), review(1, 5, 3)]
    hours = hourly(rows, CAL)
    assert hours["count"][15] == 4
    assert hours["pass_rate"][15] == pytest.approx(0.75)
    assert streak(rows, NOW, CAL) == {"streak_days": 3, "reviews_today": 1}


def test_forgetting_curve_resets_at_each_review() -> None:
    rows = [review(1, 10, 3, stability=2.0, rid=1), review(1, 4, 3, stability=8.0, rid=2)]
    curve = forgetting_curve(rows, NOW)
    assert len(curve["times"]) == len(curve["recall"]) == 50
    assert curve["recall"][0] == pytest.approx(1.0)
    assert curve["recall"][24] < 0.9  # 6 days on a 2-day stability
    assert curve["recall"][25] == pytest.approx(1.0)
    assert [m["rating"] for m in curve["reviews"]] == [3, 3]
