"""Statistics in SQL: the aggregates behind every chart, added up by the database.

The review-log series (reviews per day and kind, answer buttons, true
retention, hours, streak) read the per-slot summary of
:mod:`tokendeck.storage.review_slots`, a few hundred thousand rows at most
for a million answers; the card series (forecast, card states, histograms)
read the ``cards`` table once per series. Python only shapes the handful of
rows that come back (:mod:`tokendeck.stats.series`).

Study days and local hours: the calendar's time zone is turned into a few
pieces of constant UTC offset (:meth:`~tokendeck.domain.days.Calendar.offsets`,
one per daylight-saving period) and each piece becomes a branch of a
``CASE`` expression, nested as a binary search, so a stored UTC millisecond
becomes local time with integer arithmetic. Plain SQL only (``CASE``,
integer ``/`` and ``%``, ``lag``, ``power``, ``CAST``, ``ON CONFLICT``), so a
PostgreSQL backend runs the same statements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tokendeck.domain.days import Calendar
from tokendeck.storage import review_slots
from tokendeck.storage.database import Row
from tokendeck.storage.rows import marks
from tokendeck.storage.table import Table

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
#: date(1970, 1, 1).toordinal(): day 0 of the epoch as a date ordinal.
_EPOCH_ORDINAL = 719_163
#: Added before dividing: SQL integer division truncates, so every instant after the
#: year 1 is made positive, and whole days of it make the quotient a date ordinal.
_SHIFT_MS = _EPOCH_ORDINAL * DAY_MS
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

Offsets = Sequence[tuple[int, int]]


# -- local time in SQL ---------------------------------------------------------------------------
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
    shift = _SHIFT_MS - rollover_hour * HOUR_MS
    return f"(({expr}) + {offset_sql(expr, offsets)} + {shift}) / {DAY_MS}"


def local_hour_sql(expr: str, offsets: Offsets) -> str:
    """The local hour (0-23) of the UTC milliseconds ``expr``."""
    return f"((({expr}) + {offset_sql(expr, offsets)} + {_SHIFT_MS}) / {HOUR_MS}) % 24"


def _bin_sql(value: str, count: int) -> str:
    """Bin number of ``value`` over ``count + 1`` bound edges: [e_i, e_i+1), the last closed.

    Its parameters are the edges, in order.
    """
    whens = [f"WHEN {value} < ? THEN NULL"]
    whens += [f"WHEN {value} < ? THEN {i}" for i in range(count - 1)]
    whens.append(f"WHEN {value} <= ? THEN {count - 1}")
    return f"CASE {' '.join(whens)} END"


def _not_negative(value: str) -> str:
    # As max(0.0, value) in Python.
    return f"CASE WHEN {value} > 0.0 THEN {value} ELSE 0.0 END"


#: Per studied card (stability and last review known): days since the last review at
#: now (the parameter, in microseconds) and days from the last review to the due date,
#: as Python's timedelta.total_seconds() / 86400 gives them (both exact in a double).
_STUDIED = (
    "SELECT CAST(? - c.last_review * 1000 AS DOUBLE PRECISION) / 1000000.0 / 86400.0"
    " AS elapsed, CAST(c.due - c.last_review AS DOUBLE PRECISION) / 1000.0 / 86400.0 AS span,"
    " c.stability AS stability, c.difficulty AS difficulty FROM cards c WHERE {where}"
    " AND c.stability IS NOT NULL AND c.last_review IS NOT NULL"
)

#: The value each histogram counts, over the studied cards (``k``); parameters in brackets.
HISTOGRAM_VALUES: dict[str, tuple[str, int]] = {
    "interval": (_not_negative("k.span"), 0),
    "stability": ("k.stability", 0),
    "difficulty": ("k.difficulty", 0),  # NULL (unknown) falls in no bin
    # FSRS-6 recall probability now, as stats.charts.retrievability computes it (a zero
    # stability counts as one day there too): [the curve's factor, minus its decay].
    "retrievability": (
        f"power(1.0 + ? * {_not_negative('k.elapsed')}"
        " / CASE WHEN k.stability = 0 THEN 1.0 ELSE k.stability END, ?)",
        2,
    ),
}


@dataclass(frozen=True)
class StatsRows:
    """What the charts are made from, as the database added it up."""

    #: (study-day ordinal, kind, mature 0/1, entries, again, hard, good, easy, passed, ms)
    days: list[Row]
    #: (local hour, entries, passed)
    hours: list[Row]
    #: (study-day ordinal of the due date, cards); overdue cards count as today
    due: list[Row]
    #: (state, suspended 0/1, buried 0/1, cards)
    states: list[Row]
    #: histogram name -> counts per bin
    histograms: dict[str, list[int]]
    #: whether the summary was up to date (False: the log itself was added up)
    summarised: bool


class Stats(Table):
    """A user's statistics, added up in SQL, and the upkeep of the review-log summary."""

    __slots__ = ()

    # -- upkeep (see review_slots) ----------------------------------------------------------------
    def refreshing(self, cards: Sequence[int] | int) -> AbstractContextManager[None]:
        """Around a bulk change to some cards' logs or decks (an import): recount them.

        ``cards``: card ids, or one id meaning every card from it on.
        """
        return review_slots.refreshing(self.db, self.user, cards)

    def rebuild(self) -> None:
        """Recount the user's whole summary from the log."""
        review_slots.rebuild(self.db, self.user)

    # -- reading ------------------------------------------------------------------------------
    def gather(
        self,
        *,
        calendar: Calendar,
        now: datetime,
        deck_ids: Sequence[int] | None,
        edges: Mapping[str, Sequence[float]],
        factor: float,
        decay: float,
        forecast_days: int,
    ) -> StatsRows:
        """Every aggregate of the statistics page, read in one snapshot of the database.

        ``edges``: histogram name -> bin edges; ``factor`` and ``decay``: the
        forgetting curve's; ``forecast_days``: how far the due forecast looks.
        """
        with self.db.snapshot():
            summarised = self._summarised()
            today = calendar.today(now)
            days, hours = self._log(calendar, now, deck_ids, summarised)
            low = _ms(calendar.start(today)) - 2 * DAY_MS
            high = _ms(calendar.start(today + timedelta(days=forecast_days))) + 2 * DAY_MS
            due = self._due(calendar, today.toordinal(), low, high, deck_ids)
            states = self._states(today.toordinal(), deck_ids)
            now_us = (now - _EPOCH) // _US
            histograms = {
                name: self._histogram(name, edges[name], (now_us, factor, -decay), deck_ids)
                for name in edges
            }
        return StatsRows(days, hours, due, states, histograms, summarised)

    def _summarised(self) -> bool:
        logged = self.db.scalar("SELECT count(*) FROM reviews WHERE user_id = ?", (self.user,))
        return int(logged) == review_slots.entries(self.db, self.user)

    def _log(
        self,
        calendar: Calendar,
        now: datetime,
        deck_ids: Sequence[int] | None,
        summarised: bool,
    ) -> tuple[list[Row], list[Row]]:
        span = self.db.fetchone(
            "SELECT min(reviewed_at), max(reviewed_at) FROM reviews WHERE user_id = ?",
            (self.user,),
        )
        if span is None or span[0] is None:
            return [], []
        offsets = calendar.offsets(min(span[0], _ms(now)), max(span[1], _ms(now)))
        source, params = self._slots(deck_ids, summarised)
        start = f"s.slot * {review_slots.SLOT_MS}"
        day = study_day_sql(start, offsets, calendar.rollover_hour)
        counts = ", ".join(f"sum(s.{c})" for c in review_slots.COUNTS)
        days = self.db.fetchall(
            f"SELECT {day} AS day, s.kind, s.mature, {counts} FROM {source} GROUP BY 1, 2, 3",
            params,
        )
        hours = self.db.fetchall(
            f"SELECT {local_hour_sql(start, offsets)} AS hour, sum(s.entries), sum(s.passed)"
            f" FROM {source} GROUP BY 1",
            params,
        )
        return days, hours

    def _slots(self, deck_ids: Sequence[int] | None, summarised: bool) -> tuple[str, list[int]]:
        """FROM clause (alias ``s``) of the user's slot rows, and its parameters.

        The summary table normally; when it disagrees with the log (a write that
        did not keep it, which should not happen), the same rows computed from
        the log itself: slow, but right.
        """
        if summarised:
            source, params = "review_slots s WHERE s.user_id = ?", [self.user]
        else:
            contributions = review_slots.contributions_sql("r.card_id >= ?")
            source = f"({contributions}) s WHERE true"
            params = [self.user, review_slots.ANY_CARD]
        if deck_ids is not None:
            source += f" AND s.deck_id IN ({marks(deck_ids) or 'NULL'})"
            params += list(deck_ids)
        return source, params

    def _cards(self, deck_ids: Sequence[int] | None) -> tuple[str, list[int]]:
        where, params = "c.user_id = ?", [self.user]
        if deck_ids is not None:
            where += f" AND c.deck_id IN ({marks(deck_ids) or 'NULL'})"
            params += list(deck_ids)
        return where, params

    def _due(
        self,
        calendar: Calendar,
        today: int,
        low: int,
        high: int,
        deck_ids: Sequence[int] | None,
    ) -> list[Row]:
        where, params = self._cards(deck_ids)
        day = study_day_sql("c.due", calendar.offsets(low, high), calendar.rollover_hour)
        return self.db.fetchall(
            f"SELECT CASE WHEN c.due < {int(low)} THEN {int(today)} ELSE {day} END AS day,"
            f" count(*) FROM cards c WHERE {where} AND c.state != 0 AND c.suspended = 0"
            f" AND c.due < {int(high)} GROUP BY 1",
            params,
        )

    def _states(self, today: int, deck_ids: Sequence[int] | None) -> list[Row]:
        where, params = self._cards(deck_ids)
        return self.db.fetchall(
            "SELECT c.state, c.suspended,"
            f" CASE WHEN c.buried_until > {int(today)} THEN 1 ELSE 0 END, count(*)"
            f" FROM cards c WHERE {where} GROUP BY 1, 2, 3",
            params,
        )

    def _histogram(
        self,
        name: str,
        edges: Sequence[float],
        curve: tuple[int, float, float],
        deck_ids: Sequence[int] | None,
    ) -> list[int]:
        where, params = self._cards(deck_ids)
        value, value_params = HISTOGRAM_VALUES[name]
        now_us, factor, exponent = curve
        bins = len(edges) - 1
        rows = self.db.fetchall(
            f"SELECT {_bin_sql('x.v', bins)}, count(*) FROM"
            f" (SELECT {value} AS v FROM ({_STUDIED.format(where=where)}) k) x GROUP BY 1",
            [*edges, *(factor, exponent)[:value_params], now_us, *params],
        )
        counts = [0] * bins
        for index, count in rows:
            if index is not None:
                counts[int(index)] += int(count)
        return counts


def _ms(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)
