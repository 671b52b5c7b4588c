"""Fairness monitoring: voluntary group fields, adverse impact at the cut score, item DIF.

Group fields are optional, self-described and given after the test; they are stored apart
from scores, never shown to recruiters and used only in aggregate here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assessment.errors import AssessmentError
from assessment.persistence import groups
from assessment.persistence.store import Store
from assessment.psychometrics.versions import align_to_model, collected_responses
from items import COMPETENCIES, ItemBank
from scoring import score_eap
from scoring.adverse_impact import GroupImpact, adverse_impact
from scoring.dif import ItemDif, dif_analysis

GROUP_FIELDS: dict[str, tuple[str, ...]] = {
    "gender": ("woman", "man", "another gender", "prefer not to say"),
    "age_band": ("under 25", "25-39", "40-54", "55 or over", "prefer not to say"),
    "first_language": ("Chinese", "English", "another language", "prefer not to say"),
}
"""Voluntary fields offered after the test and their answer options."""
UNDISCLOSED = "prefer not to say"


def record_groups(store: Store, session_id: str, answers: dict[str, str]) -> int:
    """Store a candidate's voluntary group answers (once per field); returns how many."""
    stored = 0
    for field, value in answers.items():
        if field not in GROUP_FIELDS or value not in GROUP_FIELDS[field]:
            raise AssessmentError(f"unknown group field or value: {field}={value!r}")
        if groups.add_group_answer(store, session_id, field, value):
            stored += 1  # a field answered before keeps its first answer
    return stored


def group_labels(store: Store, session_ids: tuple[str, ...], field: str) -> list[str]:
    """Group value per session ('' where not given or undisclosed)."""
    answers = groups.group_answers(store, field)
    values = {session_id: value for session_id, value in answers.items() if value != UNDISCLOSED}
    return [values.get(session_id, "") for session_id in session_ids]


@dataclass(frozen=True)
class FairnessReport:
    field: str
    cut: float
    basis: str
    impact: list[GroupImpact]
    dif: list[ItemDif]
    n_sessions: int


def fairness_report(
    store: Store,
    bank: ItemBank,
    field: str,
    cut: float = 50.0,
    competency: str | None = None,
    with_dif: bool = True,
) -> FairnessReport:
    """Adverse impact at ``cut`` (T-score of one competency, or the mean T of all five) and
    item DIF by group, over completed sessions with a group answer."""
    if field not in GROUP_FIELDS:
        raise AssessmentError(f"unknown group field {field!r}; known: {sorted(GROUP_FIELDS)}")
    if competency is not None and competency not in COMPETENCIES:
        raise AssessmentError(f"unknown competency {competency!r}")
    collected = collected_responses(store, bank, include_flagged=True)
    labels = group_labels(store, collected.session_ids, field)
    keep = [n for n, label in enumerate(labels) if label]
    if len({labels[n] for n in keep}) < 2:
        raise AssessmentError(f"fewer than two groups have answered {field!r}")
    session_ids = tuple(collected.session_ids[n] for n in keep)
    t_scores = groups.current_t_scores(store, session_ids)
    basis = competency or "mean T of the five competencies"
    values = [
        t_scores[s][competency] if competency else float(np.mean(list(t_scores[s].values())))
        for s in session_ids
    ]
    impact = adverse_impact([labels[n] for n in keep], [v >= cut for v in values])
    dif: list[ItemDif] = []
    if with_dif:
        model = store.active_model_document()
        if model is None:
            raise AssessmentError("no active model version")
        data = align_to_model(
            collected.data.subset(np.array(keep, dtype=np.int64)), model.parameters
        )
        estimate = score_eap(model.parameters, data)
        matching = {d: estimate.theta[:, i] for i, d in enumerate(model.parameters.dimensions)}
        dif = dif_analysis(data, [labels[n] for n in keep], matching)
    return FairnessReport(field, cut, basis, impact, dif, len(session_ids))


def has_group_answers(store: Store, session_id: str) -> bool:
    """Whether the candidate has already answered (or declined) the voluntary questions."""
    return groups.has_group_answers(store, session_id)
