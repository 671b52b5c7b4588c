"""Model versions: promote a reviewed calibration, roll back, rescore, and collect data.

A version is immutable once stored: promoting writes a new row and switches the *active*
flag; rolling back switches it back. Every switch is recorded in the audit log with who, when
and why. Scores keep the version that produced them; rescoring adds new current rows and
keeps the old ones as history.

Scale linking: each calibration fixes its sample's latent distribution to N(0, 1). When an
active version exists, the new parameters are placed on the active version's scale by the
Stocking–Lord method on the items both versions share, so T-scores stay comparable.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select, update

from assessment.delivery.service import ActiveModel
from assessment.errors import AssessmentError
from assessment.persistence.store import ScoreRecord, Store
from assessment.persistence.tables import ModelVersion, ResponseRow, TestSession
from assessment.psychometrics.data_files import align_to_model
from items import ItemBank
from items.scoring_map import item_specs, scored_responses
from scoring import (
    MISSING,
    CalibrationResult,
    ModelParameters,
    ResponseMatrix,
    ScoringError,
    score_eap,
)
from scoring.linking import stocking_lord, transform
from scoring.norms import NormTable


@dataclass(frozen=True)
class VersionInfo:
    version_id: int
    label: str
    active: bool
    created_at: dt.datetime
    created_by: str | None
    note: str | None
    model: str


def list_versions(store: Store) -> list[VersionInfo]:
    return [
        VersionInfo(
            v.id, v.label, v.active, v.created_at, v.created_by, v.note,
            str(json.loads(v.model_json).get("model", "?")),
        )
        for v in store.model_versions()
    ]  # fmt: skip


SOFTWARE = "sjt-service 0.1.0"


def calibrated_model_file(
    result: CalibrationResult,
    data: ResponseMatrix,
    source: str,
    parameters: ModelParameters | None = None,
) -> dict[str, Any]:
    """The model file of a calibration: parameters, fit, norms from the calibration sample
    (EAP estimates), provenance. This is what ``sjt calibrate`` writes and what is promoted.

    ``parameters`` replaces the calibration's items (for example with carried-over items
    added); ``data`` must then list the same items in the same order."""
    parameters = parameters or result.parameters
    estimate = score_eap(parameters, data)
    out = result.to_dict()
    out.update({k: v for k, v in parameters.to_dict().items() if k in ("dimensions", "items")})
    out["norms"] = {
        dimension: NormTable.from_estimates(
            estimate.theta[:, d], f"calibration sample ({source}, n={data.n_candidates})"
        ).to_dict()
        for d, dimension in enumerate(parameters.dimensions)
    }
    out["provenance"] = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "software": SOFTWARE,
        "data": source,
        "scale": "theta ~ N(0, 1) in the calibration sample on every dimension",
    }
    return out


def fill_from_active(store: Store, data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Add the active version's parameters for items the new calibration left out.

    Used when some items had too few responses to recalibrate: they keep their current
    parameters. Call after linking, so both sets are on the active version's scale.
    Returns the completed model data and the ids of the items carried over.
    """
    active = store.active_model_version()
    if active is None:
        return data, []
    present = {item["item_id"] for item in data["items"]}
    carried = [
        item for item in json.loads(active.model_json)["items"] if item["item_id"] not in present
    ]
    if not carried:
        return data, []
    completed = dict(data)
    completed["items"] = [*data["items"], *carried]
    return completed, [item["item_id"] for item in carried]


def validate_model(data: dict[str, Any], bank: ItemBank) -> ModelParameters:
    """Check a model file can score the bank: every scored bank item has parameters."""
    try:
        parameters = ModelParameters.from_dict(data, source="model")
    except ScoringError as error:
        raise AssessmentError(str(error)) from None
    missing = [spec.item_id for spec in item_specs(bank) if spec.item_id not in parameters.item_ids]
    if missing:
        raise AssessmentError(
            f"the model has no parameters for {len(missing)} bank item(s), e.g. {missing[:5]}; "
            "calibrate on data covering every item of the bank"
        )
    if not data.get("norms"):
        raise AssessmentError("the model has no norm tables; use a model file from sjt calibrate")
    return parameters


def promote(
    store: Store,
    data: dict[str, Any],
    bank: ItemBank,
    actor: str,
    note: str,
    label: str | None = None,
    link: bool = True,
    carry_over: bool = False,
) -> int:
    """Store ``data`` as a new immutable version and make it active; returns its id.

    With ``carry_over``, bank items missing from ``data`` keep the active version's
    parameters (listed in the version's ``carried_over`` field).
    """
    if not note.strip():
        raise AssessmentError("a note saying why this version is promoted is required")
    try:
        parameters = ModelParameters.from_dict(data, source="model")
    except ScoringError as error:
        raise AssessmentError(str(error)) from None
    active = store.active_model_version()
    data = dict(data)
    if link and active is not None:
        old = ActiveModel.from_json(active.id, active.label, active.model_json).parameters
        if old.model == parameters.model:
            linking = stocking_lord(parameters, old)
            linked = transform(parameters, linking.slope, linking.intercept)
            data.update({k: v for k, v in linked.to_dict().items() if k in ("items",)})
            data["norms"] = {
                dimension: _moved_norms(
                    table, linking.slope[dimension], linking.intercept[dimension]
                )
                for dimension, table in data["norms"].items()
                if dimension in linking.slope
            }
            data["linking"] = {
                "method": "Stocking-Lord on common items",
                "linked_to": active.label,
                "slope": linking.slope,
                "intercept": linking.intercept,
                "n_common_items": linking.n_common,
            }
    if carry_over:
        data, carried = fill_from_active(store, data)
        data["carried_over"] = carried
    validate_model(data, bank)
    existing = {version.label for version in store.model_versions()}
    label = label or next_version_label(existing)
    if label in existing:
        raise AssessmentError(f"a model version called {label!r} already exists")
    version_id = store.add_model_version(
        label, json.dumps(data), created_by=actor, note=note, activate=True
    )
    store.audit(actor, "model.promote", label, {"note": note, "version_id": version_id})
    return version_id


def _moved_norms(table: dict[str, Any], slope: float, intercept: float) -> dict[str, Any]:
    """Norm quantiles re-expressed on the linked scale (θ_old = A θ + B)."""
    norms = NormTable.from_dict(table)
    moved = NormTable(
        norms.group, norms.n, slope * norms.mean + intercept, slope * norms.sd,
        slope * norms.quantiles + intercept,
    )  # fmt: skip
    return moved.to_dict()


def activate(store: Store, label: str, actor: str, note: str) -> None:
    """Make an existing version active again (the other versions stay stored)."""
    with store.transaction() as db:
        version = db.scalar(select(ModelVersion).where(ModelVersion.label == label))
        if version is None:
            raise AssessmentError(f"no model version called {label!r}")
        db.execute(update(ModelVersion).values(active=False))
        version.active = True
    store.audit(actor, "model.activate", label, {"note": note})


def rollback(store: Store, actor: str, note: str = "rollback") -> str:
    """Re-activate the version that was active before the current one; returns its label."""
    active = store.active_model_version()
    if active is None:
        raise AssessmentError("there is no active model version to roll back from")
    labels = {v.label for v in store.model_versions()}
    history = [
        entry.target
        for entry in reversed(store.audit_entries(limit=10_000))
        if entry.action in ("model.promote", "model.activate") and entry.target in labels
    ]
    # the version activated most recently before the current one took over
    before = [
        label for label in history[: _last_index(history, active.label)] if label != active.label
    ]
    if not before:
        raise AssessmentError("no earlier model version to roll back to")
    target = str(before[-1])
    activate(store, target, actor, note)
    return target


def next_version_label(existing: set[str]) -> str:
    """``v1`` for the first calibrated version, then one past the highest ``v<number>``
    (the demo's ``v0-synthetic`` and hand-named versions do not count)."""
    numbers = [int(label[1:]) for label in existing if label[1:].isdigit() and label[0] == "v"]
    return f"v{max(numbers, default=0) + 1}"


def _last_index(items: Sequence[str | None], value: str) -> int:
    positions = [i for i, item in enumerate(items) if item == value]
    return positions[-1] if positions else len(items)


# ------------------------------------------------------------------------------- data
@dataclass(frozen=True)
class CollectedData:
    session_ids: tuple[str, ...]
    data: ResponseMatrix
    excluded_flagged: int


def collected_responses(
    store: Store,
    bank: ItemBank,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    form: str | None = None,
    include_flagged: bool = False,
) -> CollectedData:
    """Responses of completed sessions as a matrix over the bank's scored items.

    Sessions with data-quality flags are left out unless ``include_flagged``.
    """
    specs = item_specs(bank)
    column = {spec.item_id: j for j, spec in enumerate(specs)}
    with store.transaction() as db:
        query = select(TestSession).where(TestSession.status == "completed")
        if since is not None:
            query = query.where(TestSession.completed_at >= since)
        if until is not None:
            query = query.where(TestSession.completed_at < until)
        if form is not None:
            query = query.where(TestSession.form == form)
        sessions = list(db.scalars(query.order_by(TestSession.completed_at)))
        flagged = [s.id for s in sessions if (s.flags or {}).get("raised")]
        kept = [s for s in sessions if include_flagged or not (s.flags or {}).get("raised")]
        ids = [s.id for s in kept]
        rows = db.execute(
            select(ResponseRow.session_id, ResponseRow.item_id, ResponseRow.most, ResponseRow.least)
            .where(ResponseRow.session_id.in_(ids))
        ).all() if ids else []  # fmt: skip
    position = {session_id: n for n, session_id in enumerate(ids)}
    matrix = np.full((len(ids), len(specs)), MISSING, dtype=np.int64)
    for session_id, item_id, most, least in rows:
        if item_id not in bank:
            continue
        for scored_id, option in scored_responses(bank[item_id], most, least).items():
            j = column[scored_id]
            matrix[position[session_id], j] = specs[j].codes.index(option)
    dimensions = tuple(dict.fromkeys(spec.dimension for spec in specs))
    excluded = 0 if include_flagged else len(flagged)
    return CollectedData(tuple(ids), ResponseMatrix(matrix, specs, dimensions), excluded)


def rescore(store: Store, bank: ItemBank, label: str | None = None, actor: str = "cli") -> int:
    """Score every completed session with a version (default: the active one).

    Old scores stay in the table as history; the new ones become current. Returns the number
    of sessions rescored.
    """
    versions = {v.label: v for v in store.model_versions()}
    version = versions.get(label) if label else store.active_model_version()
    if version is None:
        raise AssessmentError(f"no model version {label!r}" if label else "no active version")
    model = ActiveModel.from_json(version.id, version.label, version.model_json)
    collected = collected_responses(store, bank, include_flagged=True)
    if not collected.session_ids:
        return 0
    data = align_to_model(collected.data, model.parameters)
    estimate = score_eap(model.parameters, data)
    for n, session_id in enumerate(collected.session_ids):
        records = []
        for d, competency in enumerate(estimate.dimensions):
            theta, se = float(estimate.theta[n, d]), float(estimate.se[n, d])
            table = model.norms.get(competency)
            records.append(
                ScoreRecord(
                    competency, theta, se,
                    float(table.t_score(theta)) if table else None,
                    float(table.percentile(theta)) if table else None,
                    int(estimate.n_answered[n, d]), version.id,
                )
            )  # fmt: skip
        store.replace_scores(session_id, records)
    store.audit(actor, "model.rescore", version.label, {"sessions": len(collected.session_ids)})
    return len(collected.session_ids)


__all__ = [
    "CollectedData",
    "VersionInfo",
    "activate",
    "align_to_model",
    "collected_responses",
    "list_versions",
    "promote",
    "rescore",
    "rollback",
]
