"""Model fit and precision: Lord–Wingersky, S-X2, lz*, test information and conditional SE."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from scoring import (
    MISSING,
    ItemParameters,
    MMLCalibrator,
    ModelParameters,
    ScoringError,
    score_map,
    simulate_responses,
    simulate_theta,
)
from scoring.fit import (
    conditional_se,
    item_fit,
    person_fit,
    summed_score_distribution,
    test_information,
)
from scoring.quadrature import QuadratureGrid
from tests.scoring.builders import ordered_spec, responses_for, simulate
from tests.scoring.conftest import data_from_other_items, gpcm_model, nominal_model

REFERENCE = Path(__file__).parent / "reference_data"


# ------------------------------------------------------------------ summed-score distribution


def test_summed_score_distribution_sums_to_one_and_matches_brute_force(
    rng: np.random.Generator,
) -> None:
    # Three items with different category counts, tied and fractional scores.
    scores = [np.array([0.0, 1.0, 2.0]), np.array([1.0, 0.0]), np.array([0.5, 0.0, 1.5, 1.5])]
    n_theta = 4
    probabilities = [rng.dirichlet(np.ones(s.size), size=n_theta).T for s in scores]
    support, distribution = summed_score_distribution(probabilities, scores)
    np.testing.assert_allclose(distribution.sum(axis=0), 1.0, atol=1e-12)

    brute: dict[float, np.ndarray] = {}
    for pattern in itertools.product(*(range(s.size) for s in scores)):
        total = round(sum(s[k] for s, k in zip(scores, pattern, strict=True)), 9)
        prob = np.prod([p[k] for p, k in zip(probabilities, pattern, strict=True)], axis=0)
        brute[total] = brute.get(total, np.zeros(n_theta)) + prob
    np.testing.assert_allclose(support, sorted(brute))
    np.testing.assert_allclose(distribution, np.array([brute[s] for s in sorted(brute)]))


def test_summed_score_distribution_of_integer_items_spans_zero_to_the_maximum(
    rng: np.random.Generator,
) -> None:
    model = gpcm_model(rng, n_items=5)
    theta = np.linspace(-2, 2, 7)
    probabilities = [model.probabilities(j, theta) for j in range(5)]
    support, distribution = summed_score_distribution(probabilities, [np.arange(4.0)] * 5)
    np.testing.assert_array_equal(support, np.arange(16.0))
    expected_total = sum(np.arange(4.0) @ p for p in probabilities)
    np.testing.assert_allclose(support @ distribution, expected_total)


# ----------------------------------------------------------------------------- item fit S-X2


def test_sx2_matches_mirt_on_lsat7() -> None:
    """Reference: mirt 2PL on LSAT7, ``itemfit(mod, mincell = 0)`` with 41 nodes on ±0.8√41.

    Parameters and S-X2 values as published with the psychometrics library of jMetrik
    (ItemFitSX2Test.LSAT7Test, values from R's mirt); the parameters are rounded to three
    decimals, hence the tolerance.
    """
    raw = np.loadtxt(REFERENCE / "lsat7.csv", delimiter=",", skiprows=1, dtype=np.int64)
    responses = np.repeat(raw[:, :5], raw[:, 5], axis=0)
    a = (0.988, 1.081, 1.706, 0.765, 0.736)
    b = (-1.879, -0.748, -1.058, -0.635, -2.520)
    items = tuple(
        ItemParameters(ordered_spec(f"item{j + 1}", "lsat", 2), (a[j], -a[j] * b[j]))
        for j in range(5)
    )
    model = ModelParameters("2pl", ("lsat",), items)
    data = responses_for(model, responses)
    fit = item_fit(model, data, min_expected=0.0, grid=QuadratureGrid(41, 0.8 * np.sqrt(41)))
    mirt = (4.7492191, 14.4528980, 1.2703374, 5.2373430, 0.9407036)
    np.testing.assert_allclose([entry.sx2 for entry in fit.items], mirt, atol=0.01)
    assert [entry.df for entry in fit.items] == [2] * 5


def test_sx2_p_values_are_roughly_uniform_when_the_model_is_true(
    rng: np.random.Generator,
) -> None:
    model = gpcm_model(rng, n_items=12)
    data = simulate(model, 2000, rng)
    calibrated = MMLCalibrator("gpcm", standard_errors="none").fit(data).parameters
    p_values = item_fit(calibrated, data).p_values
    assert np.all(np.isfinite(p_values))
    assert np.mean(p_values < 0.01) < 0.10
    assert np.sum(p_values < 0.05) <= 3
    assert 0.25 < np.mean(p_values) < 0.75


def test_sx2_flags_an_item_simulated_from_a_different_model(rng: np.random.Generator) -> None:
    model = gpcm_model(rng, n_items=12)
    theta = simulate_theta(2000, 1, rng)
    responses = simulate_responses(model, theta, rng).responses.copy()
    # Item 0 follows a non-monotone nominal curve: category 3 attracts both tails.
    t = theta[:, 0]
    logits = np.stack([0 * t, 1.2 * t + 0.5, 0 * t + 0.3, 2.0 * np.abs(t) - 0.8], axis=1)
    prob = np.exp(logits - logits.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    responses[:, 0] = (rng.random(t.size)[:, None] > np.cumsum(prob, axis=1)).sum(axis=1)
    data = responses_for(model, responses)
    calibrated = MMLCalibrator("gpcm", standard_errors="none").fit(data).parameters
    fit = item_fit(calibrated, data)
    assert fit.items[0].p_value < 1e-6
    assert np.mean(fit.p_values[1:] < 0.01) < 0.2


def test_sx2_works_for_nominal_items_scored_by_credit(rng: np.random.Generator) -> None:
    # Options A–D carry credits (3, 1, 2, 0): summed scores and cell order follow the credits.
    model = nominal_model(rng)
    data = simulate(model, 2000, rng)
    calibrated = MMLCalibrator("nrm", standard_errors="none").fit(data).parameters
    fit = item_fit(calibrated, data)
    assert all(entry.df > 0 for entry in fit.items)
    assert np.mean(fit.p_values < 0.01) < 0.10


def test_sx2_uses_only_candidates_with_complete_responses(rng: np.random.Generator) -> None:
    model = gpcm_model(rng, n_items=8)
    data = simulate(model, 1000, rng, missing_rate=0.03)
    complete = int(np.all(data.responses != MISSING, axis=1).sum())
    assert 500 < complete < 1000
    fit = item_fit(model, data)
    assert {entry.n_candidates for entry in fit.items} == {complete}
    assert all(np.isfinite(entry.sx2) for entry in fit.items)


def test_sx2_is_nan_with_a_reason_when_too_few_candidates_are_complete(
    rng: np.random.Generator,
) -> None:
    model = gpcm_model(rng, n_items=8)
    data = simulate(model, 400, rng, missing_rate=0.5)
    fit = item_fit(model, data)
    assert all(np.isnan(entry.sx2) and np.isnan(entry.p_value) for entry in fit.items)
    assert "complete responses from at least 100" in fit.items[0].note
    assert fit.rows()[0]["note"] == fit.items[0].note


def test_collapsing_sparse_cells_never_adds_degrees_of_freedom(rng: np.random.Generator) -> None:
    model = gpcm_model(rng, n_items=6)
    data = simulate(model, 300, rng)
    collapsed = item_fit(model, data)
    raw = item_fit(model, data, min_expected=0.0)
    for strict, loose in zip(collapsed.items, raw.items, strict=True):
        assert strict.df <= loose.df


def test_item_fit_rejects_a_model_for_other_items(rng: np.random.Generator) -> None:
    model, data = data_from_other_items(rng, 4, 5, n_candidates=10)
    with pytest.raises(ScoringError, match="same items"):
        item_fit(model, data)


# --------------------------------------------------------------------------- person fit lz*


def test_lz_star_is_standard_normal_for_model_conforming_candidates(
    rng: np.random.Generator,
) -> None:
    model = gpcm_model(rng, n_items=20)
    data = simulate(model, 2000, rng)
    for estimator in ("map", "ml"):
        lz = person_fit(model, data, estimator=estimator).lz_star[:, 0]
        lz = lz[np.isfinite(lz)]
        assert lz.size > 1950
        assert np.mean(lz) == pytest.approx(0.0, abs=0.15)
        assert np.std(lz) == pytest.approx(1.0, abs=0.15)


def test_lz_star_is_strongly_negative_for_random_responders(rng: np.random.Generator) -> None:
    model = gpcm_model(rng, n_items=20)
    random = rng.integers(0, 4, size=(500, 20))
    result = person_fit(model, responses_for(model, random))
    assert np.mean(result.lz_star) < -3.0
    assert np.mean(result.flagged()) > 0.9


def test_lz_star_matches_a_direct_computation_for_one_candidate(
    rng: np.random.Generator,
) -> None:
    model = gpcm_model(rng, n_items=6)
    responses = np.array([[3, 0, MISSING, 2, 1, 3]])
    result = person_fit(model, responses_for(model, responses))
    answered = [j for j in range(6) if responses[0, j] != MISSING]

    def log_posterior(t: float) -> float:
        probs = [model.probabilities(j, np.array([t]))[:, 0] for j in answered]
        chosen = [p[responses[0, j]] for p, j in zip(probs, answered, strict=True)]
        return float(np.sum(np.log(chosen)) - t**2 / 2)

    theta = minimize_scalar(
        lambda t: -log_posterior(t), bounds=(-4, 4), method="bounded", options={"xatol": 1e-10}
    ).x
    assert result.theta[0, 0] == pytest.approx(theta, abs=1e-6)

    h = 1e-6
    grid = np.array([theta - h, theta, theta + h])
    numerator = c_top = c_bottom = 0.0
    per_item = []
    for j in answered:
        p_lo, p, p_hi = model.probabilities(j, grid).T
        dp = (p_hi - p_lo) / (2 * h)
        w, r = np.log(p), dp / p
        numerator += w[responses[0, j]] - p @ w
        c_top += dp @ w
        c_bottom += dp @ r
        per_item.append((p, w, r))
    c = c_top / c_bottom
    variance = sum(p @ (w - c * r) ** 2 - (p @ (w - c * r)) ** 2 for p, w, r in per_item)
    expected = (numerator + c * (-theta)) / np.sqrt(variance)
    assert result.lz_star[0, 0] == pytest.approx(expected, abs=1e-5)
    # At the MAP estimate the numerator is Σ_jk (d_jk − P_jk) w̃_jk, the corrected weights.
    corrected = sum(
        (w - c * r)[responses[0, j]] - p @ (w - c * r)
        for (p, w, r), j in zip(per_item, answered, strict=True)
    )
    assert corrected / np.sqrt(variance) == pytest.approx(expected, abs=1e-5)


def test_lz_star_needs_two_answered_items_and_a_finite_ml_estimate(
    rng: np.random.Generator,
) -> None:
    model = gpcm_model(rng, n_items=5)
    responses = np.array(
        [
            [2, MISSING, MISSING, MISSING, MISSING],  # one item answered
            [3, 3, 3, 3, 3],  # all top: no finite ML estimate
            [0, 1, 2, 3, 1],
        ]
    )
    data = responses_for(model, responses)
    ml = person_fit(model, data, estimator="ml")
    assert np.isnan(ml.lz_star[0, 0])
    assert np.isnan(ml.lz_star[1, 0])
    assert np.isnan(ml.theta[1, 0])
    assert np.isfinite(ml.lz_star[2, 0])
    map_ = person_fit(model, data)
    assert np.isnan(map_.lz_star[0, 0])
    assert np.isfinite(map_.lz_star[1, 0])
    assert np.isfinite(map_.theta[1, 0])
    assert map_.n_answered[:, 0].tolist() == [1, 5, 5]


def test_person_fit_map_theta_agrees_with_score_map(rng: np.random.Generator) -> None:
    model = gpcm_model(rng, n_items=10)
    data = simulate(model, 200, rng, missing_rate=0.3)
    np.testing.assert_allclose(
        person_fit(model, data).theta, score_map(model, data).theta, atol=1e-5
    )


# ------------------------------------------------------------------------ information, SE


def test_gpcm_information_equals_slope_squared_times_score_variance(
    rng: np.random.Generator,
) -> None:
    model = gpcm_model(rng, n_items=5)
    theta = np.linspace(-4, 4, 41)
    expected = np.zeros_like(theta)
    for j, item in enumerate(model.items):
        prob = model.probabilities(j, theta)  # (K, Q)
        x = np.arange(4.0)
        variance = (x**2) @ prob - (x @ prob) ** 2
        expected += item.params[0] ** 2 * variance
    info = test_information(model, theta)
    assert set(info) == {"d1"}
    np.testing.assert_allclose(info["d1"], expected, rtol=1e-10)


def test_test_information_is_per_dimension(rng: np.random.Generator) -> None:
    model = gpcm_model(rng, n_items=4, dimensions=("a", "b"))
    theta = np.array([-1.0, 0.0, 1.0])
    info = test_information(model, theta)
    only_a = ModelParameters("gpcm", ("a",), model.items[:4])
    np.testing.assert_allclose(info["a"], test_information(only_a, theta)["a"])
    assert info["a"].shape == info["b"].shape == (3,)


def test_conditional_se_with_and_without_the_prior(rng: np.random.Generator) -> None:
    model = gpcm_model(rng, n_items=8)
    theta = np.linspace(-3, 3, 13)
    info = test_information(model, theta)["d1"]
    np.testing.assert_allclose(conditional_se(model, theta)["d1"], 1 / np.sqrt(info))
    np.testing.assert_allclose(
        conditional_se(model, theta, prior_sd=2.0)["d1"], 1 / np.sqrt(info + 0.25)
    )


def test_conditional_se_with_prior_matches_the_map_standard_error(
    rng: np.random.Generator,
) -> None:
    model = gpcm_model(rng, n_items=8)
    data = simulate(model, 5, rng)
    estimate = score_map(model, data)
    for n in range(5):
        se = conditional_se(model, estimate.theta[n], prior_sd=1.0)["d1"]
        assert se[0] == pytest.approx(estimate.se[n, 0], rel=1e-6)


def test_conditional_se_is_infinite_without_items_or_prior() -> None:
    spec = ordered_spec("x", "a", 2)
    model = ModelParameters("2pl", ("a", "empty"), (ItemParameters(spec, (1.0, 0.0)),))
    se = conditional_se(model, np.array([0.0]))
    assert np.isinf(se["empty"][0])
    assert conditional_se(model, np.array([0.0]), prior_sd=1.0)["empty"][0] == 1.0
