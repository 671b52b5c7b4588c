"""Everything the recruiter's candidate overview is built from, read in one transaction.

``read_roster`` returns plain values (candidates, each invitation with the session started from
it, response counts, current scores of completed sessions and model version labels) in a
handful of queries; ``assessment.recruiting.overview`` decides what each candidate's row shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from assessment.persistence.store import ScoreRecord, Store, score_record
from assessment.persistence.tables import (
    Candidate,
    Invitation,
    ModelVersion,
    ResponseRow,
    Score,
    TestSession,
)


@dataclass(frozen=True)
class CandidateFacts:
    """A candidate as stored (name, email and position are None once purged)."""

    id: str
    display_name: str | None
    email: str | None
    position: str | None
    synthetic: bool
    purged: bool


@dataclass(frozen=True)
class InvitationFacts:
    """An invitation as stored, without its token hash."""

    id: int
    candidate_id: str
    language: str
    form: str
    created_at: dt.datetime
    expires_at: dt.datetime


@dataclass(frozen=True)
class SessionFacts:
    """A session as stored, without its responses."""

    id: str
    invitation_id: int
    status: str
    language: str
    form: str
    started_at: dt.datetime
    completed_at: dt.datetime | None
    model_version_id: int | None
    flags: dict[str, Any] | None


@dataclass(frozen=True)
class Roster:
    """The stored state of every candidate, as the overview reads it."""

    candidates: dict[str, CandidateFacts]
    invitations: list[tuple[InvitationFacts, SessionFacts | None]]
    """Every invitation with the session started from it (or None), in invitation id order."""
    response_counts: dict[str, int]
    """Session id → number of answers (sessions without answers left out)."""
    scores: dict[str, dict[str, ScoreRecord]]
    """Completed session id → competency → its current score (or the one a chosen model
    version produced, see ``read_roster``)."""
    model_labels: dict[int, str]
    """Model version id → label."""
    model_version_id: int | None = None
    """The version whose scores ``scores`` holds (None: the current scores)."""


def read_roster(store: Store, model_version_id: int | None = None) -> Roster:
    """The stored state of every candidate, read in one transaction.

    With ``model_version_id``, ``scores`` holds the latest scores that version produced
    (current, or kept as history after a rescore) instead of the current ones.
    """
    with store.transaction() as db:
        candidates = {c.id: candidate_facts(c) for c in db.scalars(select(Candidate))}
        pairs = db.execute(
            select(Invitation, TestSession)
            .outerjoin(TestSession, TestSession.invitation_id == Invitation.id)
            .order_by(Invitation.id)
        ).all()
        invitations: list[tuple[InvitationFacts, SessionFacts | None]] = [
            (_invitation(sent), session_facts(taken) if taken is not None else None)
            for sent, taken in pairs
        ]
        counts = dict(
            db.execute(
                select(ResponseRow.session_id, func.count(ResponseRow.id)).group_by(
                    ResponseRow.session_id
                )
            ).all()
        )
        chosen = (
            Score.current
            if model_version_id is None
            else Score.model_version_id == model_version_id
        )
        rows = db.execute(
            select(Score)
            .join(TestSession, TestSession.id == Score.session_id)
            .where(chosen, TestSession.status == "completed")
            .order_by(Score.id)
        ).scalars()  # in id order, so the latest row of a version wins below
        scores: dict[str, dict[str, ScoreRecord]] = {}
        for row in rows:
            scores.setdefault(row.session_id, {})[row.competency] = score_record(row)
        labels = dict(db.execute(select(ModelVersion.id, ModelVersion.label)).all())
    return Roster(candidates, invitations, counts, scores, labels, model_version_id)


def _invitation(row: Invitation) -> InvitationFacts:
    return InvitationFacts(
        row.id, row.candidate_id, row.language, row.form, row.created_at, row.expires_at
    )


def candidate_facts(row: Candidate) -> CandidateFacts:
    """A stored candidate row as a plain value."""
    return CandidateFacts(
        row.id, row.display_name, row.email, row.position, bool(row.synthetic),
        row.purged_at is not None,
    )  # fmt: skip


def session_facts(row: TestSession) -> SessionFacts:
    """A stored session row as a plain value, without its responses."""
    return SessionFacts(
        row.id, row.invitation_id, row.status, row.language, row.form, row.started_at,
        row.completed_at, row.model_version_id, row.flags,
    )  # fmt: skip


__all__ = [
    "CandidateFacts",
    "InvitationFacts",
    "Roster",
    "SessionFacts",
    "candidate_facts",
    "read_roster",
    "session_facts",
]
