"""``QuadratureGrid``: the one description of the θ grid (how many nodes on which interval)
that EAP scoring, the marginal likelihood, item fit, the EM calibration and the latent
correlation integrate on, with ``DEFAULT_GRID`` (61 nodes on [-6, 6]) as their default."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np
import pytest

from scoring import (
    DEFAULT_GRID,
    MMLCalibrator,
    QuadratureGrid,
    ScoringError,
    estimate_latent_correlation,
    item_fit,
    score_eap,
)
from scoring.adaptive_fit import rest_posterior_fit
from scoring.multivariate import LatentPrior
from scoring.scoring import marginal_loglik


def test_the_default_grid_is_61_nodes_on_plus_minus_6_with_normal_weights() -> None:
    quad = DEFAULT_GRID.normal()
    np.testing.assert_array_equal(quad.points, np.linspace(-6.0, 6.0, 61))
    assert quad.weights.sum() == pytest.approx(1.0)
    density = np.exp(-0.5 * quad.points**2)
    np.testing.assert_allclose(quad.weights, density / density.sum())
    shifted = QuadratureGrid(41, 4.0).normal(mean=1.0, sd=2.0)
    assert shifted.points[np.argmax(shifted.weights)] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "function",
    [score_eap, marginal_loglik, item_fit, rest_posterior_fit, estimate_latent_correlation],
)
def test_every_integral_defaults_to_the_one_default_grid(function: Callable[..., object]) -> None:
    assert inspect.signature(function).parameters["grid"].default is DEFAULT_GRID


def test_the_calibrator_and_the_correlated_prior_start_from_the_default_grid() -> None:
    assert MMLCalibrator().grid is DEFAULT_GRID
    prior = LatentPrior(np.eye(2))
    assert (prior.n_grid, prior.bound) == (DEFAULT_GRID.n_points, DEFAULT_GRID.bound)


@pytest.mark.parametrize(("n_points", "bound"), [(4, 6.0), (61, 0.0), (61, float("nan"))])
def test_a_grid_with_too_few_nodes_or_no_width_is_refused_by_name(
    n_points: int, bound: float
) -> None:
    with pytest.raises(
        ScoringError, match=f"at least 5 nodes and a positive bound, got {n_points}"
    ):
        QuadratureGrid(n_points, bound)
