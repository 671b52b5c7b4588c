"""Review of a new calibration before promotion: sample warnings and comparison with the
active version (fit, parameter drift, and how many candidates' bands would change)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assessment.persistence.store import Store
from assessment.psychometrics.data_files import align_to_model
from assessment.vocabulary import BAND_HIGH_ABOVE, BAND_LOW_BELOW
from items.scoring_map import joined_for_calibration
from scoring import CalibrationResult, ResponseMatrix, score_eap
from scoring.criteria import ModelFit
from scoring.linking import stocking_lord, transform
from scoring.norms import NormTable
from scoring.scoring import marginal_loglik

MIN_CANDIDATES_PER_ITEM = 500
RARE_OPTION = 0.05
"""T-score cut points of the low / typical / high bands (as in the reports)."""


@dataclass(frozen=True)
class SampleWarnings:
    """Where the data are too thin for stable option weights."""

    items_below_minimum: tuple[tuple[str, int], ...]
    """(item id, candidates who answered it) for items under ``MIN_CANDIDATES_PER_ITEM``."""
    rare_options: tuple[tuple[str, str, float], ...]
    """(item id, option code, share) for options chosen by under 5 %."""
    n_items: int = 0
    """Items the calibration estimates (a most_least item once when its parts are joined)."""

    @property
    def any(self) -> bool:
        return bool(self.items_below_minimum or self.rare_options)


def calibration_items(data: ResponseMatrix, model: str) -> ResponseMatrix:
    """``data`` with its items as the calibration counts them: with a joint model the two
    part columns of a most_least item are one item (``joined_for_calibration``, which the
    workbench's jobs and ``sjt calibrate`` use). Raises ``ScoringError`` as that does."""
    return joined_for_calibration(data, model)[0]


def sample_warnings(data: ResponseMatrix, model: str) -> SampleWarnings:
    """Items answered by fewer than 500 candidates, counted as ``model``'s calibration counts
    them (``calibration_items``), and options chosen by fewer than 5 % in a column of ``data``
    (a most or least pick: the options candidates see, not the joint model's pairs)."""
    items = calibration_items(data, model)
    small = [
        (spec.item_id, int(n))
        for spec, n in zip(items.items, items.answered_counts(), strict=True)
        if n < MIN_CANDIDATES_PER_ITEM
    ]
    rare = []
    for j, spec in enumerate(data.items):
        column = data.responses[:, j]
        answered = column[column >= 0]
        if answered.size:
            shares = np.bincount(answered, minlength=spec.n_categories) / answered.size
            rare += [
                (spec.item_id, str(code), float(share))
                for code, share in zip(spec.codes, shares, strict=True)
                if share < RARE_OPTION
            ]
    return SampleWarnings(tuple(small), tuple(rare), items.n_items)


@dataclass(frozen=True)
class VersionComparison:
    """The new calibration against the active version on the same data."""

    active_label: str
    n_candidates: int
    new: ModelFit
    active: ModelFit
    """The two versions' fits to the same data (log-likelihood, parameters, AIC, BIC)."""
    drift: dict[str, float]
    """Per competency: mean over common items of the largest change in any category
    probability on θ ∈ [−3, 3], after linking the new version to the active scale."""
    band_changes: int
    """Candidates whose band (low/typical/high) on at least one competency would change."""
    linking_slope: dict[str, float]
    linking_intercept: dict[str, float]
    active_model: str = ""
    """The active version's item model; linking needs the new one to be the same."""

    @property
    def linked(self) -> bool:
        """Whether the new version was linked to the active scale (same item model): without
        it the drift compares two unrelated θ scales and band changes use the calibration
        sample's own norms, as a promotion without linking would."""
        return bool(self.linking_slope)


def compare_with_active(
    store: Store, result: CalibrationResult, data: ResponseMatrix
) -> VersionComparison | None:
    """Compare ``result`` with the active version on ``data`` (None without an active one)."""
    active = store.active_model_document()
    if active is None:
        return None
    new = result.parameters
    old = active.parameters.restricted(new.item_ids)
    linking = stocking_lord(new, old) if new.model == old.model else None
    linked = transform(new, linking.slope, linking.intercept) if linking else new
    aligned_old = align_to_model(data, old)
    active_fit = ModelFit(
        loglik=marginal_loglik(old, aligned_old),
        n_params=sum(old.item_model.n_params(spec.n_categories) for spec in old.specs),
        n_candidates=data.n_candidates,
    )
    grid = np.linspace(-3, 3, 25)
    drift: dict[str, list[float]] = {}
    old_index = {item_id: j for j, item_id in enumerate(old.item_ids)}
    for j, item in enumerate(linked.items):
        k = old_index.get(item.item_id)
        if k is None:
            continue
        change = np.abs(linked.probabilities(j, grid) - old.probabilities(k, grid)).max()
        drift.setdefault(item.dimension, []).append(float(change))
    old_estimate = score_eap(old, aligned_old)
    new_estimate = score_eap(linked, align_to_model(data, linked))
    changed = np.zeros(data.n_candidates, dtype=bool)
    for d, dimension in enumerate(new.dimensions):
        if dimension not in old.dimensions or dimension not in active.norms:
            continue
        old_norm = active.norms[dimension]
        # promotion with linking keeps the active reference norms; without a link the new
        # version brings its calibration sample's norms
        new_norm = (
            old_norm
            if linking
            else NormTable.from_estimates(new_estimate.theta[:, d], "calibration sample")
        )
        old_theta = old_estimate.theta[:, old.dimensions.index(dimension)]
        old_band = band_index(old_norm.t_score(old_theta))
        new_band = band_index(new_norm.t_score(new_estimate.theta[:, d]))
        changed |= old_band != new_band
    return VersionComparison(
        active_label=active.label,
        n_candidates=data.n_candidates,
        new=ModelFit(result.loglik, result.n_params, data.n_candidates),
        active=active_fit,
        drift={dimension: float(np.mean(values)) for dimension, values in drift.items()},
        band_changes=int(changed.sum()),
        linking_slope=dict(linking.slope) if linking else {},
        linking_intercept=dict(linking.intercept) if linking else {},
        active_model=old.model,
    )


def band_index(t_scores: np.ndarray) -> np.ndarray:
    """Competency band of each T-score: 0 low, 1 typical, 2 high; the rule of
    ``reports.profile.BandCuts.band`` (both cut scores typical) at the cut scores of
    ``assessment.vocabulary``."""
    return (t_scores >= BAND_LOW_BELOW).astype(np.int64) + (t_scores > BAND_HIGH_ABOVE)
