"""The latent correlation matrix of the dimensions, estimated with the item parameters fixed.

Calibration fits each dimension's items under θ_d ~ N(0, 1); because every item measures one
dimension, those fits are exactly the marginal likelihoods of each dimension's responses, and
they are consistent whatever the correlations. The correlations are then estimated in a second
marginal maximum likelihood step over the item parameters held fixed.

Pairwise marginal likelihood
----------------------------
With items fixed, the responses to the items of dimensions d and e have the marginal likelihood

``ℓ_de(ρ) = Σ_n log ∫∫ L_nd(s) L_ne(t) φ₂(s, t; ρ) ds dt``,

which depends on R only through ``ρ_de``: it is the *exact* marginal likelihood of those two
dimensions' responses, a 2-D integral (tensor quadrature on the calibration grid, ``Q²`` nodes).
Each ``ρ_de`` maximises its own ``ℓ_de`` (Brent's method on (−0.99, 0.99)); with two
dimensions this is full-information maximum likelihood, with more it is the pairwise
composite likelihood estimator, consistent and asymptotically normal, at a fraction of the cost
of integrating over all dimensions at once (61⁵ nodes). The standard error of each ``ρ_de`` is
``1/sqrt(−ℓ_de''(ρ̂))`` (item parameters treated as known, so it is slightly too small). A
matrix of pairwise estimates need not be positive definite; when it is not, it is replaced by
the nearest correlation matrix (Higham, 2002) and ``adjusted`` says so.

References
----------
Lindsay, B. G. (1988). Composite likelihood methods. Contemporary Mathematics, 80, 221–239.
Varin, C., Reid, N., & Firth, D. (2011). An overview of composite likelihood methods.
Statistica Sinica, 21, 5–42.
Katsikatsou, M., Moustaki, I., Yang-Wallentin, F., & Jöreskog, K. G. (2012). Pairwise
likelihood estimation for factor analysis models with ordinal data. Computational Statistics
& Data Analysis, 56, 4243–4258.
Bock, R. D., & Aitkin, M. (1981). Marginal maximum likelihood estimation of item parameters:
Application of an EM algorithm. Psychometrika, 46, 443–459.
Higham, N. J. (2002). Computing the nearest correlation matrix — a problem from finance. IMA
Journal of Numerical Analysis, 22, 329–343.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.arrays import FloatArray, IntArray
from scoring.data import ResponseMatrix
from scoring.errors import ScoringError
from scoring.multivariate import GridLikelihood
from scoring.parameters import ModelParameters
from scoring.quadrature import DEFAULT_GRID, QuadratureGrid

MAX_ABS = 0.99
"""Bound of the search for each correlation."""


@dataclass(frozen=True)
class LatentCorrelation:
    """Estimated correlations of the dimensions.

    Attributes
    ----------
    dimensions : tuple of str
    matrix : ndarray, shape (D, D)
        The estimate (positive definite; rows and columns in the order of ``dimensions``).
    se : ndarray, shape (D, D)
        Standard error of each pairwise estimate; NaN on the diagonal and for pairs without
        enough candidates.
    pairwise : ndarray, shape (D, D)
        The pairwise estimates before any adjustment to the nearest correlation matrix.
    n_candidates : ndarray of int, shape (D, D)
        Candidates who answered items of both dimensions of each pair.
    adjusted : bool
        Whether ``pairwise`` was not positive definite and was replaced.
    """

    dimensions: tuple[str, ...]
    matrix: FloatArray
    se: FloatArray
    pairwise: FloatArray
    n_candidates: IntArray
    adjusted: bool

    def rows(self) -> tuple[tuple[float, ...], ...]:
        """The matrix as rows of floats (the model file's ``latent_correlation``)."""
        return tuple(tuple(float(v) for v in row) for row in self.matrix)

    def to_dict(self) -> dict[str, Any]:
        """Estimation details for the model file's ``fit`` section."""
        return {
            "method": "pairwise marginal maximum likelihood, item parameters fixed",
            "standard_errors": [
                [None if not np.isfinite(v) else float(v) for v in row] for row in self.se
            ],
            "n_candidates": self.n_candidates.tolist(),
            "adjusted_to_nearest_correlation_matrix": self.adjusted,
        }


def estimate_latent_correlation(
    model: ModelParameters,
    data: ResponseMatrix,
    grid: QuadratureGrid = DEFAULT_GRID,
    min_candidates: int = 30,
) -> LatentCorrelation:
    """Estimate the correlation matrix of the dimensions with the item parameters fixed.

    Parameters
    ----------
    model : ModelParameters
        Calibrated items on the N(0, 1) scale of every dimension.
    data : ResponseMatrix
        The calibration responses (the model's items in the model's order).
    grid : QuadratureGrid
        Rectangular quadrature per dimension, at least 11 nodes (their square for a pair).
    min_candidates : int
        A pair answered together by fewer candidates gets correlation 0 and SE NaN.

    Returns
    -------
    LatentCorrelation

    Notes
    -----
    Pairwise marginal maximum likelihood (module docstring): for each pair,
    ``ρ̂ = argmax Σ_n log(L_nd' W_ρ L_ne)`` with ``L_nd`` candidate n's likelihood at the
    nodes and ``W_ρ`` the bivariate normal weights of the node pairs.

    References
    ----------
    Varin, C., Reid, N., & Firth, D. (2011). An overview of composite likelihood methods.
    Statistica Sinica, 21, 5–42.
    Higham, N. J. (2002). Computing the nearest correlation matrix — a problem from finance.
    IMA Journal of Numerical Analysis, 22, 329–343.
    """
    model.check_responses(data)
    if grid.n_points < 11:
        raise ScoringError(f"the latent correlation needs at least 11 nodes, got {grid.n_points}")
    nodes = grid.nodes
    likelihood = GridLikelihood.build(model, data, nodes)
    n_dims = len(model.dimensions)
    pairwise = np.eye(n_dims)
    se = np.full((n_dims, n_dims), np.nan)
    counts = np.zeros((n_dims, n_dims), dtype=np.int64)
    answered = likelihood.n_answered > 0
    for d in range(n_dims):
        counts[d, d] = int(answered[:, d].sum())
        for e in range(d + 1, n_dims):
            both = np.flatnonzero(answered[:, d] & answered[:, e])
            counts[d, e] = counts[e, d] = both.size
            if both.size < min_candidates:
                continue
            left = _scaled(likelihood.patterns[d][likelihood.inverse[both, d]])
            right = _scaled(likelihood.patterns[e][likelihood.inverse[both, e]])
            rho, rho_se = _pair_estimate(left, right, nodes)
            pairwise[d, e] = pairwise[e, d] = rho
            se[d, e] = se[e, d] = rho_se
    matrix, adjusted = pairwise, False
    try:
        np.linalg.cholesky(pairwise)
    except np.linalg.LinAlgError:
        matrix, adjusted = nearest_correlation(pairwise), True
    for array in (matrix, se, pairwise, counts):
        array.setflags(write=False)
    return LatentCorrelation(model.dimensions, matrix, se, pairwise, counts, adjusted)


def _scaled(loglik: FloatArray) -> FloatArray:
    """Likelihoods (n, Q) scaled to a maximum of 1 per candidate."""
    return np.exp(loglik - loglik.max(axis=1, keepdims=True))


def _bivariate_weights(grid: FloatArray, rho: float) -> FloatArray:
    """Normalised N(0, [[1, ρ], [ρ, 1]]) weights of the node pairs, (Q, Q)."""
    s, t = grid[:, None], grid[None, :]
    log_density = -(s**2 - 2.0 * rho * s * t + t**2) / (2.0 * (1.0 - rho**2))
    weights = np.exp(log_density - log_density.max())
    return weights / weights.sum()


def _pair_loglik(left: FloatArray, right: FloatArray, grid: FloatArray, rho: float) -> float:
    """Σ_n log(L_nd' W_ρ L_ne), up to a constant."""
    value = np.einsum("nq,nq->n", left @ _bivariate_weights(grid, rho), right)
    return float(np.sum(np.log(np.maximum(value, 1e-300))))


def _pair_estimate(left: FloatArray, right: FloatArray, grid: FloatArray) -> tuple[float, float]:
    """Maximum of the pairwise marginal likelihood and its standard error."""
    from scipy.optimize import minimize_scalar  # here: a slow import

    found = minimize_scalar(
        lambda rho: -_pair_loglik(left, right, grid, rho),
        bounds=(-MAX_ABS, MAX_ABS),
        method="bounded",
        options={"xatol": 1e-6},
    )
    rho = float(found.x)
    h = 1e-3
    centre = _pair_loglik(left, right, grid, rho)
    curvature = (
        _pair_loglik(left, right, grid, rho + h)
        - 2.0 * centre
        + _pair_loglik(left, right, grid, rho - h)
    ) / h**2
    se = float(1.0 / np.sqrt(-curvature)) if curvature < 0 else float("nan")
    return rho, se


def nearest_correlation(matrix: FloatArray, tol: float = 1e-10, max_iter: int = 200) -> FloatArray:
    """The nearest (Frobenius) positive definite correlation matrix, by Higham's alternating
    projections with Dykstra's correction; eigenvalues are kept at least 1e-6.

    References
    ----------
    Higham, N. J. (2002). Computing the nearest correlation matrix — a problem from finance.
    IMA Journal of Numerical Analysis, 22, 329–343.
    """
    y = np.array(matrix, dtype=float)
    correction = np.zeros_like(y)
    for _ in range(max_iter):
        r = y - correction
        values, vectors = np.linalg.eigh(r)
        x = (vectors * np.maximum(values, 1e-6)) @ vectors.T
        correction = x - r
        previous = y
        y = x.copy()
        np.fill_diagonal(y, 1.0)
        if np.max(np.abs(y - previous)) < tol:
            break
    y = 0.5 * (y + y.T)
    np.linalg.cholesky(y)  # guaranteed up to rounding by the eigenvalue floor
    return y


__all__ = ["LatentCorrelation", "estimate_latent_correlation", "nearest_correlation"]
