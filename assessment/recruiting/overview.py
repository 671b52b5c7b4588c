"""The recruiter's view of candidates: the status overview, its filters, sorting and counts.

Plain functions over a ``Store``: ``candidate_overview`` builds a row per candidate from what
``assessment.persistence.roster`` reads (in a handful of queries). Invitations live in
``assessment.recruiting.invitations``, the CSV exports in ``assessment.recruiting.exports``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from assessment.clock import utcnow
from assessment.persistence.records import record_from
from assessment.persistence.roster import (
    CandidateFacts,
    InvitationFacts,
    Roster,
    SessionFacts,
    read_roster,
)
from assessment.persistence.store import ScoreRecord, Store
from assessment.session_values import (
    CompletedScores,
    OverallRule,
    StoredPosterior,
    stored_evidence,
)
from assessment.vocabulary import STATUSES, Status, raised_flags, status_problem
from items.models import COMPETENCIES


# ------------------------------------------------------------------ overview
@dataclass(frozen=True)
class CandidateRow:
    """One candidate with the state of their latest test, as the recruiter sees it.

    ``theta``, ``se``, ``t_scores`` and ``percentiles`` follow ``items.COMPETENCIES`` order and
    hold None unless the test is completed (or the model version has no norms).
    """

    candidate_id: str
    display_name: str | None
    email: str | None
    position: str | None
    synthetic: bool
    status: Status
    language: str
    form: str
    invited_at: dt.datetime | None
    expires_at: dt.datetime | None
    completed_at: dt.datetime | None
    session_id: str | None
    n_items: int
    theta: tuple[float | None, ...]
    se: tuple[float | None, ...]
    t_scores: tuple[float | None, ...]
    percentiles: tuple[float | None, ...]
    flags: tuple[str, ...]
    model_version: str | None
    purged: bool = False
    """The candidate's personal data (name, email, position) were removed by a purge."""
    evidence: float | None = None
    """Log Bayes factor of the scoring model against random picks for the session's answers
    (``random_log_odds`` of the data-quality check); a recommendation needs enough of it."""
    model_version_id: int | None = None
    """The version that produced the scores shown (None without scores)."""
    posterior: StoredPosterior | None = None
    """The posterior stored with the scores shown (None when not kept, or for scores of an
    earlier version kept as history)."""

    def completed_scores(self) -> CompletedScores | None:
        """The scores the overall rule needs; None unless every competency has them."""
        theta, se, t_scores = (
            {c: v for c, v in zip(COMPETENCIES, column, strict=True) if v is not None}
            for column in (self.theta, self.se, self.t_scores)
        )
        complete = len(theta) == len(se) == len(t_scores) == len(COMPETENCIES)
        if self.model_version_id is None or not complete:
            return None
        return CompletedScores(
            theta, se, t_scores, self.flags, self.evidence, self.posterior,
            self.model_version_id, form=self.form,
        )  # fmt: skip

    def t_score(self, competency: str) -> float | None:
        """The T-score of one competency (None unless completed)."""
        return self.t_scores[COMPETENCIES.index(competency)]

    def overall_result(self, overall: OverallRule) -> tuple[float, str] | None:
        """Composite T and overall band by ``overall`` (the profile's rule,
        ``reports.assemble.overall_rule``), or None unless the test is completed and scored."""
        scores = self.completed_scores()
        return None if scores is None else overall(scores)


def candidate_overview(
    store: Store,
    *,
    status: str | Iterable[str] | None = None,
    search: str | None = None,
    now: dt.datetime | None = None,
    model_version_id: int | None = None,
) -> list[CandidateRow]:
    """Every invited candidate with the state of their latest test, newest invitation first.

    A candidate's row describes their latest completed session if there is one, otherwise
    their latest invitation: ``started`` when its session has begun, ``expired`` when it
    lapsed unused, else ``invited``. Candidates who were never invited are left out.

    Parameters
    ----------
    status : str or iterable of str, optional
        Keep only rows with this status (or one of these statuses).
    search : str, optional
        Keep rows whose id, name, email or position contains this text (case-insensitive).
    model_version_id : int, optional
        Show the scores this model version produced (the latest of them, current or kept as
        history after a rescore) instead of the current scores; a completed test never scored
        with it has empty score cells and no model version.
    """
    now = now or utcnow()
    roster = read_roster(store, model_version_id)
    pairs = roster.invitations
    latest: dict[str, tuple[InvitationFacts, SessionFacts | None]] = {}
    done: dict[str, SessionFacts] = {}
    invitations = {invitation.id: invitation for invitation, _ in pairs}
    for sent, taken in pairs:
        latest[sent.candidate_id] = (sent, taken)  # ordered by id: the last one wins
        if taken is not None and taken.status == "completed":
            best = done.get(sent.candidate_id)
            if best is None or _completed_key(taken) >= _completed_key(best):
                done[sent.candidate_id] = taken

    rows = []
    for candidate_id, (last_invitation, last_session) in latest.items():
        finished = done.get(candidate_id)
        invitation = invitations[finished.invitation_id] if finished else last_invitation
        session = finished or last_session
        rows.append(_row(roster.candidates[candidate_id], invitation, session, roster, now))
    rows.sort(key=lambda r: (r.invited_at or now, r.candidate_id), reverse=True)
    return filter_rows(rows, status=status, search=search)


def _completed_key(session: SessionFacts) -> tuple[dt.datetime, str]:
    return (session.completed_at or session.started_at, session.id)


def _row(
    candidate: CandidateFacts,
    invitation: InvitationFacts,
    session: SessionFacts | None,
    roster: Roster,
    now: dt.datetime,
) -> CandidateRow:
    status: Status
    if session is not None:
        status = "completed" if session.status == "completed" else "started"
    else:
        status = "expired" if invitation.expires_at <= now else "invited"
    scores: dict[str, ScoreRecord] = {}
    if status == "completed" and session:
        scores = roster.scores.get(session.id, {})
    version_id = None
    if scores:
        version_id = next(iter(scores.values())).model_version_id
    elif session is not None and roster.model_version_id is None:
        # no scores: the version the test was taken under, but never another version than
        # the one asked for (scores of a version that did not score this session are empty)
        version_id = session.model_version_id
    raised = raised_flags(session.flags) if session is not None else ()
    posterior = None
    if scores and session is not None:
        posterior = StoredPosterior.from_flags(session.flags, COMPETENCIES)
        if posterior is not None and posterior.model_version_id != version_id:
            # kept with the current scores: it belongs to the scores shown only when they are
            # the current ones (a record from before versions were kept says no version)
            current = roster.model_version_id is None and posterior.model_version_id is None
            posterior = posterior if current else None
    evidence = stored_evidence(session.flags) if session is not None else None

    def pick(attribute: str) -> tuple[float | None, ...]:
        values = (getattr(scores[c], attribute) if c in scores else None for c in COMPETENCIES)
        return tuple(None if v is None else float(v) for v in values)

    return record_from(
        CandidateRow,
        candidate,  # display_name, email, position, synthetic, purged
        candidate_id=candidate.id,
        status=status,
        language=session.language if session is not None else invitation.language,
        form=session.form if session is not None else invitation.form,
        invited_at=invitation.created_at,
        expires_at=invitation.expires_at,
        completed_at=session.completed_at if status == "completed" and session else None,
        session_id=session.id if session is not None else None,
        n_items=roster.response_counts.get(session.id, 0) if session is not None else 0,
        theta=pick("theta"),
        se=pick("se"),
        t_scores=pick("t_score"),
        percentiles=pick("percentile"),
        flags=raised,
        model_version=roster.model_labels.get(version_id) if version_id is not None else None,
        evidence=evidence,
        model_version_id=version_id if scores else None,
        posterior=posterior,
    )


def filter_rows(
    rows: Iterable[CandidateRow],
    *,
    status: str | Iterable[str] | None = None,
    position: str | Iterable[str] | None = None,
    flag: str | Iterable[str] | None = None,
    search: str | None = None,
) -> list[CandidateRow]:
    """Rows matching every given filter; a collection matches any of its values.

    ``flag`` keeps rows that raised (one of) the flags; ``search`` matches id, name, email and
    position, ignoring case.
    """
    statuses = _as_set(status)
    unknown = [problem for value in sorted(statuses) if (problem := status_problem(value))]
    if unknown:
        raise ValueError(f"unknown status: {'; '.join(unknown)}")
    positions = _as_set(position)
    flags = _as_set(flag)
    needle = (search or "").strip().casefold()
    kept = []
    for row in rows:
        if statuses and row.status not in statuses:
            continue
        if positions and (row.position or "") not in positions:
            continue
        if flags and not flags.intersection(row.flags):
            continue
        if needle:
            haystack = (row.candidate_id, row.display_name, row.email, row.position)
            if not any(needle in (text or "").casefold() for text in haystack):
                continue
        kept.append(row)
    return kept


def _as_set(value: str | Iterable[str] | None) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, str):
        return {value}
    return set(value)


def sort_rows(
    rows: Iterable[CandidateRow], competency: str, *, descending: bool = True
) -> list[CandidateRow]:
    """Rows ordered by one competency's T-score; rows without a score come last."""
    if competency not in COMPETENCIES:
        raise ValueError(f"unknown competency {competency!r}")
    scored = [r for r in rows if r.t_score(competency) is not None]
    unscored = [r for r in rows if r.t_score(competency) is None]
    scored.sort(key=lambda r: r.t_score(competency) or 0.0, reverse=descending)
    return scored + unscored


def status_counts(rows: Iterable[CandidateRow]) -> dict[str, int]:
    """Number of rows per status, in ``STATUSES`` order (zeros included)."""
    counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
    for row in rows:
        counts[row.status] += 1
    return counts


__all__ = [
    "CandidateRow",
    "candidate_overview",
    "filter_rows",
    "sort_rows",
    "status_counts",
]
