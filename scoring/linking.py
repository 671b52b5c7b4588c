"""Linking a new calibration onto an existing scale through common items (Stocking–Lord)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from scoring.arrays import FloatArray
from scoring.errors import ScoringError
from scoring.parameters import ModelParameters
from scoring.quadrature import QuadratureGrid


@dataclass(frozen=True)
class LinkingResult:
    """``θ_old = A · θ_new + B`` per dimension, and the number of common items used."""

    slope: dict[str, float]
    intercept: dict[str, float]
    n_common: dict[str, int]


def expected_score(model: ModelParameters, item_ids: list[str], theta: FloatArray) -> FloatArray:
    """Test characteristic curve: Σ_j E[score_j | θ] over ``item_ids``, shape (Q,)."""
    index = {item_id: j for j, item_id in enumerate(model.item_ids)}
    total = np.zeros_like(theta)
    for item_id in item_ids:
        column = index[item_id]
        scores = np.asarray(model.items[column].spec.scores)
        total += scores @ model.probabilities(column, theta)
    return total


def transform(
    model: ModelParameters, slope: dict[str, float], intercept: dict[str, float]
) -> ModelParameters:
    """Re-express ``model`` on the scale ``θ_old = A θ + B``.

    Category slopes become ``s / A`` and intercepts ``c − s·B / A``.
    """
    items = []
    for column, item in enumerate(model.items):
        item_model = model.item_model_for(column)
        a, b = slope.get(item.dimension, 1.0), intercept.get(item.dimension, 0.0)
        params = np.array([item.params])
        scores = np.array([item.spec.scores])
        slopes, intercepts = item_model.to_categories(params, scores)
        new = item_model.from_categories(slopes / a, intercepts - slopes * b / a, scores)[0]
        items.append(dataclasses.replace(item, params=tuple(float(v) for v in new), se=None))
    return dataclasses.replace(model, items=tuple(items), _groups={})


def stocking_lord(new: ModelParameters, old: ModelParameters, min_common: int = 3) -> LinkingResult:
    """Find A, B per dimension that make the common items' TCCs agree on the old scale.

    Minimises ``Σ_q w_q [TCC_old(θ_q) − TCC_new*(θ_q)]²`` over a N(0, 1) grid, where
    ``TCC_new*`` uses the new parameters transformed to the old scale.

    References
    ----------
    Stocking, M. L., & Lord, F. M. (1983). Developing a common metric in item response theory.
    Applied Psychological Measurement, 7, 201–210.
    """
    if new.model != old.model:
        raise ScoringError(f"cannot link a {new.model} model to a {old.model} model")
    quad = QuadratureGrid(41, 4.0).normal()
    old_ids = set(old.item_ids)
    slope, intercept, n_common = {}, {}, {}
    for dimension in new.dimensions:
        common = [
            item.item_id
            for item in new.items
            if item.dimension == dimension and item.item_id in old_ids
        ]
        n_common[dimension] = len(common)
        if len(common) < min_common:
            slope[dimension], intercept[dimension] = 1.0, 0.0
            continue
        target = expected_score(old, common, quad.points)
        subset = new.restricted(common)

        def loss(
            x: FloatArray,
            subset: ModelParameters = subset,
            target: FloatArray = target,
            dimension: str = dimension,
            common: list[str] = common,
        ) -> float:
            moved = transform(subset, {dimension: float(np.exp(x[0]))}, {dimension: float(x[1])})
            return float(
                np.sum(quad.weights * (target - expected_score(moved, common, quad.points)) ** 2)
            )

        fitted = optimize.minimize(loss, np.zeros(2), method="Nelder-Mead",
                                   options={"xatol": 1e-6, "fatol": 1e-10})  # fmt: skip
        slope[dimension] = float(np.exp(fitted.x[0]))
        intercept[dimension] = float(fitted.x[1])
    return LinkingResult(slope, intercept, n_common)
