"""Chart data for the statistics page and ``stats --plot``, from review rows and cards.

Pure functions over what the collection facade returns (``col.reviews()``,
``col.find_cards()``); nothing here reads the clock or a database. Every
series is plain lists of numbers and ISO dates, ready for JSON and for
matplotlib. Days are the learner's study days (rollover hour, time zone).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

from tokendeck.domain.cards import Card, CardState
from tokendeck.domain.days import Calendar
from tokendeck.domain.reviews import MATURE_DAYS, Review, ReviewFacts

#: FSRS-6 default forgetting-curve decay (parameter w20), used when a deck has no fitted one.
DEFAULT_DECAY = 0.1542
#: Retention table periods: name -> days back from today (inclusive of today).
PERIODS = {"today": 1, "week": 7, "month": 30, "year": 365}
REVIEW_KINDS = ("learn", "review", "relearn", "filtered", "manual")
#: Bin edges of the interval and stability histograms (days), difficulty and retrievability.
DAY_EDGES = (0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 60, 90, 180, 365, 730, 36500)
DIFFICULTY_EDGES = tuple(1 + i * 0.9 for i in range(11))
RECALL_EDGES = tuple(i / 10 for i in range(11))


#: Every UTC offset in use is a multiple of 15 minutes, so all instants in one
#: 15-minute slot share their study day and local hour.
_SLOT_SECONDS = 900


class _FastDays:
    """``cal.today()`` and the local hour, memoised per 15-minute slot.

    Converting a time zone costs microseconds; a year of a heavy learner's log
    has a million reviews but only some 35,000 slots.
    """

    def __init__(self, cal: Calendar) -> None:
        self._cal = cal
        self._days: dict[int, date] = {}
        self._hours: dict[int, int] = {}

    def day(self, instant: datetime) -> date:
        slot = int(instant.timestamp()) // _SLOT_SECONDS
        found = self._days.get(slot)
        if found is None:
            found = self._days[slot] = self._cal.today(instant)
        return found

    def hour(self, instant: datetime) -> int:
        slot = int(instant.timestamp()) // _SLOT_SECONDS
        found = self._hours.get(slot)
        if found is None:
            found = self._hours[slot] = instant.astimezone(self._cal.tz).hour
        return found


def _ordered(reviews: Sequence[ReviewFacts]) -> Sequence[ReviewFacts]:
    """Reviews oldest first (the facade already streams them so; sort only if not)."""
    if all(a.reviewed_at <= b.reviewed_at for a, b in pairwise(reviews)):
        return reviews
    return sorted(reviews, key=lambda r: (r.reviewed_at, r.id))


def curve_factor(decay: float = DEFAULT_DECAY) -> float:
    """The FSRS-6 forgetting curve's factor for ``decay``: recall is 90% at the stability."""
    return float(0.9 ** (-1.0 / decay) - 1.0)


def retrievability(elapsed_days: float, stability: float, decay: float = DEFAULT_DECAY) -> float:
    """FSRS-6 probability of recall after ``elapsed_days`` for a memory of ``stability`` days."""
    factor = curve_factor(decay)
    return float((1.0 + factor * max(0.0, elapsed_days) / stability) ** (-decay))


def due_forecast(cards: Iterable[Card], now: datetime, cal: Calendar, days: int = 90) -> list[int]:
    """Cards due on each of the next ``days`` study days (overdue ones count today)."""
    today = cal.today(now)
    counts = [0] * days
    for card in cards:
        if card.state == CardState.NEW or card.suspended:
            continue
        offset = max(0, (cal.today(card.due) - today).days)
        if offset < days:
            counts[offset] += 1
    return counts


def daily_reviews(
    reviews: Sequence[ReviewFacts], now: datetime, cal: Calendar, days: int = 365
) -> dict[str, Any]:
    """Reviews per study day for the last ``days`` days, in total and by kind."""
    today = cal.today(now)
    first = today - timedelta(days=days - 1)
    by_kind: dict[str, list[int]] = {kind: [0] * days for kind in REVIEW_KINDS}
    seconds = [0.0] * days
    fast = _FastDays(cal)
    for review in reviews:
        offset = (fast.day(review.reviewed_at) - first).days
        if 0 <= offset < days:
            by_kind.setdefault(review.kind, [0] * days)[offset] += 1
            seconds[offset] += review.duration_ms / 1000.0
    total = [sum(values) for values in zip(*by_kind.values(), strict=True)]
    dates = [(first + timedelta(days=i)).isoformat() for i in range(days)]
    return {"dates": dates, "total": total, "by_kind": by_kind, "seconds": seconds}


def _previous_intervals(reviews: Sequence[ReviewFacts]) -> list[float | None]:
    """For each review (oldest first), the interval the card had before it, in days."""
    last: dict[int, float] = {}
    result: list[float | None] = []
    for review in reviews:
        result.append(last.get(review.card_id))
        last[review.card_id] = review.scheduled_days
    return result


def answer_buttons(reviews: Sequence[ReviewFacts]) -> dict[str, list[int]]:
    """Counts of each rating (1-4) for learning, young and mature reviews."""
    groups: dict[str, list[int]] = {"learning": [0] * 4, "young": [0] * 4, "mature": [0] * 4}
    ordered = _ordered(reviews)
    for review, before in zip(ordered, _previous_intervals(ordered), strict=True):
        if not 1 <= review.rating <= 4:
            continue
        groups[_maturity(review, before)][review.rating - 1] += 1
    return groups


def _maturity(review: ReviewFacts, before: float | None) -> str:
    if review.kind != "review":
        return "learning"
    return "mature" if (before or 0.0) >= MATURE_DAYS else "young"


def true_retention(
    reviews: Sequence[ReviewFacts], now: datetime, cal: Calendar
) -> list[dict[str, Any]]:
    """Pass rate of review-kind answers, young and mature, over each period."""
    today = cal.today(now)
    ordered = _ordered(reviews)
    fast = _FastDays(cal)
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])  # passed, total
    for review, before in zip(ordered, _previous_intervals(ordered), strict=True):
        if review.kind != "review" or not 1 <= review.rating <= 4:
            continue
        age = (today - fast.day(review.reviewed_at)).days
        group = _maturity(review, before)
        for period, span in PERIODS.items():
            if 0 <= age < span:
                cell = tally[(period, group)]
                cell[0] += review.rating > 1
                cell[1] += 1
    rows = []
    for period in PERIODS:
        row: dict[str, Any] = {"period": period}
        for group in ("young", "mature"):
            passed, total = tally[(period, group)]
            row[group] = {
                "passed": passed,
                "total": total,
                "rate": passed / total if total else None,
            }
        rows.append(row)
    return rows


def card_states(cards: Iterable[Card], today: date) -> dict[str, int]:
    """How many cards are new, learning, review, relearning, suspended and buried."""
    counts = Counter({"new": 0, "learning": 0, "review": 0, "relearning": 0})
    for card in cards:
        if card.suspended:
            counts["suspended"] += 1
        elif card.is_buried(today):
            counts["buried"] += 1
        else:
            counts[card.state.label] += 1
    return dict(counts)


def histogram(values: Iterable[float], edges: Sequence[float]) -> dict[str, list[float]]:
    """Counts of ``values`` in the bins ``[edges[i], edges[i+1])``; the last bin is closed."""
    counts = [0] * (len(edges) - 1)
    for value in values:
        if edges[0] <= value <= edges[-1]:
            counts[min(bisect_right(edges, value) - 1, len(counts) - 1)] += 1
    return {"edges": list(edges), "counts": [float(c) for c in counts]}


def card_histograms(
    cards: Sequence[Card], now: datetime, decay: float = DEFAULT_DECAY
) -> dict[str, dict[str, list[float]]]:
    """Interval, stability, difficulty and retrievability histograms of studied cards."""
    studied = [c for c in cards if c.stability is not None and c.last_review is not None]
    intervals = [
        max(0.0, (c.due - c.last_review).total_seconds() / 86400) for c in studied if c.last_review
    ]
    stabilities = [float(c.stability or 0.0) for c in studied]
    difficulties = [float(c.difficulty or 0.0) for c in studied if c.difficulty is not None]
    recall = [
        retrievability(
            (now - c.last_review).total_seconds() / 86400, float(c.stability or 1.0), decay
        )
        for c in studied
        if c.last_review
    ]
    return {
        "interval": histogram(intervals, DAY_EDGES),
        "stability": histogram(stabilities, DAY_EDGES),
        "difficulty": histogram(difficulties, DIFFICULTY_EDGES),
        "retrievability": histogram(recall, RECALL_EDGES),
    }


def hourly(reviews: Sequence[ReviewFacts], cal: Calendar) -> dict[str, list[float]]:
    """Reviews and pass rate by local hour of day (0-23)."""
    totals = [0] * 24
    passed = [0] * 24
    fast = _FastDays(cal)
    for review in reviews:
        hour = fast.hour(review.reviewed_at)
        totals[hour] += 1
        passed[hour] += review.rating > 1
    rates = [p / t if t else 0.0 for p, t in zip(passed, totals, strict=True)]
    return {
        "hours": [float(h) for h in range(24)],
        "count": [float(t) for t in totals],
        "pass_rate": rates,
    }


def streak(reviews: Sequence[ReviewFacts], now: datetime, cal: Calendar) -> dict[str, int]:
    """Current run of study days with at least one review, and today's review count."""
    fast = _FastDays(cal)
    counts = Counter(fast.day(r.reviewed_at) for r in reviews)
    days = set(counts)
    today = cal.today(now)
    day = today if today in days else today - timedelta(days=1)
    run = 0
    while day in days:
        run += 1
        day -= timedelta(days=1)
    done_today = counts.get(today, 0)
    return {"streak_days": run, "reviews_today": done_today}


def forgetting_curve(
    history: Sequence[Review], now: datetime, decay: float = DEFAULT_DECAY, *, ahead_days: int = 30
) -> dict[str, list[Any]]:
    """One card's predicted recall over time: 1.0 at each review, decaying with its stability.

    Sampled a few times per interval from the first review to ``ahead_days`` after ``now``;
    ``reviews`` marks each answer (time, rating) so the page can draw them on the curve.
    """
    points_t: list[str] = []
    points_r: list[float] = []
    ordered = [r for r in sorted(history, key=lambda r: r.reviewed_at) if r.stability]
    for i, review in enumerate(ordered):
        end = (
            ordered[i + 1].reviewed_at if i + 1 < len(ordered) else now + timedelta(days=ahead_days)
        )
        span = max((end - review.reviewed_at).total_seconds() / 86400, 0.0)
        for k in range(25):
            t = span * k / 24
            points_t.append((review.reviewed_at + timedelta(days=t)).isoformat())
            points_r.append(retrievability(t, float(review.stability or 1.0), decay))
    marks = [{"at": r.reviewed_at.isoformat(), "rating": r.rating} for r in ordered]
    return {"times": points_t, "recall": points_r, "reviews": marks}


def chart_data(
    cards: Sequence[Card],
    reviews: Sequence[ReviewFacts],
    now: datetime,
    cal: Calendar,
    decay: float = DEFAULT_DECAY,
) -> dict[str, Any]:
    """Every chart of the statistics page, in one JSON-ready dict."""
    today = cal.today(now)
    return {
        "today": today.isoformat(),
        "forecast": due_forecast(cards, now, cal, 90),
        "daily": daily_reviews(reviews, now, cal, 365),
        "buttons": answer_buttons(reviews),
        "retention": true_retention(reviews, now, cal),
        "states": card_states(cards, today),
        "histograms": card_histograms(cards, now, decay),
        "hourly": hourly(reviews, cal),
        "streak": streak(reviews, now, cal),
        "total_reviews": len(reviews),
        "total_cards": len(cards),
    }
