"""Identities every item model must satisfy."""

from __future__ import annotations

import numpy as np
import pytest

from scoring import MODELS, ScoringError, get_model
from scoring.most_least import is_joint, pair_options

THETA = np.linspace(-4, 4, 17)


def random_item(name: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Parameters (1, P) and scores (1, K) of a plausible item of model ``name``."""
    if name == "2pl":
        return np.array([[1.3, -0.4]]), np.array([[0.0, 1.0]])
    if name == "grm":
        return np.array([[1.4, 1.5, 0.2, -1.1]]), np.array([[0.0, 1.0, 2.0, 3.0]])
    scores = np.array([[3.0, 1.0, 2.0, 0.0]])
    model = get_model(name)
    if is_joint(model):  # pair categories of options with credits 3, 1, 2, 0
        most, least = pair_options(4)
        scores = (scores[0][most] + (3.0 - scores[0][least]))[None, :]
    n_params = model.n_params(scores.shape[1])
    params = model.start_values(scores) + rng.normal(0, 0.3, (1, n_params))
    return params, scores


@pytest.mark.parametrize("name", sorted(MODELS))
def test_probabilities_sum_to_one(name: str, rng: np.random.Generator) -> None:
    params, scores = random_item(name, rng)
    prob = get_model(name).probabilities(params, scores, THETA)
    np.testing.assert_allclose(prob.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(prob > 0)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_parameter_jacobian_matches_finite_differences(name: str, rng: np.random.Generator) -> None:
    model = get_model(name)
    params, scores = random_item(name, rng)
    analytic = model.jacobian(params, scores, THETA)[0]  # (P, K, Q)
    h = 1e-6
    for p in range(params.shape[1]):
        up, down = params.copy(), params.copy()
        up[0, p] += h
        down[0, p] -= h
        numeric = (
            model.probabilities(up, scores, THETA) - model.probabilities(down, scores, THETA)
        )[0] / (2 * h)
        np.testing.assert_allclose(analytic[p], numeric, atol=1e-7)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_theta_derivative_matches_finite_differences(name: str, rng: np.random.Generator) -> None:
    model = get_model(name)
    params, scores = random_item(name, rng)
    h = 1e-6
    numeric = (
        model.probabilities(params, scores, THETA + h)
        - model.probabilities(params, scores, THETA - h)
    ) / (2 * h)
    np.testing.assert_allclose(model.theta_derivative(params, scores, THETA), numeric, atol=1e-7)


def test_gpcm_information_equals_slope_squared_times_score_variance() -> None:
    model = get_model("gpcm")
    scores = np.array([[0.0, 1.0, 2.0, 3.0]])
    params = np.array([[1.7, 0.8, 0.5, -1.2]])
    prob = model.probabilities(params, scores, THETA)[0]
    mean = scores[0] @ prob
    variance = (scores[0] ** 2) @ prob - mean**2
    np.testing.assert_allclose(
        model.information(params, scores, THETA)[0], 1.7**2 * variance, rtol=1e-10
    )


def test_two_pl_is_the_logistic_function() -> None:
    prob = get_model("2pl").probabilities(np.array([[1.2, -0.5]]), np.array([[0.0, 1.0]]), THETA)
    np.testing.assert_allclose(prob[0, 1], 1 / (1 + np.exp(-(1.2 * THETA - 0.5))), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_category_form_round_trips(name: str, rng: np.random.Generator) -> None:
    model = get_model(name)
    params, scores = random_item(name, rng)
    slopes, intercepts = model.to_categories(params, scores)
    np.testing.assert_allclose(model.from_categories(slopes, intercepts, scores), params)


def test_divide_by_total_category_form_gives_the_file_formula(rng: np.random.Generator) -> None:
    model = get_model("nrm")
    params, scores = random_item("nrm", rng)
    slopes, intercepts = model.to_categories(params, scores)
    eta = slopes[0][:, None] * THETA + intercepts[0][:, None]
    expected = np.exp(eta) / np.exp(eta).sum(axis=0)
    np.testing.assert_allclose(model.probabilities(params, scores, THETA)[0], expected)


def test_gpcm_rejects_slopes_not_proportional_to_scores() -> None:
    model = get_model("gpcm")
    scores = np.array([[0.0, 1.0, 2.0]])
    with pytest.raises(ScoringError, match="proportional"):
        model.from_categories(np.array([[0.0, 1.0, 5.0]]), np.zeros((1, 3)), scores)


def test_unknown_model_name_is_a_clear_error() -> None:
    with pytest.raises(ScoringError, match="choose one of"):
        get_model("rasch7")


def test_two_pl_needs_two_categories() -> None:
    with pytest.raises(ScoringError, match="exactly 2"):
        get_model("2pl").check_categories(4)


@pytest.mark.parametrize("name", ["nrm", "gpcm", "grm", "nrm_most_least", "gpcm_best_worst"])
def test_reflection_mirrors_probabilities(name: str, rng: np.random.Generator) -> None:
    model = get_model(name)
    params, scores = random_item(name, rng)
    mirrored = model.reflect(params)
    np.testing.assert_allclose(
        model.probabilities(mirrored, scores, -THETA), model.probabilities(params, scores, THETA)
    )
