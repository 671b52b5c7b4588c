"""The composite score: the weighted mean of the competencies on the T scale of a reference group.

Definition
----------
A reference group is a mean vector ``μ`` and covariance ``C`` of θ on the competencies. With
weights ``w`` (default equal, ``1/D``) the composite is ``c = w'θ``; in the reference group
it has mean ``w'μ`` and variance ``w'Cw``, so

``T = 50 + 10 · (w'θ − w'μ) / √(w'Cw)``

has mean 50 and SD 10 in the reference group (re-standardised: the mean of five correlated
T-scores has an SD below 10). Two reference groups are used (``CompositeReference``):

* ``latent(R)``: the model's latent population ``θ ~ N(0, R)`` (``R`` the
  ``latent_correlation``), for the engine's stopping rule and the simulations;
* ``of_norm_group(tables, ρ)``: the norm group the competency T-scores refer to, with ``m``
  and ``s`` the means and SDs of its norm tables and ``ρ`` the correlation of its estimates,
  so ``C = diag(s) ρ diag(s)``. This is the composite of a weighted sum of standardised
  variables (Nunnally & Bernstein, 1994, ch. 5: the variance of a linear combination is
  ``w'Cw``), referenced to the same group as the competency scores.

The composite of an estimate is ``w'θ̂`` with the EAP ``θ̂``; its standard error is the
posterior SD of ``w'θ``, ``√(w'Σw)`` with the posterior covariance ``Σ``, on the T scale
``10 √(w'Σw) / √(w'Cw)``; the 90% interval is ``T ± 1.645 SE``. The percentile is the share of
the reference group below ``T`` under a normal approximation, ``100 Φ((T − 50)/10)``, with
the interval's ends mapped the same way.

References
----------
Nunnally, J. C., & Bernstein, I. H. (1994). *Psychometric theory* (3rd ed.). McGraw-Hill.

Pure numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from scoring.arrays import FloatArray
from scoring.errors import ScoringError
from scoring.norms import NormTable

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


@dataclass(frozen=True)
class CompositeReference:
    """The reference group of a composite: mean ``mean`` (D,) and covariance ``covariance``
    (D, D) of θ on the competencies (module docstring)."""

    mean: FloatArray
    covariance: FloatArray

    @classmethod
    def latent(cls, correlation: FloatArray) -> CompositeReference:
        """The model's latent population ``N(0, R)``."""
        matrix = np.asarray(correlation, dtype=float)
        return cls(np.zeros(matrix.shape[0]), matrix)

    @classmethod
    def of_norm_group(
        cls, tables: Sequence[NormTable], correlation: FloatArray | None = None
    ) -> CompositeReference:
        """A norm group from its tables (one per competency: means ``m`` and SDs ``s``) and
        the correlation ``ρ`` of its estimates (default identity): mean ``m``, covariance
        ``diag(s) ρ diag(s)``."""
        means = np.array([table.mean for table in tables], dtype=float)
        sds = np.array([table.sd for table in tables], dtype=float)
        matrix = np.eye(sds.size) if correlation is None else np.asarray(correlation, dtype=float)
        if np.any(sds <= 0) or matrix.shape != (sds.size, sds.size):
            raise ScoringError("a norm group needs positive SDs and a matching correlation")
        return cls(means, sds[:, None] * matrix * sds[None, :])


def composite_weights(n_dimensions: int, weights: FloatArray | None = None) -> FloatArray:
    """Normalised weights (sum 1), default equal; raises for negative or all-zero weights."""
    w = np.full(n_dimensions, 1.0) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n_dimensions,) or np.any(w < 0) or w.sum() <= 0 or not np.all(np.isfinite(w)):
        raise ScoringError(
            f"composite weights must be {n_dimensions} non-negative numbers, not all 0"
        )
    return np.asarray(w / w.sum(), dtype=np.float64)


def _scale(reference: CompositeReference, w: FloatArray) -> float:
    """SD of the weighted composite in the reference group, ``√(w'Cw)``."""
    return float(np.sqrt(w @ np.asarray(reference.covariance, dtype=float) @ w))


def composite_t(
    theta: FloatArray, reference: CompositeReference, weights: FloatArray | None = None
) -> FloatArray:
    """Composite T of ``theta`` (..., D) in the reference group."""
    theta = np.asarray(theta, dtype=float)
    w = composite_weights(theta.shape[-1], weights)
    centre = float(np.asarray(reference.mean, dtype=float) @ w)
    return np.asarray(50.0 + 10.0 * (theta @ w - centre) / _scale(reference, w), dtype=np.float64)


def composite(
    theta: FloatArray,
    covariance: FloatArray,
    reference: CompositeReference,
    weights: FloatArray | None = None,
) -> Composite:
    """Composite T, SE, 90% interval and percentiles of estimates (module docstring).

    Parameters
    ----------
    theta : ndarray, shape (D,) or (n, D)
        Posterior means.
    covariance : ndarray, shape (D, D) or (n, D, D)
        Posterior covariances.
    reference : CompositeReference
        The reference group (the model's latent population or a norm group).
    weights : ndarray, shape (D,), optional
        Non-negative weights (normalised); default equal.
    """
    theta = np.asarray(theta, dtype=float)
    covariance = np.asarray(covariance, dtype=float)
    w = composite_weights(theta.shape[-1], weights)
    scale = _scale(reference, w)
    t = composite_t(theta, reference, w)
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
    """Share (0–100) of the reference group below a T-score under a normal approximation:
    ``100 Φ((T − 50)/10)``."""
    return np.asarray(100.0 * norm.cdf((np.asarray(t, dtype=float) - 50.0) / 10.0))


__all__ = [
    "Z90",
    "Composite",
    "CompositeReference",
    "composite",
    "composite_t",
    "composite_weights",
    "percentile_of_t",
]
