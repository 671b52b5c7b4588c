"""Observed against expected option proportions along θ, for item plots and fit review.

Candidates who answered an item are sorted by their θ estimate on its dimension and cut into
groups of (nearly) equal size; in each group the observed share of every option is set beside
the share the model expects, averaged over the group's own θ estimates. This is the empirical
plot of mirt's ``itemfit(..., empirical.plot = j)`` (Chalmers, 2012) and the grouping of Bock's
(1960) and Yen's (1981) fit statistics; with EAP estimates it inherits their mild shrinkage, so
it is a picture for judgement (a formal test is in :mod:`scoring.adaptive_fit`).

References
----------
Yen, W. M. (1981). Using simulation results to choose a latent trait model. Applied
Psychological Measurement, 5, 245–262.
Chalmers, R. P. (2012). mirt: A multidimensional item response theory package for the R
environment. Journal of Statistical Software, 48(6), 1–29.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.arrays import FloatArray, IntArray
from scoring.data import ResponseMatrix
from scoring.errors import ScoringError
from scoring.parameters import ModelParameters


@dataclass(frozen=True)
class ObservedExpected:
    """One item's observed and model-expected option shares per θ group.

    ``theta`` (G,) is the mean estimate of each group, ``n`` (G,) its size, ``observed`` and
    ``expected`` (G, K) the option shares; ``grid`` (Q,) and ``curve`` (K, Q) the model's
    trace lines for drawing.
    """

    item_id: str
    codes: tuple[str | int, ...]
    theta: FloatArray
    n: IntArray
    observed: FloatArray
    expected: FloatArray
    grid: FloatArray
    curve: FloatArray

    @property
    def largest_gap(self) -> float:
        """Largest absolute difference between an observed and an expected share."""
        return float(np.max(np.abs(self.observed - self.expected))) if self.n.size else 0.0


def observed_expected(
    model: ModelParameters,
    data: ResponseMatrix,
    theta: FloatArray,
    item_id: str,
    n_groups: int = 10,
    grid: FloatArray | None = None,
) -> ObservedExpected:
    """Observed and expected option shares of ``item_id`` in ``n_groups`` θ groups.

    ``theta`` (n_candidates, n_dimensions) are the candidates' estimates in the order of
    ``model.dimensions``; ``data`` must list the model's items in the model's order.
    """
    if item_id not in model.item_ids:
        raise ScoringError(f"item {item_id!r} is not in the model")
    if tuple(spec.item_id for spec in data.items) != model.item_ids:
        raise ScoringError("the response data must list the model's items in the model's order")
    theta = np.asarray(theta, dtype=float)
    if theta.shape != (data.n_candidates, len(model.dimensions)):
        raise ScoringError(
            f"theta must have shape ({data.n_candidates}, {len(model.dimensions)}), "
            f"got {theta.shape}"
        )
    if n_groups < 1:
        raise ScoringError(f"n_groups must be at least 1, got {n_groups}")
    column = model.item_ids.index(item_id)
    item = model.items[column]
    answers = data.responses[:, column]
    answered = answers >= 0
    estimates = theta[answered, model.dimensions.index(item.dimension)]
    chosen = answers[answered]
    order = np.argsort(estimates, kind="stable")
    groups = [g for g in np.array_split(order, min(n_groups, order.size)) if g.size]
    n_categories = item.spec.n_categories
    observed = np.array(
        [np.bincount(chosen[g], minlength=n_categories) / g.size for g in groups]
    ).reshape(len(groups), n_categories)
    expected = np.array(
        [model.probabilities(column, estimates[g]).mean(axis=1) for g in groups]
    ).reshape(len(groups), n_categories)
    grid = np.linspace(-4.0, 4.0, 81) if grid is None else np.asarray(grid, dtype=float)
    return ObservedExpected(
        item_id,
        item.spec.codes,
        np.array([estimates[g].mean() for g in groups]),
        np.array([g.size for g in groups], dtype=np.int64),
        observed,
        expected,
        grid,
        model.probabilities(column, grid),
    )
