"""Elapsed time in the learner's study days (rollover hour, time zone, DST), not 24 h periods."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tokendeck.domain.days import Calendar
from tokendeck.memory.histories import card_histories
from tokendeck.memory.revlogs import LoggedReview

BERLIN = ZoneInfo("Europe/Berlin")


def deltas(times: list[datetime], calendar: Calendar) -> list[int]:
    reviews = [LoggedReview(1, t.astimezone(UTC), 3) for t in times]
    return [s.delta_days for s in card_histories(reviews, calendar)[1]]


def test_evening_then_next_morning_is_one_day_although_under_24_hours() -> None:
    cal = Calendar(UTC, 4)
    times = [datetime(2024, 5, 1, 23, 0, tzinfo=UTC), datetime(2024, 5, 2, 9, 0, tzinfo=UTC)]
    assert deltas(times, cal) == [0, 1]


def test_after_midnight_before_rollover_is_still_the_same_day() -> None:
    cal = Calendar(UTC, 4)
    times = [datetime(2024, 5, 1, 22, 0, tzinfo=UTC), datetime(2024, 5, 2, 3, 59, tzinfo=UTC)]
    assert deltas(times, cal) == [0, 0]


def test_rollover_hour_boundary_starts_a_new_day() -> None:
    cal = Calendar(UTC, 4)
    times = [datetime(2024, 5, 2, 3, 59, tzinfo=UTC), datetime(2024, 5, 2, 4, 0, tzinfo=UTC)]
    assert deltas(times, cal) == [0, 1]


def test_almost_48_hours_can_be_one_study_day() -> None:
    cal = Calendar(UTC, 4)
    times = [datetime(2024, 5, 1, 4, 0, tzinfo=UTC), datetime(2024, 5, 3, 3, 59, tzinfo=UTC)]
    assert deltas(times, cal) == [0, 1]


def test_rollover_hour_zero_is_midnight() -> None:
    cal = Calendar(UTC, 0)
    times = [datetime(2024, 5, 1, 23, 59, tzinfo=UTC), datetime(2024, 5, 2, 0, 1, tzinfo=UTC)]
    assert deltas(times, cal) == [0, 1]


def test_time_zone_decides_the_day() -> None:
    # 22:30 UTC and 23:30 UTC are on one UTC day but in Berlin (UTC+2) 00:30 and 01:30,
    # and 03:30 UTC next morning is 05:30 there: a new study day in Berlin only.
    times = [datetime(2024, 5, 1, 22, 30, tzinfo=UTC), datetime(2024, 5, 2, 3, 30, tzinfo=UTC)]
    assert deltas(times, Calendar(UTC, 4)) == [0, 0]
    assert deltas(times, Calendar(BERLIN, 4)) == [0, 1]


def test_dst_fall_back_night_belongs_to_the_evening() -> None:
    # 2024-10-27: Berlin clocks go back at 03:00 -> 02:00; 03:30 local is before rollover.
    evening = datetime(2024, 10, 26, 21, 0, tzinfo=BERLIN)
    night = datetime(2024, 10, 27, 3, 30, tzinfo=BERLIN)
    morning = datetime(2024, 10, 27, 4, 0, tzinfo=BERLIN)
    assert deltas([evening, night, morning], Calendar(BERLIN, 4)) == [0, 0, 1]


def test_dst_spring_forward_short_day_counts_as_one() -> None:
    # 2024-03-31 has 23 hours in Berlin; 04:30 to next 04:10 is 22 h 40 min but one study day.
    first = datetime(2024, 3, 30, 4, 30, tzinfo=BERLIN)
    second = datetime(2024, 3, 31, 4, 10, tzinfo=BERLIN)
    assert (second.astimezone(UTC) - first.astimezone(UTC)).total_seconds() < 23 * 3600
    assert deltas([first, second], Calendar(BERLIN, 4)) == [0, 1]
