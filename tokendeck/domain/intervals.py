"""Short human intervals for answer buttons and listings: ``<10m``, ``3d``, ``2w``, ``1.2mo``.

The CLI, the terminal study screen and the web app all show the same
labels, so the rules live here:

* under 20 minutes (the learn-ahead window, in which a learning card may be
  shown early) the label is an upper bound: ``<1m``, ``<10m``;
* then minutes, hours (one decimal), days up to two weeks, whole weeks up to
  a month, months (one decimal) up to a year, and years (one decimal).

Pure: no clock is read here; callers pass the difference they mean.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tokendeck.domain.days import Calendar

#: Below this an interval is shown as "less than" (a learning card may come back early).
_UPPER_BOUND_BELOW = timedelta(minutes=20)
_MINUTE = 60.0
_HOUR = 3600.0
_DAY = 86400.0
_MONTH_DAYS = 365.25 / 12
_YEAR_DAYS = 365.25


def format_interval(delta: timedelta) -> str:
    """A short label such as ``<10m``, ``45m``, ``3.5h``, ``3d``, ``2w``, ``1.2mo``, ``1.5y``."""
    seconds = max(0.0, delta.total_seconds())
    if seconds < _MINUTE:
        return "<1m"
    if seconds < _HOUR:
        return _minutes(seconds, upper_bound=delta < _UPPER_BOUND_BELOW)
    if seconds < _DAY:
        return _with_unit(seconds / _HOUR, "h", whole_at=10)
    return _days(seconds / _DAY)


def _minutes(seconds: float, *, upper_bound: bool) -> str:
    minutes = round(seconds / _MINUTE)
    if minutes >= 60:
        return "1h"
    return f"<{minutes}m" if upper_bound else f"{minutes}m"


def _days(days: float) -> str:
    if round(days) < 14:
        return f"{round(days)}d"
    if days < _MONTH_DAYS:
        return f"{round(days / 7)}w"
    if days < _YEAR_DAYS - _MONTH_DAYS / 2:
        return _with_unit(days / _MONTH_DAYS, "mo", whole_at=10)
    return _with_unit(days / _YEAR_DAYS, "y", whole_at=10)


def _with_unit(value: float, unit: str, *, whole_at: float) -> str:
    """One decimal for small values ("1.5h"), none for large ones ("11h"); never "2.0h"."""
    if value >= whole_at:
        return f"{round(value)}{unit}"
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text}{unit}"


def until(now: datetime, due: datetime, calendar: Calendar) -> timedelta:
    """How far ``due`` is from ``now`` as a learner counts it.

    Review cards fall due at the start of a study day, so "good" tonight at 21:00
    might be due tomorrow at 04:00: seven hours on the clock, but one day on the
    learner's calendar. Such due times count in whole study days; learning-step
    due times (exact instants) count on the clock.
    """
    day = calendar.today(due)
    days = (day - calendar.today(now)).days
    if days >= 1 and calendar.start(day) == due:
        return timedelta(days=days)
    return due - now
