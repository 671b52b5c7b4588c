"""Empirical reliability of EAP scores, with a bootstrap interval for small samples.

Definition
----------
For the EAP estimates ``θ̂`` and posterior SDs ``SE`` of ``n`` test takers,

``ρ = Var(θ̂) / (Var(θ̂) + mean SE²)``

(du Toit, 2003, p. 34): the share of the estimated total variance (between-person variance of
the estimates plus the mean error variance) that is true-score variance. With a few dozen
test takers the figure is itself uncertain, so it is reported with a percentile bootstrap
interval (Efron & Tibshirani, 1993, ch. 13): the test takers are resampled with replacement
``n_boot`` times and the interval is the ``(1 − level)/2`` and ``(1 + level)/2`` quantiles of
the resampled figures. A fixed seed makes the interval the same on every run.

References
----------
du Toit, M. (Ed.). (2003). *IRT from SSI*. Scientific Software International.
Efron, B., & Tibshirani, R. J. (1993). *An introduction to the bootstrap*. Chapman & Hall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.arrays import FloatArray
from scoring.errors import ScoringError

BOOTSTRAP_SEED = 20261206
"""Seed of the bootstrap resampling (a report prints the same interval every time)."""


@dataclass(frozen=True)
class EmpiricalReliability:
    """An empirical reliability with its percentile bootstrap interval and sample size."""

    value: float
    low: float
    high: float
    n: int


def empirical_reliability(theta: FloatArray, se: FloatArray) -> FloatArray:
    """``Var(θ̂) / (Var(θ̂) + mean SE²)`` over the last axis (module docstring)."""
    theta, se = np.asarray(theta, dtype=float), np.asarray(se, dtype=float)
    variance = np.var(theta, axis=-1, ddof=1)
    return np.asarray(variance / (variance + np.mean(se**2, axis=-1)), dtype=np.float64)


def bootstrapped_reliability(
    theta: FloatArray, se: FloatArray, level: float = 0.9, n_boot: int = 2000
) -> EmpiricalReliability:
    """Empirical reliability of ``theta``/``se`` (one value per test taker) with its
    percentile bootstrap interval at ``level`` (module docstring)."""
    theta, se = np.asarray(theta, dtype=float), np.asarray(se, dtype=float)
    if theta.ndim != 1 or theta.shape != se.shape or theta.size < 2:
        raise ScoringError("empirical reliability needs matching θ and SE of 2+ test takers")
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    draws = rng.integers(0, theta.size, size=(n_boot, theta.size))
    resampled = empirical_reliability(theta[draws], se[draws])
    tail = (1.0 - level) / 2.0
    low, high = np.nanquantile(resampled, [tail, 1.0 - tail])
    value = float(empirical_reliability(theta, se))
    return EmpiricalReliability(value, float(low), float(high), int(theta.size))


__all__ = [
    "BOOTSTRAP_SEED",
    "EmpiricalReliability",
    "bootstrapped_reliability",
    "empirical_reliability",
]
