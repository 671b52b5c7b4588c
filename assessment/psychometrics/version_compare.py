"""Compare any two stored model versions: item parameters, option curves and norms.

Versions promoted with linking share one θ scale, so their parameters compare directly. For
each item both versions hold: the largest change in any option probability over θ ∈ [−3, 3]
(the same drift measure as the review of a new calibration), the change in its option order,
and, when both versions use the same item model, every free parameter side by side. For each
competency: the norm groups and how far a candidate's T-score moves between the two norm
tables at the θ that the first version puts at T = 30, 50 and 70.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assessment.errors import AssessmentError
from assessment.persistence.store import Store, StoredModel
from scoring.keys import compare_keys
from scoring.parameter_table import parameter_rows

DRIFT_GRID = np.linspace(-3.0, 3.0, 25)
T_POINTS = (30.0, 50.0, 70.0)


@dataclass(frozen=True)
class ItemDifference:
    """One item in two versions (``None`` on the side that lacks it)."""

    item_id: str
    dimension: str
    in_a: bool
    in_b: bool
    probability_change: float | None
    """Largest change of an option probability on θ ∈ [−3, 3]."""
    order_a: str | None
    order_b: str | None


@dataclass(frozen=True)
class ParameterDifference:
    item_id: str
    parameter: str
    a: float
    b: float
    se_a: float
    se_b: float

    @property
    def difference(self) -> float:
        return self.b - self.a


@dataclass(frozen=True)
class NormDifference:
    """The two norm tables of one competency; ``t_shift`` maps T under ``a`` to T under ``b``
    minus T under ``a``, for the θ that ``a`` puts at each of ``T_POINTS``."""

    dimension: str
    group_a: str
    group_b: str
    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    sd_a: float
    sd_b: float
    t_shift: dict[float, float]


@dataclass(frozen=True)
class VersionDiff:
    label_a: str
    label_b: str
    model_a: str
    model_b: str
    items: tuple[ItemDifference, ...]
    parameters: tuple[ParameterDifference, ...]
    """Empty when the two versions use different item models."""
    norms: tuple[NormDifference, ...]

    @property
    def mean_drift(self) -> dict[str, float]:
        """Per competency: mean largest option-probability change over common items."""
        by_dimension: dict[str, list[float]] = {}
        for item in self.items:
            if item.probability_change is not None:
                by_dimension.setdefault(item.dimension, []).append(item.probability_change)
        return {d: float(np.mean(values)) for d, values in by_dimension.items()}


def load_version(store: Store, label: str) -> StoredModel:
    """A stored version by label, parsed (any version, not only the active one)."""
    stored = store.model_document_by_label(label)
    if stored is None:
        raise AssessmentError(f"no model version called {label!r}")
    return stored


def compare_versions(store: Store, label_a: str, label_b: str) -> VersionDiff:
    """Differences from version ``label_a`` to version ``label_b``."""
    return diff_models(load_version(store, label_a), load_version(store, label_b))


def diff_models(a: StoredModel, b: StoredModel) -> VersionDiff:
    """Differences between two parsed versions (see the module docstring)."""
    pa, pb = a.parameters, b.parameters
    index_b = {item_id: j for j, item_id in enumerate(pb.item_ids)}
    orders_a = {k.item_id: ">".join(map(str, k.empirical_order)) for k in compare_keys(pa)}
    orders_b = {k.item_id: ">".join(map(str, k.empirical_order)) for k in compare_keys(pb)}
    items = []
    for j, item in enumerate(pa.items):
        k = index_b.get(item.item_id)
        change = (
            None
            if k is None
            else float(
                np.abs(pa.probabilities(j, DRIFT_GRID) - pb.probabilities(k, DRIFT_GRID)).max()
            )
        )
        items.append(
            ItemDifference(
                item.item_id, item.dimension, True, k is not None, change,
                orders_a[item.item_id], orders_b.get(item.item_id),
            )
        )  # fmt: skip
    items += [
        ItemDifference(
            item.item_id, item.dimension, False, True, None, None, orders_b[item.item_id]
        )
        for item in pb.items
        if item.item_id not in set(pa.item_ids)
    ]
    parameters: list[ParameterDifference] = []
    if pa.model == pb.model:
        rows_b = {(r.item_id, r.parameter): r for r in parameter_rows(pb)}
        parameters = [
            ParameterDifference(r.item_id, r.parameter, r.estimate, other.estimate, r.se, other.se)
            for r in parameter_rows(pa)
            if (other := rows_b.get((r.item_id, r.parameter))) is not None
        ]
    norms = []
    for dimension in pa.dimensions:
        na, nb = a.norms.get(dimension), b.norms.get(dimension)
        if na is None or nb is None:
            continue
        shift = {t: float(nb.t_score(na.mean + (t - 50.0) / 10.0 * na.sd)) - t for t in T_POINTS}
        norms.append(
            NormDifference(
                dimension, na.group, nb.group, na.n, nb.n, na.mean, nb.mean, na.sd, nb.sd, shift
            )
        )
    return VersionDiff(
        a.label, b.label, pa.model, pb.model, tuple(items), tuple(parameters), tuple(norms)
    )
