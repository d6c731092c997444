"""Local time in SQL: stored UTC milliseconds to study days and local hours, in plain SQL.

The calendar's time zone is turned into pieces of constant UTC offset
(:meth:`~tokendeck.domain.days.Calendar.offsets`, one per daylight-saving
period) and each piece becomes a branch of a ``CASE`` expression, nested as a
binary search; the rest is integer arithmetic. No time-zone function of the
database is needed, so SQLite and PostgreSQL run the same expressions.
"""

from __future__ import annotations

from collections.abc import Sequence

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
#: date(1970, 1, 1).toordinal(): day 0 of the epoch as a date ordinal.
EPOCH_ORDINAL = 719_163
#: Added before dividing: SQL integer division truncates toward zero, so every instant
#: after the year 1 is made positive, and whole days of it make the quotient a date ordinal.
_SHIFT_MS = EPOCH_ORDINAL * DAY_MS

Offsets = Sequence[tuple[int, int]]


def offset_sql(expr: str, offsets: Offsets) -> str:
    """The UTC offset (ms) in force at the UTC milliseconds ``expr``: a CASE binary search."""

    def branch(low: int, high: int) -> str:
        if low == high:
            return str(int(offsets[low][1]))
        middle = (low + high + 1) // 2
        return (
            f"CASE WHEN {expr} < {int(offsets[middle][0])} THEN {branch(low, middle - 1)}"
            f" ELSE {branch(middle, high)} END"
        )

    return branch(0, len(offsets) - 1)


def study_day_sql(expr: str, offsets: Offsets, rollover_hour: int) -> str:
    """The date ordinal of the study day of the UTC milliseconds ``expr``."""
    shift = _SHIFT_MS - int(rollover_hour) * HOUR_MS
    return f"(({expr}) + {offset_sql(expr, offsets)} + {shift}) / {DAY_MS}"


def local_hour_sql(expr: str, offsets: Offsets) -> str:
    """The local hour (0-23) of the UTC milliseconds ``expr``."""
    return f"((({expr}) + {offset_sql(expr, offsets)} + {_SHIFT_MS}) / {HOUR_MS}) % 24"
