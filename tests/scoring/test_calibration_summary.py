"""``CalibrationResult.summary()``: the figures the CLI and the psychometrics page show."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from scoring import MMLCalibrator
from scoring.calibration import CalibrationResult
from scoring.calibration_summary import CalibrationSummary
from tests.scoring.builders import simulate
from tests.scoring.conftest import gpcm_model


@pytest.fixture(scope="module")
def result() -> CalibrationResult:
    rng = np.random.default_rng(15)
    model = gpcm_model(rng, n_items=5)
    data = simulate(model, 600, rng)
    return MMLCalibrator("gpcm", standard_errors="none").fit(data)


def test_the_summary_holds_the_figures_of_the_result(result: CalibrationResult) -> None:
    summary = result.summary()
    assert summary.model == "gpcm"
    assert summary.converged is result.converged is True
    assert summary.n_iter == result.n_iter > 0
    assert dict(summary.iterations) == result.iterations
    assert summary.loglik == result.loglik < 0
    assert summary.n_params == result.n_params
    assert summary.n_candidates == 600
    assert summary.aic == pytest.approx(-2 * result.loglik + 2 * result.n_params)
    assert summary.bic == pytest.approx(-2 * result.loglik + math.log(600) * result.n_params)
    assert dict(summary.marginal_reliability) == result.marginal_reliability
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.loglik = 0.0  # type: ignore[misc]


def test_the_printout_shows_every_figure_once(result: CalibrationResult) -> None:
    summary = result.summary()
    lines = summary.lines()
    assert lines[0] == "converged:       yes"
    assert f"log-likelihood:  {result.loglik:.3f}" in lines
    assert f"AIC:             {result.aic:.3f}" in lines
    assert f"BIC:             {result.bic:.3f}" in lines
    assert f"parameters:      {result.n_params}" in lines
    reliability = lines[lines.index("marginal reliability:") + 1 :]
    assert reliability == [
        f"  {name:<20} {value:.3f}" for name, value in result.marginal_reliability.items()
    ]


def test_a_calibration_that_did_not_converge_says_so() -> None:
    summary = CalibrationSummary(
        model="nrm", converged=False, n_iter=3, iterations={"d": 3}, loglik=-10.0, n_params=4,
        n_candidates=50, aic=28.0, bic=35.6, marginal_reliability={"d": 0.5},
    )  # fmt: skip
    assert summary.lines()[0] == "converged:       NO"
    assert summary.lines()[1] == "iterations:      3 {'d': 3}"
