"""Stocking–Lord linking puts a new calibration back on the old scale."""

from __future__ import annotations

import numpy as np
import pytest

from scoring import MMLCalibrator, simulate_responses
from scoring.linking import stocking_lord, transform
from tests.scoring.conftest import gpcm_model


def test_linking_recovers_the_scale_of_a_shifted_sample(rng: np.random.Generator) -> None:
    old = gpcm_model(rng, n_items=10)
    theta = rng.normal(0.5, 1.3, size=(4000, 1))  # the new sample is abler and more varied
    data = simulate_responses(old, theta, rng)
    new = MMLCalibrator("gpcm", standard_errors="none").fit(data).parameters
    result = stocking_lord(new, old)
    assert result.slope["d1"] == pytest.approx(1.3, abs=0.08)
    assert result.intercept["d1"] == pytest.approx(0.5, abs=0.08)
    linked = transform(new, result.slope, result.intercept)
    error = np.array([i.params for i in linked.items]) - np.array([i.params for i in old.items])
    assert np.sqrt(np.mean(error[:, 0] ** 2)) < 0.1


def test_identity_when_already_on_the_same_scale(rng: np.random.Generator) -> None:
    model = gpcm_model(rng, n_items=6)
    result = stocking_lord(model, model)
    assert result.slope["d1"] == pytest.approx(1.0, abs=1e-3)
    assert result.intercept["d1"] == pytest.approx(0.0, abs=1e-3)
    assert result.n_common["d1"] == 6
