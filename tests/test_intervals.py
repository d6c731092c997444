"""Interval labels shown on answer buttons: ``<10m``, ``3d``, ``2w``, ``1.2mo``, ``1.5y``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tokendeck.domain.days import Calendar
from tokendeck.domain.intervals import format_interval, until


@pytest.mark.parametrize(
    ("delta", "label"),
    [
        (timedelta(seconds=-5), "<1m"),
        (timedelta(0), "<1m"),
        (timedelta(seconds=59), "<1m"),
        (timedelta(minutes=1), "<1m"),
        (timedelta(minutes=10), "<10m"),
        (timedelta(minutes=19, seconds=59), "<20m"),
        (timedelta(minutes=20), "20m"),
        (timedelta(minutes=45), "45m"),
        (timedelta(minutes=59, seconds=40), "1h"),
        (timedelta(hours=1), "1h"),
        (timedelta(hours=3, minutes=30), "3.5h"),
        (timedelta(hours=11, minutes=20), "11h"),
        (timedelta(days=1), "1d"),
        (timedelta(days=3), "3d"),
        (timedelta(days=13), "13d"),
        (timedelta(days=14), "2w"),
        (timedelta(days=20), "3w"),
        (timedelta(days=30), "4w"),
        (timedelta(days=31), "1mo"),
        (timedelta(days=37), "1.2mo"),
        (timedelta(days=200), "6.6mo"),
        (timedelta(days=330), "11mo"),
        (timedelta(days=365), "1y"),
        (timedelta(days=548), "1.5y"),
        (timedelta(days=36500), "100y"),
    ],
)
def test_format_interval(delta: timedelta, label: str) -> None:
    assert format_interval(delta) == label


def test_labels_never_show_a_trailing_zero_decimal() -> None:
    for days in range(1, 2000):
        assert ".0" not in format_interval(timedelta(days=days))


CAL = Calendar(UTC, rollover_hour=4)
EVENING = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)


def test_until_counts_study_days_for_day_start_due_times() -> None:
    tomorrow_start = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
    assert until(EVENING, tomorrow_start, CAL) == timedelta(days=1)
    assert format_interval(until(EVENING, tomorrow_start + timedelta(days=2), CAL)) == "3d"


def test_until_counts_the_clock_for_learning_steps() -> None:
    ten_minutes = EVENING + timedelta(minutes=10)
    assert until(EVENING, ten_minutes, CAL) == timedelta(minutes=10)
    # Crossing the rollover by a learning step is still minutes, not a day.
    late = datetime(2026, 11, 28, 3, 55, tzinfo=UTC)
    assert until(late, late + timedelta(minutes=10), CAL) == timedelta(minutes=10)
