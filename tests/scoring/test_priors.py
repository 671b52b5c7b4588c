"""Weak default priors: bounded estimates where data are thin, little shrinkage where not."""

from __future__ import annotations

import numpy as np
import pytest

from scoring import (
    MISSING,
    ItemParameters,
    MMLCalibrator,
    ModelParameters,
    ResponseMatrix,
    ScoringError,
    get_model,
    simulate_responses,
    simulate_theta,
)
from scoring.diagnostics import INTERCEPT_LIMIT, SE_LIMIT, SLOPE_LIMIT, implausible_parameters
from scoring.priors import PriorOptions, build_prior
from tests.scoring.builders import option_spec, ordered_spec, simulate, with_responses
from tests.scoring.conftest import gpcm_model


def bank_like_nominal(rng: np.random.Generator, n_items: int = 12) -> ModelParameters:
    """Nominal items like the bank's: options A–D with SME credits a permutation of 0–3, option
    slopes ``a · credit`` (a ~ U(0.8, 1.5)) plus N(0, 0.2²) departures, intercepts N(0, 0.8²)."""
    items = []
    for j in range(n_items):
        credits = rng.permutation(4).astype(float)
        slopes = rng.uniform(0.8, 1.5) * credits + rng.normal(0.0, 0.2, 4)
        intercepts = rng.normal(0.0, 0.8, 4)
        spec = option_spec(f"n-{j}", "d1", credits)
        params = (*(slopes[1:] - slopes[0]), *(intercepts[1:] - intercepts[0]))
        items.append(ItemParameters(spec, params))
    return ModelParameters("nrm", ("d1",), tuple(items))


def centred_option_slopes(model: ModelParameters) -> np.ndarray:
    params = np.array([item.params for item in model])
    slopes = np.concatenate([np.zeros((params.shape[0], 1)), params[:, :3]], axis=1)
    return slopes - slopes.mean(axis=1, keepdims=True)


def test_nominal_option_slopes_shrink_less_than_5_percent_at_n_200() -> None:
    """Shrinkage = 1 − the regression slope (through 0) of estimated on true centred option
    slopes, pooled over 6 replications of 12 items; the old priors gave about 14 % here."""
    products = squares = 0.0
    for replication in range(6):
        rng = np.random.default_rng(900 + replication)
        model = bank_like_nominal(rng)
        result = MMLCalibrator("nrm", standard_errors="none").fit(simulate(model, 200, rng))
        estimate, truth = centred_option_slopes(result.parameters), centred_option_slopes(model)
        products += float(np.sum(estimate * truth))
        squares += float(np.sum(truth**2))
    shrinkage = 1.0 - products / squares
    assert -0.08 < shrinkage < 0.05


def test_gpcm_at_n_50_gives_bounded_estimates_with_finite_standard_errors() -> None:
    """This sample once gave intercepts near 40 with SEs of 2·10⁷ (option 3 of d1-0 unused)."""
    rng = np.random.default_rng(507)
    model = gpcm_model(rng)
    data = simulate(model, 50, rng)
    result = MMLCalibrator("gpcm").fit(data)
    params = np.array([item.params for item in result.parameters])
    se = np.array([item.se for item in result.parameters])
    assert result.usable
    assert np.all((params[:, 0] > 0.1) & (params[:, 0] < 5.0))
    assert np.max(np.abs(params[:, 1:])) < 15.0
    assert np.all(np.isfinite(se))
    assert np.max(se) < 10.0
    slope_shrinkage = 1.0 - np.sum(params[:, 0] * truth_slopes(model)) / np.sum(
        truth_slopes(model) ** 2
    )
    assert abs(slope_shrinkage) < 0.2


def truth_slopes(model: ModelParameters) -> np.ndarray:
    return np.array([item.params[0] for item in model])


def test_gpcm_at_n_50_without_priors_is_refused_for_its_unused_category() -> None:
    """The same sample by plain maximum likelihood: an option nobody chose cannot be estimated."""
    rng = np.random.default_rng(507)
    data = simulate(gpcm_model(rng), 50, rng)
    with pytest.raises(ScoringError, match=r"never chosen \(option 3 of item d1-0\)"):
        MMLCalibrator("gpcm", priors=None).fit(data)


def test_a_never_chosen_option_is_flagged_and_held_by_the_prior() -> None:
    rng = np.random.default_rng(3)
    model = bank_like_nominal(rng, 8)
    data = simulate(model, 300, rng)
    responses = data.responses.copy()
    responses[responses[:, 5] == 3, 5] = 0  # nobody chooses option D of item n-5
    data = with_responses(data, responses)
    result = MMLCalibrator("nrm").fit(data)
    unused = [p for p in result.problems if p.kind == "unused_category"]
    assert [(p.item_id, p.fatal) for p in unused] == [("n-5", False)]
    assert "option 'D' of item n-5" in unused[0].message
    item = result.parameters.items[5]
    assert np.max(np.abs(item.params)) < 12.0
    assert item.se is not None
    assert np.all(np.isfinite(item.se))
    assert max(item.se) < 10.0
    _slopes, intercepts = get_model("nrm").to_categories(
        np.array([item.params]), np.array([item.spec.scores])
    )
    assert intercepts[0, 3] < intercepts[0, :3].min() - 2.0  # held far below, not at −∞
    assert result.usable


def test_a_constant_item_is_rejected_naming_it() -> None:
    rng = np.random.default_rng(4)
    data = simulate(gpcm_model(rng, n_items=5), 200, rng)
    responses = data.responses.copy()
    responses[:, 2] = 2
    responses[:10, 2] = MISSING
    with pytest.raises(ScoringError, match=r"d1-2 \(all 190 answers are 2\)"):
        MMLCalibrator("gpcm").fit(with_responses(data, responses))


def separating_data(rng: np.random.Generator, n: int = 150) -> ResponseMatrix:
    """Four ordinary 2PL items and one whose answer is exactly 'θ > 0'."""
    theta = simulate_theta(n, 1, rng)
    items = tuple(
        ItemParameters(ordered_spec(f"s-{j}", "d1", 2), (1.2, 0.3 * j - 0.6)) for j in range(5)
    )
    data = simulate_responses(ModelParameters("2pl", ("d1",), items), theta, rng)
    responses = data.responses.copy()
    responses[:, 4] = (theta[:, 0] > 0).astype(int)
    return with_responses(data, responses)


def test_a_perfectly_separating_item_stays_bounded_with_the_default_priors() -> None:
    result = MMLCalibrator("2pl").fit(separating_data(np.random.default_rng(8)))
    slope = result.parameters.items[4].params[0]
    assert result.usable
    assert 1.0 < slope < 8.0


def test_divergence_without_priors_is_reported_for_the_item() -> None:
    """By plain maximum likelihood the slope climbs until the quadrature grid stops it, with an
    SE larger than itself: the result must say the item diverged instead of passing it."""
    result = MMLCalibrator("2pl", priors=None).fit(separating_data(np.random.default_rng(8)))
    item = result.parameters.items[4]
    assert item.se is not None
    assert item.params[0] > 5.0
    assert item.se[0] > SE_LIMIT
    assert not result.usable
    fatal = [p for p in result.problems if p.fatal]
    assert [(p.kind, p.item_id) for p in fatal] == [("divergent", "s-4")]
    assert result.failed_dimensions == ("d1",)
    assert result.to_dict()["fit"]["problems"][0]["item_id"] == "s-4"


def test_a_slope_beyond_the_limit_is_divergent() -> None:
    problem = implausible_parameters(
        get_model("gpcm"), "x", "d1", np.array([SLOPE_LIMIT + 5, 0.0, 1.0]), 3
    )
    assert problem is not None
    assert problem.fatal
    assert "slope 15.0" in problem.message
    assert implausible_parameters(get_model("gpcm"), "x", "d1", np.array([2.0, 0, 1]), 3) is None


@pytest.mark.parametrize("model", ["nrm", "gpcm", "grm", "2pl"])
def test_prior_gradient_and_curvature_match_finite_differences(model: str) -> None:
    rng = np.random.default_rng(11)
    item_model = get_model(model)
    n_categories = 2 if model == "2pl" else 4
    scores = np.array([rng.permutation(n_categories).astype(float) for _ in range(3)])
    if model == "grm":
        scores = np.sort(scores, axis=1)
    prior = build_prior(item_model, PriorOptions(), scores)
    params = item_model.start_values(scores)
    params = params + rng.normal(0.0, 0.5, params.shape)
    if model != "nrm":
        params[:, 0] = np.abs(params[:, 0]) + 0.5  # inside the lognormal's support
    h = 1e-6
    numeric = np.empty_like(params)
    numeric_hessian = np.empty((3, params.shape[1], params.shape[1]))
    for p in range(params.shape[1]):
        up, down = params.copy(), params.copy()
        up[:, p] += h
        down[:, p] -= h
        numeric[:, p] = (prior.log_density(up) - prior.log_density(down)) / (2 * h)
        numeric_hessian[:, :, p] = -(prior.gradient(up) - prior.gradient(down)) / (2 * h)
    np.testing.assert_allclose(prior.gradient(params), numeric, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(
        prior.curvature(params, exact=True), numeric_hessian, rtol=1e-4, atol=1e-7
    )
    assert prior.active


def test_the_priors_are_written_to_the_model_file() -> None:
    rng = np.random.default_rng(12)
    data = simulate(gpcm_model(rng, n_items=4), 300, rng)
    with_priors = MMLCalibrator("gpcm", standard_errors="none").fit(data).to_dict()
    without = MMLCalibrator("gpcm", standard_errors="none", priors=None).fit(data).to_dict()
    assert with_priors["estimation"]["priors"]["slope"] == {
        "form": "lognormal",
        "meanlog": 1.0,
        "sdlog": 1.0,
    }
    assert without["estimation"]["priors"] is None
    assert INTERCEPT_LIMIT > 0
