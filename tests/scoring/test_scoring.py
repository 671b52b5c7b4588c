"""EAP and MAP scoring: identities, accuracy and handling of partial responses."""

from __future__ import annotations

import numpy as np
import pytest

from scoring import (
    MISSING,
    ScoringError,
    score,
    score_eap,
    score_map,
    simulate_responses,
    simulate_theta,
)
from scoring.norms import NormTable
from scoring.parameters import ItemGroup
from scoring.scoring import log_likelihood_slope
from tests.scoring.builders import responses_for, simulate, with_responses
from tests.scoring.conftest import (
    data_from_other_items,
    gpcm_model,
    graded_model,
    joint_model,
    nominal_model,
)


def test_eap_with_no_responses_returns_prior_mean(rng: np.random.Generator) -> None:
    model = gpcm_model(rng, n_items=5)
    empty = np.full((3, 5), MISSING)
    estimate = score_eap(model, responses_for(model, empty))
    np.testing.assert_allclose(estimate.theta, 0.0, atol=1e-10)
    np.testing.assert_allclose(estimate.se, 1.0, atol=1e-3)
    assert estimate.n_answered.tolist() == [[0], [0], [0]]


def test_eap_recovers_theta_and_its_sd_is_honest(rng: np.random.Generator) -> None:
    model = gpcm_model(rng)
    theta = simulate_theta(3000, 1, rng)
    data = simulate_responses(model, theta, rng)
    estimate = score_eap(model, data)
    error = estimate.theta[:, 0] - theta[:, 0]
    assert np.corrcoef(estimate.theta[:, 0], theta[:, 0])[0, 1] > 0.93
    # the posterior SD is the typical size of the error
    assert np.sqrt(np.mean(error**2)) == pytest.approx(np.sqrt(np.mean(estimate.se**2)), rel=0.1)


def test_map_se_is_inverse_root_information(rng: np.random.Generator) -> None:
    model = gpcm_model(rng, n_items=6)
    data = simulate(model, 50, rng)
    estimate = score_map(model, data)
    group = model.groups("d1")[0]
    info = model.item_model.information(group.params, group.scores, estimate.theta[:, 0]).sum(0)
    np.testing.assert_allclose(estimate.se[:, 0], 1 / np.sqrt(info + 1.0), rtol=1e-6)


def test_map_maximises_the_posterior(rng: np.random.Generator) -> None:
    model = gpcm_model(rng, n_items=6)
    data = simulate(model, 20, rng)
    estimate = score_map(model, data)
    group = model.groups("d1")[0]

    def log_posterior(t: np.ndarray) -> np.ndarray:
        prob = model.item_model.probabilities(group.params, group.scores, t)
        picked = np.take_along_axis(prob, data.responses.T[:, None, :], axis=1)[:, 0]
        return np.log(picked).sum(0) - t**2 / 2

    best = log_posterior(estimate.theta[:, 0])
    for shift in (-1e-3, 1e-3):
        assert np.all(best >= log_posterior(estimate.theta[:, 0] + shift))


def group_loglik(group: ItemGroup, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Σ_j log P(x_jn | θ_n) over the answered items (x: (J, N), −1 missing), shape (N,)."""
    logp = group.item_model.log_probabilities(group.params, group.scores, theta)
    picked = np.take_along_axis(logp, np.where(x >= 0, x, 0)[:, None, :], axis=1)[:, 0]
    return np.sum(np.where(x >= 0, picked, 0.0), axis=0)


def test_the_analytic_slope_is_the_derivative_of_the_log_likelihood(
    rng: np.random.Generator,
) -> None:
    models = (gpcm_model(rng, 6), nominal_model(rng, 6), graded_model(rng), joint_model(rng, 4)[0])
    for model in models:
        data = simulate(model, 40, rng, missing_rate=0.3)
        group = model.groups("d1")[0]
        theta = np.linspace(-2.5, 2.5, 40)
        x = data.responses[:, group.columns].T
        answered = x >= 0
        slope, information = log_likelihood_slope(group, data.responses, theta)
        up, down = group_loglik(group, x, theta + 1e-5), group_loglik(group, x, theta - 1e-5)
        numeric = (up - down) / 2e-5
        np.testing.assert_allclose(slope, numeric, rtol=1e-6, atol=1e-6)
        item_info = group.item_model.information(group.params, group.scores, theta)
        np.testing.assert_allclose(information, np.sum(answered * item_info, axis=0), rtol=1e-12)


def test_map_of_graded_items_is_the_posterior_mode(rng: np.random.Generator) -> None:
    model = graded_model(rng)
    data = simulate(model, 30, rng)
    theta = score_map(model, data).theta[:, 0]
    group = model.groups("d1")[0]

    def log_posterior(t: np.ndarray) -> np.ndarray:
        prob = model.item_model.probabilities(group.params, group.scores, t)
        picked = np.take_along_axis(prob, data.responses.T[:, None, :], axis=1)[:, 0]
        return np.log(picked).sum(0) - t**2 / 2

    numeric = (log_posterior(theta + 1e-5) - log_posterior(theta - 1e-5)) / 2e-5
    np.testing.assert_allclose(numeric, 0.0, atol=1e-6)


def test_partial_responses_give_larger_se(rng: np.random.Generator) -> None:
    model = gpcm_model(rng)
    data = simulate(model, 200, rng)
    partial = data.responses.copy()
    partial[:, 6:] = MISSING
    full = score_eap(model, data)
    half = score_eap(model, with_responses(data, partial))
    assert np.all(half.se > full.se)
    assert half.n_answered[:, 0].tolist() == [6] * 200


def test_scoring_needs_the_models_items(rng: np.random.Generator) -> None:
    model, data = data_from_other_items(rng, 4, 3, n_candidates=5)
    with pytest.raises(ScoringError, match="same items"):
        score(model, data)
    other = gpcm_model(rng, n_items=3)  # the same item ids as the data
    with pytest.raises(ScoringError, match="unknown scoring method"):
        score(other, data, "mle")  # type: ignore[arg-type]


def test_norm_table_t_scores_and_percentiles(rng: np.random.Generator) -> None:
    sample = rng.normal(0.2, 0.9, 10_000)
    table = NormTable.from_estimates(sample, "test group")
    assert table.t_score(0.2) == pytest.approx(50, abs=0.2)
    assert table.t_score(1.1) == pytest.approx(60, abs=0.3)
    assert table.percentile(0.2) == pytest.approx(50, abs=1.5)
    assert table.percentile(-10) == 0
    assert table.percentile(10) == 100
    again = NormTable.from_dict(table.to_dict())
    assert (again.group, again.n, again.mean, again.sd) == (
        table.group,
        table.n,
        table.mean,
        table.sd,
    )
    np.testing.assert_allclose(again.quantiles, table.quantiles)
