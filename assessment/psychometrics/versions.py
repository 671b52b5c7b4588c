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

Reliability of the test as delivered: promotion simulates the delivered test (the adaptive
test and the fixed form, delivery's policy and exposure parameters) under the version's final
parameters — after linking and carry-over — and stores the figures as the version's
``simulation`` section, which profiles print until enough real candidates have taken the
test. A ``simulation`` section in the promoted file is always replaced: promotion cannot tell
which parameters and policy it was computed with, and linking or carry-over change the
parameters it would describe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assessment.delivery.policy import CATPolicy
from assessment.delivery.quality import (
    NO_ANSWERS_VERDICT,
    QualityFlags,
    answer_counts,
    model_fit_verdicts,
    session_flags,
)
from assessment.delivery.score_record import posterior_record, score_record
from assessment.delivery.simulation import (
    simulate_delivered,
    simulation_record,
    simulation_section,
)
from assessment.errors import AssessmentError, DataFileError
from assessment.model_document import (
    Linking,
    ModelDocument,
    NormReference,
    NormSection,
)
from assessment.persistence.answers import (
    EVERY_COMPLETED_SESSION,
    UNFLAGGED_SESSIONS,
    CompletedAnswers,
    SessionFilter,
    completed_answers,
)
from assessment.persistence.audit import AuditLog
from assessment.persistence.store import Store, StoredModel
from assessment.psychometrics.data_files import align_to_model
from assessment.psychometrics.model_files import check_bank_codes, reference_of
from assessment.psychometrics.partial import (
    check_partial,
    uncalibrated_competencies,
    with_carried_competencies,
    without_carried_record,
)
from assessment.psychometrics.promotion_guard import (
    MIN_COMMON_ITEMS,
    PromotionProblem,
    linking_problems,
    promotion_problems,
)
from assessment.session_values import Response
from items import ItemBank
from items.scoring_map import (
    item_specs,
    join_most_least,
    joint_item_ids,
    reading_specs,
    scored_responses,
)
from scoring import (
    MISSING,
    ModelParameters,
    ResponseMatrix,
    score_eap_correlated,
)
from scoring.linking import LinkingResult, stocking_lord, transform
from scoring.multivariate import LatentPrior

PROMOTION_SIMULATION_N = 400
"""Simulated candidates of the delivered-test simulation at promotion. Each takes the adaptive
test and the fixed form through the real engine, about 0.1 s of one core per candidate
(measured 2026-12-07 on the shared development machine: 12 s at n=100, 47 s at n=400). The
reliabilities a profile prints then have a Monte-Carlo SE of 0.016–0.02 (kept in the
section's provenance, ``monte_carlo_se``); with 100 candidates it was 0.034–0.045, too much
for a figure printed with two decimals."""

PROMOTION_SIMULATION_SEED = 1
"""Seed of the simulation at promotion: the same parameters always give the same figures."""


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
    """Every stored version; the model name is "?" for a version whose JSON is unreadable."""
    return [
        VersionInfo(
            v.id, v.label, v.active, v.created_at, v.created_by, v.note, _model_name(store, v.id)
        )
        for v in store.model_versions()
    ]


def _model_name(store: Store, version_id: int) -> str:
    try:
        stored = store.model_document(version_id)
    except DataFileError:
        return "?"
    return stored.document.model if stored else "?"


def fill_from_active(store: Store, document: ModelDocument) -> tuple[ModelDocument, list[str]]:
    """Add the active version's parameters for items the new calibration left out.

    Used when some items had too few responses to recalibrate: they keep their current
    parameters. Call after linking, so both sets are on the active version's scale.
    Returns the completed document and the ids of the items carried over.
    """
    active = store.active_model_document()
    if active is None:
        return document, []
    present = set(document.item_ids)
    carried = [item for item in active.document.items if item.item_id not in present]
    if not carried:
        return document, []
    completed = document.with_changes(items=[*document.items, *carried])
    return completed, [item.item_id for item in carried]


def validate_model(document: ModelDocument, bank: ItemBank) -> ModelParameters:
    """Check a model document can score the bank: every scored bank item has parameters.
    (``promote`` checks the items' codes first, ``check_bank_codes``.)"""
    parameters = document.parameters
    columns = {spec.item_id for spec in reading_specs(parameters)}  # joint items as two parts
    missing = [spec.item_id for spec in item_specs(bank) if spec.item_id not in columns]
    if missing:
        raise AssessmentError(
            f"the model has no parameters for {len(missing)} bank item(s), e.g. {missing[:5]}; "
            "calibrate on data covering every item of the bank"
        )
    if not document.norms:
        raise AssessmentError("the model has no norm tables; use a model file from sjt calibrate")
    return parameters


def promote(
    store: Store,
    document: ModelDocument,
    bank: ItemBank,
    actor: str,
    note: str,
    label: str | None = None,
    link: bool = True,
    carry_over: bool = False,
    force: bool = False,
    reason: str | None = None,
    link_reason: str | None = None,
    *,
    simulation_n: int | None = None,
    progress: Callable[[str], None] | None = None,
    source: str = "the model file",
) -> int:
    """Store ``document`` as a new immutable version and make it active; returns its id.

    With ``link`` (and an active version), the parameters are placed on the active scale and
    the active version's reference norms carry over (see the module docstring); the constants
    are recorded in ``linking``. Competencies the active version has and ``document`` does
    not are carried over from it whole, with their norms (``partial``; refused when they
    cannot be: another item model, or no ``link``). With ``carry_over``, bank items missing
    from ``document`` keep the active version's parameters (listed in ``carried_over``). A
    document with problems (``promotion_guard``) is refused with ``PromotionRefusedError``
    unless ``force`` is given with a written ``reason``; the audit entry keeps the reason and
    the problems. ``link_reason`` (why a version is promoted without ``link``) is kept in the
    audit entry with ``linked``. The version's ``simulation`` section is computed from its
    final parameters (``delivered_simulation`` with ``simulation_n`` candidates, default
    ``PROMOTION_SIMULATION_N``), replacing any the file has; ``progress`` is told in a
    sentence what is being done while it runs. ``source`` names the document in messages
    (e.g. its path).
    """
    if not note.strip():
        raise AssessmentError("a note saying why this version is promoted is required")
    if force and not (reason or "").strip():
        raise AssessmentError("forcing a promotion needs a written reason (--reason)")
    check_bank_codes(document.parameters, bank, source)
    if not document.norms:
        raise AssessmentError("the model has no norm tables; use a model file from sjt calibrate")
    document = without_carried_record(document)  # an exported version's is stale now
    problems = promotion_problems(document)
    active = store.active_model_document()
    missing = uncalibrated_competencies(document.dimensions, active)
    if active is not None and missing:
        check_partial(document, active, missing, link)
    norms_basis = "calibration sample of the promoted file"
    is_linked = False
    if link and active is not None:
        same_model = active.document.model == document.model
        linking = (
            stocking_lord(document.parameters, active.parameters, MIN_COMMON_ITEMS)
            if same_model
            else None
        )
        problems += linking_problems(linking, document.model, active.document.model, active.label)
        if linking is not None:
            linked = transform(document.parameters, linking.slope, linking.intercept)
            document = document.with_parameters(linked)
            if missing:  # linked first: the carried items are on the active scale already
                document = with_carried_competencies(document, active, missing)
            norms, reference = _reference_norms(document, active, linking)
            document = document.with_changes(
                norms=norms,
                norm_reference=reference,
                form_norms=active.document.form_norms,  # per form, on the same scale
                linking=Linking(
                    method="Stocking-Lord on common items",
                    linked_to=active.label,
                    slope=linking.slope,
                    intercept=linking.intercept,
                    n_common_items=linking.n_common,
                ),
            )
            norms_basis = f"reference norms carried from {active.label}"
            is_linked = True
    if carry_over:
        document, carried = fill_from_active(store, document)
        earlier = list(document.carried_over or ())  # carried over at calibration
        document = document.with_changes(carried_over=sorted({*earlier, *carried}))
    validate_model(document, bank)
    if problems and not force:
        raise PromotionRefusedError(problems)
    existing = {version.label for version in store.model_versions()}
    label = label or next_version_label(existing)
    if label in existing:
        raise AssessmentError(f"a model version called {label!r} already exists")
    reference = reference_of(document)
    n = PROMOTION_SIMULATION_N if simulation_n is None else simulation_n
    if progress is not None:
        progress(
            f"Simulating the test as delivered under {label}: {n} simulated candidates take the "
            "adaptive test and the fixed form, for the reliability its profiles print"
        )
    document = document.with_changes(
        norm_reference=reference.model_copy(update={"defined_in": reference.defined_in or label}),
        simulation=delivered_simulation(document, bank, label, n),
    )
    version_id = store.add_model_version(
        label, document, created_by=actor, note=note, activate=True
    )
    detail: dict[str, Any] = {"note": note, "version_id": version_id, "norms": norms_basis}
    if missing:
        detail["carried_competencies"] = list(missing)
    if active is not None:
        detail["linked"] = is_linked
    if link_reason:
        detail["link_reason"] = link_reason
    if force:
        detail.update(forced=True, reason=reason, problems=[p.to_dict() for p in problems])
    store.audit(actor, "model.promote", label, detail)
    return version_id


def delivered_simulation(
    document: ModelDocument,
    bank: ItemBank,
    label: str,
    n: int = PROMOTION_SIMULATION_N,
    seed: int = PROMOTION_SIMULATION_SEED,
) -> dict[str, Any]:
    """The ``simulation`` section (JSON form) of version ``label`` with ``document``'s
    parameters: ``n`` simulated candidates of the model's population (its latent correlation)
    take the test as delivered (``simulate_delivered``), adaptive and fixed form; the
    provenance says it was computed at promotion and gives each reliability's Monte-Carlo SE
    (``monte_carlo_se``, bootstrap over the simulated candidates)."""
    result = simulate_delivered(bank, document.parameters, n, seed)
    record = simulation_record(result, label)
    spread = result.reliability_se()
    record["provenance"] |= {
        "computed_at": "promotion",
        "monte_carlo_se": {
            key: {name: round(value, 4) for name, value in figures.items()}
            for key, figures in spread.items()
        },
    }
    return simulation_section(record, document.synthetic)


class PromotionRefusedError(AssessmentError, ValueError):
    """A model file is unfit for promotion; ``problems`` lists why (item or dimension)."""

    def __init__(self, problems: Sequence[PromotionProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(
            self.listing()
            + "\n"
            + "; ".join(self.advice())
            + "; or promote anyway with --force --reason TEXT (the reason is kept in the audit "
            "log)"
        )

    def advice(self) -> list[str]:
        """What to do about the problems found, one piece of advice per kind of problem (in
        the command line's words), so that each refusal gets advice that fits it."""
        kinds = {problem.kind for problem in self.problems}
        advice = []
        if "too_few_answers" in kinds:
            advice.append(
                "recalibrate, leaving out the items with too few answers (sjt calibrate "
                "--min-answers N --carry-over ACTIVE.json keeps their current parameters)"
            )
        if any(kind.startswith("implausible") for kind in kinds):
            advice.append(
                "check the items with implausible parameters (their data and key) and "
                "recalibrate with the default priors or without them"
            )
        if "not_linkable" in kinds:
            advice.append(
                "for linking, calibrate with the active version's item model and at least "
                f"{MIN_COMMON_ITEMS} items in common with it per competency, or promote "
                "without linking (--no-link) and re-norm (sjt model renorm)"
            )
        known = {"too_few_answers", "not_linkable"}
        if any(kind not in known and not kind.startswith("implausible") for kind in kinds):
            advice.append(
                "recalibrate until the calibration converges without fatal problems (see the "
                "problems sjt calibrate printed: more data, --max-iter, the default priors)"
            )
        return advice

    def listing(self) -> str:
        """The refusal and its problems (the first 20), without advice on what to do: the
        command line and the workbench each give their own."""
        lines = "\n".join(f"  {problem.message}" for problem in self.problems[:20])
        more = len(self.problems) - 20
        return f"promotion refused: {len(self.problems)} problem(s)\n{lines}" + (
            f"\n  … and {more} more" if more > 0 else ""
        )


def _reference_norms(
    document: ModelDocument, active: StoredModel, linking: LinkingResult
) -> tuple[dict[str, NormSection], NormReference]:
    """Norms and ``norm_reference`` of a version linked to ``active``.

    The active version's tables describe its reference sample on the active scale; the new
    parameters were moved onto that scale (θ_active = A θ_new + B), so the tables apply as
    they are. A dimension the active version has no norms for keeps the file's own table,
    moved by the linking constants, and is named in ``own_norms``.
    """
    active_norms, own_norms = active.document.norms or {}, document.norms or {}
    norms: dict[str, NormSection] = {}
    own = []
    for dimension in document.dimensions:
        if dimension in active_norms:
            norms[dimension] = active_norms[dimension]
        elif dimension in own_norms and dimension in linking.slope:
            section = own_norms[dimension]
            moved = section.table().linked(linking.slope[dimension], linking.intercept[dimension])
            norms[dimension] = NormSection.from_table(moved, synthetic=section.synthetic)
            own.append(dimension)
    carried = reference_of(active.document)
    reference = carried.model_copy(
        update={
            "defined_in": carried.defined_in or active.label,
            "carried_from": active.label,
            "own_norms": tuple(own) or None,
        }
    )
    return norms, reference


def activate(store: Store, label: str, actor: str, note: str) -> None:
    """Make an existing version active again (the other versions stay stored)."""
    if not store.activate_model_version(label):
        raise AssessmentError(f"no model version called {label!r}")
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
        for entry in AuditLog(store).entries(("model.promote", "model.renorm", "model.activate"))
        if entry.target in labels
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


def same_scale_versions(store: Store, version_id: int) -> set[int]:
    """Ids of the versions whose θ shares the scale of ``version_id``: itself and every version
    linked or re-normed to it or from it, directly or through others (a version promoted
    without linking starts a scale of its own). A version whose JSON is unreadable is left
    out."""
    neighbours: dict[str, set[str]] = {}
    ids: dict[str, int] = {}
    for version in store.model_versions():
        ids[version.label] = version.id
        try:
            stored = store.model_document(version.id)
        except DataFileError:
            continue
        document = stored.document if stored else None
        if document is None:
            continue
        parents = {document.linking.linked_to if document.linking else None}
        parents.add(document.renormed_from)
        for parent in parents - {None}:
            neighbours.setdefault(version.label, set()).add(str(parent))
            neighbours.setdefault(str(parent), set()).add(version.label)
    start = next((label for label, id_ in ids.items() if id_ == version_id), None)
    if start is None:
        return set()
    found, pending = {start}, [start]
    while pending:
        for label in neighbours.get(pending.pop(), set()) - found:
            found.add(label)
            pending.append(label)
    return {ids[label] for label in found if label in ids}


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
    candidate_ids: tuple[str, ...] = ()
    """The candidate of each row (session) of ``data``."""
    excluded_synthetic: int = 0
    """Sessions of synthetic demo candidates left out (only when the filter leaves them out)."""
    forms: tuple[str, ...] = ()
    """The form (adaptive or fixed) each row's session took, as the session records it."""
    is_synthetic: tuple[bool, ...] = ()
    """Whether each row is a session of a synthetic demo candidate."""

    @property
    def synthetic(self) -> int:
        """Rows that are sessions of synthetic demo candidates (0 when the filter leaves them
        out)."""
        return sum(self.is_synthetic)


def collected_responses(
    store: Store, bank: ItemBank, chosen: SessionFilter = UNFLAGGED_SESSIONS
) -> CollectedData:
    """Responses of the completed sessions ``chosen`` as a matrix over the bank's scored items
    (by default: sessions without data-quality flags, synthetic demo candidates included)."""
    return _as_matrix(completed_answers(store, chosen), bank)


def _as_matrix(stored: CompletedAnswers, bank: ItemBank) -> CollectedData:
    """The stored answers as a matrix over the bank's scored items (``collected_responses``)."""
    specs = item_specs(bank)
    column = {spec.item_id: j for j, spec in enumerate(specs)}
    ids = stored.session_ids
    position = {session_id: n for n, session_id in enumerate(ids)}
    matrix = np.full((len(ids), len(specs)), MISSING, dtype=np.int64)
    for answer in stored.answers:
        if answer.item_id not in bank:
            continue
        picked = scored_responses(bank[answer.item_id], answer.most, answer.least)
        for scored_id, option in picked.items():
            j = column[scored_id]
            matrix[position[answer.session_id], j] = specs[j].codes.index(option)
    dimensions = tuple(dict.fromkeys(spec.dimension for spec in specs))
    data = ResponseMatrix(matrix, specs, dimensions)
    return CollectedData(
        ids, data, stored.excluded_flagged, stored.candidate_ids, stored.excluded_synthetic,
        stored.forms, stored.is_synthetic,
    )  # fmt: skip


def aligned_as_delivered(data: ResponseMatrix, model: ModelParameters) -> ResponseMatrix:
    """``data`` as delivery scores it under ``model``: the ``.most`` and ``.least`` columns of
    every most_least item the model scores jointly joined into one answer, then aligned to the
    model's items. Raises ``ScoringError`` naming the row where one part is missing or both
    parts name the same option."""
    return align_to_model(join_most_least(data, only=joint_item_ids(model)), model)


def rescore(store: Store, bank: ItemBank, label: str | None = None, actor: str = "cli") -> int:
    """Score every completed session with a version (default: the active one).

    Old scores stay in the table as history; the new ones become current. The data-quality
    flags that depend on the model (person misfit, the evidence against random picking) are
    computed again under the version, so a profile never pairs new scores with the old
    model's verdict on the answers. Returns the number of sessions rescored.
    """
    model = store.model_document_by_label(label) if label else store.active_model_document()
    if model is None:
        raise AssessmentError(f"no model version {label!r}" if label else "no active version")
    stored = completed_answers(store, EVERY_COMPLETED_SESSION)
    collected = _as_matrix(stored, bank)
    if not collected.session_ids:
        return 0
    # As delivery scores: joint most/least items as one answer, under the model's N(0, R).
    data = aligned_as_delivered(collected.data, model.parameters)
    prior = LatentPrior(model.parameters.correlation, n_grid=CATPolicy().n_quad)
    estimate = score_eap_correlated(model.parameters, data, prior=prior)
    qualities = sessions_quality(stored, bank, model.parameters, data, collected)
    for n, session_id in enumerate(collected.session_ids):
        records = [
            score_record(model, competency, estimate.theta[n, d], estimate.se[n, d],
                         estimate.n_answered[n, d], collected.forms[n])
            for d, competency in enumerate(estimate.dimensions)
        ]  # fmt: skip
        posterior = posterior_record(
            estimate.dimensions, estimate.covariance[n], model.parameters.correlation,
            model.version_id,
        )  # fmt: skip
        store.replace_scores(session_id, records, posterior, qualities[n].stored())
    store.audit(actor, "model.rescore", model.label, {"sessions": len(collected.session_ids)})
    return len(collected.session_ids)


@dataclass(frozen=True)
class ScoresFromOtherVersions:
    """Tested candidates whose current scores a version other than the active one produced:
    after a promotion or a rollback they keep those scores until they are rescored."""

    active_label: str
    by_version: dict[str, int]
    """Per version label: completed sessions whose current scores it produced."""

    @property
    def count(self) -> int:
        """Completed sessions not scored by the active version."""
        return sum(self.by_version.values())

    def message(self, how_to_rescore: str) -> str:
        """Plain words for the staff member, ending with ``how_to_rescore``."""
        sources = ", ".join(
            f"{label} ({n})" if len(self.by_version) > 1 else label
            for label, n in self.by_version.items()
        )
        return (
            f"the current scores of {self.count} tested candidate"
            f"{'' if self.count == 1 else 's'} still come from {sources}, "
            f"not from the active {self.active_label}; {how_to_rescore}"
        )


def scores_from_other_versions(store: Store) -> ScoresFromOtherVersions | None:
    """Which versions produced the current scores that the active one did not (None without
    an active version)."""
    active = store.active_model_version()
    if active is None:
        return None
    labels = {version.id: version.label for version in store.model_versions()}
    by_version: dict[str, int] = {}
    for records in store.current_scores_of_completed().values():
        if records and records[0].model_version_id != active.id:
            label = labels.get(records[0].model_version_id, str(records[0].model_version_id))
            by_version[label] = by_version.get(label, 0) + 1
    return ScoresFromOtherVersions(active.label, by_version)


def sessions_quality(
    stored: CompletedAnswers,
    bank: ItemBank,
    model: ModelParameters,
    data: ResponseMatrix,
    collected: CollectedData,
) -> list[QualityFlags]:
    """The data-quality flags of every session of ``collected`` under ``model``, exactly as
    delivery judges one session (``quality_flags``), with the model's verdicts for all rows
    of ``data`` (``collected`` aligned to the model) in one pass. A session counts its
    answers to items the bank still holds as delivery does (a most/least item once);
    ``incomplete`` is as recorded when the session ended."""
    responses: dict[str, list[Response]] = {}
    for answer in stored.answers:
        if answer.item_id in bank:
            responses.setdefault(answer.session_id, []).append(
                Response(answer.item_id, answer.most, answer.least, answer.response_ms)
            )
    counts = answer_counts(collected.data)
    answered = np.flatnonzero(counts > 0)
    judged = model_fit_verdicts(model, data.subset(answered), counts[answered].tolist())
    verdicts = dict(zip(answered.tolist(), judged, strict=True))
    return [
        session_flags(
            responses.get(session_id, ()),
            verdicts.get(n, NO_ANSWERS_VERDICT),
            bool(stored.flags.get(session_id, {}).get("incomplete", False)),
        )
        for n, session_id in enumerate(collected.session_ids)
    ]


__all__ = [
    "CollectedData",
    "PromotionRefusedError",
    "ScoresFromOtherVersions",
    "VersionInfo",
    "activate",
    "align_to_model",
    "collected_responses",
    "list_versions",
    "promote",
    "rescore",
    "rollback",
    "same_scale_versions",
    "scores_from_other_versions",
]
