"""The learner's calendar: study days with a rollover hour and a time zone."""

from datetime import UTC, date, datetime

import pytest

from tokendeck.domain.days import Calendar, day_start, days_between, study_day, zone
from tokendeck.errors import ValidationError

UTC_CAL = Calendar(UTC, 4)


def test_before_rollover_belongs_to_previous_day() -> None:
    assert study_day(datetime(2026, 11, 28, 3, 59, tzinfo=UTC), UTC, 4) == date(2026, 11, 27)
    assert study_day(datetime(2026, 11, 28, 4, 0, tzinfo=UTC), UTC, 4) == date(2026, 11, 28)


def test_day_start_is_rollover_in_local_time() -> None:
    berlin = zone("Europe/Berlin")
    # 4 am in Berlin (UTC+1 in winter) is 3 am UTC
    assert day_start(date(2026, 11, 28), berlin, 4) == datetime(2026, 11, 28, 3, tzinfo=UTC)
    # and in summer (UTC+2) 2 am UTC
    assert day_start(date(2026, 7, 1), berlin, 4) == datetime(2026, 7, 1, 2, tzinfo=UTC)


def test_evening_then_next_morning_is_one_day_though_under_24_hours() -> None:
    evening = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)
    morning = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    assert days_between(evening, morning, UTC, 4) == 1


def test_late_night_counts_as_the_same_day() -> None:
    evening = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)
    after_midnight = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    assert UTC_CAL.days_between(evening, after_midnight) == 0


def test_end_of_today() -> None:
    assert UTC_CAL.end_of_today(datetime(2026, 11, 27, 15, tzinfo=UTC)) == datetime(
        2026, 11, 28, 4, tzinfo=UTC
    )


def test_bad_zone_and_hour_are_refused_with_a_hint() -> None:
    with pytest.raises(ValidationError, match="IANA"):
        zone("Mars/Olympus")
    with pytest.raises(ValidationError, match="0 to 23"):
        Calendar(UTC, 24)
