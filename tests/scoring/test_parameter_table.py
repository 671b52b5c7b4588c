"""Parameter table with SEs (mirt's coef(printSE=TRUE)) and observed-vs-expected shares."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scoring import ItemParameters, ItemSpec, ModelParameters, ScoringError
from scoring.observed_expected import observed_expected
from scoring.parameter_table import parameter_names, parameter_rows
from scoring.simulate import simulate_responses, simulate_theta
from tests.scoring.conftest import joint_model, nominal_model

SPEC = ItemSpec("x", "d1", ("A", "B", "C"), (2.0, 0.0, 1.0))


@pytest.mark.parametrize(
    ("model", "spec", "names"),
    [
        ("nrm", SPEC, ("slope_B", "slope_C", "intercept_B", "intercept_C")),
        ("gpcm", SPEC, ("a", "intercept_B", "intercept_C")),
        ("2pl", ItemSpec("y", "d1", (0, 1), (0.0, 1.0)), ("a", "d")),
        ("grm", ItemSpec("z", "d1", (0, 1, 2), (0.0, 1.0, 2.0)), ("a", "d1", "d2")),
    ],
)
def test_parameter_names_follow_the_models_parameterisation(
    model: str, spec: ItemSpec, names: tuple[str, ...]
) -> None:
    from scoring import get_model

    assert parameter_names(model, spec) == names
    assert len(names) == get_model(model).n_params(spec.n_categories)


def test_parameter_rows_pair_every_estimate_with_its_se() -> None:
    with_se = ItemParameters(SPEC, (0.5, 1.5, -0.2, 0.1), se=(0.1, 0.2, 0.3, 0.4))
    without = ItemParameters(ItemSpec("w", "d1", ("A", "B"), (1.0, 0.0)), (0.7, 0.3))
    rows = parameter_rows(ModelParameters("nrm", ("d1",), (with_se, without)))
    assert [(r.item_id, r.parameter, r.estimate, r.se) for r in rows[:4]] == [
        ("x", "slope_B", 0.5, 0.1),
        ("x", "slope_C", 1.5, 0.2),
        ("x", "intercept_B", -0.2, 0.3),
        ("x", "intercept_C", 0.1, 0.4),
    ]
    assert [r.parameter for r in rows[4:]] == ["slope_B", "intercept_B"]
    assert all(math.isnan(r.se) for r in rows[4:])


def test_observed_shares_match_the_model_that_generated_them() -> None:
    rng = np.random.default_rng(11)
    model = nominal_model(rng, n_items=4)
    theta = simulate_theta(20_000, 1, rng)
    data = simulate_responses(model, theta, rng, missing_rate=0.3)
    plot = observed_expected(model, data, theta, "n-2", n_groups=10)
    answered = int((data.responses[:, 2] >= 0).sum())
    assert plot.n.sum() == answered
    assert plot.observed.shape == plot.expected.shape == (10, 4)
    assert np.allclose(plot.observed.sum(axis=1), 1.0)
    assert np.all(np.diff(plot.theta) > 0)
    assert plot.largest_gap < 0.05
    assert plot.curve.shape == (4, plot.grid.size)


def test_an_item_that_behaves_otherwise_shows_a_large_gap() -> None:
    rng = np.random.default_rng(12)
    model = nominal_model(rng, n_items=3)
    theta = simulate_theta(5000, 1, rng)
    first = model.items[0]
    reversed_item = ItemParameters(first.spec, (*(-np.array(first.params[:3])), *first.params[3:]))
    truth = ModelParameters("nrm", ("d1",), (reversed_item, *model.items[1:]))
    data = simulate_responses(truth, theta, rng)
    assert observed_expected(model, data, theta, "n-0").largest_gap > 0.2
    assert observed_expected(model, data, theta, "n-1").largest_gap < 0.08


def test_observed_expected_refuses_bad_input() -> None:
    rng = np.random.default_rng(13)
    model = nominal_model(rng, n_items=2)
    theta = simulate_theta(50, 1, rng)
    data = simulate_responses(model, theta, rng)
    with pytest.raises(ScoringError, match="not in the model"):
        observed_expected(model, data, theta, "nope")
    with pytest.raises(ScoringError, match="theta must have shape"):
        observed_expected(model, data, theta[:10], "n-0")
    with pytest.raises(ScoringError, match="n_groups"):
        observed_expected(model, data, theta, "n-0", n_groups=0)


@pytest.mark.parametrize(
    ("name", "first", "count"),
    [
        ("nrm_most_least", ("most_slope_B", "most_slope_C"), 12),
        ("gpcm_most_least", ("most_a", "most_intercept_B"), 8),
        ("gpcm_best_worst", ("a", "intercept_B"), 4),
    ],
)
def test_joint_items_name_their_parameters_by_option_and_pick(
    name: str, first: tuple[str, ...], count: int
) -> None:
    model, _ = joint_model(np.random.default_rng(3), n_items=1, name=name)
    rows = parameter_rows(model)
    assert len(rows) == count == len(model.items[0].params)
    assert tuple(row.parameter for row in rows[:2]) == first
    assert len({row.parameter for row in rows}) == count
