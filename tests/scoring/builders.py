"""Building blocks for scoring tests: item specs, response matrices and simulated responses.

The tests build many small models and data sets by hand; these helpers keep the repeated parts
(category codes, rebuilding a matrix around edited responses, drawing θ then responses) in one
place, so a test shows only what is particular to it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scoring import ItemSpec, ModelParameters, ResponseMatrix, simulate_responses, simulate_theta


def ordered_spec(item_id: str, dimension: str, n_categories: int) -> ItemSpec:
    """An item whose categories are coded 0, 1, … and scored by their code (2 makes a 2PL item)."""
    codes = tuple(range(n_categories))
    return ItemSpec(item_id, dimension, codes, tuple(float(code) for code in codes))


def option_spec(item_id: str, dimension: str, credits: Sequence[float]) -> ItemSpec:
    """An item with options A, B, … scored by the SME ``credits`` of each option."""
    options = tuple("ABCDEFGH"[: len(credits)])
    return ItemSpec(item_id, dimension, options, tuple(credits))


def simulate(
    model: ModelParameters, n_candidates: int, rng: np.random.Generator, missing_rate: float = 0.0
) -> ResponseMatrix:
    """Responses of ``n_candidates`` with independent standard-normal θ on every dimension."""
    theta = simulate_theta(n_candidates, len(model.dimensions), rng)
    return simulate_responses(model, theta, rng, missing_rate=missing_rate)


def responses_for(model: ModelParameters, responses: np.ndarray) -> ResponseMatrix:
    """``responses`` (candidates × items) to the items of ``model``, on its dimensions."""
    return ResponseMatrix(responses, model.specs, model.dimensions)


def with_responses(data: ResponseMatrix, responses: np.ndarray) -> ResponseMatrix:
    """The items and dimensions of ``data`` with other (usually edited) ``responses``."""
    return ResponseMatrix(responses, data.items, data.dimensions)
