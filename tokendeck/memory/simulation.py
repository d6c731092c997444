"""Workload and knowledge over the coming days, for a range of desired retentions.

Uses ``fsrs-rs-python``'s simulator with the learner's parameters and, where
the log has enough of them, the learner's own answer times and button
habits. The recommended retention minimises study time per remembered card
(total seconds spent over the period / cards remembered at its end).
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokendeck.domain.days import Calendar
from tokendeck.errors import ValidationError
from tokendeck.memory.histories import Step
from tokendeck.memory.review_table import ReviewTable

#: Desired retentions tried: 0.70, 0.71, ... 0.95 (Anki's range).
RETENTIONS = tuple(round(0.70 + i / 100, 2) for i in range(26))
#: Fewer answers than this leave a cost or probability at the simulator's default.
MINIMUM_OBSERVATIONS = 20


@dataclass(frozen=True, slots=True)
class Habits:
    """How the learner answers: button probabilities and seconds per answer."""

    first_rating_prob: tuple[float, ...] | None = None  # Again, Hard, Good, Easy
    review_rating_prob: tuple[float, ...] | None = None  # Hard, Good, Easy when recalled
    first_costs: tuple[float, ...] | None = None  # seconds per first answer, by rating
    review_costs: tuple[float, ...] | None = None  # seconds per review answer, by rating


@dataclass(frozen=True, slots=True)
class Outcome:
    """One simulated retention setting."""

    desired_retention: float
    minutes: float
    reviews: int
    remembered: float  # cards expected to be remembered on the last day

    @property
    def seconds_per_remembered(self) -> float:
        """Study time per remembered card (the quantity minimised)."""
        return self.minutes * 60 / max(self.remembered, 1e-9)

    def to_dict(self) -> dict[str, float]:
        """JSON-ready, rounded."""
        return {
            "desired_retention": self.desired_retention,
            "minutes": round(self.minutes, 1),
            "reviews": self.reviews,
            "remembered": round(self.remembered, 1),
            "seconds_per_remembered": round(self.seconds_per_remembered, 2),
        }


@dataclass
class Simulation:
    """Results for every retention tried, and the recommendation."""

    days: int
    deck_size: int
    new_per_day: int
    outcomes: list[Outcome] = field(default_factory=list)
    daily_minutes: dict[float, list[float]] = field(default_factory=dict)

    @property
    def recommended(self) -> Outcome:
        """The retention with the least study time per remembered card."""
        return min(self.outcomes, key=lambda o: o.seconds_per_remembered)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape of ``tokendeck simulate --json``."""
        return {
            "days": self.days,
            "deck_size": self.deck_size,
            "new_per_day": self.new_per_day,
            "recommended_retention": self.recommended.desired_retention,
            "outcomes": [o.to_dict() for o in self.outcomes],
        }


def habits_from(histories: dict[int, list[Step]]) -> Habits:
    """The learner's habits (buttons pressed, seconds taken) from card histories."""
    first: list[tuple[int, int]] = []
    review: list[tuple[int, int]] = []
    for steps in histories.values():
        first.append((steps[0].rating, steps[0].duration_ms))
        review.extend((s.rating, s.duration_ms) for s in steps[1:] if s.delta_days > 0)
    recalled = [(r, ms) for r, ms in review if r > 1]
    return Habits(
        first_rating_prob=_probabilities(first, (1, 2, 3, 4)),
        review_rating_prob=_probabilities(recalled, (2, 3, 4)),
        first_costs=_costs(first),
        review_costs=_costs(review),
    )


def habits_from_table(table: ReviewTable, calendar: Calendar) -> Habits:
    """The same habits as :func:`habits_from`, from the review table with numpy.

    Same numbers (the tests compare them): counts plus one, medians of seconds.
    """
    import numpy as np

    from tokendeck.memory.training import card_sequences

    starts, ratings, elapsed = card_sequences(table, calendar)
    later = np.flatnonzero(elapsed > 0)  # first answers have elapsed 0, same-day repeats too
    first_ratings, review_ratings = ratings[starts], ratings[later]
    first_ms, review_ms = table.durations_ms[starts], table.durations_ms[later]
    return Habits(
        first_rating_prob=_probabilities_of(first_ratings, (1, 2, 3, 4)),
        review_rating_prob=_probabilities_of(review_ratings[review_ratings > 1], (2, 3, 4)),
        first_costs=_costs_of(first_ratings, first_ms),
        review_costs=_costs_of(review_ratings, review_ms),
    )


def _probabilities_of(ratings: Any, choices: Sequence[int]) -> tuple[float, ...] | None:
    if len(ratings) < MINIMUM_OBSERVATIONS:
        return None
    counts = [int((ratings == rating).sum()) + 1 for rating in choices]  # +1: no zeros
    return tuple(c / sum(counts) for c in counts)


def _costs_of(ratings: Any, durations_ms: Any) -> tuple[float, ...] | None:
    import numpy as np

    timed = durations_ms > 0
    by_rating = [durations_ms[timed & (ratings == rating)] / 1000 for rating in (1, 2, 3, 4)]
    if sum(len(b) for b in by_rating) < MINIMUM_OBSERVATIONS:
        return None
    overall = float(np.median(np.concatenate(by_rating)))
    # capped at 5 minutes: a card left open over lunch is not study time
    return tuple(min(float(np.median(b)) if len(b) >= 5 else overall, 300.0) for b in by_rating)


def _probabilities(
    answers: Sequence[tuple[int, int]], ratings: Sequence[int]
) -> tuple[float, ...] | None:
    if len(answers) < MINIMUM_OBSERVATIONS:
        return None
    counts = [sum(1 for r, _ in answers if r == rating) + 1 for rating in ratings]  # +1: no zeros
    return tuple(c / sum(counts) for c in counts)


def _costs(answers: Sequence[tuple[int, int]]) -> tuple[float, ...] | None:
    by_rating = [
        [ms / 1000 for r, ms in answers if r == rating and ms > 0] for rating in (1, 2, 3, 4)
    ]
    if sum(len(b) for b in by_rating) < MINIMUM_OBSERVATIONS:
        return None
    overall = statistics.median([s for b in by_rating for s in b])
    # capped at 5 minutes: a card left open over lunch is not study time
    return tuple(min(statistics.median(b) if len(b) >= 5 else overall, 300.0) for b in by_rating)


def simulate(
    parameters: Sequence[float],
    *,
    days: int,
    deck_size: int,
    new_per_day: int,
    rng: random.Random,
    habits: Habits | None = None,
    retentions: Sequence[float] = RETENTIONS,
    runs: int = 3,
) -> Simulation:
    """Simulate ``days`` of study for each desired retention (mean of ``runs`` runs)."""
    import fsrs_rs_python as rs

    if min(days, deck_size, new_per_day, runs) < 1:
        raise ValidationError("days, deck size, new cards per day and runs must be at least 1")
    config = _config(days, deck_size, new_per_day, habits or Habits())
    # the same seeds for every retention, so differences come from the retention alone
    seeds = [rng.randrange(2**31) for _ in range(runs)]
    result = Simulation(days, deck_size, new_per_day)
    for retention in retentions:
        batch = [rs.simulate(list(parameters), retention, config, seed) for seed in seeds]
        minutes = [
            sum(day) / 60 / runs for day in zip(*(b.cost_per_day for b in batch), strict=True)
        ]
        result.daily_minutes[retention] = minutes
        reviews = sum(sum(b.review_cnt_per_day) for b in batch) // runs
        remembered = sum(b.memorized_cnt_per_day[-1] for b in batch) / runs
        result.outcomes.append(Outcome(retention, sum(minutes), reviews, remembered))
    return result


def _config(days: int, deck_size: int, new_per_day: int, habits: Habits) -> Any:
    import fsrs_rs_python as rs

    config = rs.default_simulator_config()
    config.deck_size = deck_size
    config.learn_span = days
    config.learn_limit = new_per_day
    config.max_cost_perday = 86400.0  # no daily time cap: we measure the workload
    if habits.first_rating_prob:
        config.first_rating_prob = list(habits.first_rating_prob)
    if habits.review_rating_prob:
        config.review_rating_prob = list(habits.review_rating_prob)
    costs = [list(row) for row in config.state_rating_costs]  # learning, review, relearning
    if habits.first_costs:
        costs[0] = list(habits.first_costs)
    if habits.review_costs:
        costs[1] = list(habits.review_costs)
    config.state_rating_costs = costs
    return config


def plot(simulation: Simulation, path: Path) -> None:
    """A PNG: study minutes and remembered cards against desired retention."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [o.desired_retention for o in simulation.outcomes]
    fig, left = plt.subplots(figsize=(7, 4))
    left.plot(xs, [o.minutes / 60 for o in simulation.outcomes], color="tab:blue")
    left.set_xlabel("desired retention")
    left.set_ylabel(f"study hours over {simulation.days} days", color="tab:blue")
    right = left.twinx()
    right.plot(xs, [o.seconds_per_remembered for o in simulation.outcomes], color="tab:orange")
    right.set_ylabel("seconds per remembered card", color="tab:orange")
    best = simulation.recommended.desired_retention
    left.axvline(best, color="grey", linestyle="--", label=f"recommended {best:.2f}")
    left.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
