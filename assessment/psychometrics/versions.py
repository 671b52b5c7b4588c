"""Model versions: promote a reviewed calibration, roll back, rescore, and collect data.

A version is immutable once stored: promoting writes a new row and switches the *active*
flag; rolling back switches it back. Every switch is recorded in the audit log with who, when
and why. Scores keep the version that produced them; rescoring adds new current rows and
keeps the old ones as history.

Scale linking: each calibration fixes its sample's latent distribution to N(0, 1). When an
active version exists, the new parameters are placed on the active version's scale by the
Stocking–Lord method on the items both versions share (θ_active = A θ_new + B).

Norms on a fixed reference scale: a version's norm tables describe one named *reference
sample* (``norm_reference``: sample, n, date). Linking puts the new parameters on the active
scale, so promotion carries the active version's norm tables over as they are — the reference
sample's table moved by the linking constants, which on the active scale is the table itself
— and never rebuilds them from the new calibration sample: a candidate whose θ does not move
keeps their T-score. Re-norming on another sample is a separate, audited action
(``assessment.psychometrics.renorm``). Promotion is guarded (``promotion_guard``).
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
from assessment.psychometrics.promotion_guard import (
    MIN_COMMON_ITEMS,
    PromotionProblem,
    linking_problems,
    promotion_problems,
)
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
from scoring.linking import LinkingResult, stocking_lord, transform
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
    sample = f"calibration sample ({source}, n={data.n_candidates})"
    out["norms"] = {
        dimension: NormTable.from_estimates(estimate.theta[:, d], sample).to_dict()
        for d, dimension in enumerate(parameters.dimensions)
    }
    now = dt.datetime.now(dt.UTC)
    out["norm_reference"] = norm_reference(sample, data.n_candidates, now.date().isoformat())
    out["item_answers"] = dict(zip(data.item_ids, map(int, data.answered_counts()), strict=True))
    out["provenance"] = {
        "created_at": now.isoformat(timespec="seconds"),
        "software": SOFTWARE,
        "data": source,
        "scale": "theta ~ N(0, 1) in the calibration sample on every dimension",
    }
    return out


def norm_reference(
    sample: str, n: int, date: str, defined_in: str | None = None, reason: str | None = None
) -> dict[str, Any]:
    """The ``norm_reference`` section: which sample the norm tables describe, and since when."""
    out: dict[str, Any] = {"sample": sample, "n": n, "date": date, "defined_in": defined_in}
    if reason is not None:
        out["reason"] = reason
    return out


def reference_of(data: dict[str, Any]) -> dict[str, Any]:
    """A model file's ``norm_reference``; for older files, the one its norm tables imply."""
    if isinstance(data.get("norm_reference"), dict):
        return dict(data["norm_reference"])
    table = next(iter((data.get("norms") or {}).values()), None) or {}
    created = str((data.get("provenance") or {}).get("created_at", ""))[:10]
    return norm_reference(str(table.get("group", "unknown")), int(table.get("n", 0)), created)


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
    force: bool = False,
    reason: str | None = None,
) -> int:
    """Store ``data`` as a new immutable version and make it active; returns its id.

    With ``link`` (and an active version), the parameters are placed on the active scale and
    the active version's reference norms carry over (see the module docstring). With
    ``carry_over``, bank items missing from ``data`` keep the active version's parameters
    (listed in the version's ``carried_over`` field). A file with problems
    (``promotion_guard``) is refused with ``PromotionRefusedError`` unless ``force`` is given with
    a written ``reason``; the audit entry keeps the reason and the problems.
    """
    if not note.strip():
        raise AssessmentError("a note saying why this version is promoted is required")
    if force and not (reason or "").strip():
        raise AssessmentError("forcing a promotion needs a written reason (--reason)")
    try:
        parameters = ModelParameters.from_dict(data, source="model")
    except ScoringError as error:
        raise AssessmentError(str(error)) from None
    problems = promotion_problems(data, parameters)
    active = store.active_model_version()
    data = dict(data)
    norms_basis = "calibration sample of the promoted file"
    if link and active is not None:
        old_data = json.loads(active.model_json)
        old = ActiveModel.from_json(active.id, active.label, active.model_json).parameters
        same_model = old.model == parameters.model
        linking = stocking_lord(parameters, old, MIN_COMMON_ITEMS) if same_model else None
        problems += linking_problems(linking, parameters.model, old.model, active.label)
        if linking is not None:
            linked = transform(parameters, linking.slope, linking.intercept)
            data.update({k: v for k, v in linked.to_dict().items() if k in ("items",)})
            data.update(_reference_norms(data, old_data, linking, active.label))
            data["linking"] = {
                "method": "Stocking-Lord on common items",
                "linked_to": active.label,
                "slope": linking.slope,
                "intercept": linking.intercept,
                "n_common_items": linking.n_common,
            }
            norms_basis = f"reference norms carried from {active.label}"
    if carry_over:
        data, carried = fill_from_active(store, data)
        data["carried_over"] = carried
    validate_model(data, bank)
    if problems and not force:
        raise PromotionRefusedError(problems)
    existing = {version.label for version in store.model_versions()}
    label = label or f"v{len(existing) + 1}"
    if label in existing:
        raise AssessmentError(f"a model version called {label!r} already exists")
    reference = reference_of(data)
    data["norm_reference"] = {**reference, "defined_in": reference.get("defined_in") or label}
    version_id = store.add_model_version(
        label, json.dumps(data), created_by=actor, note=note, activate=True
    )
    detail: dict[str, Any] = {"note": note, "version_id": version_id, "norms": norms_basis}
    if force:
        detail.update(forced=True, reason=reason, problems=[p.to_dict() for p in problems])
    store.audit(actor, "model.promote", label, detail)
    return version_id


class PromotionRefusedError(AssessmentError, ValueError):
    """A model file is unfit for promotion; ``problems`` lists why (item or dimension)."""

    def __init__(self, problems: Sequence[PromotionProblem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  {problem.message}" for problem in self.problems[:20])
        more = len(self.problems) - 20
        super().__init__(
            f"promotion refused: {len(self.problems)} problem(s)\n{lines}"
            + (f"\n  … and {more} more" if more > 0 else "")
            + "\nrecalibrate (for example with --min-answers and --carry-over), or promote "
            "anyway with --force --reason TEXT (the reason is kept in the audit log)"
        )


def _reference_norms(
    data: dict[str, Any], active: dict[str, Any], linking: LinkingResult, label: str
) -> dict[str, Any]:
    """Norms and ``norm_reference`` of a version linked to ``active``.

    The active version's tables describe its reference sample on the active scale; the new
    parameters were moved onto that scale (θ_active = A θ_new + B), so the tables apply as
    they are. A dimension the active version has no norms for keeps the file's own table,
    moved by the linking constants, and is named in ``own_norms``.
    """
    reference = reference_of(active)
    active_norms, own_norms = active.get("norms") or {}, data.get("norms") or {}
    norms, own = {}, []
    for dimension in data["dimensions"]:
        if dimension in active_norms:
            norms[dimension] = active_norms[dimension]
        elif dimension in own_norms:
            moved = NormTable.from_dict(own_norms[dimension]).linked(
                linking.slope[dimension], linking.intercept[dimension]
            )
            norms[dimension] = moved.to_dict()
            own.append(dimension)
    reference["carried_from"] = label
    if own:
        reference["own_norms"] = own
    return {"norms": norms, "norm_reference": reference}


def activate(store: Store, label: str, actor: str, note: str) -> None:
    """Make an existing version active again (the other versions stay stored)."""
    with store.transaction() as db:
        version = db.scalar(select(ModelVersion).where(ModelVersion.label == label))
        if version is None:
            raise AssessmentError(f"no model version called {label!r}")
        db.execute(update(ModelVersion).values(active=False))
        version.active = True
    store.audit(actor, "model.activate", label, {"note": note})


def rollback(store: Store, actor: str, note: str) -> str:
    """Re-activate the version that was active before the current one; returns its label.

    ``note`` is the reason, required and kept in the audit log."""
    if not note.strip():
        raise AssessmentError("a reason for the rollback is required (kept in the audit log)")
    active = store.active_model_version()
    if active is None:
        raise AssessmentError("there is no active model version to roll back from")
    labels = {v.label for v in store.model_versions()}
    history = [
        entry.target
        for entry in reversed(store.audit_entries(limit=10_000))
        if entry.action in ("model.promote", "model.renorm", "model.activate")
        and entry.target in labels
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
    "PromotionRefusedError",
    "VersionInfo",
    "activate",
    "align_to_model",
    "collected_responses",
    "list_versions",
    "norm_reference",
    "promote",
    "reference_of",
    "rescore",
    "rollback",
]
