"""Re-norming: define a version's norm tables on a new, named reference sample.

Promotion keeps the reference norms (see ``versions``), so T-scores move only when θ moves.
Changing the reference sample is a decision of its own: ``preview_renorm`` scores the sample
with the active model, builds its norm tables (EAP estimates, as for a calibration sample)
and counts how many tested candidates would change band under them; ``apply_renorm`` then
stores the active parameters with the new tables as a new version, makes it active and
writes the sample, its size, the reason and the band changes to the audit log. Stored
scores change when the candidates are rescored (``sjt rescore``).

A norm table is a set of percentiles of the sample's θ; with fewer than ``MIN_NORM_SAMPLE``
respondents the tails (the 2nd and 98th percentiles that the bands of a T-score rest on) are
too noisy to define a scale on, so a smaller sample is refused unless the caller lowers the
minimum deliberately (the audit entry records the minimum used).

Poor-quality answers would widen or shift the tables (random picks pull θ towards the middle),
so every respondent of the sample is judged by the data-quality checks of delivery that need
only the answers (``assessment.delivery.quality.model_fit_verdicts``: person misfit and
answers like random picking, under the active model; timing cannot be judged from a response
file). Flagged respondents are left out, the preview says how many and why, and the minimum
applies to the respondents kept.

Norm tables are made per form (``assessment.psychometrics.form_norms``): EAP estimates of
the adaptive test and of the fixed form spread differently, so each form's candidates are
compared with the sample's estimates from that form. Each respondent's form is the one
recorded for them (the session's form for completed tests in the database, a response file's
``_form`` column); only where none is recorded is it judged from the answers: exactly the
fixed form's items is the fixed form, anything else the adaptive test. The adaptive test's
respondents make ``norms``, which needs the minimum. The fixed form's tables (``form_norms.fixed``)
come from the sample's fixed-form respondents when there are at least the minimum; otherwise
from the fixed form's answers simulated under the active model for one plausible value of
every kept respondent (``form_norms.NORM_SEED``), and the preview says so (both the
re-norming and ``sjt calibrate`` build the tables with ``form_norms.norms_by_form``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from assessment.delivery.quality import model_fit_verdicts
from assessment.errors import AssessmentError
from assessment.model_document import (
    EstimateCorrelation,
    FormNorms,
    NormReference,
    NormSection,
)
from assessment.persistence.store import Store
from assessment.psychometrics.form_norms import (
    MIN_NORM_SAMPLE,
    check_forms,
    norms_by_form,
    packaged_fixed_form,
)
from assessment.psychometrics.model_files import eap_estimates
from assessment.psychometrics.review import band_index
from assessment.psychometrics.versions import (
    aligned_as_delivered,
    next_version_label,
    same_scale_versions,
)
from assessment.session_values import (
    CompletedScores,
    OverallRule,
    StoredPosterior,
    stored_evidence,
)
from assessment.text_rules import one_line_problem
from assessment.vocabulary import QUALITY_FLAGS, raised_flags
from items.models import COMPETENCIES
from scoring import MISSING, ResponseMatrix
from scoring.composite import CompositeReference
from scoring.norms import NormTable

MAX_SAMPLE_NAME = 80
"""Longest reference-sample name: reports print it (with its size) on one line."""

FLAG_REASONS = {
    "person_misfit": "fit the model poorly (person misfit lz*, or more probable under random "
    "picks)",
    "random_like": "cannot be told apart from random picking",
}
"""Why a data-quality flag leaves a respondent out of a norm sample, in words."""


@dataclass(frozen=True)
class RenormPreview:
    """What re-norming the active version on ``sample`` would do, before it is done."""

    active_label: str
    sample: str
    n: int
    date: str
    tables: dict[str, NormTable]
    """The new norm tables, by dimension."""
    old_tables: dict[str, NormTable]
    correlation: EstimateCorrelation
    """Correlation of the sample's estimates (the composite's reference with ``tables``)."""
    n_candidates: int
    """Tested candidates whose current scores are on the active version's scale."""
    band_changes: dict[str, int]
    """Per competency: candidates whose band (low/typical/high) would change."""
    any_band_changes: int
    """Candidates with a band change on at least one competency."""
    overall_changes: int | None
    """Candidates whose overall band would change (None without an overall rule)."""
    minimum: int = MIN_NORM_SAMPLE
    """The smallest sample size that was accepted for this preview."""
    left_out: int = 0
    """Respondents left out of the norm sample for data-quality flags."""
    left_out_flags: dict[str, int] = field(default_factory=dict)
    """Per data-quality flag: the left-out respondents that raised it (one can raise two)."""
    fixed: FormNorms | None = None
    """The fixed form's norm tables (``form_norms.fixed`` of the new version)."""
    n_fixed: int = 0
    """Kept respondents who took the fixed form."""
    forms_judged: int = 0
    """Kept respondents with no recorded form, whose form was judged from their answers."""
    synthetic: int | None = None
    """Kept respondents who are synthetic demo candidates (None: not known, as for a
    response file)."""
    synthetic_fixed: int = 0
    """Of ``synthetic``, those who took the fixed form."""
    synthetic_candidates: int = 0
    """Of the ``n_candidates`` tested candidates, the synthetic demo candidates."""

    def sample_size(self) -> str:
        """The sample's size, saying how many of its respondents are synthetic."""
        return f"n={self.n}{_synthetic_part(self.synthetic)}"

    def forms_line(self) -> str:
        """Where the respondents' forms come from (recorded, or judged from the answers)."""
        rule = "exactly the fixed form's items: the fixed form; otherwise the adaptive test"
        if not self.forms_judged:
            return "Forms: as recorded for every respondent"
        if self.forms_judged == self.n:
            return f"Forms: not recorded, judged from the answered items ({rule})"
        return (
            f"Forms: recorded for {self.n - self.forms_judged} respondents, judged from the "
            f"answered items for {self.forms_judged} ({rule})"
        )

    def fixed_line(self) -> str:
        """Where the fixed form's norm tables come from."""
        if self.fixed is None:
            return "The fixed form has no norm tables of its own"
        if self.fixed.method == "respondents":
            return (
                f"Fixed form: norm tables of the sample's {self.n_fixed} fixed-form respondents"
                f"{_synthetic_part(self._fixed_synthetic())}"
            )
        return (
            f"Fixed form: only {self.n_fixed} respondents took it (fewer than {self.minimum}); "
            "its norm tables are the fixed form's answers simulated under "
            f"{self.active_label} for a plausible value of each of the {self.n} respondents"
            f"{_synthetic_part(self.synthetic)}"
        )

    def _fixed_synthetic(self) -> int | None:
        return None if self.synthetic is None else self.synthetic_fixed

    def _adaptive_synthetic(self) -> int | None:
        return None if self.synthetic is None else self.synthetic - self.synthetic_fixed

    def form_lines(self) -> list[str]:
        """Where the forms come from and each form's norm sample."""
        return [
            self.forms_line(),
            f"Adaptive test: norm tables of {self.n - self.n_fixed} respondents"
            f"{_synthetic_part(self._adaptive_synthetic())}",
            self.fixed_line(),
        ]

    def left_out_line(self) -> str:
        """How many respondents the data-quality checks left out, and why."""
        if not self.left_out:
            return (
                f"No respondent was left out by the data-quality checks under {self.active_label}"
            )
        reasons = ", ".join(
            f"{count} {FLAG_REASONS.get(flag, flag)}" for flag, count in self.left_out_flags.items()
        )
        return (
            f"Left out {self.left_out} of {self.n + self.left_out} respondents whose answers "
            f"fail the data-quality checks under {self.active_label}: {reasons}"
        )

    def band_changes_line(self) -> str:
        """How many tested candidates (saying how many are synthetic) would change band."""
        overall = (
            "" if self.overall_changes is None
            else f"; {self.overall_changes} would change overall band"
        )  # fmt: skip
        return (
            f"{self.any_band_changes} of {self.n_candidates} tested candidates"
            f"{_synthetic_part(self.synthetic_candidates)} would change band on at least one "
            f"competency{overall}"
        )

    def rows(self) -> list[dict[str, str | float | int | None]]:
        """Per competency: the norm mean and SD, current and new, and the band changes."""
        out: list[dict[str, str | float | int | None]] = []
        for dimension, table in self.tables.items():
            old = self.old_tables.get(dimension)
            out.append({
                "competency": dimension,
                "mean now": old.mean if old else None, "mean new": table.mean,
                "sd now": old.sd if old else None, "sd new": table.sd,
                "band changes": self.band_changes.get(dimension, 0),
            })  # fmt: skip
        return out

    def lines(self) -> list[str]:
        """The preview as text: the tables' mean and SD, old and new, and the band changes."""
        out = [
            f"re-norm {self.active_label} on {self.sample!r} ({self.sample_size()}, {self.date})",
            f"  {'competency':<22} {'mean old':>9} {'new':>7} {'sd old':>7} {'new':>7} "
            f"{'band changes':>13}",
        ]
        for row in self.rows():
            old_mean = "-" if row["mean now"] is None else f"{row['mean now']:.3f}"
            old_sd = "-" if row["sd now"] is None else f"{row['sd now']:.3f}"
            out.append(
                f"  {row['competency']:<22} {old_mean:>9} {row['mean new']:>7.3f} {old_sd:>7} "
                f"{row['sd new']:>7.3f} {row['band changes']:>13}"
            )
        out.append(self.band_changes_line())
        out.insert(1, f"  {self.left_out_line()}")
        out[2:2] = [f"  {line}" for line in self.form_lines()]
        return out


def _synthetic_part(n_synthetic: int | None) -> str:
    """The words " (k of them synthetic demo candidates)" when any are; nothing when none
    are or it is not known."""
    if not n_synthetic:
        return ""
    return f" ({n_synthetic} of them synthetic demo candidates)"


def preview_renorm(
    store: Store,
    sample: ResponseMatrix,
    name: str,
    overall: OverallRule | None = None,
    date: dt.date | None = None,
    minimum: int = MIN_NORM_SAMPLE,
    fixed_form: Collection[str] | None = None,
    forms: Sequence[str | None] | None = None,
    synthetic: Sequence[bool] | None = None,
) -> RenormPreview:
    """Norm tables of ``sample`` per form under the active model and the band changes they
    would cause (module docstring).

    ``name`` names the reference sample (for example "applicants 2027 Q1"); it is stored
    with the tables and shown on reports. A sample with fewer than ``minimum`` respondents
    of the adaptive test (at least 2) is refused. ``forms`` gives the form each row of
    ``sample`` took (None: not recorded); a row without one is judged from its answers
    against ``fixed_form``, the fixed form's items (default: the packaged form,
    ``items.forms.load_fixed_form``). ``synthetic`` says which rows are synthetic demo
    candidates (None: not known), so that the preview's counts say how many are.
    """
    if not name.strip():
        raise AssessmentError("name the reference sample (for example 'applicants 2027 Q1')")
    if problem := one_line_problem("the reference sample's name", name, MAX_SAMPLE_NAME):
        raise AssessmentError(f"{problem}: every profile prints it on one line")
    model = store.active_model_document()
    if model is None:
        raise AssessmentError("there is no active model version to re-norm")
    recorded = _recorded_forms(forms, sample.n_candidates)
    if synthetic is not None and len(synthetic) != sample.n_candidates:
        raise AssessmentError(
            f"{len(synthetic)} synthetic markers for a sample of {sample.n_candidates} respondents"
        )
    data = aligned_as_delivered(sample, model.parameters)
    n_answers = (data.responses != MISSING).sum(axis=1)
    answered = np.flatnonzero(n_answers > 0)
    verdicts = model_fit_verdicts(model.parameters, data.subset(answered), n_answers[answered])
    flagged = np.array([bool(v.raised) for v in verdicts], dtype=bool)
    kept = answered[~flagged]
    left_out = Counter(flag for v in verdicts for flag in v.raised)
    if kept.size < max(minimum, 2):
        raise AssessmentError(
            f"the sample {name!r} has {kept.size} respondent(s) with answers to the model's "
            f"items that pass the data-quality checks ({int(flagged.sum())} left out); a "
            f"reference sample needs at least {max(minimum, 2)} "
            f"(the documented minimum is {MIN_NORM_SAMPLE})"
        )
    form_items = set(packaged_fixed_form() if fixed_form is None else fixed_form)
    judged = recorded[kept] == ""
    took_fixed = np.where(
        judged, _took_form(data.subset(kept), form_items, model.parameters.item_ids),
        recorded[kept] == "fixed",
    )  # fmt: skip
    adaptive = kept[~took_fixed]
    if adaptive.size < max(minimum, 2):
        raise AssessmentError(
            f"the sample {name!r} has {adaptive.size} respondent(s) of the adaptive test that "
            f"pass the data-quality checks ({int(took_fixed.sum())} took the fixed form); the "
            f"adaptive test's norm tables need at least {max(minimum, 2)} "
            f"(the documented minimum is {MIN_NORM_SAMPLE})"
        )
    estimate = eap_estimates(model.parameters, data.subset(kept))
    by_form = norms_by_form(
        model.parameters, estimate, took_fixed, name.strip(), form_items, minimum
    )
    tables, correlation, fixed = by_form.tables, by_form.correlation, by_form.fixed
    new = {
        "adaptive": _Reference(tables, correlation),
        "fixed": _Reference(
            {d: s.table() for d, s in fixed.norms.items()}, fixed.estimate_correlation
        ),
    }
    thetas = _current_thetas(store, model.version_id)
    tested_forms = [row.form for row in thetas]
    old = {
        form: _Reference(found.tables, None, found.correlation)
        for form in set(tested_forms)
        for found in [model.document.form_reference(form, COMPETENCIES)]
    }
    changes: dict[str, int] = {}
    any_change = np.zeros(len(thetas), dtype=bool)
    old_t: dict[str, np.ndarray] = {}
    new_t: dict[str, np.ndarray] = {}
    for dimension in tables:
        values = np.array([row.theta.get(dimension, np.nan) for row in thetas], dtype=float)
        new_t[dimension] = _t_scores(values, tested_forms, new, dimension)
        if not all(dimension in old[form].tables for form in old):
            continue
        old_t[dimension] = _t_scores(values, tested_forms, old, dimension)
        changed = band_index(old_t[dimension]) != band_index(new_t[dimension])
        changed &= np.isfinite(values)
        changes[dimension] = int(changed.sum())
        any_change |= changed
    overall_changes = None
    if overall is not None:
        overall_changes = sum(
            _overall_band(thetas[n], old_t, n, overall)
            != _overall_band(thetas[n], new_t, n, overall, new[tested_forms[n]].composite())
            for n in range(len(thetas))
        )
    return RenormPreview(
        active_label=model.label,
        sample=name.strip(),
        n=int(kept.size),
        date=(date or dt.datetime.now(dt.UTC).date()).isoformat(),
        tables=tables,
        old_tables=dict(model.norms),
        correlation=correlation,
        n_candidates=len(thetas),
        band_changes=changes,
        any_band_changes=int(any_change.sum()),
        overall_changes=overall_changes,
        minimum=max(minimum, 2),
        left_out=int(flagged.sum()),
        left_out_flags={flag: left_out[flag] for flag in QUALITY_FLAGS if left_out[flag]},
        fixed=fixed,
        n_fixed=int(took_fixed.sum()),
        forms_judged=int(judged.sum()),
        synthetic=None if synthetic is None else int(np.asarray(synthetic, bool)[kept].sum()),
        synthetic_fixed=(
            0 if synthetic is None else int(np.asarray(synthetic, bool)[kept][took_fixed].sum())
        ),
        synthetic_candidates=sum(row.synthetic for row in thetas),
    )


def _recorded_forms(forms: Sequence[str | None] | None, n: int) -> NDArray[np.str_]:
    """Each row's recorded form ("" where none is recorded); refuses a list of the wrong
    length or an unknown form."""
    if forms is None:
        return np.full(n, "")
    check_forms(forms, n)
    return np.array([form or "" for form in forms], dtype=str)


def _took_form(
    data: ResponseMatrix, form_items: set[str], item_ids: tuple[str, ...]
) -> NDArray[np.bool_]:
    """Respondents whose answered items are exactly the form's items."""
    in_form = np.array([item_id in form_items for item_id in item_ids], dtype=bool)
    answered = data.responses != MISSING
    return np.asarray((answered == in_form[None, :]).all(axis=1))


@dataclass(frozen=True)
class _Reference:
    """One form's norm tables with the correlation of its estimates (or the matrix itself)."""

    tables: Mapping[str, NormTable]
    correlation: EstimateCorrelation | None
    matrix: np.ndarray | None = None

    def composite(self) -> CompositeReference | None:
        """The composite's reference group (None without a table for every competency)."""
        if not all(c in self.tables for c in COMPETENCIES):
            return None  # the rule has no band without a norm table for every competency
        matrix = self.matrix
        if matrix is None and self.correlation is not None:
            matrix = self.correlation.matrix(COMPETENCIES)
        return CompositeReference.of_norm_group([self.tables[c] for c in COMPETENCIES], matrix)


def _t_scores(
    theta: np.ndarray, forms: list[str], references: Mapping[str, _Reference], dimension: str
) -> np.ndarray:
    """Each candidate's T-score on ``dimension`` by the norm table of their form."""
    out = np.full(theta.shape, np.nan)
    for form, reference in references.items():
        rows = np.array([f == form for f in forms], dtype=bool)
        if rows.any():
            out[rows] = reference.tables[dimension].t_score(theta[rows])
    return out


@dataclass(frozen=True)
class _CurrentScores:
    """One candidate's current scores with what the overall rule needs besides the norms."""

    theta: dict[str, float]
    se: dict[str, float]
    version_id: int
    form: str
    flags: tuple[str, ...] = ()
    evidence: float | None = None
    posterior: StoredPosterior | None = None
    synthetic: bool = False


def _current_thetas(store: Store, version_id: int) -> list[_CurrentScores]:
    """θ by competency of every tested candidate whose current scores share the active scale
    (scored by a version linked or re-normed to or from it, directly or through others)."""
    same_scale = same_scale_versions(store, version_id)
    states = store.completed_session_states()
    out = []
    for session_id, records in store.current_scores_of_completed().items():
        if records and records[0].model_version_id in same_scale:
            state = states[session_id]
            stored = state.flags
            out.append(
                _CurrentScores(
                    {r.competency: r.theta for r in records},
                    {r.competency: r.se for r in records},
                    records[0].model_version_id,
                    state.form,
                    raised_flags(stored),
                    stored_evidence(stored),
                    StoredPosterior.from_flags(stored, COMPETENCIES),
                    state.synthetic,
                )
            )
    return out


def _overall_band(
    current: _CurrentScores,
    t: Mapping[str, np.ndarray],
    n: int,
    overall: OverallRule,
    reference: CompositeReference | None = None,
) -> str | None:
    """The candidate's overall band with T-scores ``t`` (old or new norms), by the profile's
    rule with the session's flags, evidence and stored posterior. The composite refers to the
    same norm group as ``t``: with new norms ``reference`` is that group, otherwise the rule
    uses the scoring version's norm group, as the profile does."""
    scores = {dimension: float(values[n]) for dimension, values in t.items()}
    if not scores or not all(np.isfinite(list(scores.values()))):
        return None
    try:
        return overall(
            CompletedScores(
                current.theta, current.se, scores, current.flags, current.evidence,
                current.posterior, current.version_id, reference, current.form,
            )
        )[1]  # fmt: skip
    except KeyError:  # a competency the rule weighs has no score
        return None


def apply_renorm(
    store: Store, preview: RenormPreview, actor: str, reason: str, label: str | None = None
) -> int:
    """Store the active version's parameters with the previewed norm tables as a new active
    version; returns its id. The audit entry names the sample, its size, the reason and the
    band changes the preview counted."""
    if not reason.strip():
        raise AssessmentError("a reason for re-norming is required (kept in the audit log)")
    version = store.active_model_document()
    if version is None or version.label != preview.active_label:
        raise AssessmentError(
            f"the active version changed since the preview (it was {preview.active_label}); "
            "preview the re-norming again"
        )
    existing = {v.label for v in store.model_versions()}
    label = label or next_version_label(existing)
    if label in existing:
        raise AssessmentError(f"a model version called {label!r} already exists")
    document = version.document.with_changes(
        norms={d: NormSection.from_table(t) for d, t in preview.tables.items()},
        norm_reference=NormReference(
            sample=preview.sample, n=preview.n, date=preview.date, defined_in=label,
            reason=reason.strip(), estimate_correlation=preview.correlation, form="adaptive",
        ),
        form_norms={"fixed": preview.fixed} if preview.fixed is not None else None,
        renormed_from=version.label,
        version=None,
    )  # fmt: skip
    note = f"re-normed on {preview.sample} (n={preview.n}): {reason}"
    version_id = store.add_model_version(
        label, document, created_by=actor, note=note, activate=True
    )
    store.audit(actor, "model.renorm", label, {
        "reason": reason, "sample": preview.sample, "n": preview.n, "date": preview.date,
        "from": version.label, "version_id": version_id, "minimum": preview.minimum,
        "band_changes": preview.band_changes, "candidates": preview.n_candidates,
        "any_band_changes": preview.any_band_changes,
        "overall_changes": preview.overall_changes, "left_out": preview.left_out,
        "left_out_flags": preview.left_out_flags, "n_fixed": preview.n_fixed,
        "fixed_method": preview.fixed.method if preview.fixed is not None else None,
        "forms_judged": preview.forms_judged, "synthetic": preview.synthetic,
        "synthetic_fixed": preview.synthetic_fixed,
        "synthetic_candidates": preview.synthetic_candidates,
    })  # fmt: skip
    return version_id


__all__ = ["MIN_NORM_SAMPLE", "RenormPreview", "apply_renorm", "preview_renorm"]
