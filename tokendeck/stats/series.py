"""Every chart series of the statistics page, shaped from the sums the database made.

:mod:`tokendeck.storage.stats` adds the review log and the cards up in SQL
(per study day, kind and maturity; per local hour; per due day; per card
state; per histogram bin); this module only turns those few rows into the
page's series. The result is the same, number for number, as
:func:`tokendeck.stats.charts.chart_data` computes from every review and
card one by one (the tests compare the two); that module stays as the
definition each series is checked against.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from tokendeck.domain.cards import CardState
from tokendeck.domain.days import Calendar
from tokendeck.stats.charts import (
    DAY_EDGES,
    DIFFICULTY_EDGES,
    PERIODS,
    RECALL_EDGES,
    REVIEW_KINDS,
)
from tokendeck.storage.stats import BURIED, SUSPENDED, StatsRows

#: How far the due forecast and the per-day review counts reach (days).
FORECAST_DAYS = 90
DAILY_DAYS = 365
#: The histograms of the page and their bin edges.
HISTOGRAM_EDGES: Mapping[str, Sequence[float]] = {
    "interval": DAY_EDGES,
    "stability": DAY_EDGES,
    "difficulty": DIFFICULTY_EDGES,
    "retrievability": RECALL_EDGES,
}
_GROUPS = ("learning", "young", "mature")
_LABELS = {int(state): state.label for state in CardState}

#: A row of per-day sums: (study-day ordinal, kind, mature 0/1, entries, again, hard, good,
#: easy, passed, duration ms).
DayRow = Sequence[Any]


def chart_series(rows: StatsRows, now: datetime, cal: Calendar) -> dict[str, Any]:
    """Every chart of the statistics page, in one JSON-ready dict (as ``charts.chart_data``).

    ``rows`` were gathered for the same ``now`` and calendar (and the forgetting
    curve's decay, which the retrievability histogram used).
    """
    today = cal.today(now)
    days = [row for row in rows.days if row[3]]  # a recount can leave all-zero rows
    states = card_states(rows.states)
    return {
        "today": today.isoformat(),
        "forecast": due_forecast(rows.due, FORECAST_DAYS),
        "daily": daily_reviews(days, today, DAILY_DAYS),
        "buttons": answer_buttons(days),
        "retention": true_retention(days, today),
        "states": states,
        "histograms": {
            name: {"edges": list(HISTOGRAM_EDGES[name]), "counts": [float(c) for c in counts]}
            for name, counts in rows.histograms.items()
        },
        "hourly": hourly(rows.hours),
        "streak": streak(days, today),
        "total_reviews": sum(int(row[3]) for row in days),
        "total_cards": sum(cards for _, cards in rows.states),
    }


def due_forecast(rows: Iterable[tuple[int, int]], days: int) -> list[int]:
    """Cards due on each of the next ``days`` study days, from (days ahead, cards) rows."""
    counts = [0] * days
    for ahead, cards in rows:
        if 0 <= ahead < days:
            counts[ahead] += cards
    return counts


def daily_reviews(rows: Iterable[DayRow], today: date, days: int) -> dict[str, Any]:
    """Entries per study day for the last ``days`` days, in total and by kind, and their time."""
    first = today - timedelta(days=days - 1)
    start = first.toordinal()
    by_kind: dict[str, list[int]] = {kind: [0] * days for kind in REVIEW_KINDS}
    milliseconds = [0] * days
    for row in rows:
        offset = int(row[0]) - start
        if 0 <= offset < days:
            by_kind.setdefault(row[1], [0] * days)[offset] += int(row[3])
            milliseconds[offset] += int(row[9])
    total = [sum(values) for values in zip(*by_kind.values(), strict=True)]
    dates = [(first + timedelta(days=i)).isoformat() for i in range(days)]
    seconds = [ms / 1000.0 for ms in milliseconds]
    return {"dates": dates, "total": total, "by_kind": by_kind, "seconds": seconds}


def _group(row: DayRow) -> str:
    if row[1] != "review":
        return "learning"
    return "mature" if row[2] else "young"


def answer_buttons(rows: Iterable[DayRow]) -> dict[str, list[int]]:
    """Counts of each rating (1-4) for learning, young and mature answers."""
    groups: dict[str, list[int]] = {group: [0] * 4 for group in _GROUPS}
    for row in rows:
        counts = groups[_group(row)]
        for rating in range(4):
            counts[rating] += int(row[4 + rating])
    return groups


def true_retention(rows: Iterable[DayRow], today: date) -> list[dict[str, Any]]:
    """Pass rate of review answers, young and mature, over each period."""
    tally = {(period, group): [0, 0] for period in PERIODS for group in ("young", "mature")}
    last = today.toordinal()
    for row in rows:
        if row[1] != "review":
            continue
        age = last - int(row[0])
        group = _group(row)
        answered = sum(int(row[4 + rating]) for rating in range(4))
        passed = answered - int(row[4])
        for period, span in PERIODS.items():
            if 0 <= age < span:
                cell = tally[(period, group)]
                cell[0] += passed
                cell[1] += answered
    table = []
    for period in PERIODS:
        line: dict[str, Any] = {"period": period}
        for group in ("young", "mature"):
            passed, total = tally[(period, group)]
            rate = passed / total if total else None
            line[group] = {"passed": passed, "total": total, "rate": rate}
        table.append(line)
    return table


def card_states(rows: Iterable[tuple[int, int]]) -> dict[str, int]:
    """Cards new, learning, review, relearning, suspended and buried, from (class, cards)
    rows: a class is a state number, or SUSPENDED or BURIED."""
    counts = Counter({"new": 0, "learning": 0, "review": 0, "relearning": 0})
    for kind, cards in rows:
        if kind == SUSPENDED:
            counts["suspended"] += cards
        elif kind == BURIED:
            counts["buried"] += cards
        else:
            counts[_LABELS[kind]] += cards
    return dict(counts)


def hourly(rows: Iterable[Sequence[int]]) -> dict[str, list[float]]:
    """Entries and pass rate by local hour of day (0-23), from (hour, entries, passed) rows."""
    totals = [0] * 24
    passed = [0] * 24
    for hour, entries, good in rows:
        totals[int(hour)] += int(entries)
        passed[int(hour)] += int(good)
    rates = [p / t if t else 0.0 for p, t in zip(passed, totals, strict=True)]
    return {
        "hours": [float(h) for h in range(24)],
        "count": [float(t) for t in totals],
        "pass_rate": rates,
    }


def streak(rows: Iterable[DayRow], today: date) -> dict[str, int]:
    """Current run of study days with at least one entry, and today's entries."""
    counts: Counter[int] = Counter()
    for row in rows:
        counts[int(row[0])] += int(row[3])
    day = today.toordinal()
    if day not in counts:
        day -= 1
    run = 0
    while counts.get(day):
        run += 1
        day -= 1
    return {"streak_days": run, "reviews_today": counts.get(today.toordinal(), 0)}
