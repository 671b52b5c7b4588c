"""Latent-trait estimates for candidates: EAP with posterior SD, MAP with SE from information.

Any subset of items may be answered (missing cells are simply absent from the likelihood), and
everything is vectorised over candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.special import logsumexp

from scoring.arrays import FloatArray, IntArray
from scoring.data import MISSING, ResponseMatrix
from scoring.errors import ScoringError
from scoring.grid_likelihood import GridLikelihood, grid_moments
from scoring.parameters import ItemGroup, ModelParameters
from scoring.quadrature import DEFAULT_GRID, QuadratureGrid


@dataclass(frozen=True)
class ThetaEstimate:
    """Trait estimates per candidate and dimension.

    Attributes
    ----------
    theta, se : ndarray, shape (n_candidates, n_dimensions)
        Estimate and its standard error (posterior SD for EAP; 1/sqrt(information) for MAP).
    n_answered : ndarray of int, shape (n_candidates, n_dimensions)
    dimensions : tuple of str
    method : "eap" or "map"
    """

    theta: FloatArray
    se: FloatArray
    n_answered: IntArray
    dimensions: tuple[str, ...]
    method: Literal["eap", "map"]


def score_eap(
    model: ModelParameters,
    data: ResponseMatrix,
    grid: QuadratureGrid = DEFAULT_GRID,
    prior_mean: float = 0.0,
    prior_sd: float = 1.0,
) -> ThetaEstimate:
    """Expected a posteriori estimates with posterior standard deviations, on ``grid``.

    Notes
    -----
    ``θ̂ = Σ_q θ_q L(x|θ_q) w_q / Σ_q L(x|θ_q) w_q`` on a fixed grid with normal prior weights
    (:func:`scoring.grid_likelihood.grid_moments`, the kernel the correlated EAP of
    :mod:`scoring.multivariate` applies per cavity); with no responses the estimate is the
    prior mean and the SD the prior SD.

    References
    ----------
    Bock, R. D., & Mislevy, R. J. (1982). Adaptive EAP estimation of ability in a
    microcomputer environment. Applied Psychological Measurement, 6, 431–444.
    """
    model.check_responses(data)
    quad = grid.normal(prior_mean, prior_sd)
    likelihood = GridLikelihood.build(model, data, quad.points)
    shape = (data.n_candidates, len(model.dimensions))
    theta, se = np.empty(shape), np.empty(shape)
    for d, dimension in enumerate(model.dimensions):
        if not model.groups(dimension):
            theta[:, d], se[:, d] = prior_mean, prior_sd
            continue
        mean, variance = grid_moments(
            (likelihood.patterns[d] + quad.log_weights).T.copy(), quad.points
        )
        theta[:, d] = mean[likelihood.inverse[:, d]]
        se[:, d] = np.sqrt(variance)[likelihood.inverse[:, d]]
    return ThetaEstimate(theta, se, likelihood.n_answered, model.dimensions, "eap")


def score_map(
    model: ModelParameters,
    data: ResponseMatrix,
    prior_mean: float = 0.0,
    prior_sd: float = 1.0,
    max_iter: int = 50,
    tol: float = 1e-8,
) -> ThetaEstimate:
    """Maximum a posteriori estimates with SE = 1/sqrt(test information + prior information).

    The mode is found by :func:`theta_mode` (Fisher scoring, vectorised over candidates and
    started from EAP). The SE uses the expected (Fisher) information at the estimate plus
    ``1/prior_sd²``.

    References
    ----------
    Mislevy, R. J. (1986). Bayes modal estimation in item response models. Psychometrika,
    51, 177–195.
    """
    model.check_responses(data)
    if prior_sd <= 0:
        raise ScoringError("prior_sd must be positive")
    start = score_eap(model, data, prior_mean=prior_mean, prior_sd=prior_sd)
    theta = start.theta.copy()
    se = np.empty_like(theta)
    prior_precision = 1.0 / prior_sd**2
    for d, dimension in enumerate(model.dimensions):
        groups = model.groups(dimension)
        t = theta_mode(
            groups, data.responses, theta[:, d], prior_mean, prior_precision, np.inf, max_iter, tol
        )
        information = np.full_like(t, prior_precision)
        for group in groups:
            information += log_likelihood_slope(group, data.responses, t)[1]
        theta[:, d] = t
        se[:, d] = 1.0 / np.sqrt(information)
    return ThetaEstimate(theta, se, start.n_answered, model.dimensions, "map")


def log_likelihood_slope(
    group: ItemGroup, responses: IntArray, theta: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Slope of the log-likelihood of a group's answered items and their Fisher information.

    Parameters
    ----------
    group : ItemGroup
    responses : ndarray of int, shape (N, n_items)
        All responses (the group's ``columns`` are read); missing cells are left out.
    theta : ndarray, shape (N,)

    Returns
    -------
    slope, information : ndarrays, shape (N,)
        ``Σ_j ∂ log P(x_nj | θ_n) / ∂θ`` and ``Σ_j I_j(θ_n)`` over the answered items, with
        ``I_j = Σ_k P'_jk² / P_jk`` (analytic, from the item model's ``theta_derivative``).
    """
    x = responses[:, group.columns].T  # (J, N)
    answered = x != MISSING
    model = group.item_model
    prob = np.maximum(model.probabilities(group.params, group.scores, theta), 1e-300)
    deriv = model.theta_derivative(group.params, group.scores, theta)
    ratio = deriv / prob  # ∂ log P_jk / ∂θ, (J, K, N)
    chosen = np.take_along_axis(ratio, np.where(answered, x, 0)[:, None, :], axis=1)[:, 0]
    slope = np.sum(answered * chosen, axis=0)
    information = np.sum(answered * np.sum(deriv * ratio, axis=1), axis=0)
    return slope, information


def theta_mode(
    groups: Sequence[ItemGroup],
    responses: IntArray,
    start: FloatArray,
    prior_mean: float,
    precision: float,
    bound: float,
    max_iter: int,
    tol: float,
) -> FloatArray:
    """Posterior mode (precision > 0) or ML estimate (precision = 0) of one dimension, (N,).

    Fisher scoring on ``Σ_j log P(x_j | θ) − precision (θ − prior_mean)² / 2`` with the
    analytic slope and expected information of :func:`log_likelihood_slope`. The
    log-likelihood of every model here is concave in theta, so the mode is unique; for the
    divide-by-total models the expected information equals the observed one and Fisher scoring
    is Newton's method. Steps are limited to 1 and theta to ``[-bound, bound]`` (``np.inf``
    for no limit). Each estimate stops at the first step smaller than ``tol``, so a row's
    estimate is the one it gets when scored alone, whatever else is in the batch (the
    rescoring's quality flags are the delivery's); iteration ends when every row has stopped.

    References
    ----------
    Mislevy, R. J. (1986). Bayes modal estimation in item response models. Psychometrika,
    51, 177–195.
    """
    t = np.clip(np.asarray(start, dtype=float), -bound, bound)
    moving = np.ones(t.shape, dtype=bool)
    for _ in range(max_iter):
        gradient = -(t - prior_mean) * precision
        information = np.full_like(t, precision)
        for group in groups:
            slope, info = log_likelihood_slope(group, responses, t)
            gradient += slope
            information += info
        step = np.clip(gradient / np.maximum(information, 1e-12), -1.0, 1.0)
        new = np.clip(t + step, -bound, bound)
        t, moving = np.where(moving, new, t), moving & (np.abs(new - t) >= tol)
        if not moving.any():
            break
    return t


def score(
    model: ModelParameters, data: ResponseMatrix, method: Literal["eap", "map"] = "eap"
) -> ThetaEstimate:
    """Score candidates by ``method`` ("eap" or "map")."""
    if method == "eap":
        return score_eap(model, data)
    if method == "map":
        return score_map(model, data)
    raise ScoringError(f"unknown scoring method {method!r}; use 'eap' or 'map'")


def marginal_loglik(
    model: ModelParameters, data: ResponseMatrix, grid: QuadratureGrid = DEFAULT_GRID
) -> float:
    """Marginal log-likelihood of ``data`` under ``model`` with N(0, 1) on every dimension,
    integrated on ``grid``."""
    model.check_responses(data)
    quad = grid.normal()
    likelihood = GridLikelihood.build(model, data, quad.points)
    total = 0.0
    for d, dimension in enumerate(model.dimensions):
        if model.groups(dimension):
            per_pattern = logsumexp(likelihood.patterns[d] + quad.log_weights, axis=1)
            total += float(np.sum(per_pattern[likelihood.inverse[:, d]]))
    return total
