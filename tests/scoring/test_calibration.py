"""MML-EM calibration: recovery of known parameters, honest SEs, missing data, round trips."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from scoring import (
    MISSING,
    CalibrationResult,
    ConvergenceWarning,
    MMLCalibrator,
    ModelParameters,
    ScoringError,
    simulate_responses,
    simulate_theta,
)
from scoring.quadrature import QuadratureGrid
from tests.scoring.builders import simulate, with_responses
from tests.scoring.conftest import gpcm_model, nominal_model


def fit(model: ModelParameters, n: int, seed: int, **options: object) -> CalibrationResult:
    rng = np.random.default_rng(seed)
    theta = simulate_theta(n, len(model.dimensions), rng)
    data = simulate_responses(model, theta, rng)
    return MMLCalibrator(model.model, **options).fit(data)  # type: ignore[arg-type]


def estimates(result: CalibrationResult) -> np.ndarray:
    return np.array([item.params for item in result.parameters])


def truth(model: ModelParameters) -> np.ndarray:
    return np.array([item.params for item in model])


def slope_rmse(result: CalibrationResult, model: ModelParameters) -> float:
    return float(np.sqrt(np.mean((estimates(result)[:, 0] - truth(model)[:, 0]) ** 2)))


@pytest.mark.slow
def test_gpcm_slope_error_shrinks_like_one_over_root_n(rng: np.random.Generator) -> None:
    model = gpcm_model(rng)
    small = np.mean(
        [slope_rmse(fit(model, 1000, s, standard_errors="none"), model) for s in (1, 2, 3)]
    )
    large = np.mean(
        [slope_rmse(fit(model, 5000, s, standard_errors="none"), model) for s in (1, 2, 3)]
    )
    assert small < 0.12
    assert large < 0.06
    assert 1.6 < small / large < 3.2  # √5 ≈ 2.24


def test_gpcm_recovery_at_n_2000(rng: np.random.Generator) -> None:
    model = gpcm_model(rng)
    result = fit(model, 2000, 7)
    assert result.converged
    assert slope_rmse(result, model) < 0.09
    intercept_error = estimates(result)[:, 1:] - truth(model)[:, 1:]
    assert np.sqrt(np.mean(intercept_error**2)) < 0.25


def test_standard_errors_match_the_actual_estimation_error(rng: np.random.Generator) -> None:
    model = gpcm_model(rng)
    result = fit(model, 3000, 11)
    se = np.array([item.se for item in result.parameters])
    z = (estimates(result) - truth(model)) / se
    assert np.all(se > 0)
    assert 0.75 < float(np.std(z)) < 1.3
    assert np.mean(np.abs(z) < 1.645) > 0.8  # about 90% inside a 90% interval


def test_nominal_recovery_and_orientation(rng: np.random.Generator) -> None:
    model = nominal_model(rng)
    result = fit(model, 3000, 5)
    assert result.converged
    error = estimates(result)[:, :3] - truth(model)[:, :3]
    assert np.sqrt(np.mean(error**2)) < 0.2
    # the option with the highest credit (A) has the largest slope relative to the worst (D)
    slopes = [dict(zip("BCD", item.params[:3], strict=True)) for item in result.parameters]
    assert all(s["D"] < 0 for s in slopes)  # slope of D relative to A


def test_missing_by_design_data_are_calibrated(rng: np.random.Generator) -> None:
    model = gpcm_model(rng)
    theta = simulate_theta(4000, 1, rng)
    data = simulate_responses(model, theta, rng, missing_rate=0.5)
    assert np.mean(data.responses == MISSING) == pytest.approx(0.5, abs=0.02)
    result = MMLCalibrator("gpcm").fit(data)
    assert result.converged
    assert slope_rmse(result, model) < 0.12


def test_dimensions_are_calibrated_together_and_reported_separately(
    rng: np.random.Generator,
) -> None:
    model = gpcm_model(rng, n_items=6, dimensions=("a", "b"))
    result = fit(model, 1500, 3, standard_errors="none")
    assert set(result.iterations) == {"a", "b"}
    assert set(result.marginal_reliability) == {"a", "b"}
    assert all(0.5 < value < 1 for value in result.marginal_reliability.values())
    assert result.n_iter == sum(result.iterations.values())
    assert result.n_params == 12 * 4
    assert result.aic == pytest.approx(-2 * result.loglik + 2 * 48)


def test_squarem_reaches_the_same_optimum_in_fewer_iterations(rng: np.random.Generator) -> None:
    model = gpcm_model(rng)
    plain = fit(model, 2000, 9, accelerate=False, standard_errors="none", tol=1e-6)
    fast = fit(model, 2000, 9, accelerate=True, standard_errors="none", tol=1e-6)
    assert fast.n_iter < plain.n_iter
    assert fast.loglik == pytest.approx(plain.loglik, abs=1e-3)
    np.testing.assert_allclose(estimates(fast), estimates(plain), atol=2e-3)


def test_the_e_step_threads_change_nothing(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The E-step's blocks of patterns are fixed in size and added in order, so one thread
    and several give the same estimates to the last bit."""
    monkeypatch.setattr("scoring.estep.BLOCK_PATTERNS", 50)
    model = gpcm_model(rng, n_items=5, dimensions=("d1", "d2"))
    one = fit(model, 600, seed=3, workers=1)
    three = fit(model, 600, seed=3, workers=3)
    np.testing.assert_array_equal(estimates(three), estimates(one))
    assert three.loglik == one.loglik
    assert three.n_iter == one.n_iter
    with pytest.raises(ScoringError, match="workers"):
        fit(model, 50, seed=3, workers=0)


def test_loglik_path_never_decreases_without_acceleration(rng: np.random.Generator) -> None:
    model = gpcm_model(rng, n_items=6)
    result = fit(model, 1000, 2, accelerate=False, standard_errors="none")
    path = np.array(result.loglik_history["d1"])
    assert np.all(np.diff(path) > -1e-6 * np.abs(path[1:]))


def test_too_few_iterations_warn_and_flag_not_converged(rng: np.random.Generator) -> None:
    model = gpcm_model(rng, n_items=6)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        result = fit(model, 500, 1, max_iter=3, standard_errors="none")
    assert not result.converged


def test_result_is_immutable_and_round_trips_through_json(rng: np.random.Generator) -> None:
    model = gpcm_model(rng, n_items=5)
    result = fit(model, 800, 4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.loglik = 0.0  # type: ignore[misc]
    text = json.dumps(result.to_dict())
    again = ModelParameters.from_dict(json.loads(text))
    np.testing.assert_allclose(truth(again), estimates(result), atol=1e-10)
    assert again.items[0].se == pytest.approx(result.parameters.items[0].se)
    assert json.loads(text)["fit"]["converged"] is True


def test_item_without_responses_is_rejected(rng: np.random.Generator) -> None:
    model = gpcm_model(rng, n_items=4)
    data = simulate(model, 100, rng)
    responses = data.responses.copy()
    responses[:, 2] = MISSING
    with pytest.raises(ScoringError, match="has no responses"):
        MMLCalibrator().fit(with_responses(data, responses))


def test_constructor_only_stores_settings() -> None:
    calibrator = MMLCalibrator("nrm", grid=QuadratureGrid(21), tol=1e-3)
    assert vars(calibrator) == {
        "model": "nrm",
        "grid": QuadratureGrid(21, 6.0),
        "max_iter": 500,
        "tol": 1e-3,
        "loglik_tol": 1e-7,
        "priors": "default",
        "accelerate": True,
        "standard_errors": "louis",
        "precision": "float32",
        "blas_threads": 1,
        "workers": None,
        "item_models": None,
        "latent_correlation": True,
        "correlation_sample": 10_000,
    }
