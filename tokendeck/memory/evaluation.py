"""Honest evaluation of memory models, following the open srs-benchmark protocol.

1. Elapsed time is counted in study days (rollover hour, time zone).
2. Scored reviews: the first review of a card on each study day after its
   first (same-day repeats only feed the history); manual reschedules dropped.
3. Time-series split: five folds; each model is fitted on the past only and
   predicts the next block. Predictions of all test blocks are pooled and
   scored once with log loss, RMSE(bins) and AUC.

Models: FSRS-6 with default parameters, FSRS-6 fitted on the training folds,
and ours (fitted FSRS-6 shrunk toward the defaults, :mod:`.shrinkage`). Ours
becomes the recommended model only if it beats fitted FSRS-6 on both
calibration metrics (log loss and RMSE(bins)) on the held-out blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from tokendeck.domain.days import Calendar
from tokendeck.errors import ValidationError
from tokendeck.memory import fsrs6, metrics, shrinkage
from tokendeck.memory.histories import Sample, card_histories, samples
from tokendeck.memory.revlogs import ReviewLog
from tokendeck.memory.split import time_series_folds

MODELS = ("fsrs6_default", "fsrs6_fitted", "ours_shrunk")
#: Below this many scorable reviews the folds are too small to say anything.
MINIMUM_SAMPLES = 60


@dataclass(frozen=True, slots=True)
class Scores:
    """The three metrics for one model (lower log loss / RMSE and higher AUC are better)."""

    log_loss: float
    rmse_bins: float
    auc: float | None

    def to_dict(self) -> dict[str, float | None]:
        """Rounded for printing; stable key order."""
        auc = None if self.auc is None else round(self.auc, 4)
        return {
            "log_loss": round(self.log_loss, 4),
            "rmse_bins": round(self.rmse_bins, 4),
            "auc": auc,
        }


@dataclass
class Evaluation:
    """What ``tokendeck evaluate`` reports."""

    source: str
    reviews: int
    cards: int
    scored: int
    folds: int
    timezone: str
    rollover_hour: int
    scores: dict[str, Scores] = field(default_factory=dict)

    @property
    def recommended(self) -> str:
        """Ours if it beats fitted FSRS-6 on log loss and RMSE(bins), else fitted FSRS-6."""
        ours, fitted = self.scores["ours_shrunk"], self.scores["fsrs6_fitted"]
        wins = ours.log_loss < fitted.log_loss and ours.rmse_bins < fitted.rmse_bins
        return "ours_shrunk" if wins else "fsrs6_fitted"

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape of ``tokendeck evaluate --json``."""
        return {
            "source": self.source,
            "reviews": self.reviews,
            "cards": self.cards,
            "scored_reviews": self.scored,
            "folds": self.folds,
            "calendar": {"timezone": self.timezone, "rollover_hour": self.rollover_hour},
            "models": {name: self.scores[name].to_dict() for name in MODELS},
            "recommended": self.recommended,
        }


def evaluate(log: ReviewLog, calendar: Calendar, *, n_splits: int = 5) -> Evaluation:
    """Run the protocol on a review log."""
    scored = samples(card_histories(log.reviews, calendar))
    if len(scored) < MINIMUM_SAMPLES:
        raise ValidationError(
            f"only {len(scored)} reviews can be scored (need {MINIMUM_SAMPLES})",
            hint="a card counts once per study day after its first; review for longer first",
        )
    predictions, outcomes, keys = _pooled_predictions(scored, n_splits)
    return Evaluation(
        source=log.source,
        reviews=len(log.reviews),
        cards=log.card_count,
        scored=len(outcomes),
        folds=n_splits,
        timezone=zone_label(calendar),
        rollover_hour=calendar.rollover_hour,
        scores={name: _score(outcomes, predictions[name], keys) for name in MODELS},
    )


def _pooled_predictions(
    scored: list[Sample], n_splits: int
) -> tuple[dict[str, list[float]], list[int], list[tuple[float, float, float]]]:
    predictions: dict[str, list[float]] = {name: [] for name in MODELS}
    outcomes: list[int] = []
    keys: list[tuple[float, float, float]] = []
    for fold in time_series_folds(len(scored), n_splits):
        train, test = scored[: fold.train_end], scored[fold.test_start : fold.test_end]
        default = fsrs6.predict(fsrs6.DEFAULT_PARAMETERS, test)
        fitted = fsrs6.predict(fsrs6.fit(train), test)
        predictions["fsrs6_default"] += default
        predictions["fsrs6_fitted"] += fitted
        predictions["ours_shrunk"] += shrinkage.blend(fitted, default, len(train))
        outcomes += [s.recalled for s in test]
        keys += [metrics.bin_key(s.target.delta_days, s.review_number, s.lapses) for s in test]
    return predictions, outcomes, keys


def _score(
    outcomes: list[int], predicted: list[float], keys: list[tuple[float, float, float]]
) -> Scores:
    return Scores(
        log_loss=metrics.log_loss(outcomes, predicted),
        rmse_bins=metrics.rmse_bins(outcomes, predicted, keys),
        auc=metrics.auc(outcomes, predicted),
    )


def zone_label(calendar: Calendar) -> str:
    """A readable name for the calendar's zone: IANA key or ``UTC+hh:mm``."""
    key = getattr(calendar.tz, "key", None)
    if isinstance(key, str):
        return key
    from datetime import datetime

    offset = calendar.tz.utcoffset(datetime(2000, 1, 1)) or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
