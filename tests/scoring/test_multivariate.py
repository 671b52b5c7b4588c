"""Multivariate EAP/MAP under a correlated prior: exactness checks and brute-force accuracy."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from scoring import ScoringError, score_eap, score_map, simulate_responses
from scoring.multivariate import (
    CandidatePosterior,
    GridLikelihood,
    LatentPrior,
    expected_posterior_covariance,
    posterior_moments,
    score_eap_correlated,
    score_map_correlated,
    variance_reduction,
)
from tests.scoring.builders import with_responses
from tests.scoring.conftest import gpcm_model, joint_model

TOLERANCE = 0.01
"""Required accuracy of posterior means and SDs against brute-force quadrature."""


def equicorrelation(n_dimensions: int, rho: float) -> np.ndarray:
    matrix = np.full((n_dimensions, n_dimensions), rho)
    np.fill_diagonal(matrix, 1.0)
    return matrix


def dims(n: int) -> tuple[str, ...]:
    return tuple(f"d{i}" for i in range(n))


def node_moments(nodes: np.ndarray, log_post: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and SDs from nodes (M, D) with log posterior weights (M,)."""
    weights = np.exp(log_post - log_post.max())
    weights /= weights.sum()
    mean = weights @ nodes
    return mean, np.sqrt(weights @ (nodes - mean) ** 2)


def tensor_reference(model, data, correlation, n_nodes):  # type: ignore[no-untyped-def]
    """Posterior means and SDs by the product trapezoid rule on a full grid (exact
    log-likelihood at every node): the brute force that is feasible in 2 and 3 dimensions."""
    grid = np.linspace(-6, 6, n_nodes)
    loglik = GridLikelihood.build(model, data, grid).rows(slice(None))  # (N, D, G)
    n_dims = correlation.shape[0]
    nodes = np.stack(np.meshgrid(*[grid] * n_dims, indexing="ij"), -1).reshape(-1, n_dims)
    log_prior = -0.5 * np.einsum("md,de,me->m", nodes, np.linalg.inv(correlation), nodes)
    index = np.stack(np.meshgrid(*[np.arange(n_nodes)] * n_dims, indexing="ij"), -1).reshape(
        -1, n_dims
    )
    moments = [
        node_moments(nodes, log_prior + sum(row[d, index[:, d]] for d in range(n_dims)))
        for row in loglik
    ]
    return np.array([m for m, _ in moments]), np.array([s for _, s in moments])


def whitened_reference(model, data, correlation, n_nodes=15):  # type: ignore[no-untyped-def]
    """Brute force in 5 dimensions: a product rectangle rule of n_nodes⁵ nodes over ±7 SD of
    each candidate's posterior (whitened coordinates), with the exact log-likelihood on a
    1,201-node grid interpolated linearly."""
    fine = np.linspace(-6, 6, 1201)
    loglik = GridLikelihood.build(model, data, fine).rows(slice(None))
    start = score_eap_correlated(model, data, correlation)
    n_dims = correlation.shape[0]
    axis = np.linspace(-7, 7, n_nodes)
    z = np.stack(np.meshgrid(*[axis] * n_dims, indexing="ij"), -1).reshape(-1, n_dims)
    precision = np.linalg.inv(correlation)
    moments = []
    for n, row in enumerate(loglik):
        nodes = start.theta[n] + z @ np.linalg.cholesky(start.covariance[n]).T
        log_post = -0.5 * np.einsum("md,de,me->m", nodes, precision, nodes)
        log_post += sum(np.interp(nodes[:, d], fine, row[d]) for d in range(n_dims))
        moments.append(node_moments(nodes, log_post))
    return np.array([m for m, _ in moments]), np.array([s for _, s in moments])


def case(rng, n_dims, n_items, rho, n=12, spread=1.0, missing=0.0):  # type: ignore[no-untyped-def]
    model = gpcm_model(rng, n_items=max(n_items, 1), dimensions=dims(n_dims))
    correlation = equicorrelation(n_dims, rho)
    theta = spread * rng.multivariate_normal(np.zeros(n_dims), correlation, size=n)
    data = simulate_responses(model, theta, rng, missing_rate=missing)
    if n_items == 0:
        data = with_responses(data, np.full(data.responses.shape, -1))
    return model, data, correlation


# ---------------------------------------------------------------------------- exactness


def test_identity_correlation_gives_the_unidimensional_eap(rng: np.random.Generator) -> None:
    model, data, _ = case(rng, 3, 6, 0.0, n=200, missing=0.4)
    flat = score_eap(model, data)
    joint = score_eap_correlated(model, data, np.eye(3))
    # One grid kernel (scoring.grid_likelihood) in float64: with R = I the first EP sweep is
    # exact, so the two agree to rounding.
    np.testing.assert_allclose(joint.theta, flat.theta, atol=1e-10)
    np.testing.assert_allclose(joint.se, flat.se, atol=1e-10)
    np.testing.assert_allclose(joint.covariance[:, 0, 1], 0.0, atol=1e-12)


def test_scoring_on_several_threads_gives_the_same_estimates(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocks of candidates are independent: threads change nothing, the block size only
    the rounding."""
    model, data, correlation = case(rng, 3, 6, 0.5, n=300, missing=0.3)
    whole = score_eap_correlated(model, data, correlation, workers=1)
    monkeypatch.setattr("scoring.multivariate.CHUNK", 64)
    one = score_eap_correlated(model, data, correlation, workers=1)
    two = score_eap_correlated(model, data, correlation, workers=2)
    np.testing.assert_array_equal(two.theta, one.theta)
    np.testing.assert_array_equal(two.covariance, one.covariance)
    np.testing.assert_allclose(one.theta, whole.theta, rtol=0, atol=1e-12)
    np.testing.assert_allclose(one.covariance, whole.covariance, rtol=0, atol=1e-12)


def test_without_answers_the_posterior_is_the_prior(rng: np.random.Generator) -> None:
    model, data, correlation = case(rng, 4, 0, 0.5, n=3)
    estimate = score_eap_correlated(model, data, correlation)
    np.testing.assert_allclose(estimate.theta, 0.0, atol=1e-12)
    np.testing.assert_allclose(estimate.covariance, np.broadcast_to(correlation, (3, 4, 4)))


def test_answers_on_one_competency_inform_a_correlated_one(rng: np.random.Generator) -> None:
    """With answers on d0 only, θ1 | x has mean ρ E[θ0 | x] and variance ρ² Var(θ0 | x) + 1 − ρ²
    exactly (θ1 | θ0 ~ N(ρ θ0, 1 − ρ²))."""
    model, data, _ = case(rng, 2, 8, 0.0, n=50)
    responses = data.responses.copy()
    responses[:, 8:] = -1
    data = with_responses(data, responses)
    rho = 0.6
    estimate = score_eap_correlated(model, data, equicorrelation(2, rho))
    flat = score_eap(model, data)
    np.testing.assert_allclose(estimate.theta[:, 0], flat.theta[:, 0], atol=1e-10)
    np.testing.assert_allclose(estimate.theta[:, 1], rho * estimate.theta[:, 0], atol=1e-9)
    expected_var = rho**2 * estimate.se[:, 0] ** 2 + 1 - rho**2
    np.testing.assert_allclose(estimate.se[:, 1] ** 2, expected_var, atol=1e-9)


def test_one_candidate_updated_answer_by_answer_matches_batch_scoring(
    rng: np.random.Generator,
) -> None:
    model, data, correlation = case(rng, 3, 4, 0.5, n=1)
    prior = LatentPrior(correlation)
    posterior = CandidatePosterior.start(prior)
    for column, category in enumerate(data.responses[0]):
        if category < 0:
            continue
        dimension = model.dimensions.index(model.items[column].dimension)
        log_prob = np.log(model.probabilities(column, prior.grid)[category])
        posterior = posterior.with_answer(dimension, log_prob)
    mean, covariance = posterior.moments()
    batch = score_eap_correlated(model, data, correlation)
    np.testing.assert_allclose(mean, batch.theta[0], atol=1e-8)
    np.testing.assert_allclose(covariance, batch.covariance[0], atol=1e-8)
    np.testing.assert_array_equal(posterior.n_answered, batch.n_answered[0])


# ---------------------------------------------------------------- accuracy (brute force)


@pytest.mark.parametrize(
    ("n_dims", "n_items", "rho", "spread", "missing", "n_nodes"),
    [
        (2, 10, 0.6, 1.0, 0.0, 241),
        (2, 40, 0.8, 1.5, 0.0, 241),
        (2, 1, 0.5, 2.0, 0.0, 241),
        (3, 5, 0.5, 1.0, 0.3, 81),
        (3, 2, 0.8, 1.5, 0.0, 81),
    ],
)
@pytest.mark.parametrize("integration", ["ep", "qmc"])
def test_eap_and_se_agree_with_tensor_quadrature(
    rng: np.random.Generator,
    n_dims: int,
    n_items: int,
    rho: float,
    spread: float,
    missing: float,
    n_nodes: int,
    integration: str,
) -> None:
    model, data, correlation = case(rng, n_dims, n_items, rho, spread=spread, missing=missing)
    prior = LatentPrior(correlation, integration=integration)  # type: ignore[arg-type]
    estimate = score_eap_correlated(model, data, prior=prior)
    mean, sd = tensor_reference(model, data, correlation, n_nodes)
    assert np.max(np.abs(estimate.theta - mean)) < TOLERANCE
    assert np.max(np.abs(estimate.se - sd)) < TOLERANCE


@pytest.mark.slow
@pytest.mark.parametrize(
    ("n_items", "rho", "spread"), [(1, 0.5, 1.5), (3, 0.8, 2.0), (6, 0.7, 1.5), (20, 0.3, 1.0)]
)
def test_five_dimensional_eap_and_se_agree_with_brute_force(
    rng: np.random.Generator, n_items: int, rho: float, spread: float
) -> None:
    model, data, correlation = case(rng, 5, n_items, rho, spread=spread)
    mean, sd = whitened_reference(model, data, correlation)
    for integration in ("ep", "qmc"):
        prior = LatentPrior(correlation, integration=integration)  # type: ignore[arg-type]
        estimate = score_eap_correlated(model, data, prior=prior)
        assert np.max(np.abs(estimate.theta - mean)) < TOLERANCE, integration
        assert np.max(np.abs(estimate.se - sd)) < TOLERANCE, integration


def test_joint_most_least_items_score_under_a_correlated_prior(
    rng: np.random.Generator,
) -> None:
    model, _ = joint_model(rng, n_items=3, name="nrm_most_least", dimensions=("a", "b"))
    correlation = equicorrelation(2, 0.5)
    theta = rng.multivariate_normal(np.zeros(2), correlation, size=8)
    data = simulate_responses(model, theta, rng)
    estimate = score_eap_correlated(model, data, correlation)
    mean, sd = tensor_reference(model, data, correlation, 241)
    assert np.max(np.abs(estimate.theta - mean)) < TOLERANCE
    assert np.max(np.abs(estimate.se - sd)) < TOLERANCE


# --------------------------------------------------------------------------------- MAP


def test_map_with_identity_correlation_is_the_unidimensional_map(
    rng: np.random.Generator,
) -> None:
    model, data, _ = case(rng, 2, 8, 0.0, n=100, missing=0.2)
    flat = score_map(model, data)
    joint = score_map_correlated(model, data, np.eye(2))
    np.testing.assert_allclose(joint.theta, flat.theta, atol=1e-6)
    np.testing.assert_allclose(joint.se, flat.se, atol=1e-4)  # observed = expected (GPCM)


def test_map_is_the_mode_and_its_covariance_the_inverse_negative_hessian(
    rng: np.random.Generator,
) -> None:
    model, data, correlation = case(rng, 3, 5, 0.6, n=1)
    estimate = score_map_correlated(model, data, correlation)
    precision = np.linalg.inv(correlation)
    answers = [(j, int(x)) for j, x in enumerate(data.responses[0]) if x >= 0]
    position = [model.dimensions.index(item.dimension) for item in model.items]

    def log_post(t: np.ndarray) -> float:
        value = -0.5 * t @ precision @ t
        for j, x in answers:
            value += np.log(model.probabilities(j, np.array([t[position[j]]]))[x, 0])
        return float(value)

    mode = estimate.theta[0]
    h = 1e-3
    hessian = np.empty((3, 3))
    for i, j in itertools.product(range(3), repeat=2):
        e_i, e_j = np.eye(3)[i] * h, np.eye(3)[j] * h
        hessian[i, j] = (
            log_post(mode + e_i + e_j)
            - log_post(mode + e_i - e_j)
            - log_post(mode - e_i + e_j)
            + log_post(mode - e_i - e_j)
        ) / (4 * h * h)
        gradient = (log_post(mode + e_i) - log_post(mode - e_i)) / (2 * h)
        assert abs(gradient) < 1e-6
    np.testing.assert_allclose(estimate.covariance[0], np.linalg.inv(-hessian), atol=1e-5)


# ----------------------------------------------------------------------- item selection


def test_expected_posterior_covariance_averages_the_updated_posteriors(
    rng: np.random.Generator,
) -> None:
    """The one-step preposterior covariance equals the average of the posteriors actually
    obtained after each category, weighted by its predictive probability."""
    model, data, correlation = case(rng, 3, 4, 0.6, n=1)
    prior = LatentPrior(correlation)
    loglik = GridLikelihood.build(model, data, prior.grid).rows(slice(None))[0]
    posterior = CandidatePosterior(prior, loglik, np.zeros(3, dtype=np.int64))
    mean, covariance = posterior.moments()
    column = 5  # an item of dimension d1
    log_prob = np.log(model.probabilities(column, prior.grid))
    expected = expected_posterior_covariance(mean, covariance, 1, log_prob, prior)
    marginal = np.exp(-0.5 * (prior.grid - mean[1]) ** 2 / covariance[1, 1])
    predictive = np.exp(log_prob) @ marginal / marginal.sum()
    average = sum(
        p * posterior.with_answer(1, log_prob[c]).moments()[1] for c, p in enumerate(predictive)
    )
    np.testing.assert_allclose(expected, average, atol=2e-3)
    assert np.all(np.diag(expected) < np.diag(covariance))  # every dimension learns
    stacked = expected_posterior_covariance(mean, covariance, 1, log_prob[None], prior)
    np.testing.assert_allclose(stacked[0], expected)


def test_variance_reduction_is_the_rank_one_information_update() -> None:
    covariance = np.array([[0.5, 0.2, 0.1], [0.2, 0.6, 0.3], [0.1, 0.3, 0.7]])
    info = 1.7
    updated = np.linalg.inv(np.linalg.inv(covariance) + info * np.diag([0.0, 1.0, 0.0]))
    np.testing.assert_allclose(
        variance_reduction(covariance, 1, info), np.diag(covariance) - np.diag(updated)
    )


# ------------------------------------------------------------------------------- input


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]], "positive definite"),
        ([[1.0, 0.3], [0.2, 1.0]], "symmetric"),
        ([[2.0, 0.3], [0.3, 1.0]], "unit diagonal"),
    ],
)
def test_an_invalid_correlation_matrix_is_a_clear_error(
    matrix: list[list[float]], message: str
) -> None:
    with pytest.raises(ScoringError, match=message):
        LatentPrior(np.array(matrix))


def test_posterior_moments_reject_a_mismatched_grid() -> None:
    with pytest.raises(ScoringError, match="does not match"):
        posterior_moments(np.zeros((1, 2, 50)), LatentPrior(np.eye(2)))


def test_the_correlation_must_match_the_model(rng: np.random.Generator) -> None:
    model, data, _ = case(rng, 2, 3, 0.0, n=2)
    with pytest.raises(ScoringError, match="3 rows but the model has 2"):
        score_eap_correlated(model, data, np.eye(3))
