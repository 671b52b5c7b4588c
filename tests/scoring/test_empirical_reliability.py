"""Empirical reliability of EAP scores and its bootstrap interval."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.empirical_reliability import bootstrapped_reliability, empirical_reliability
from scoring.errors import ScoringError


def sample(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Estimates with true-score variance 0.64 and error variance 0.16: reliability 0.8."""
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, 0.8, n), np.full(n, 0.4)


def test_the_figure_is_var_over_var_plus_mean_error_variance() -> None:
    theta, se = sample(500, 1)
    variance = np.var(theta, ddof=1)
    assert float(empirical_reliability(theta, se)) == pytest.approx(variance / (variance + 0.16))


def test_the_interval_brackets_the_figure_narrows_with_n_and_is_reproducible() -> None:
    small, large = (
        bootstrapped_reliability(*sample(30, 2)),
        bootstrapped_reliability(*sample(3000, 2)),
    )
    for found in (small, large):
        assert found.low < found.value < found.high
    assert (small.n, large.n) == (30, 3000)
    assert large.high - large.low < (small.high - small.low) / 5
    assert bootstrapped_reliability(*sample(30, 2)) == small
    assert large.low < 0.8 < large.high


def test_too_few_or_mismatched_values_are_refused() -> None:
    with pytest.raises(ScoringError):
        bootstrapped_reliability(np.array([0.1]), np.array([0.3]))
    with pytest.raises(ScoringError):
        bootstrapped_reliability(np.zeros(5), np.zeros(4))
