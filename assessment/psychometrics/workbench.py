"""What the calibration workbench shows about a model, computed here so the pages stay thin.

A psychometrician used to mirt expects the parameter table with standard errors, the
empirical key beside the SME key, observed-versus-expected plots per item, rollback that
asks why and rescoring that asks for confirmation. The numbers come from :mod:`scoring`; this
module shapes them into rows for tables and charts and enforces the rules of the actions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assessment.errors import AssessmentError
from assessment.persistence.store import Store
from assessment.psychometrics import renorm
from assessment.psychometrics.renorm import RenormPreview, apply_renorm
from assessment.psychometrics.versions import (
    ScoresFromOtherVersions,
    rescore,
    rollback,
    scores_from_other_versions,
)
from assessment.session_values import OverallRule
from items import ItemBank
from scoring import ModelParameters, ResponseMatrix, score_eap
from scoring.fit import conditional_se, test_information
from scoring.item_analysis import analyse_items
from scoring.keys import compare_keys
from scoring.observed_expected import ObservedExpected, observed_expected
from scoring.parameter_table import parameter_rows

__all__ = [
    "ObservedExpected",
    "RenormPreview",
    "ResponseMatrix",
    "RollbackOutcome",
    "ScoresFromOtherVersions",
    "eap_theta",
    "information_curves",
    "item_analysis_rows",
    "item_plot",
    "key_table",
    "parameter_table",
    "renorm_preview",
    "renorm_with_reason",
    "rescore_confirmed",
    "rollback_with_reason",
    "scores_from_other_versions",
]


def parameter_table(model: ModelParameters) -> list[dict[str, Any]]:
    """One row per item: every free parameter and its SE side by side, as mirt's
    ``coef(fit, printSE = TRUE)`` (names in :mod:`scoring.parameter_table`)."""
    rows: dict[str, dict[str, Any]] = {}
    for entry in parameter_rows(model):
        row = rows.setdefault(entry.item_id, {"item": entry.item_id, "dimension": entry.dimension})
        row[entry.parameter] = entry.estimate
        row[f"{entry.parameter} SE"] = entry.se
    return list(rows.values())


def key_table(model: ModelParameters) -> list[dict[str, Any]]:
    """One row per item: SME order, empirical order, rank correlation and key flags."""
    return [
        {
            "item": key.item_id,
            "dimension": key.dimension,
            "SME order": " > ".join(map(str, key.sme_order)),
            "empirical order": " > ".join(map(str, key.empirical_order)),
            "rank r": key.rank_correlation,
            "best z": key.best_z,
            "worst z": key.worst_z,
            "flags": ", ".join(key.flags),
        }
        for key in compare_keys(model)
    ]


def eap_theta(model: ModelParameters, data: ResponseMatrix) -> np.ndarray:
    """EAP estimates (n_candidates, n_dimensions) of ``data`` under ``model``."""
    return score_eap(model, data).theta


def item_plot(
    model: ModelParameters, data: ResponseMatrix, theta: np.ndarray, item_id: str
) -> ObservedExpected:
    """Observed and expected option shares of one item in ten θ groups, with trace lines."""
    return observed_expected(model, data, theta, item_id, n_groups=10)


def item_analysis_rows(model: ModelParameters, data: ResponseMatrix) -> list[dict[str, Any]]:
    """The rows of ``sjt item-analysis`` (classical, fit, dependence, keys) for ``data``."""
    return analyse_items(model, data).rows()


def information_curves(
    model: ModelParameters, grid: np.ndarray
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Test information and conditional SE per dimension on ``grid``."""
    return test_information(model, grid), conditional_se(model, grid)


@dataclass(frozen=True)
class RollbackOutcome:
    """What a workbench rollback did: the version active again, the sessions rescored with it
    (None when no rescore was asked) and the current scores other versions still give."""

    label: str
    rescored: int | None
    others: ScoresFromOtherVersions | None


def rollback_with_reason(
    store: Store, actor: str, reason: str, confirmed: bool, rescore_bank: ItemBank | None = None
) -> RollbackOutcome:
    """Roll back to the previous version after an explicit confirmation and with a reason that
    the audit log keeps; with ``rescore_bank``, also rescore every completed test with the
    version active again (audited by ``rescore``)."""
    if not confirmed:
        raise AssessmentError("tick the confirmation to roll back")
    if not reason.strip():
        raise AssessmentError("give the reason for rolling back; the audit log keeps it")
    label = rollback(store, actor, reason.strip())
    rescored = None if rescore_bank is None else rescore(store, rescore_bank, None, actor)
    return RollbackOutcome(label, rescored, scores_from_other_versions(store))


def rescore_confirmed(store: Store, bank: ItemBank, actor: str, confirmed: bool) -> int:
    """Rescore every completed test with the active version after an explicit confirmation
    (``rescore`` audits it); returns the number of sessions rescored."""
    if not confirmed:
        raise AssessmentError("tick the confirmation to rescore")
    return rescore(store, bank, None, actor)


def renorm_preview(
    store: Store,
    sample: ResponseMatrix,
    name: str,
    overall: OverallRule | None = None,
    forms: Sequence[str | None] | None = None,
    synthetic: Sequence[bool] | None = None,
) -> RenormPreview:
    """What re-norming the active version on ``sample`` (its rows' recorded ``forms`` and
    which rows are ``synthetic`` demo candidates, if known) would do, at the documented
    minimum sample size (``renorm.MIN_NORM_SAMPLE``; the workbench offers no way to lower
    it)."""
    return renorm.preview_renorm(
        store, sample, name, overall, minimum=renorm.MIN_NORM_SAMPLE, forms=forms,
        synthetic=synthetic,
    )  # fmt: skip


def renorm_with_reason(
    store: Store, preview: RenormPreview, actor: str, reason: str, confirmed: bool
) -> int:
    """Apply a previewed re-norm after an explicit confirmation and with a reason that the
    audit log keeps; returns the new version's id."""
    if not confirmed:
        raise AssessmentError("tick the confirmation to re-norm")
    return apply_renorm(store, preview, actor, reason)
