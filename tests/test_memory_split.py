"""Time-series folds: same cut points as scikit-learn's TimeSeriesSplit."""

from __future__ import annotations

import itertools

import pytest

from tokendeck.errors import ValidationError
from tokendeck.memory.split import Fold, time_series_folds


def test_ten_samples_three_splits() -> None:
    # test_size = 10 // 4 = 2; first test block starts at 10 - 3 * 2 = 4
    assert time_series_folds(10, 3) == [Fold(4, 4, 6), Fold(6, 6, 8), Fold(8, 8, 10)]


def test_remainder_goes_to_the_first_training_block() -> None:
    folds = time_series_folds(13, 5)  # test_size 2, first test at 3
    assert [(f.train_end, f.test_end) for f in folds] == [(3, 5), (5, 7), (7, 9), (9, 11), (11, 13)]


def test_train_always_precedes_test_and_tests_do_not_overlap() -> None:
    folds = time_series_folds(1001, 5)
    for fold in folds:
        assert fold.train_end == fold.test_start < fold.test_end
    assert folds[-1].test_end == 1001
    assert all(a.test_end == b.test_start for a, b in itertools.pairwise(folds))


def test_too_few_samples_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="cannot be split"):
        time_series_folds(5, 5)
