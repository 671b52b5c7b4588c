"""Latent correlations: estimation with items fixed, calibration hook, model file, simulation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scoring import MMLCalibrator, ModelParameters, ScoringError, simulate_responses
from scoring.correlation import estimate_latent_correlation, nearest_correlation
from scoring.multivariate import GridLikelihood
from scoring.simulate import simulate_theta
from tests.scoring.conftest import gpcm_model

DIMENSIONS = ("service_orientation", "resilience", "composure", "empathy", "integrity")


@pytest.mark.parametrize("rho", [0.3, 0.6])
def test_calibration_recovers_the_latent_correlation(rho: float) -> None:
    """Five dimensions of 10 GPCM items, 2,500 candidates with all correlations ρ: every
    estimated correlation lies within three of its standard errors of the correlation of the
    simulated θs (the sample's, which itself differs from ρ by sampling error), the standard
    errors are those of a correlation from 2,500 candidates, and the matrix is written to the
    model file in dimension order."""
    rng = np.random.default_rng(int(rho * 10))
    true = gpcm_model(rng, n_items=10, dimensions=DIMENSIONS)
    theta = simulate_theta(2500, 5, rng, rho)
    data = simulate_responses(true, theta, rng, missing_rate=0.2)
    result = MMLCalibrator("gpcm", standard_errors="none").fit(data)
    assert result.latent_correlation is not None
    matrix = result.latent_correlation.matrix
    upper = matrix[np.triu_indices(5, 1)]
    se = result.latent_correlation.se[np.triu_indices(5, 1)]
    sample = np.corrcoef(theta, rowvar=False)[np.triu_indices(5, 1)]
    assert np.all(np.abs(upper - sample) < 3 * se)
    # Measured θ carries less information than known θ: the SE is above the known-θ SE of a
    # correlation, (1 − ρ²) / √n, and not wildly so with ten items per dimension.
    known_theta_se = (1 - rho**2) / np.sqrt(2500)
    assert np.all((se > known_theta_se) & (se < 2 * known_theta_se))
    written = json.loads(json.dumps(result.to_dict()))
    assert written["dimensions"] == list(DIMENSIONS)
    np.testing.assert_allclose(written["latent_correlation"], matrix)
    assert written["fit"]["latent_correlation"]["adjusted_to_nearest_correlation_matrix"] is False
    again = ModelParameters.from_dict(written)
    np.testing.assert_allclose(again.correlation, matrix)


def test_two_dimensions_give_the_full_information_maximum(rng: np.random.Generator) -> None:
    """With two dimensions the pairwise likelihood is the full marginal likelihood; its
    maximum found by a plain search over ρ on a fine grid agrees with the estimate."""
    true = gpcm_model(rng, n_items=6, dimensions=("a", "b"))
    data = simulate_responses(true, simulate_theta(800, 2, rng, 0.45), rng)
    estimate = estimate_latent_correlation(true, data)
    grid = np.linspace(-6, 6, 61)
    loglik = GridLikelihood.build(true, data, grid).rows(slice(None))
    left = np.exp(loglik[:, 0] - loglik[:, 0].max(axis=1, keepdims=True))
    right = np.exp(loglik[:, 1] - loglik[:, 1].max(axis=1, keepdims=True))
    s, t = np.meshgrid(grid, grid, indexing="ij")

    def marginal(rho: float) -> float:
        weights = np.exp(-(s**2 - 2 * rho * s * t + t**2) / (2 * (1 - rho**2)))
        weights /= weights.sum()
        return float(np.sum(np.log(np.sum((left @ weights) * right, axis=1))))

    coarse = np.linspace(0.0, 0.9, 91)
    best = coarse[np.argmax([marginal(r) for r in coarse])]
    fine = np.linspace(best - 0.01, best + 0.01, 21)
    best = fine[np.argmax([marginal(r) for r in fine])]
    assert estimate.matrix[0, 1] == pytest.approx(best, abs=1.5e-3)
    assert estimate.n_candidates[0, 1] == 800


def test_one_dimension_or_switched_off_gives_no_correlation(rng: np.random.Generator) -> None:
    one = gpcm_model(rng, n_items=5)
    data = simulate_responses(one, rng.normal(size=(200, 1)), rng)
    assert MMLCalibrator("gpcm", standard_errors="none").fit(data).latent_correlation is None
    two = gpcm_model(rng, n_items=5, dimensions=("a", "b"))
    data = simulate_responses(two, rng.normal(size=(200, 2)), rng)
    result = MMLCalibrator("gpcm", standard_errors="none", latent_correlation=False).fit(data)
    assert result.latent_correlation is None
    assert "latent_correlation" not in result.to_dict()


def test_nearest_correlation_repairs_an_indefinite_matrix() -> None:
    bad = np.array([[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]])
    fixed = nearest_correlation(bad)
    np.testing.assert_allclose(np.diag(fixed), 1.0)
    assert np.linalg.eigvalsh(fixed).min() > 0
    good = np.array([[1.0, 0.3], [0.3, 1.0]])
    np.testing.assert_allclose(nearest_correlation(good), good, atol=1e-9)


# ---------------------------------------------------------------------------- model file


def test_a_model_file_without_latent_correlation_means_independence(
    rng: np.random.Generator,
) -> None:
    model = gpcm_model(rng, n_items=2, dimensions=("a", "b"))
    written = model.to_dict()
    assert "latent_correlation" not in written
    np.testing.assert_array_equal(ModelParameters.from_dict(written).correlation, np.eye(2))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([[1.0, 0.2, 0.1], [0.2, 1.0, 0.1], [0.1, 0.1, 1.0]], "2 rows of 2 numbers"),
        ([[1.0, 0.2], [0.3, 1.0]], "symmetric"),
        ([[1.0, 1.5], [1.5, 1.0]], "positive definite"),
        ([[1.0, "x"], [0.2, 1.0]], r"latent_correlation\[0\]\[1\]: must be a number"),
        ("identity", "list of rows"),
    ],
)
def test_a_bad_latent_correlation_is_named(
    rng: np.random.Generator, value: object, message: str
) -> None:
    written = gpcm_model(rng, n_items=2, dimensions=("a", "b")).to_dict()
    written["latent_correlation"] = value
    with pytest.raises(ScoringError, match=message):
        ModelParameters.from_dict(written)


# ---------------------------------------------------------------------------- simulation


def test_simulated_candidates_follow_the_correlation_matrix(rng: np.random.Generator) -> None:
    matrix = np.array([[1.0, 0.6, 0.2], [0.6, 1.0, 0.4], [0.2, 0.4, 1.0]])
    theta = simulate_theta(40_000, 3, rng, matrix)
    np.testing.assert_allclose(np.corrcoef(theta.T), matrix, atol=0.02)
    with pytest.raises(ScoringError, match="3 x 3"):
        simulate_theta(10, 3, rng, np.eye(2))
    with pytest.raises(ScoringError, match="positive definite"):
        simulate_theta(10, 3, rng, np.array([[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]))


def test_simulated_candidates_are_the_same_on_every_machine() -> None:
    """θ is standard normal draws times the Cholesky factor's transpose, the one factor of R
    that every LAPACK build returns alike (an SVD's vectors may come back with other signs,
    which made seeded simulations, and the tests built on them, differ between machines)."""
    matrix = np.array([[1.0, 0.3, 0.3], [0.3, 1.0, 0.3], [0.3, 0.3, 1.0]])
    theta = simulate_theta(5, 3, np.random.default_rng(4), matrix)
    z = np.random.default_rng(4).standard_normal((5, 3))
    np.testing.assert_allclose(theta, z @ np.linalg.cholesky(matrix).T, rtol=1e-12)
    np.testing.assert_allclose(theta[:, 0], z[:, 0], rtol=1e-12)


def test_large_calibrations_estimate_the_correlation_on_a_fixed_subsample() -> None:
    """Above ``correlation_sample`` candidates the correlation comes from a fixed-seed
    subsample: the same answer on every run, still within the issue's .06 of the truth."""
    rng = np.random.default_rng(21)
    true = gpcm_model(rng, n_items=10, dimensions=("d1", "d2"))
    data = simulate_responses(true, simulate_theta(3000, 2, rng, 0.5), rng)
    calibrator = MMLCalibrator("gpcm", standard_errors="none", correlation_sample=1500)
    first = calibrator.fit(data).latent_correlation
    again = calibrator.fit(data).latent_correlation
    assert first is not None
    assert again is not None
    np.testing.assert_array_equal(first.matrix, again.matrix)
    assert abs(first.matrix[0, 1] - 0.5) < 0.06
    with pytest.raises(ScoringError, match="correlation_sample"):
        MMLCalibrator("gpcm", correlation_sample=10).fit(data)
