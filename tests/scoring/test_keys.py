"""Empirical versus SME keys: a mis-keyed item is found, correctly keyed items are not."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scoring import ItemParameters, ItemSpec, MMLCalibrator, ModelParameters, ResponseMatrix
from scoring.item_analysis import analyse_items
from scoring.keys import compare_item_key, compare_keys
from scoring.most_least import split_pair_scores
from tests.scoring.builders import option_spec, ordered_spec, simulate
from tests.scoring.conftest import joint_model

CREDITS = (3.0, 1.0, 2.0, 0.0)  # SME key: A best, C, B, D worst


def nominal_truth(rng: np.random.Generator) -> ModelParameters:
    """Ten items whose true option weights follow the SME key and two that do not.

    ``mis-best``: option C, not A, carries the highest weight. ``mis-worst``: option B, not D,
    carries the lowest weight. Both keep the SME credits of every other item.
    """
    items = []
    for j in range(10):
        weights = np.array(CREDITS) * rng.uniform(0.5, 0.8)
        items.append(_item(f"ok-{j}", weights, rng))
    items.append(_item("mis-best", np.array([0.9, 0.3, 2.4, -0.6]), rng))
    items.append(_item("mis-worst", np.array([2.0, -0.8, 1.1, 0.7]), rng))
    return ModelParameters("nrm", ("d1",), tuple(items))


def _item(item_id: str, weights: np.ndarray, rng: np.random.Generator) -> ItemParameters:
    spec = option_spec(item_id, "d1", CREDITS)
    intercepts = rng.normal(0.0, 0.4, 3)
    return ItemParameters(spec, (*(weights[1:] - weights[0]), *intercepts))


@pytest.fixture(scope="module")
def simulated() -> tuple[ModelParameters, ResponseMatrix]:
    rng = np.random.default_rng(20240613)
    truth = nominal_truth(rng)
    data = simulate(truth, 2000, rng)
    result = MMLCalibrator("nrm").fit(data)
    assert result.converged
    return result.parameters, data


@pytest.fixture(scope="module")
def fitted(simulated: tuple[ModelParameters, ResponseMatrix]) -> ModelParameters:
    return simulated[0]


def test_mis_keyed_items_are_flagged_and_correct_ones_are_not(fitted: ModelParameters) -> None:
    keys = {entry.item_id: entry for entry in compare_keys(fitted)}
    assert keys["mis-best"].empirical_best == "C"
    assert "key_best" in keys["mis-best"].flags
    assert "key_worst" not in keys["mis-best"].flags
    assert keys["mis-worst"].empirical_worst == "B"
    assert "key_worst" in keys["mis-worst"].flags
    assert "key_best" not in keys["mis-worst"].flags
    for item_id, entry in keys.items():
        if item_id.startswith("ok-"):
            assert entry.flags == (), (item_id, entry)
            assert entry.empirical_best == "A"
            assert entry.empirical_worst == "D"
            assert entry.rank_correlation > 0.7


def test_orders_and_row(fitted: ModelParameters) -> None:
    entry = compare_keys(fitted)[-2]
    assert entry.sme_order == ("A", "C", "B", "D")
    assert entry.empirical_order[0] == "C"
    assert entry.best_z > 1.96
    row = entry.row()
    assert row["sme_order"] == "A>C>B>D"
    assert row["empirical_order"].startswith("C>")
    assert row["key_flags"] == "key_best"


def test_item_analysis_shows_the_keys_and_flags_the_mis_keyed_items(
    simulated: tuple[ModelParameters, ResponseMatrix],
) -> None:
    rows = {row["item_id"]: row for row in analyse_items(*simulated).rows()}
    assert rows["mis-best"]["empirical_order"].startswith("C>")
    assert "key_best" in rows["mis-best"]["flags"].split(";")
    assert "key_worst" in rows["mis-worst"]["flags"].split(";")
    assert all("key_" not in row["flags"] for i, row in rows.items() if i.startswith("ok-"))
    assert all(row["sme_order"] == "A>C>B>D" for row in rows.values())


def test_noise_is_not_flagged_without_clear_evidence() -> None:
    """A best option ahead by less than two standard errors is reported but not flagged."""
    spec = ItemSpec("x", "d1", ("A", "B", "C"), (2.0, 1.0, 0.0))
    item = ItemParameters(spec, (0.3, -1.0, 0.0, 0.0), se=(0.5, 0.5, 0.1, 0.1))
    model = ModelParameters("nrm", ("d1",), (item,))
    entry = compare_item_key(item, model)
    assert entry.empirical_best == "B"
    assert entry.best_z == pytest.approx(0.6)
    assert entry.flags == ()
    sure = ItemParameters(spec, (0.3, -1.0, 0.0, 0.0), se=(0.1, 0.1, 0.1, 0.1))
    assert compare_item_key(sure, ModelParameters("nrm", ("d1",), (sure,))).flags == ("key_best",)


def test_gpcm_reversed_slope_reverses_the_order() -> None:
    spec = ItemSpec("g", "d1", ("A", "B", "C"), (0.0, 1.0, 2.0))
    forward = ItemParameters(spec, (1.2, 0.5, 0.2), se=(0.1, 0.2, 0.2))
    backward = ItemParameters(
        ItemSpec("h", "d1", ("A", "B", "C"), (0.0, 1.0, 2.0)), (-1.2, 0.5, 0.2), (0.1, 0.2, 0.2)
    )
    model = ModelParameters("gpcm", ("d1",), (forward, backward))
    ok, reversed_ = compare_keys(model)
    assert ok.empirical_order == ("C", "B", "A")
    assert ok.flags == ()
    assert ok.rank_correlation == pytest.approx(1.0)
    assert reversed_.empirical_order == ("A", "B", "C")
    assert reversed_.rank_correlation == pytest.approx(-1.0)
    assert set(reversed_.flags) == {"key_best", "key_worst", "key_order"}
    assert reversed_.best_z == pytest.approx(2.4 / 0.2)  # |Δscore| · se(a) = 2 · 0.1


def test_graded_model_orders_by_score_and_slope_sign() -> None:
    spec = ItemSpec("r", "d1", (0, 1, 2), (0.0, 1.0, 2.0))
    item = ItemParameters(spec, (-0.8, 1.0, -1.0))
    entry = compare_keys(ModelParameters("grm", ("d1",), (item,)))[0]
    assert entry.empirical_order == (0, 1, 2)
    assert math.isinf(entry.best_z)
    assert "key_best" in entry.flags


def test_bad_threshold_is_refused() -> None:
    spec = ordered_spec("g", "d1", 2)
    model = ModelParameters("2pl", ("d1",), (ItemParameters(spec, (1.0, 0.0)),))
    with pytest.raises(ValueError, match="z_flag"):
        compare_keys(model, z_flag=-1.0)


@pytest.mark.parametrize("name", ["nrm_most_least", "gpcm_most_least", "nrm_best_worst"])
def test_joint_items_are_keyed_on_their_options_not_their_pairs(name: str) -> None:
    model, _ = joint_model(np.random.default_rng(5), n_items=3, name=name)
    for column, entry in enumerate(compare_keys(model)):
        item = model.items[column]
        assert entry.codes == ("A", "B", "C", "D")
        most_credits = split_pair_scores(np.array([item.spec.scores]))[0][0]
        assert entry.credits == tuple(most_credits)
        alpha, _, beta, _ = model.item_model_for(column).utilities(
            np.array([item.params]), np.array([item.spec.scores])
        )
        expected = (alpha - beta)[0] - (alpha - beta)[0, 0]
        np.testing.assert_allclose(entry.weights, expected, atol=1e-12)
        if name.startswith("gpcm"):  # weights are (a + b) · credit: the SME order exactly
            assert entry.empirical_order == entry.sme_order
            assert entry.flags == ()


def test_a_joint_item_whose_least_pick_contradicts_the_key_is_flagged() -> None:
    model, _ = joint_model(np.random.default_rng(6), n_items=1, name="nrm_most_least")
    item = model.items[0]
    scores = np.array([item.spec.scores])
    item_model = model.item_model_for(0)
    alpha, gamma, beta, delta = item_model.utilities(np.array([item.params]), scores)
    worst = int(np.argmin(split_pair_scores(scores)[0][0]))
    alpha[0, worst] = alpha.max() + 2.0  # the SME-worst option attracts the abler candidates
    beta[0, worst] = beta.min() - 2.0
    params = item_model.from_categories(
        np.concatenate([alpha, beta], 1), np.concatenate([gamma, delta], 1), scores
    )[0]
    sure = ItemParameters(
        item.spec, tuple(params), se=(0.01,) * len(params), item_model=item.item_model
    )
    entry = compare_keys(ModelParameters("nrm", ("d1",), (sure,)))[0]
    assert entry.empirical_best == "ABCD"[worst]
    assert "key_best" in entry.flags
