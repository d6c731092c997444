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


@lru_cache(maxsize=4096)  # answering asks for the same few days' starts again and again
def day_start(day: date, tz: tzinfo, rollover_hour: int = DEFAULT_ROLLOVER_HOUR) -> datetime:
    """The UTC instant a study day begins."""
    naive = datetime(day.year, day.month, day.day, rollover_hour)
    return naive.replace(tzinfo=tz).astimezone(UTC)


def days_between(
    earlier: datetime, later: datetime, tz: tzinfo, rollover_hour: int = DEFAULT_ROLLOVER_HOUR
) -> int:
    """Whole study days from ``earlier`` to ``later`` (0 if on the same study day)."""
    return (study_day(later, tz, rollover_hour) - study_day(earlier, tz, rollover_hour)).days


_MS = timedelta(milliseconds=1)
_DAY_MS = 86_400_000


def _offset_ms(tz: tzinfo, at_ms: int) -> int:
    offset = datetime.fromtimestamp(at_ms / 1000, UTC).astimezone(tz).utcoffset()
    return 0 if offset is None else offset // _MS


@lru_cache(maxsize=64)
def utc_offsets(tz: tzinfo, start_ms: int, end_ms: int) -> tuple[tuple[int, int], ...]:
    """The zone's UTC offset from ``start_ms`` to ``end_ms``, in pieces: (from ms, offset ms).

    The first piece starts at ``start_ms``; each next one where the offset
    changes (a daylight-saving switch), found to the second. With these, SQL
    can turn stored UTC milliseconds into local time (and so study days and
    hours) without a time-zone library. The zone is sampled once a day, so two
    changes less than a day apart that cancel out would be missed; no zone's
    rules have such a pair. Cached: statistics ask for the same span repeatedly.
    """
    pieces = [(start_ms, _offset_ms(tz, start_ms))]
    at = start_ms
    while at < end_ms:
        step = min(at + _DAY_MS, end_ms)
        if _offset_ms(tz, step) != pieces[-1][1]:
            change = _first_change(tz, at, step, pieces[-1][1])
            pieces.append((change, _offset_ms(tz, change)))
            at = change
        else:
            at = step
    return tuple(pieces)


def _first_change(tz: tzinfo, low: int, high: int, offset: int) -> int:
    """The first whole second in (low, high] whose offset is not ``offset`` (bisection)."""
    low, high = low // 1000, -(-high // 1000)
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_ms(tz, middle * 1000) == offset:
            low = middle
        else:
            high = middle
    return high * 1000


class Calendar:
    """A time zone and rollover hour bundled, for callers that ask many questions."""

    __slots__ = ("_last", "rollover_hour", "tz")

    def __init__(self, tz: tzinfo, rollover_hour: int = DEFAULT_ROLLOVER_HOUR) -> None:
        if not 0 <= rollover_hour <= 23:
            raise ValidationError(
                f"rollover hour {rollover_hour} is out of range", hint="use 0 to 23"
            )
        self.tz = tz
        self.rollover_hour = rollover_hour
        #: The last instant asked about and its day: one request asks a dozen times.
        self._last: tuple[datetime, date] | None = None

    def today(self, now: datetime) -> date:
        """The study day of ``now``."""
        last = self._last
        if last is not None and last[0] is now:
            return last[1]
        day = study_day(now, self.tz, self.rollover_hour)
        self._last = (now, day)
        return day

    def start(self, day: date) -> datetime:
        """When ``day`` begins (UTC)."""
        return day_start(day, self.tz, self.rollover_hour)

    def end_of_today(self, now: datetime) -> datetime:
        """When the study day of ``now`` ends, i.e. tomorrow's start (UTC)."""
        return self.start(self.today(now) + timedelta(days=1))

    def days_between(self, earlier: datetime, later: datetime) -> int:
        """Whole study days from ``earlier`` to ``later``."""
        return (self.today(later) - self.today(earlier)).days

    def offsets(self, start_ms: int, end_ms: int) -> tuple[tuple[int, int], ...]:
        """The zone's UTC offset over a span, in pieces (see :func:`utc_offsets`)."""
        # Whole days on both sides: nearby spans share one cached answer.
        start = start_ms - start_ms % _DAY_MS - _DAY_MS
        end = end_ms - end_ms % _DAY_MS + 2 * _DAY_MS
        return utc_offsets(self.tz, start, end)
