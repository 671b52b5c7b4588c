"""Joint most/least items under the recalibration machinery: default priors on both parts,
Louis standard errors, never-picked options, and the latent-correlation step after them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from scoring import MISSING, MMLCalibrator, ModelParameters, get_model, simulate_responses
from scoring.most_least import pair_options
from scoring.priors import GroupPrior, PriorOptions, build_prior
from tests.scoring.conftest import gpcm_model, joint_model


def item_models(model: ModelParameters) -> dict[str, str]:
    return {item.item_id: item.item_model for item in model if item.item_model is not None}


def test_joint_gpcm_prior_is_the_gpcm_prior_on_each_part() -> None:
    """Lognormal on both slopes (a and b), the part priors block-diagonal; the shared model
    has the most part's prior only."""
    rng = np.random.default_rng(31)
    model, parts = joint_model(rng, n_items=2, name="gpcm_most_least")
    scores = np.array([item.spec.scores for item in model])
    joint = build_prior(get_model("gpcm_most_least"), PriorOptions(), scores)
    most = build_prior(get_model("gpcm"), PriorOptions(), np.array([p.scores for p in parts[::2]]))
    least = build_prior(
        get_model("gpcm"), PriorOptions(), np.array([p.scores for p in parts[1::2]])
    )
    assert joint.lognormal_indices == (0, 4)
    np.testing.assert_allclose(joint.precision[:, :4, :4], most.precision)
    np.testing.assert_allclose(joint.precision[:, 4:, 4:], least.precision)
    assert not np.any(joint.precision[:, :4, 4:])
    params = np.array([item.params for item in model])
    np.testing.assert_allclose(
        joint.log_density(params),
        most.log_density(params[:, :4]) + least.log_density(params[:, 4:]),
    )
    shared = build_prior(get_model("gpcm_best_worst"), PriorOptions(), scores)
    assert shared.lognormal_indices == (0,)
    assert shared.mean.shape == (2, 4)


def test_reflecting_a_joint_nominal_prior_flips_the_signs_of_both_parts_slopes() -> None:
    rng = np.random.default_rng(32)
    model, _ = joint_model(rng, n_items=1, name="nrm_most_least")
    item_model = get_model("nrm_most_least")
    prior = build_prior(item_model, PriorOptions(), np.array([model.items[0].spec.scores]))
    mirrored = prior.reflected(item_model)
    params = np.array([model.items[0].params])
    np.testing.assert_allclose(
        mirrored.log_density(item_model.reflect(params)), prior.log_density(params)
    )
    with pytest.raises(ValueError, match="no mirror image"):
        GroupPrior(np.zeros((1, 2, 2)), np.zeros((1, 2)), (0,)).reflected(get_model("gpcm"))


@pytest.mark.parametrize("name", ["gpcm_most_least", "nrm_most_least"])
def test_louis_standard_errors_of_joint_items_agree_with_oakes(name: str) -> None:
    """Joint items beside ordinary items on one dimension (the general Louis route for the
    whole dimension), default priors, 30 % missing: Louis and Oakes agree within 0.5 %."""
    rng = np.random.default_rng(33)
    joint, _ = joint_model(rng, n_items=4, name=name)
    plain = gpcm_model(rng, 3).items if name.startswith("gpcm") else ()
    items = joint.items + tuple(
        dataclasses.replace(item, spec=dataclasses.replace(item.spec, item_id=f"p-{j}"))
        for j, item in enumerate(plain)
    )
    model = ModelParameters(joint.model, joint.dimensions, items)
    data = simulate_responses(model, rng.normal(size=(1500, 1)), rng, missing_rate=0.3)
    settings = {"item_models": item_models(model), "latent_correlation": False}
    louis = MMLCalibrator(joint.model, standard_errors="louis", **settings).fit(data)
    oakes = MMLCalibrator(joint.model, standard_errors="oakes", **settings).fit(data)
    assert louis.usable
    assert louis.settings["priors"]["item_models"][name]["parts"]
    for a, b in zip(louis.parameters, oakes.parameters, strict=True):
        assert a.se is not None
        assert b.se is not None
        assert np.all(np.isfinite(a.se))
        np.testing.assert_allclose(a.se, b.se, rtol=5e-3)


def test_an_option_never_picked_as_least_is_flagged_and_held_by_the_prior() -> None:
    """Unchosen pairs are normal for a joint item and not flagged; an option nobody picked as
    least is, by item and option; its estimates stay bounded with finite SEs. Without priors
    the calibration refuses it by name."""
    rng = np.random.default_rng(34)
    model, _ = joint_model(rng, n_items=6, name="gpcm_most_least")
    data = simulate_responses(model, rng.normal(size=(400, 1)), rng)
    responses = data.responses.copy()
    _, least = pair_options(4)
    column = responses[:, 0]
    as_least_d = (column >= 0) & (least[np.maximum(column, 0)] == 3)  # option D picked as least
    responses[as_least_d, 0] = MISSING
    data = type(data)(responses, data.items, data.dimensions)
    result = MMLCalibrator("gpcm", item_models=item_models(model)).fit(data)
    unused = [p for p in result.problems if p.kind == "unused_category"]
    assert [(p.item_id, p.message.split(" of item")[0]) for p in unused] == [
        ("d1-0", "option 'D' as least")
    ]
    assert result.usable
    fitted = result.parameters.items[0]
    assert fitted.se is not None
    assert np.all(np.isfinite(fitted.se))
    assert np.max(np.abs(fitted.params)) < 15
    with pytest.raises(ValueError, match="option 'D' as least of item d1-0"):
        MMLCalibrator("gpcm", item_models=item_models(model), priors=None).fit(data)


def test_latent_correlation_is_estimated_after_a_calibration_with_priors_and_louis_ses() -> None:
    rng = np.random.default_rng(35)
    model, _ = joint_model(rng, n_items=8, name="gpcm_most_least", dimensions=("a", "b"))
    cov = np.array([[1.0, 0.6], [0.6, 1.0]])
    theta = rng.multivariate_normal(np.zeros(2), cov, size=1500)
    data = simulate_responses(model, theta, rng, missing_rate=0.2)
    result = MMLCalibrator("gpcm", item_models=item_models(model)).fit(data)
    assert result.usable
    assert result.se_method == "louis"
    assert result.latent_correlation is not None
    assert abs(result.latent_correlation.matrix[0, 1] - 0.6) < 0.1
    assert result.parameters.latent_correlation is not None
    assert all(item.se is not None and np.all(np.isfinite(item.se)) for item in result.parameters)
    assert [report.dimension for report in result.reports] == ["a", "b"]
