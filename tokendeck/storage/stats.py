"""Statistics in SQL: the sums behind every chart of the statistics page.

The review-log series (entries per study day and kind, answer buttons, true
retention, hours, streak) read the rollup of :mod:`tokendeck.storage.review_slots`
(a few thousand rows for a million answers). The card series (due forecast,
card states and the four histograms) come from one pass over the ``cards``
table: each card's state class, due day and histogram bins are worked out
once and the cards are counted per combination. Python only unpacks the rows
that come back; :mod:`tokendeck.stats.series` shapes them into the charts.

The SQL is plain (``CASE``, integer ``/`` and ``%``, ``power``, ``CAST``,
``lag``, ``ON CONFLICT``, a ``MATERIALIZED`` common table expression): a
PostgreSQL backend runs the same statements. Study days and local hours come
from :mod:`tokendeck.storage.local_time`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tokendeck.domain.days import Calendar
from tokendeck.errors import StorageError
from tokendeck.storage import review_slots
from tokendeck.storage.database import Database, Row
from tokendeck.storage.local_time import DAY_MS, local_hour_sql, study_day_sql
from tokendeck.storage.review_slots import ANY_CARD, COUNTS, SLOT_MS, Summary, calendar_key
from tokendeck.storage.rows import marks
from tokendeck.storage.table import Table

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Card classes of the state counts: the states 0-3, then these two.
SUSPENDED, BURIED = 4, 5
_SUMS = ", ".join(f"sum(s.{c})" for c in COUNTS)


@dataclass(frozen=True)
class StatsRows:
    """What the charts are made from, as the database added it up."""

    #: (study-day ordinal, kind, mature 0/1, entries, again, hard, good, easy, passed, ms)
    days: list[Row]
    #: (local hour, entries, passed)
    hours: list[Row]
    #: (days from today the card is due, 0 when overdue; cards), within the forecast
    due: list[tuple[int, int]]
    #: (state 0-3, SUSPENDED or BURIED; cards)
    states: list[tuple[int, int]]
    #: histogram name -> counts per bin
    histograms: dict[str, list[int]]
    #: where the log's sums came from: "rollup", "slots" or "log" (the last two: slower)
    source: str


class Stats(Table):
    """A user's statistics, added up in SQL, and the upkeep of the review-log summaries."""

    __slots__ = ("summary",)

    def __init__(self, db: Database, user: int, summary: Summary) -> None:
        super().__init__(db, user)
        self.summary = summary

    # -- upkeep (see review_slots) ----------------------------------------------------------------
    def refreshing(
        self, cards: Sequence[int] | int, *, and_from: int | None = None
    ) -> AbstractContextManager[None]:
        """Around a bulk change to some cards' logs or decks (an import): recount them.

        ``cards``: card ids, or one id meaning every card from it on; ``and_from``:
        every card from that id on as well.
        """
        return self.summary.refreshing(cards, and_from=and_from)

    def rebuild(self) -> None:
        """Recount the user's whole summary from the log."""
        self.summary.rebuild()

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
        """Every sum of the statistics page, read in one snapshot of the database.

        ``edges``: histogram name -> bin edges (at most 15 bins each); ``factor``
        and ``decay``: the forgetting curve's; ``forecast_days``: how far the due
        forecast looks. The log's rollup is recounted first when it is in another
        calendar (or out of step with the log), and the slots too when they are out
        of step with the log.
        """
        named = calendar_key(calendar)
        cards = _CardQuery(calendar, now, edges, factor, decay, forecast_days)
        for attempt in range(2):
            with self.db.snapshot():
                source = self._source(named)
                if source == "rollup" or attempt:
                    days, hours = self._log(calendar, now, deck_ids, source)
                    due, states, histograms = cards.run(self.db, *self._cards(deck_ids))
                    return StatsRows(days, hours, due, states, histograms, source)
            # Another calendar than the rollup's (or a rollup out of step): counted again
            # from the slots, then read. Slots out of step with the log (a write that
            # bypassed them) are recounted from the log first, once, rather than the log
            # added up at every read. A read-only file adds up what it has.
            with suppress(StorageError):
                if source == "log":
                    self.summary.rebuild()
                self.summary.roll_up(calendar)
        raise AssertionError("unreachable")  # pragma: no cover

    def _source(self, named: str) -> str:
        """Where the log's sums can be read: the rollup, the slots, or only the log itself.

        Each summary must count as many entries as the log has; one that does not
        (a write that bypassed it: an older tool, a bug) is not trusted.
        """
        logged = self.db.scalar("SELECT count(*) FROM reviews WHERE user_id = ?", (self.user,))
        if self.summary.rolled_up_in() == named and logged == self._total("review_days"):
            return "rollup"
        return "slots" if logged == self._total("review_slots") else "log"

    def _total(self, table: str) -> int:
        return int(
            self.db.scalar(
                f"SELECT coalesce(sum(entries), 0) FROM {table} WHERE user_id = ?", (self.user,)
            )
        )

    def _log(
        self, calendar: Calendar, now: datetime, deck_ids: Sequence[int] | None, source: str
    ) -> tuple[list[Row], list[Row]]:
        decks, chosen = "", [] if deck_ids is None else list(deck_ids)
        if deck_ids is not None:
            decks = f" AND s.deck_id IN ({marks(deck_ids) or 'NULL'})"
        if source == "rollup":
            days = self.db.fetchall(
                f"SELECT s.day, s.kind, s.mature, {_SUMS} FROM review_days s"
                f" WHERE s.user_id = ?{decks} GROUP BY 1, 2, 3",
                (self.user, *chosen),
            )
            hours = self.db.fetchall(
                "SELECT s.hour, sum(s.entries), sum(s.passed) FROM review_days s"
                f" WHERE s.user_id = ?{decks} GROUP BY 1",
                (self.user, *chosen),
            )
            return days, hours
        span = self.db.fetchone(
            "SELECT min(reviewed_at), max(reviewed_at) FROM reviews WHERE user_id = ?",
            (self.user,),
        )
        if span is None or span[0] is None:
            return [], []
        if source == "slots":
            table, params = "review_slots s WHERE s.user_id = ?", [self.user, *chosen]
        else:  # the log itself, added up as the slots would be
            contributions = review_slots.contributions_sql(
                "r.card_id >= ?", dialect=self.db.dialect
            )
            table, params = f"({contributions}) s WHERE true", [self.user, ANY_CARD, *chosen]
        offsets = calendar.offsets(span[0], span[1] + SLOT_MS)
        start = f"s.slot * {SLOT_MS}"
        day = study_day_sql(start, offsets, calendar.rollover_hour)
        days = self.db.fetchall(
            f"SELECT {day}, s.kind, s.mature, {_SUMS} FROM {table}{decks} GROUP BY 1, 2, 3",
            params,
        )
        hours = self.db.fetchall(
            f"SELECT {local_hour_sql(start, offsets)}, sum(s.entries), sum(s.passed)"
            f" FROM {table}{decks} GROUP BY 1",
            params,
        )
        return days, hours

    def _cards(self, deck_ids: Sequence[int] | None) -> tuple[str, list[int]]:
        where, params = "c.user_id = ?", [self.user]
        if deck_ids is not None:
            where += f" AND c.deck_id IN ({marks(deck_ids) or 'NULL'})"
            params += list(deck_ids)
        return where, params


class _CardQuery:
    """The one statement that counts the cards for the forecast, the states and histograms.

    Each card gets a state class, the day of the forecast it falls on and a bin
    in each histogram (``MATERIALIZED``: worked out once per card); the cards
    are then counted per combination, packed into one integer key.
    """

    def __init__(
        self,
        calendar: Calendar,
        now: datetime,
        edges: Mapping[str, Sequence[float]],
        factor: float,
        decay: float,
        forecast_days: int,
    ) -> None:
        today = calendar.today(now)
        self.today = today.toordinal()
        self.low = _ms(calendar.start(today)) - 2 * DAY_MS
        self.high = _ms(calendar.start(today + timedelta(days=forecast_days))) + 2 * DAY_MS
        self.calendar = calendar
        self.now_us = (now - _EPOCH) // timedelta(microseconds=1)
        self.factor, self.exponent = factor, -decay
        self.edges = {name: list(values) for name, values in edges.items()}
        self.forecast_days = forecast_days
        self.base = max(len(e) for e in self.edges.values())  # bins + 1: "no bin" fits

    def run(
        self, db: Database, where: str, params: Sequence[Any]
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]], dict[str, list[int]]]:
        sql, bound = self._sql(where, params)
        due: dict[int, int] = {}
        states: dict[int, int] = {}
        histograms = {name: [0] * (len(e) - 1) for name, e in self.edges.items()}
        for key, cards in db.fetchall(sql, bound):
            key, cards = int(key), int(cards)
            for name in reversed(self.edges):
                key, found = divmod(key, self.base)
                if found < len(histograms[name]):
                    histograms[name][found] += cards
            key, day = divmod(key, self.forecast_days + 1)
            if day < self.forecast_days:
                due[day] = due.get(day, 0) + cards
            states[key] = states.get(key, 0) + cards
        return sorted(due.items()), sorted(states.items()), histograms

    def _sql(self, where: str, params: Sequence[Any]) -> tuple[str, list[Any]]:
        studied = "c.stability IS NOT NULL AND c.last_review IS NOT NULL"
        offsets = self.calendar.offsets(self.low, self.high)
        day = study_day_sql("c.due", offsets, self.calendar.rollover_hour)
        elapsed = "CAST(? - c.last_review * 1000 AS DOUBLE PRECISION) / 1000000.0 / 86400.0"
        # FSRS-6 recall now, exactly as stats.charts.retrievability computes it
        # (a zero stability counts as one day there too).
        recall = (
            f"power(1.0 + ? * (CASE WHEN {elapsed} > 0.0 THEN {elapsed} ELSE 0.0 END)"
            " / CASE WHEN c.stability = 0 THEN 1.0 ELSE c.stability END, ?)"
        )
        cards = (
            f"WITH k AS MATERIALIZED (SELECT CASE WHEN c.suspended <> 0 THEN {SUSPENDED}"
            f" WHEN c.buried_until > {self.today} THEN {BURIED} ELSE c.state END AS class,"
            f" CASE WHEN c.state <> 0 AND c.suspended = 0 AND c.due < {self.high} THEN"
            f" CASE WHEN c.due < {self.low} THEN 0 ELSE {day} - {self.today} END END AS due,"
            f" CASE WHEN {studied} THEN c.due - c.last_review END AS span,"
            f" CASE WHEN {studied} THEN c.stability END AS stability,"
            f" CASE WHEN {studied} THEN c.difficulty END AS difficulty,"
            f" CASE WHEN {studied} THEN {recall} END AS recall"
            f" FROM cards c WHERE {where})"
        )
        bound: list[Any] = [self.factor, self.now_us, self.now_us, self.exponent, *params]
        days = self.forecast_days
        key = (
            f"k.class * {days + 1} + CASE WHEN k.due IS NULL OR k.due >= {days} THEN {days}"
            " WHEN k.due < 0 THEN 0 ELSE k.due END"
        )
        for name, edges in self.edges.items():
            binned, values = self._bin(name, edges)
            key = f"({key}) * {self.base} + {binned}"
            bound += values
        return f"{cards} SELECT {key}, count(*) FROM k GROUP BY 1", bound

    def _bin(self, name: str, edges: Sequence[float]) -> tuple[str, list[Any]]:
        """The bin of a card in a histogram, ``len(edges) - 1`` for none; and its parameters."""
        if name == "interval" and all(float(e).is_integer() for e in edges):
            # Whole-day edges: the millisecond span compares exactly as the days it makes
            # (a span a millisecond short of a day is far from rounding up to it).
            value = "CASE WHEN k.span < 0 THEN 0 ELSE k.span END"
            limits = [int(e) * DAY_MS for e in edges]
            return _binned(value, limits, len(edges) - 1, literal=True), []
        value = {
            "interval": "CASE WHEN k.span < 0 THEN 0.0"
            " ELSE CAST(k.span AS DOUBLE PRECISION) / 1000.0 / 86400.0 END",
            "stability": "k.stability",
            "difficulty": "k.difficulty",
            "recall": "k.recall",
            "retrievability": "k.recall",
        }[name]
        return _binned(value, list(edges), len(edges) - 1, literal=False), _tree_params(edges)


def _binned(value: str, edges: Sequence[Any], none: int, *, literal: bool) -> str:
    """Bin of ``value`` in [e_i, e_i+1) (the last bin closed), ``none`` outside or NULL.

    A binary search of CASE expressions; edges are literals (whole numbers) or
    parameters in the order :func:`_tree_params` gives.
    """

    def edge(i: int) -> str:
        return str(edges[i]) if literal else "?"

    def branch(low: int, high: int) -> str:
        if low == high:
            return str(low)
        middle = (low + high + 1) // 2
        return (
            f"CASE WHEN {value} < {edge(middle)} THEN {branch(low, middle - 1)}"
            f" ELSE {branch(middle, high)} END"
        )

    last = len(edges) - 1
    return (
        f"CASE WHEN {value} IS NULL OR {value} < {edge(0)} OR {value} > {edge(last)}"
        f" THEN {none} ELSE {branch(0, last - 1)} END"
    )


def _tree_params(edges: Sequence[float]) -> list[float]:
    """The edges in the order :func:`_binned` mentions them."""
    order = [0, len(edges) - 1]

    def branch(low: int, high: int) -> None:
        if low == high:
            return
        middle = (low + high + 1) // 2
        order.append(middle)
        branch(low, middle - 1)
        branch(middle, high)

    branch(0, len(edges) - 2)
    return [float(edges[i]) for i in order]


def _ms(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)
