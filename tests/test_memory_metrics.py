"""Metrics against values computed by hand."""

from __future__ import annotations

import math

import pytest

from tokendeck.memory.metrics import auc, bin_key, log_loss, rmse_bins


def test_log_loss_by_hand() -> None:
    # -(ln 0.8 + ln 0.6) / 2
    assert log_loss([1, 0], [0.8, 0.4]) == pytest.approx((0.2231436 + 0.5108256) / 2, abs=1e-6)


def test_log_loss_of_a_certain_miss_is_finite() -> None:
    assert math.isfinite(log_loss([1], [0.0]))


def test_auc_counts_ties_as_half() -> None:
    # positive/negative pairs: (.9,.9) 0.5, (.9,.1) 1, (.5,.9) 0, (.5,.1) 1 -> 2.5 / 4
    assert auc([1, 0, 1, 0], [0.9, 0.9, 0.5, 0.1]) == pytest.approx(0.625)


def test_auc_perfect_and_undefined() -> None:
    assert auc([0, 0, 1], [0.1, 0.2, 0.3]) == pytest.approx(1.0)
    assert auc([1, 1], [0.1, 0.2]) is None


def test_rmse_bins_weights_bins_by_size() -> None:
    a, b = (2.48, 2.0, 0.0), (8.98, 2.0, 0.0)
    # bin a: mean y 0.5, mean p 0.8 (n=2); bin b: y 1, p 0.6 (n=1)
    expected = math.sqrt((2 * 0.3**2 + 1 * 0.4**2) / 3)
    assert rmse_bins([1, 0, 1], [0.9, 0.7, 0.6], [a, a, b]) == pytest.approx(expected)


def test_bin_keys_follow_srs_benchmark_scales() -> None:
    assert bin_key(1, 1, 0) == (2.48, 2.0, 0.0)
    assert bin_key(3, 2, 1) == (2.48, 4.0, 2.0)  # 3 < 3.62; 1.99*1.89 = 3.76 -> 4; 1.65 -> 2
    # 2.48*3.62 = 8.98; 1.99*1.89^2 = 7.1 -> 7; log(3)/log(1.73) = 2.004 -> 1.65*1.73^2 = 4.94 -> 5
    assert bin_key(4, 4, 3) == (8.98, 7.0, 5.0)


def test_mismatched_lengths_are_rejected() -> None:
    with pytest.raises(ValueError):
        log_loss([1], [0.5, 0.5])
