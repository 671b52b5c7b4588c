"""A candidate's latest completed result and a model version's current scores, as plain values.

Read by the report assembly (``reports.assemble``), which decides what a profile shows; the
queries live here so that only the persistence package talks to the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from assessment.persistence.roster import (
    CandidateFacts,
    SessionFacts,
    candidate_facts,
    session_facts,
)
from assessment.persistence.store import ScoreRecord, Store, score_record
from assessment.persistence.tables import Candidate, ResponseRow, Score, TestSession
from assessment.vocabulary import raised_flags


@dataclass(frozen=True)
class LatestResult:
    """A candidate's latest completed session with its current scores.

    ``candidate`` is None for an unknown id; ``session`` is None when no session is completed,
    and ``latest_status`` then names the state of the most recently started one (None: none).
    """

    candidate: CandidateFacts | None
    session: SessionFacts | None = None
    latest_status: str | None = None
    scores: tuple[ScoreRecord, ...] = ()
    """Current scores of the session, in id order."""
    n_items: int = 0
    """Answers stored for the session."""


def latest_completed_result(store: Store, candidate_id: str) -> LatestResult:
    """The latest completed session of a candidate (by completion time, then id), read in one
    transaction."""
    with store.transaction() as db:
        candidate = db.get(Candidate, candidate_id) if candidate_id else None
        if candidate is None:
            return LatestResult(None)
        facts = candidate_facts(candidate)
        session = db.scalars(
            select(TestSession)
            .where(TestSession.candidate_id == candidate_id, TestSession.status == "completed")
            .order_by(TestSession.completed_at.desc(), TestSession.id.desc())
            .limit(1)
        ).first()
        if session is None:
            latest = db.scalars(
                select(TestSession.status)
                .where(TestSession.candidate_id == candidate_id)
                .order_by(TestSession.started_at.desc())
                .limit(1)
            ).first()
            return LatestResult(facts, latest_status=latest)
        scores = tuple(
            score_record(row)
            for row in db.scalars(
                select(Score)
                .where(Score.session_id == session.id, Score.current)
                .order_by(Score.id)
            )
        )
        n_items = int(
            db.scalar(
                select(func.count(ResponseRow.id)).where(ResponseRow.session_id == session.id)
            )
            or 0
        )
        return LatestResult(facts, session_facts(session), None, scores, n_items)


def real_unflagged_estimates(
    store: Store, version_id: int, form: str | None = None
) -> dict[str, list[tuple[float, float]]]:
    """Competency → (θ, SE) of the current scores a model version made for the completed,
    unflagged sessions of real candidates (of one ``form`` when given: the adaptive test and
    the fixed form are different tests with different reliabilities).

    Synthetic (demo) candidates and sessions with data-quality flags
    (``assessment.vocabulary.raised_flags``, which also reads an old session's random-picking
    evidence) are left out: an empirical reliability must describe real candidates' usable
    results, not demo data or answers that cannot be told apart from random picking.
    """
    query = (
        select(Score.competency, Score.theta, Score.se, TestSession.flags)
        .join(TestSession, TestSession.id == Score.session_id)
        .join(Candidate, Candidate.id == TestSession.candidate_id)
        .where(
            Score.model_version_id == version_id,
            Score.current,
            TestSession.status == "completed",
            Candidate.synthetic.is_(False),
        )
    )
    if form is not None:
        query = query.where(TestSession.form == form)
    with store.transaction() as db:
        rows = db.execute(query).all()
    values: dict[str, list[tuple[float, float]]] = {}
    for competency, theta, se, flags in rows:
        if not raised_flags(flags):
            values.setdefault(competency, []).append((float(theta), float(se)))
    return values


__all__ = ["LatestResult", "latest_completed_result", "real_unflagged_estimates"]
