"""DIF (Mantel–Haenszel, logistic regression) and adverse impact."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from scoring import ItemParameters, ModelParameters, ResponseMatrix, simulate_responses
from scoring.adverse_impact import adverse_impact
from scoring.dif import dif_analysis, ets_class, logistic_dif, mantel_haenszel
from tests.scoring.conftest import gpcm_model


def with_dif(model: ModelParameters, items: tuple[int, ...], shift: float) -> ModelParameters:
    """The focal group's model: the top category of ``items`` made harder by ``shift`` logits."""
    changed = []
    for j, item in enumerate(model.items):
        params = list(item.params)
        if j in items:
            params[-1] -= shift
        changed.append(dataclasses.replace(item, params=tuple(params)))
    return ModelParameters(model.model, model.dimensions, tuple(changed))


def test_injected_dif_is_class_c_and_clean_items_rarely_flagged(rng: np.random.Generator) -> None:
    model = gpcm_model(rng, n_items=12)
    n = 1500
    reference = simulate_responses(model, rng.normal(size=(n, 1)), rng)
    focal = simulate_responses(with_dif(model, (2, 7), 1.4), rng.normal(size=(n, 1)), rng)
    data = ResponseMatrix(
        np.vstack([reference.responses, focal.responses]), model.specs, model.dimensions
    )
    groups = ["ref"] * n + ["foc"] * n
    results = {e.item_id: e for e in dif_analysis(data, groups, reference="ref")}
    assert results["d1-2"].mantel_haenszel.ets_class == "C"
    assert results["d1-7"].mantel_haenszel.ets_class == "C"
    assert results["d1-2"].mantel_haenszel.delta < 0  # harder for the focal group
    clean = [e for key, e in results.items() if key not in ("d1-2", "d1-7")]
    assert sum(e.mantel_haenszel.ets_class != "A" for e in clean) <= 1
    assert results["d1-7"].logistic.uniform_p < 0.001
    assert sum(e.logistic.effect == "C" for e in clean) == 0


def test_mantel_haenszel_on_a_hand_checkable_table() -> None:
    # One stratum: reference 30/50 correct, focal 20/50 correct → alpha = (30·30)/(20·20)
    correct = np.array([1] * 30 + [0] * 20 + [1] * 20 + [0] * 30)
    focal = np.array([False] * 50 + [True] * 50)
    result = mantel_haenszel(correct, focal, np.zeros(100, dtype=np.int64))
    assert result.alpha == pytest.approx(900 / 400)
    assert result.delta == pytest.approx(-2.35 * np.log(2.25))


def test_ets_classes_follow_the_published_rules() -> None:
    assert ets_class(-0.8, 0.2, 0.001) == "A"  # small
    assert ets_class(-1.2, 0.2, 0.001) == "B"
    assert ets_class(-1.7, 0.2, 0.001) == "C"
    assert ets_class(-1.7, 0.6, 0.001) == "B"  # not significantly above 1
    assert ets_class(-2.0, 0.2, 0.2) == "A"  # not significant


def test_adverse_impact_on_a_hand_checkable_table() -> None:
    groups = ["a"] * 100 + ["b"] * 100
    selected = [True] * 50 + [False] * 50 + [True] * 30 + [False] * 70
    result = {entry.group: entry for entry in adverse_impact(groups, selected)}
    assert result["a"].rate == 0.5
    assert result["b"].impact_ratio == pytest.approx(0.60)
    assert result["b"].below_four_fifths
    assert result["b"].p_value < 0.01
    assert not result["a"].below_four_fifths
    assert not result["b"].small


def test_small_groups_are_marked() -> None:
    groups = ["a"] * 100 + ["b"] * 10
    selected = [True] * 50 + [False] * 50 + [True] * 5 + [False] * 5
    result = {entry.group: entry for entry in adverse_impact(groups, selected)}
    assert result["b"].small
    assert result["b"].impact_ratio == pytest.approx(1.0)


def test_item_parameters_are_frozen() -> None:
    spec_model = gpcm_model(np.random.default_rng(1), n_items=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec_model.items[0].params = ()  # type: ignore[misc]
    assert isinstance(spec_model.items[0], ItemParameters)


def test_an_item_only_one_group_answered_is_left_out_of_dif(rng: np.random.Generator) -> None:
    model = gpcm_model(rng, n_items=6)
    n = 200
    theta = rng.normal(size=(2 * n, 1))
    responses = simulate_responses(model, theta, rng).responses.copy()
    responses[n:, 3] = -1  # as an adaptive test may: item 3 never given to the focal group
    data = ResponseMatrix(responses, model.specs, model.dimensions)
    results = dif_analysis(data, ["ref"] * n + ["foc"] * n, {"d1": theta[:, 0]}, reference="ref")
    assert [e.item_id for e in results] == [f"d1-{j}" for j in (0, 1, 2, 4, 5)]


def test_logistic_dif_on_perfectly_separated_answers_does_not_overflow() -> None:
    """Answers that the trait separates perfectly drive the logits far below -709, where
    ``exp(-eta)`` overflows; the fit must stay finite and warning-free (the suite turns
    warnings into errors) and find no DIF, since the group adds nothing to the trait."""
    rng = np.random.default_rng(11)
    matching = rng.normal(size=400)
    focal = rng.random(400) < 0.5
    correct = (matching > 0).astype(np.int64)
    result = logistic_dif(correct, focal, matching)
    values = [result.uniform_chi2, result.nonuniform_chi2, result.uniform_p, result.nonuniform_p]
    assert np.isfinite(values).all()
    assert result.uniform_p > 0.5
    assert result.nonuniform_p > 0.5
    assert result.effect == "A"
