"""Prediction metrics, as the open srs-benchmark computes them (pure Python).

* log loss: mean binary cross-entropy;
* RMSE(bins): reviews are grouped by (interval, review number, lapses), each
  bucketed on a geometric scale; the error between mean prediction and mean
  outcome per group is averaged with the group sizes as weights;
* AUC: probability that a remembered review got a higher prediction than a
  forgotten one (ties count one half).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: Predictions are clipped away from 0 and 1 so one confident miss is finite.
EPSILON = 1e-15


def log_loss(outcomes: Sequence[int], predictions: Sequence[float]) -> float:
    """Mean binary cross-entropy of ``predictions`` for 0/1 ``outcomes``."""
    _check(outcomes, predictions)
    total = 0.0
    for y, p in zip(outcomes, predictions, strict=True):
        p = min(max(p, EPSILON), 1 - EPSILON)
        total -= math.log(p) if y else math.log(1 - p)
    return total / len(outcomes)


def bin_key(delta_days: int, review_number: int, lapses: int) -> tuple[float, float, float]:
    """srs-benchmark's RMSE(bins) bucket of one review."""
    return (
        _geometric(delta_days, 2.48, 3.62, 2),
        _geometric(review_number, 1.99, 1.89, 0),
        _geometric(lapses, 1.65, 1.73, 0) if lapses else 0.0,
    )


def _geometric(value: float, scale: float, base: float, digits: int) -> float:
    """``scale * base ** floor(log_base(value))``, rounded, as srs-benchmark bins."""
    exponent = math.floor(math.log(max(value, 1e-6)) / math.log(base))
    return round(scale * base**exponent, digits)


def rmse_bins(
    outcomes: Sequence[int],
    predictions: Sequence[float],
    keys: Sequence[tuple[float, float, float]],
) -> float:
    """Count-weighted RMSE between mean outcome and mean prediction per bin."""
    _check(outcomes, predictions)
    groups: dict[tuple[float, float, float], list[float]] = {}
    for y, p, key in zip(outcomes, predictions, keys, strict=True):
        acc = groups.setdefault(key, [0.0, 0.0, 0.0])
        acc[0] += y
        acc[1] += p
        acc[2] += 1
    squared = sum((acc[0] - acc[1]) ** 2 / acc[2] for acc in groups.values())
    return math.sqrt(squared / len(outcomes))


def auc(outcomes: Sequence[int], predictions: Sequence[float]) -> float | None:
    """Area under the ROC curve; ``None`` when only one outcome occurs."""
    _check(outcomes, predictions)
    positives = sum(1 for y in outcomes if y)
    negatives = len(outcomes) - positives
    if positives == 0 or negatives == 0:
        return None
    order = sorted(range(len(predictions)), key=predictions.__getitem__)
    rank_sum = 0.0
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and predictions[order[end + 1]] == predictions[order[start]]:
            end += 1
        mean_rank = (start + end) / 2 + 1  # tied predictions share their mean rank
        rank_sum += mean_rank * sum(outcomes[order[k]] for k in range(start, end + 1))
        start = end + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def _check(outcomes: Sequence[int], predictions: Sequence[float]) -> None:
    if len(outcomes) != len(predictions):
        raise ValueError("outcomes and predictions differ in length")
    if not outcomes:
        raise ValueError("no reviews to score")
