"""The composite score: the mean of the competencies on the T scale of the reference population.

Definition
----------
With the latent distribution of the model, ``θ ~ N(0, R)`` (the calibration sample's scale,
``R`` the ``latent_correlation``), and weights ``w`` (default equal, ``1/D``), the composite
is ``c = w'θ``. Its variance in the reference population is ``w'Rw``, so

``T = 50 + 10 · w'θ / √(w'Rw)``

has mean 50 and SD 10 in the reference population (re-standardised: the mean of five
correlated T-scores has an SD below 10). The composite of an estimate is ``w'θ̂`` with the
EAP ``θ̂``; its standard error is the posterior SD of ``w'θ``, ``√(w'Σw)`` with the posterior
covariance ``Σ``, on the T scale ``10 √(w'Σw) / √(w'Rw)``; the 90% interval is
``T ± 1.645 SE``. The percentile is the share of the reference population below ``T``,
``100 Φ((T − 50)/10)``, with the interval's ends mapped the same way.

Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from scoring.arrays import FloatArray
from scoring.errors import ScoringError

Z90 = 1.6448536269514722
"""Standard-normal quantile of a two-sided 90% interval."""


@dataclass(frozen=True)
class Composite:
    """A composite T-score with its SE, 90% interval and percentile interval.

    All fields are arrays of the same shape (one value per candidate) or floats.
    """

    t: FloatArray
    se: FloatArray
    low: FloatArray
    high: FloatArray
    percentile: FloatArray
    percentile_low: FloatArray
    percentile_high: FloatArray


def composite_weights(n_dimensions: int, weights: FloatArray | None = None) -> FloatArray:
    """Normalised weights (sum 1), default equal; raises for negative or all-zero weights."""
    w = np.full(n_dimensions, 1.0) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n_dimensions,) or np.any(w < 0) or w.sum() <= 0 or not np.all(np.isfinite(w)):
        raise ScoringError(
            f"composite weights must be {n_dimensions} non-negative numbers, not all 0"
        )
    return np.asarray(w / w.sum(), dtype=np.float64)


def composite_t(
    theta: FloatArray, correlation: FloatArray, weights: FloatArray | None = None
) -> FloatArray:
    """Composite T of ``theta`` (..., D) in the reference population N(0, R)."""
    theta = np.asarray(theta, dtype=float)
    w = composite_weights(theta.shape[-1], weights)
    scale = float(np.sqrt(w @ np.asarray(correlation, dtype=float) @ w))
    return np.asarray(50.0 + 10.0 * (theta @ w) / scale, dtype=np.float64)


def composite(
    theta: FloatArray,
    covariance: FloatArray,
    correlation: FloatArray,
    weights: FloatArray | None = None,
) -> Composite:
    """Composite T, SE, 90% interval and percentiles of estimates (module docstring).

    Parameters
    ----------
    theta : ndarray, shape (D,) or (n, D)
        Posterior means.
    covariance : ndarray, shape (D, D) or (n, D, D)
        Posterior covariances.
    correlation : ndarray, shape (D, D)
        Latent correlation R of the reference population.
    weights : ndarray, shape (D,), optional
        Non-negative weights (normalised); default equal.
    """
    theta = np.asarray(theta, dtype=float)
    covariance = np.asarray(covariance, dtype=float)
    w = composite_weights(theta.shape[-1], weights)
    scale = float(np.sqrt(w @ np.asarray(correlation, dtype=float) @ w))
    t = composite_t(theta, correlation, w)
    variance = np.einsum("d,...de,e->...", w, covariance, w)
    se = 10.0 * np.sqrt(np.maximum(variance, 0.0)) / scale
    low, high = t - Z90 * se, t + Z90 * se
    return Composite(
        t=t,
        se=np.asarray(se, dtype=np.float64),
        low=low,
        high=high,
        percentile=percentile_of_t(t),
        percentile_low=percentile_of_t(low),
        percentile_high=percentile_of_t(high),
    )


def percentile_of_t(t: FloatArray | float) -> FloatArray:
    """Share (0–100) of the reference population below a T-score: ``100 Φ((T − 50)/10)``."""
    return np.asarray(100.0 * norm.cdf((np.asarray(t, dtype=float) - 50.0) / 10.0))


__all__ = ["Z90", "Composite", "composite", "composite_t", "composite_weights", "percentile_of_t"]
