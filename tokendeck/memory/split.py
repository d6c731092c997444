"""Time-series folds: train on the past, test on the future.

The same rule as scikit-learn's ``TimeSeriesSplit`` (which the open
srs-benchmark uses with five splits): the samples, in time order, are cut into
``n_splits + 1`` equal blocks (the first absorbs the remainder); fold *k*
trains on everything before block *k + 1* and tests on that block.
"""

from __future__ import annotations

from dataclasses import dataclass

from tokendeck.errors import ValidationError


@dataclass(frozen=True, slots=True)
class Fold:
    """Half-open index ranges into the time-ordered samples."""

    train_end: int  # train on [0, train_end)
    test_start: int
    test_end: int  # test on [test_start, test_end)


def time_series_folds(n_samples: int, n_splits: int = 5) -> list[Fold]:
    """The folds for ``n_samples`` time-ordered samples."""
    if n_splits < 1:
        raise ValidationError(f"n_splits must be at least 1, not {n_splits}")
    test_size = n_samples // (n_splits + 1)
    if test_size < 1:
        raise ValidationError(
            f"{n_samples} reviews cannot be split into {n_splits + 1} time blocks",
            hint="evaluate a longer review history or use fewer splits",
        )
    first_test = n_samples - n_splits * test_size
    return [
        Fold(train_end=start, test_start=start, test_end=start + test_size)
        for start in range(first_test, n_samples, test_size)
    ]
