"""The learner's calendar: study days that start at a rollover hour, in a time zone.

A "study day" runs from ``rollover_hour`` local time to the same hour the
next day (4 am by default, as in Anki), so a late-night session still counts
as the evening's day. Intervals of a day or more are counted in study days,
not in 24-hour periods. All functions are pure; none reads the clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tokendeck.errors import ValidationError

DEFAULT_ROLLOVER_HOUR = 4


@lru_cache(maxsize=32)
def zone(name: str | None) -> tzinfo:
    """A time zone by IANA name; ``None`` or "local" means the machine's zone."""
    if not name or name == "local":
        local = datetime.now().astimezone().tzinfo
        assert local is not None
        return local
    try:
        if len(name) > 64:  # no zone name is that long; the file system would say so less kindly
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        shown = name if len(name) <= 40 else name[:40] + "..."
        raise ValidationError(
            f"unknown time zone {shown!r}", hint="use an IANA name such as Europe/Berlin"
        ) from None


def study_day(instant: datetime, tz: tzinfo, rollover_hour: int = DEFAULT_ROLLOVER_HOUR) -> date:
    """The study day an instant belongs to."""
    local = instant.astimezone(tz)
    return (local - timedelta(hours=rollover_hour)).date()


def day_start(day: date, tz: tzinfo, rollover_hour: int = DEFAULT_ROLLOVER_HOUR) -> datetime:
    """The UTC instant a study day begins."""
    naive = datetime(day.year, day.month, day.day, rollover_hour)
    return naive.replace(tzinfo=tz).astimezone(UTC)


def days_between(
    earlier: datetime, later: datetime, tz: tzinfo, rollover_hour: int = DEFAULT_ROLLOVER_HOUR
) -> int:
    """Whole study days from ``earlier`` to ``later`` (0 if on the same study day)."""
    return (study_day(later, tz, rollover_hour) - study_day(earlier, tz, rollover_hour)).days


class Calendar:
    """A time zone and rollover hour bundled, for callers that ask many questions."""

    __slots__ = ("rollover_hour", "tz")

    def __init__(self, tz: tzinfo, rollover_hour: int = DEFAULT_ROLLOVER_HOUR) -> None:
        if not 0 <= rollover_hour <= 23:
            raise ValidationError(
                f"rollover hour {rollover_hour} is out of range", hint="use 0 to 23"
            )
        self.tz = tz
        self.rollover_hour = rollover_hour

    def today(self, now: datetime) -> date:
        """The study day of ``now``."""
        return study_day(now, self.tz, self.rollover_hour)

    def start(self, day: date) -> datetime:
        """When ``day`` begins (UTC)."""
        return day_start(day, self.tz, self.rollover_hour)

    def end_of_today(self, now: datetime) -> datetime:
        """When the study day of ``now`` ends, i.e. tomorrow's start (UTC)."""
        return self.start(self.today(now) + timedelta(days=1))

    def days_between(self, earlier: datetime, later: datetime) -> int:
        """Whole study days from ``earlier`` to ``later``."""
        return (self.today(later) - self.today(earlier)).days
