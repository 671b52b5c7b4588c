"""Draw synthetic candidates from a calibrated model (tests, demo data, adaptive-test studies)."""

from __future__ import annotations

import numpy as np

from scoring.arrays import FloatArray
from scoring.data import MISSING, ResponseMatrix
from scoring.errors import ScoringError
from scoring.parameters import ModelParameters


def simulate_theta(
    n_candidates: int,
    n_dimensions: int,
    rng: np.random.Generator,
    correlation: float | FloatArray = 0.0,
) -> FloatArray:
    """Latent traits (n_candidates, n_dimensions) from N(0, R).

    ``correlation`` is either one correlation for every pair of dimensions or the full
    correlation matrix R (n_dimensions × n_dimensions, e.g. a model's ``correlation``).
    """
    if n_candidates < 1 or n_dimensions < 1:
        raise ScoringError("n_candidates and n_dimensions must be positive")
    if np.ndim(correlation) == 0:
        rho = float(correlation)  # type: ignore[arg-type]
        if not -1.0 / max(n_dimensions - 1, 1) < rho < 1.0:
            raise ScoringError(f"correlation {rho} does not give a valid correlation matrix")
        cov = np.full((n_dimensions, n_dimensions), rho)
        np.fill_diagonal(cov, 1.0)
    else:
        cov = np.asarray(correlation, dtype=float)
        if cov.shape != (n_dimensions, n_dimensions):
            raise ScoringError(
                f"the correlation matrix must be {n_dimensions} x {n_dimensions}, "
                f"got shape {cov.shape}"
            )
        if not np.allclose(cov, cov.T) or not np.allclose(np.diag(cov), 1.0):
            raise ScoringError("the correlation matrix must be symmetric with unit diagonal")
    # z · Lᵀ with L the Cholesky factor: unique, so the same seed gives the same θ on every
    # machine. (``Generator.multivariate_normal`` factors R by SVD, whose singular vectors
    # LAPACK builds may return with other signs or rotations: other θ from the same seed.)
    # The factorisation exists exactly when R is positive definite: it is also the check.
    try:
        factor = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ScoringError("the correlation matrix must be positive definite") from None
    return rng.standard_normal((n_candidates, n_dimensions)) @ factor.T


def simulate_responses(
    model: ModelParameters,
    theta: FloatArray,
    rng: np.random.Generator,
    missing_rate: float = 0.0,
) -> ResponseMatrix:
    """Draw category indices for every item at the given latent traits.

    Parameters
    ----------
    theta : ndarray, shape (n_candidates, n_dimensions)
        Columns in the order of ``model.dimensions``.
    missing_rate : float
        Share of cells set to ``MISSING`` completely at random (planned missingness).
    """
    theta = np.asarray(theta, dtype=float)
    if theta.ndim != 2 or theta.shape[1] != len(model.dimensions):
        raise ScoringError(
            f"theta must have shape (n_candidates, {len(model.dimensions)}), got {theta.shape}"
        )
    n_candidates = theta.shape[0]
    responses = np.empty((n_candidates, len(model.items)), dtype=np.int64)
    for d, dimension in enumerate(model.dimensions):
        for group in model.groups(dimension):
            # (J, K, N): probabilities of each category for each candidate
            prob = group.item_model.probabilities(group.params, group.scores, theta[:, d])
            cumulative = np.cumsum(prob, axis=1)
            cumulative[:, -1, :] = 1.0
            draws = rng.random((group.columns.size, n_candidates))
            chosen = (draws[:, None, :] > cumulative).sum(axis=1)
            responses[:, group.columns] = chosen.T
    if missing_rate > 0:
        if not 0 <= missing_rate < 1:
            raise ScoringError("missing_rate must be in [0, 1)")
        responses[rng.random(responses.shape) < missing_rate] = MISSING
    return ResponseMatrix(responses, model.specs, model.dimensions)
