"""Fairness monitoring: voluntary group fields, adverse impact of the decisions, item DIF.

Adverse impact is computed by default on the decision recruiters see: the overall result of
the candidates' profiles, decided by the profile's own rule (passed in as an ``OverallRule``,
since ``assessment`` may not import ``reports``) with what each session stores. A plain T cut
(``CutRule``) stays available to compare cut scores.

Group fields are optional, self-described and given after the test; they are stored apart
from scores, never shown to recruiters and used only in aggregate here.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field

import numpy as np

from assessment.errors import AssessmentError
from assessment.persistence import groups
from assessment.persistence.answers import EVERY_COMPLETED_SESSION
from assessment.persistence.store import Store
from assessment.psychometrics.versions import align_to_model, collected_responses
from assessment.session_values import (
    CompletedScores,
    OverallRule,
    StoredPosterior,
    stored_evidence,
)
from assessment.vocabulary import raised_flags
from items import COMPETENCIES, ItemBank
from scoring import score_eap
from scoring.adverse_impact import SMALL_GROUP, GroupImpact, adverse_impact
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


OVERALL_BANDS: tuple[str, ...] = (
    "recommended",
    "with_care",
    "borderline",
    "review",
    "not_a_match",
)
"""The overall results of the profiles (``reports.profile.OverallBand``), in display order."""
DECISION_BASIS = "overall result of the profiles"
SELECTIONS: tuple[tuple[str, frozenset[str]], ...] = (
    ("recommended", frozenset({"recommended"})),
    ("recommended or with care", frozenset({"recommended", "with_care"})),
)
"""(name, overall results that count as selected) of the decision analysis: borderline,
review and not_a_match never count."""


@dataclass(frozen=True)
class CutRule:
    """The plain T-score cut: selected when T ≥ ``cut`` on one competency, or on the mean T of
    the five when ``competency`` is None. Not the decision recruiters see (that is the
    profile's overall result); kept to compare cut scores."""

    cut: float = 50.0
    competency: str | None = None

    @property
    def basis(self) -> str:
        """What the cut is applied to, in words."""
        return self.competency or "mean T of the five competencies"

    def selected(self, t_scores: dict[str, float]) -> bool:
        """Whether T-scores (competency → T) pass the cut."""
        if self.competency is not None:
            return t_scores[self.competency] >= self.cut
        return float(np.mean(list(t_scores.values()))) >= self.cut


@dataclass(frozen=True)
class SelectionImpact:
    """Adverse impact of one definition of "selected" (``selection`` names it)."""

    selection: str
    impact: tuple[GroupImpact, ...]


@dataclass(frozen=True)
class FairnessReport:
    """Adverse impact by a group field, with the facts needed to read it honestly.

    Attributes
    ----------
    basis : str
        ``DECISION_BASIS`` (the profiles' overall results) or the T cut's basis.
    selections : tuple of SelectionImpact
        Decision basis: "recommended", then "recommended or with care"; cut basis: one.
    band_counts : dict
        Group → overall result → sessions (decision basis only; empty for a cut).
    n_sessions : int
        Completed sessions with a group answer and complete current scores.
    n_unscored : int
        Sessions with a group answer left out for want of complete current scores.
    n_synthetic : int
        Sessions of synthetic demo candidates among ``n_sessions``.
    synthetic_model : bool
        The active scoring model is synthetic (not calibrated on real candidates).
    dif_left_out : int
        Items not compared for DIF because two groups have not both answered them.
    """

    field: str
    basis: str
    selections: tuple[SelectionImpact, ...]
    dif: list[ItemDif]
    n_sessions: int
    cut: float | None = None
    band_counts: dict[str, dict[str, int]] = dataclass_field(default_factory=dict)
    n_unscored: int = 0
    n_synthetic: int = 0
    synthetic_model: bool = False
    dif_left_out: int = 0
    """Items of the model not compared for DIF: no answers from two of the groups."""

    @property
    def impact(self) -> tuple[GroupImpact, ...]:
        """The first selection's impact ("recommended" on the decision basis)."""
        return self.selections[0].impact

    @property
    def caveats(self) -> tuple[str, ...]:
        """What a reader must know before reading the rates, in sentences."""
        out = []
        if self.basis == DECISION_BASIS:
            out.append(
                "Selected means the overall result on the candidates' profiles (the same rule, "
                "cut scores and stored posterior as the PDFs); borderline, review and not a "
                "match count as not selected, though a recruiter may still interview "
                "borderline and review candidates. Each completed session counts once (a "
                "candidate who took the test twice counts twice; the profile shows the latest)."
            )
        else:
            out.append(
                f"A plain cut T >= {self.cut:g} on {self.basis} is not the decision recruiters "
                "see (the profile's overall result); use it to compare cut scores."
            )
        if any(g.small for selection in self.selections for g in selection.impact):
            out.append(
                f"Groups marked small have fewer than {SMALL_GROUP} members or an expected "
                "count below 5: their rates, ratios and p-values are unstable, and the "
                "four-fifths rule cannot be read from them."
            )
        if self.n_synthetic:
            out.append(
                f"{self.n_synthetic} of the {self.n_sessions} sessions are synthetic demo "
                "candidates: these figures describe simulated data, not real candidates."
            )
        if self.synthetic_model:
            out.append(
                "The active scoring model is synthetic (not calibrated on real candidates): "
                "T-scores and overall results are illustrative."
            )
        if self.n_unscored:
            out.append(
                f"{self.n_unscored} session(s) with a group answer have no complete current "
                "scores and are left out (run sjt rescore)."
            )
        return tuple(out)


def _t_scores(result: groups.SessionResult) -> dict[str, float] | None:
    """Competency → current T-score of a session; None unless all five have one."""
    found = {s.competency: s.t_score for s in result.scores if s.t_score is not None}
    return {c: found[c] for c in COMPETENCIES} if set(COMPETENCIES) <= set(found) else None


def _overall_result(
    result: groups.SessionResult, t_scores: dict[str, float], overall: OverallRule
) -> str:
    """A session's overall result by the profile's rule, with what the session stores (raised
    flags, evidence, posterior), as ``reports.assemble`` passes them to the profile."""
    by = {s.competency: s for s in result.scores}
    scores = CompletedScores(
        {c: by[c].theta for c in COMPETENCIES},
        {c: by[c].se for c in COMPETENCIES},
        t_scores,
        raised_flags(result.flags),
        stored_evidence(result.flags),
        StoredPosterior.from_flags(result.flags, COMPETENCIES),
        result.scores[0].model_version_id,
        form=result.form,
    )
    return overall(scores)[1]


def _decision_impact(
    labels: list[str], bands: list[str]
) -> tuple[tuple[SelectionImpact, ...], dict[str, dict[str, int]]]:
    """Impact of each of ``SELECTIONS`` and the overall results counted by group."""
    counts: dict[str, dict[str, int]] = {}
    for label, band in zip(labels, bands, strict=True):
        of_group = counts.setdefault(label, dict.fromkeys(OVERALL_BANDS, 0))
        of_group[band] = of_group.get(band, 0) + 1
    selections = tuple(
        SelectionImpact(name, tuple(adverse_impact(labels, [b in chosen for b in bands])))
        for name, chosen in SELECTIONS
    )
    return selections, dict(sorted(counts.items()))


def fairness_report(
    store: Store,
    bank: ItemBank,
    field: str,
    rule: OverallRule | CutRule,
    with_dif: bool = True,
) -> FairnessReport:
    """Adverse impact and item DIF by group, over completed sessions with a group answer.

    ``rule`` decides who counts as selected: the profile's overall rule
    (``reports.assemble.overall_rule``, passed in by callers that may import ``reports``; the
    decision recruiters see: "recommended", and "recommended or with care"), or a plain
    ``CutRule`` on T-scores.
    """
    if field not in GROUP_FIELDS:
        raise AssessmentError(f"unknown group field {field!r}; known: {sorted(GROUP_FIELDS)}")
    if isinstance(rule, CutRule) and rule.competency not in (None, *COMPETENCIES):
        raise AssessmentError(
            f"unknown competency {rule.competency!r}; known: {', '.join(COMPETENCIES)}"
        )
    collected = collected_responses(store, bank, EVERY_COMPLETED_SESSION)
    labels = group_labels(store, collected.session_ids, field)
    answered = [n for n, label in enumerate(labels) if label]
    results = groups.session_results(store, [collected.session_ids[n] for n in answered])
    t_by = {n: _t_scores(results[collected.session_ids[n]]) for n in answered}
    keep = [n for n in answered if t_by[n] is not None]
    found = sorted({labels[n] for n in keep})
    if len(found) < 2:
        raise AssessmentError(
            f"fewer than two groups have answered {field!r}: {len(keep)} of "
            f"{len(collected.session_ids)} completed tests have an answer and complete scores"
            + (f", all {found[0]!r}" if found else "")
            + ". Group answers are voluntary; comparing groups needs answers from at least two."
        )
    kept = [(results[collected.session_ids[n]], t_by[n] or {}) for n in keep]
    kept_labels = [labels[n] for n in keep]
    selections: tuple[SelectionImpact, ...]
    if isinstance(rule, CutRule):
        passed = [rule.selected(t) for _, t in kept]
        impact = tuple(adverse_impact(kept_labels, passed))
        selections = (SelectionImpact(f"T >= {rule.cut:g} on {rule.basis}", impact),)
        band_counts: dict[str, dict[str, int]] = {}
        basis, cut = rule.basis, rule.cut
    else:
        bands = [_overall_result(r, t, rule) for r, t in kept]
        selections, band_counts = _decision_impact(kept_labels, bands)
        basis, cut = DECISION_BASIS, None
    model = store.active_model_document()
    dif: list[ItemDif] = []
    dif_left_out = 0
    if with_dif:
        if model is None:
            raise AssessmentError("no active model version")
        data = align_to_model(
            collected.data.subset(np.array(answered, dtype=np.int64)), model.parameters
        )
        estimate = score_eap(model.parameters, data)
        matching = {d: estimate.theta[:, i] for i, d in enumerate(model.parameters.dimensions)}
        dif = dif_analysis(data, [labels[n] for n in answered], matching)
        dif_left_out = data.n_items - len(dif)
    return FairnessReport(
        field, basis, selections, dif, len(keep), cut, band_counts,
        n_unscored=len(answered) - len(keep),
        n_synthetic=sum(r.synthetic for r, _ in kept),
        synthetic_model=model is not None and model.document.synthetic,
        dif_left_out=dif_left_out,
    )  # fmt: skip


def has_group_answers(store: Store, session_id: str) -> bool:
    """Whether the candidate has already answered (or declined) the voluntary questions."""
    return groups.has_group_answers(store, session_id)
