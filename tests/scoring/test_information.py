"""Louis' analytic observed information against the numerical Oakes route it replaces."""

from __future__ import annotations

import numpy as np
import pytest

from scoring import MISSING, ItemParameters, MMLCalibrator, ModelParameters
from scoring.diagnostics import EMStep
from tests.scoring.builders import ordered_spec, simulate, with_responses
from tests.scoring.conftest import gpcm_model, nominal_model


def graded_model(rng: np.random.Generator, n_items: int = 6) -> ModelParameters:
    items = []
    for j in range(n_items):
        a = rng.uniform(0.8, 2.0)
        d = -a * (np.cumsum(rng.uniform(0.6, 1.2, 3)) - 1.8)  # boundaries well apart
        spec = ordered_spec(f"g-{j}", "d1", 4)
        items.append(ItemParameters(spec, (a, *d)))
    return ModelParameters("grm", ("d1",), tuple(items))


@pytest.mark.parametrize("kind", ["gpcm", "nrm", "grm"])
def test_louis_standard_errors_agree_with_the_numerical_oakes_route(kind: str) -> None:
    """Same estimates, priors on, 30 % missing at random: the two SEs agree within 0.5 %."""
    rng = np.random.default_rng(21)
    model = {"gpcm": gpcm_model, "nrm": nominal_model, "grm": graded_model}[kind](rng, 6)
    data = simulate(model, 1000, rng, missing_rate=0.3)
    assert not any(p.kind == "unused_category" for p in MMLCalibrator(kind).fit(data).problems)
    louis = MMLCalibrator(kind, standard_errors="louis").fit(data)
    oakes = MMLCalibrator(kind, standard_errors="oakes").fit(data)
    assert louis.se_method == "louis"
    se_louis = np.array([item.se for item in louis.parameters])
    se_oakes = np.array([item.se for item in oakes.parameters])
    assert np.all(np.isfinite(se_louis))
    np.testing.assert_allclose(se_louis, se_oakes, rtol=5e-3)


def test_louis_standard_errors_cover_several_category_counts() -> None:
    """Items with 2 and 4 categories on one dimension (two groups in one information matrix)."""
    rng = np.random.default_rng(22)
    four = gpcm_model(rng, 4)
    two = tuple(
        ItemParameters(ordered_spec(f"b-{j}", "d1", 2), (1.0 + 0.2 * j, 0.1 * j)) for j in range(3)
    )
    model = ModelParameters("gpcm", ("d1",), four.items + two)
    data = simulate(model, 500, rng, missing_rate=0.2)
    louis = MMLCalibrator("gpcm", standard_errors="louis").fit(data)
    oakes = MMLCalibrator("gpcm", standard_errors="oakes").fit(data)
    for a, b in zip(louis.parameters, oakes.parameters, strict=True):
        np.testing.assert_allclose(a.se, b.se, rtol=5e-3)


def test_progress_reports_every_step_and_the_end_of_each_dimension() -> None:
    rng = np.random.default_rng(23)
    model = gpcm_model(rng, 4, dimensions=("a", "b"))
    data = simulate(model, 400, rng)
    steps: list[EMStep] = []
    result = MMLCalibrator("gpcm", standard_errors="none").fit(data, progress=steps.append)
    finished = [step for step in steps if step.finished]
    assert [(s.dimension, s.dimension_index, s.n_dimensions) for s in finished] == [
        ("a", 0, 2),
        ("b", 1, 2),
    ]
    assert all(step.converged for step in finished)
    running = [step for step in steps if not step.finished and step.dimension == "a"]
    assert len(running) == result.iterations["a"]
    assert [step.iteration for step in running] == list(range(1, len(running) + 1))
    assert all(step.max_change >= 0 and np.isfinite(step.loglik) for step in running)
    assert running[-1].max_change < running[0].max_change


def test_a_dimension_that_does_not_converge_names_the_item_still_moving() -> None:
    rng = np.random.default_rng(24)
    data = simulate(gpcm_model(rng, 5), 300, rng)
    responses = data.responses.copy()
    responses[:5, 0] = MISSING
    with pytest.warns(UserWarning, match="did not converge"):
        result = MMLCalibrator("gpcm", max_iter=3, standard_errors="none").fit(
            with_responses(data, responses)
        )
    (report,) = result.reports
    assert not report.converged
    assert report.n_iter == 3
    assert report.moving_item in data.item_ids
    (problem,) = [p for p in result.problems if p.kind == "not_converged"]
    assert problem.fatal
    assert problem.item_id == report.moving_item
    assert not result.usable
