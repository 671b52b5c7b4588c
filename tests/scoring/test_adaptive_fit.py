"""Item fit, local dependence and classical statistics on adaptive (missing-by-design) data."""

from __future__ import annotations

import numpy as np
import pytest

from scoring import (
    MISSING,
    ItemParameters,
    MMLCalibrator,
    ModelParameters,
    ResponseMatrix,
    classical_statistics,
    cronbach_alpha,
    item_fit,
    simulate_responses,
    simulate_theta,
)
from scoring.adaptive_fit import residual_dependence, rest_posterior_fit
from scoring.classical import administered_alpha, pairwise_covariance
from scoring.item_analysis import analyse_items
from tests.scoring.builders import option_spec, responses_for, simulate, with_responses
from tests.scoring.conftest import gpcm_model


def simulate_adaptive(
    model: ModelParameters, theta: np.ndarray, rng: np.random.Generator
) -> ResponseMatrix:
    """Responses at ``theta`` where each candidate keeps the 8 items whose location is nearest a
    noisy view of their θ, as an adaptive test would choose them (so who answers an item
    depends on θ)."""
    data = simulate_responses(model, theta, rng)
    location = np.array([-np.mean(item.params[1:]) / item.params[0] / 1.5 for item in model])
    responses = data.responses.copy()
    noisy = theta[:, 0] + rng.normal(0.0, 0.5, theta.shape[0])
    distance = np.abs(location[None, :] - noisy[:, None])
    rank = np.argsort(np.argsort(distance, axis=1), axis=1)
    responses[rank >= 8] = MISSING
    return with_responses(data, responses)


def adaptive_sample(seed: int, n: int = 3000) -> tuple[ModelParameters, ResponseMatrix]:
    rng = np.random.default_rng(seed)
    model = gpcm_model(rng, n_items=20)
    theta = simulate_theta(n, 1, rng)
    return model, simulate_adaptive(model, theta, rng)


def test_rest_fit_is_available_and_calibrated_on_adaptive_data() -> None:
    p_values = []
    for seed in (40, 41):
        _, data = adaptive_sample(seed)
        calibrated = MMLCalibrator("gpcm", standard_errors="none").fit(data).parameters
        assert np.all(np.isnan(item_fit(calibrated, data).p_values))  # S-X2 is blind here
        fits = rest_posterior_fit(calibrated, data)
        enough = [f for f in fits if f.n_answered >= 200]
        assert len(enough) >= 18
        assert all(np.isfinite(f.p_value) and f.df > 0 for f in enough)
        p_values += [f.p_value for f in fits if np.isfinite(f.p_value)]
    p = np.array(p_values)
    assert 0.3 < p.mean() < 0.7
    assert np.mean(p < 0.05) <= 0.15


def test_rest_fit_flags_an_item_that_does_not_follow_the_model() -> None:
    rng = np.random.default_rng(42)
    model = gpcm_model(rng, n_items=20)
    theta = simulate_theta(3000, 1, rng)
    data = simulate_adaptive(model, theta, rng)
    responses = data.responses.copy()
    # item d1-3, shown to a third of the candidates, rises and falls: its top categories are
    # chosen most at average theta, which no GPCM item can do
    shown = rng.random(theta.shape[0]) < 1 / 3
    peak = np.exp(-(theta[:, 0] ** 2))
    responses[:, 3] = np.where(shown, rng.binomial(3, 0.15 + 0.7 * peak), MISSING)
    data = with_responses(data, responses)
    calibrated = MMLCalibrator("gpcm", standard_errors="none").fit(data).parameters
    fits = {f.item_id: f for f in rest_posterior_fit(calibrated, data)}
    assert fits["d1-3"].p_value < 1e-4
    others = [f.p_value for item_id, f in fits.items() if item_id != "d1-3"]
    assert np.mean(np.array(others) < 0.01) <= 0.15


def test_rest_fit_needs_enough_answers() -> None:
    model, data = adaptive_sample(43, n=300)
    fits = rest_posterior_fit(model, data, min_answers=200)
    thin = [f for f in fits if f.n_answered < 200]
    assert thin
    assert all(np.isnan(f.statistic) and "needs at least 200" in f.note for f in thin)


def most_least_model(rng: np.random.Generator, n_scenarios: int = 8) -> ModelParameters:
    """GPCM parts ``S<k>.most`` (credits) and ``S<k>.least`` (3 − credits) of scenarios."""
    items = []
    for s in range(n_scenarios):
        credits = rng.permutation(4).astype(float)
        for part, scores in ((".most", credits), (".least", 3.0 - credits)):
            spec = option_spec(f"S{s}{part}", "d1", scores)
            params = (rng.uniform(0.5, 0.9), *rng.normal(0.0, 0.5, 3))
            items.append(ItemParameters(spec, params))
    return ModelParameters("gpcm", ("d1",), tuple(items))


def simulate_most_least(
    model: ModelParameters, theta: np.ndarray, rng: np.random.Generator
) -> ResponseMatrix:
    """The least-effective pick is drawn from its model among the options not picked as most."""
    n = theta.shape[0]
    responses = np.empty((n, len(model.items)), dtype=np.int64)
    for j in range(0, len(model.items), 2):
        most_p = model.probabilities(j, theta[:, 0])
        least_p = model.probabilities(j + 1, theta[:, 0]).copy()
        most = np.minimum((np.cumsum(most_p, axis=0) < rng.random(n)).sum(axis=0), 3)
        least_p[most, np.arange(n)] = 0.0
        least_p /= least_p.sum(axis=0)
        least = np.minimum((np.cumsum(least_p, axis=0) < rng.random(n)).sum(axis=0), 3)
        responses[:, j], responses[:, j + 1] = most, least
    return responses_for(model, responses)


def test_q3_exposes_the_most_least_pairs_of_a_scenario() -> None:
    rng = np.random.default_rng(5)
    model = most_least_model(rng)
    data = simulate_most_least(model, simulate_theta(2000, 1, rng), rng)
    calibrated = MMLCalibrator("gpcm", standard_errors="none").fit(data).parameters
    dependence = residual_dependence(calibrated, data)
    ranked = sorted(dependence.pairs, key=lambda pair: -abs(pair[3]))
    scenario = {(a.split(".")[0], b.split(".")[0]) for a, b, *_ in ranked[:8]}
    assert scenario == {(f"S{s}", f"S{s}") for s in range(8)}  # the 8 pairs lead the ranking
    flagged = dependence.flagged()
    assert len(flagged) >= 5
    assert all(a.split(".")[0] == b.split(".")[0] for a, b, *_ in flagged)
    assert dependence.strongest()["S5.most"][0] == "S5.least"


def test_q3_of_conditionally_independent_items_flags_nothing() -> None:
    rng = np.random.default_rng(6)
    model = gpcm_model(rng, n_items=12)
    data = simulate(model, 2000, rng)
    assert residual_dependence(model, data).flagged() == []


def test_administered_alpha_is_cronbach_alpha_on_complete_data() -> None:
    rng = np.random.default_rng(7)
    model = gpcm_model(rng, n_items=8)
    data = simulate(model, 500, rng)
    scores = data.responses.astype(float)
    covariance, counts = pairwise_covariance(scores, np.ones_like(scores, dtype=bool))
    assert administered_alpha(covariance, counts, 8) == pytest.approx(cronbach_alpha(covariance))
    entry = classical_statistics(data).dimension("d1")
    assert entry.alpha_administered == pytest.approx(entry.alpha)
    assert entry.mean_administered == 8


def test_classical_statistics_on_adaptive_data_give_alpha_for_the_administered_length() -> None:
    _model, data = adaptive_sample(44, n=2000)
    entry = classical_statistics(data).dimension("d1")
    assert np.isnan(entry.alpha)  # some pairs of items are never answered together
    assert entry.mean_administered == 8
    assert 0.5 < entry.alpha_administered < 0.95
    item = classical_statistics(data).items[0]
    assert item.n_answered < 2000
    assert np.isfinite(item.item_rest_correlation)


def test_item_analysis_rows_carry_rest_fit_and_q3() -> None:
    model, data = adaptive_sample(45)
    analysis = analyse_items(model, data)
    rows = analysis.rows()
    with_fit = [r for r in rows if r["n_answered"] >= 200 and np.isfinite(r["rest_fit_p"])]
    assert len(with_fit) >= 0.9 * sum(r["n_answered"] >= 200 for r in rows)
    assert all(r["q3_partner"] for r in rows)
    assert all(0.0 <= r["p_best"] <= 1.0 for r in rows)
    summary = analysis.summary()["d1"]
    assert np.isfinite(summary["alpha_administered"])
    assert "dependent_pairs" in summary
