"""Assemble candidate profiles from the store: latest completed test → ``CandidateProfile``.

``profile_for_candidate`` reads the candidate, their latest completed session, its current
scores and the model version that produced them (norms and reliabilities from its JSON), and
hands plain values to ``build_profile``. ``render_candidate_pdf`` and ``profiles_zip`` add the
PDF step for downloads and batch exports.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from assessment.errors import DataFileError
from assessment.model_document import CompositeBasis, NormBasis
from assessment.persistence.results import latest_completed_result, real_unflagged_estimates
from assessment.persistence.store import Store, StoredModel
from assessment.session_values import (
    CompletedScores,
    Matrix,
    OverallRule,
    StoredPosterior,
    stored_evidence,
)
from assessment.vocabulary import QUALITY_FLAGS, language_problem, raised_flags
from items.models import COMPETENCIES
from reports.errors import ReportError
from reports.feedback import render_feedback_pdf
from reports.profile import (
    CandidateProfile,
    RoleProfile,
    build_profile,
    composite_and_band,
    norm_group_reference,
)
from reports.render import render_profile_pdf
from scoring.arrays import FloatArray
from scoring.composite import CompositeReference
from scoring.empirical_reliability import bootstrapped_reliability
from scoring.norms import NormTable

Reason = Literal["unknown", "not_completed"]
ZIP_DATE = (2026, 1, 1, 0, 0, 0)
"""Fixed member timestamp, so equal inputs give byte-identical ZIP files."""


class ProfileUnavailableError(ReportError, LookupError):
    """No profile can be made: the candidate is ``unknown`` or has ``not_completed`` a test."""

    def __init__(self, candidate_id: str, reason: Reason, status: str | None = None) -> None:
        self.candidate_id = candidate_id
        self.reason: Reason = reason
        shown = candidate_id[:60]
        if reason == "unknown":
            message = (
                f"no candidate has the id {shown!r}; check the id (the Candidates page and "
                "the scores export list every candidate id)"
            )
        else:
            state = f" (status: {status})" if status else ""
            message = (
                f"candidate {shown} has no completed test yet{state}; a profile can be made "
                "once the candidate has finished the test"
            )
        super().__init__(message)


MIN_CANDIDATES_FOR_RELIABILITY = 30
"""Real candidates with completed, unflagged tests scored with a model version before its
empirical reliability is printed (synthetic demo candidates and flagged sessions do not
count)."""


@dataclass(frozen=True)
class _ModelFacts:
    label: str
    norms: dict[str, NormTable]
    simulated: dict[str, dict[str, float]]
    """Reliability of each form as delivered from the version's simulation (the adaptive
    test's, and the fixed form's when the simulation kept it; may be empty)."""
    synthetic: bool
    correlation: FloatArray
    """Correlation of the norm group's estimates (``COMPETENCIES`` order), or the version's
    latent correlation in its place (``composite_basis``)."""
    composite_basis: CompositeBasis
    norm_basis: NormBasis
    """Whether ``norms`` come from estimates of the form the facts are for."""


def posterior_covariance(posterior: StoredPosterior | None, version_id: int) -> Matrix | None:
    """The posterior covariance for the composite's SE of a session's scores by
    ``version_id``: the one stored with the session when it belongs to those scores, else
    None (the SEs enter as a diagonal).

    The profile and the scores export both take it from here, so the profile score and the
    overall result in the export are the ones in the PDF.
    """
    if posterior is None or posterior.model_version_id not in (None, version_id):
        return None
    return posterior.covariance


def overall_rule(store: Store, role: RoleProfile | None = None) -> OverallRule:
    """The profile's composite and overall band for scores read outside a profile (the scores
    export, re-norming's preview, fairness): the same covariance (``posterior_covariance``),
    the same reference group (the scoring version's norm group, ``norm_group_reference``,
    unless the scores bring their own, as re-norming's preview of new norms does) and the
    same rule (``composite_and_band``) as ``profile_for_candidate``. Model versions are read
    once. The reference group is that of the form the scores come from (the version's
    ``norms`` when the form is not known)."""
    references: dict[tuple[int, str | None], CompositeReference] = {}

    def rule(scores: CompletedScores) -> tuple[float, str]:
        version, key = scores.model_version_id, (scores.model_version_id, scores.form)
        if key not in references:
            stored = store.model_document(version)
            if stored is None:  # pragma: no cover - the foreign key prevents it
                raise ReportError(f"the scoring model version {version} is missing")
            if scores.form is None:
                correlation, _ = stored.document.norm_group_correlation(COMPETENCIES)
                references[key] = norm_group_reference(stored.norms, correlation)
            else:
                found = stored.document.form_reference(scores.form, COMPETENCIES)
                references[key] = norm_group_reference(found.tables, found.correlation)
        return composite_and_band(
            scores.theta, scores.se, scores.t_scores, scores.flags, scores.evidence,
            posterior_covariance(scores.posterior, version),
            scores.reference or references[key], role,
        )  # fmt: skip

    return rule


def _model_facts(store: Store, version_id: int, form: str) -> _ModelFacts:
    """Norm tables for ``form`` and simulated reliabilities of a model version (the store
    parses it once)."""
    try:
        stored: StoredModel | None = store.model_document(version_id)
    except DataFileError as error:
        raise ReportError(f"cannot read the scoring model version: {error}") from None
    if stored is None:  # pragma: no cover - the foreign key prevents it
        raise ReportError(f"the scoring model version {version_id} is missing")
    reference = stored.document.form_reference(form, COMPETENCIES)
    label, norms = stored.label, reference.tables
    simulation = stored.document.simulation
    simulated: dict[str, dict[str, float]] = {}
    if simulation is not None:
        simulated["adaptive"] = dict(simulation.reliability)
        if simulation.fixed_reliability is not None:
            simulated["fixed"] = dict(simulation.fixed_reliability)
    synthetic = stored.document.synthetic
    missing = [c for c in COMPETENCIES if c not in norms]
    if missing:
        raise ReportError(
            f"model version {label} has no norm tables for {missing}; promote a model "
            "version with norms before making profiles"
        )
    return _ModelFacts(
        label, norms, simulated, synthetic, reference.correlation, reference.composite_basis,
        reference.norm_basis,
    )  # fmt: skip


def profile_for_candidate(
    store: Store,
    candidate_id: str,
    lang: str | None = None,
    role: RoleProfile | None = None,
) -> CandidateProfile:
    """The profile of a candidate's latest completed test.

    Parameters
    ----------
    lang : {"en", "zh"}, optional
        Language of the profile (default: the language the candidate took the test in).
    role : RoleProfile, optional
        Weights and cut scores of the overall summary (default: equal weights).

    Raises
    ------
    ProfileUnavailableError
        The candidate id is unknown, or the candidate has no completed test.
    ReportError
        The scores or their model version are unusable (no norms, missing competencies).
    """
    if lang is not None and (problem := language_problem(lang)):
        raise ReportError(problem)
    result = latest_completed_result(store, candidate_id)
    candidate, session = result.candidate, result.session
    if candidate is None:
        raise ProfileUnavailableError(str(candidate_id), "unknown")
    if session is None:
        status = result.latest_status or "not started"
        raise ProfileUnavailableError(candidate_id, "not_completed", status)
    scores = result.scores
    versions = {score.model_version_id for score in scores}
    if len(versions) != 1:
        raise ReportError(
            f"candidate {candidate_id}: the current scores of session {session.id} come "
            f"from {len(versions)} model versions; rescore the session"
        )
    version_id = versions.pop()
    facts = _model_facts(store, version_id, session.form)
    reliability = delivered_reliability(store, version_id, facts, session.form)
    by_competency = {score.competency: score for score in scores}
    missing = [c for c in COMPETENCIES if c not in by_competency]
    if missing:
        raise ReportError(f"candidate {candidate_id}: no current scores for {missing}")
    raised = raised_flags(session.flags)
    posterior = StoredPosterior.from_flags(session.flags, COMPETENCIES)
    completed = session.completed_at or session.started_at
    return build_profile(
        candidate_name=candidate.display_name or candidate.id,
        candidate_id=candidate.id,
        position=candidate.position or "—",
        test_date=completed.date(),
        language=lang or session.language,  # type: ignore[arg-type]
        test_language=session.language,  # type: ignore[arg-type]
        form=session.form,  # type: ignore[arg-type]
        n_items=result.n_items,
        model_version=facts.label,
        theta={c: by_competency[c].theta for c in COMPETENCIES},
        se={c: by_competency[c].se for c in COMPETENCIES},
        norms=facts.norms,
        reliability=reliability.values,
        reliability_source=reliability.source,
        reliability_n=reliability.n,
        reliability_intervals=reliability.intervals,
        role=role,
        flags=[flag for flag in raised if flag in QUALITY_FLAGS],
        covariance=posterior_covariance(posterior, version_id),
        correlation=facts.correlation.tolist(),
        evidence=stored_evidence(session.flags),
        composite_basis=facts.composite_basis,
        norm_basis=facts.norm_basis,
    )


@dataclass(frozen=True)
class DeliveredReliability:
    """The reliability printed in a profile: values per competency, where they come from
    (``reports.profile.RELIABILITY_SOURCES``) and, for real candidates' scores, how many
    sessions they rest on and their 90% bootstrap intervals."""

    values: dict[str, float]
    source: str
    n: int | None = None
    intervals: dict[str, tuple[float, float]] | None = None


def delivered_reliability(
    store: Store, version_id: int, facts: _ModelFacts, form: str
) -> DeliveredReliability:
    """Reliability of ``form`` as delivered under a model version, and where it comes from.

    Never pooled across forms: the adaptive test and the fixed form are different tests.
    Empirical reliability (``scoring.empirical_reliability``, du Toit 2003, p. 34) over the
    current scores of the version for sessions of ``form``, once at least
    ``MIN_CANDIDATES_FOR_RELIABILITY`` real candidates have completed that form without
    data-quality flags (``real_unflagged_estimates``: synthetic demo candidates and flagged
    sessions never count, so demo data is never presented as candidates and random responders
    do not lower the figure), with the number of sessions and a percentile bootstrap 90%
    interval (Efron & Tibshirani 1993, ch. 13), since 30 sessions leave it uncertain. Before
    that, the version's simulation of that form (``"simulation"`` in the model file, said to
    be synthetic for a synthetic model); without one (e.g. a calibrated version promoted
    without a simulation), ``"unavailable"``: no figure is printed, since the calibration's
    marginal reliability describes the whole bank, not the shorter test as delivered.
    """
    values = real_unflagged_estimates(store, version_id, form)
    if all(len(values.get(c, ())) >= MIN_CANDIDATES_FOR_RELIABILITY for c in COMPETENCIES):
        found = {}
        for c in COMPETENCIES:
            theta, se = np.array(values[c]).T
            found[c] = bootstrapped_reliability(theta, se)
        return DeliveredReliability(
            {c: r.value for c, r in found.items()},
            "candidates",
            min(r.n for r in found.values()),
            {c: (r.low, r.high) for c, r in found.items()},
        )
    simulated = facts.simulated.get(form, {})
    if all(c in simulated for c in COMPETENCIES):
        source = "synthetic_simulation" if facts.synthetic else "simulation"
        return DeliveredReliability(simulated, source)
    return DeliveredReliability({}, "unavailable")


def render_candidate_pdf(
    store: Store,
    candidate_id: str,
    lang: str | None = None,
    *,
    feedback: bool = False,
    role: RoleProfile | None = None,
) -> bytes:
    """The recruiter profile (or, with ``feedback``, the candidate's feedback report) as PDF."""
    profile = profile_for_candidate(store, candidate_id, lang, role)
    return render_feedback_pdf(profile) if feedback else render_profile_pdf(profile)


def pdf_file_name(candidate_id: str, *, feedback: bool = False) -> str:
    """``<candidate id>.pdf`` (``<candidate id>-feedback.pdf`` for the feedback report)."""
    safe = "".join(ch for ch in candidate_id if ch.isalnum() or ch in "-_") or "candidate"
    return f"{safe}-feedback.pdf" if feedback else f"{safe}.pdf"


def profiles_zip(
    store: Store,
    candidate_ids: Iterable[str],
    lang: str | None = None,
    *,
    feedback: bool = False,
) -> tuple[bytes, tuple[str, ...]]:
    """A ZIP of profile PDFs (plus feedback PDFs with ``feedback``) and the skipped ids.

    Candidates without a completed test (or unknown ids) are skipped, not errors.
    """
    buffer = io.BytesIO()
    skipped = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for candidate_id in candidate_ids:
            try:
                profile = profile_for_candidate(store, candidate_id, lang)
            except ProfileUnavailableError:
                skipped.append(candidate_id)
                continue
            pdfs = [(pdf_file_name(candidate_id), render_profile_pdf(profile))]
            if feedback:
                pdfs.append(
                    (pdf_file_name(candidate_id, feedback=True), render_feedback_pdf(profile))
                )
            for name, pdf in pdfs:
                archive.writestr(zipfile.ZipInfo(name, ZIP_DATE), pdf, zipfile.ZIP_DEFLATED)
    return buffer.getvalue(), tuple(skipped)


__all__ = [
    "ProfileUnavailableError",
    "pdf_file_name",
    "profile_for_candidate",
    "profiles_zip",
    "render_candidate_pdf",
]
