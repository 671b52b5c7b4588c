"""Voluntary group answers and the current results that fairness monitoring compares.

Each function is one short transaction over ``store`` returning plain values; the rules
(which fields and values exist, what counts as undisclosed) stay in
``assessment.psychometrics.fairness``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, select

from assessment.errors import ConstraintError
from assessment.persistence.store import ScoreRecord, Store, score_record
from assessment.persistence.tables import Candidate, GroupMembership, Score, TestSession


def add_group_answer(store: Store, session_id: str, field: str, value: str) -> bool:
    """Store one group answer of a session; False if that field was answered before."""
    try:
        store.add_row(GroupMembership(session_id=session_id, field=field, value=value))
    except ConstraintError:  # unique (session, field): the first answer stands
        return False
    return True


def _answer_pairs(store: Store, key: Any, where: ColumnElement[bool]) -> dict[str, str]:
    """``key`` (a group-membership column) → the value given, over the answers ``where`` picks."""
    with store.transaction() as db:
        rows = db.execute(select(key, GroupMembership.value).where(where)).all()
    return {str(found): str(value) for found, value in rows}


def group_answers(store: Store, field: str) -> dict[str, str]:
    """Session id → the value given for ``field``, for every session that answered it."""
    return _answer_pairs(store, GroupMembership.session_id, GroupMembership.field == field)


def session_group_answers(store: Store, session_id: str) -> dict[str, str]:
    """Field → the value a session gave, for every field it answered."""
    return _answer_pairs(store, GroupMembership.field, GroupMembership.session_id == session_id)


def has_group_answers(store: Store, session_id: str) -> bool:
    """Whether the session has any group answer (including an explicit decline)."""
    with store.transaction() as db:
        found = db.scalar(
            select(GroupMembership.id).where(GroupMembership.session_id == session_id).limit(1)
        )
    return found is not None


@dataclass(frozen=True)
class SessionResult:
    """A completed session's current scores and what it stores beside them."""

    scores: tuple[ScoreRecord, ...]
    """Current scores, in id order."""
    flags: dict[str, Any] = field(default_factory=dict)
    """The session's stored flags (raised data-quality flags, evidence, posterior)."""
    synthetic: bool = False
    """The session belongs to a synthetic demo candidate."""
    form: str | None = None
    """The form the session took (its norm group is that form's)."""


def session_results(store: Store, session_ids: Sequence[str]) -> dict[str, SessionResult]:
    """Session id → its current scores, stored flags and whether its candidate is synthetic
    (sessions that are not stored are left out)."""
    with store.transaction() as db:
        sessions = db.execute(
            select(TestSession.id, TestSession.flags, Candidate.synthetic, TestSession.form)
            .join(Candidate, Candidate.id == TestSession.candidate_id)
            .where(TestSession.id.in_(session_ids))
        ).all()
        scores: dict[str, list[ScoreRecord]] = {}
        rows = db.scalars(
            select(Score).where(Score.session_id.in_(session_ids), Score.current).order_by(Score.id)
        )
        for row in rows:
            scores.setdefault(row.session_id, []).append(score_record(row))
    return {
        session_id: SessionResult(
            tuple(scores.get(session_id, ())), dict(flags or {}), bool(synthetic), form
        )
        for session_id, flags, synthetic, form in sessions
    }


__all__ = [
    "SessionResult",
    "add_group_answer",
    "group_answers",
    "has_group_answers",
    "session_group_answers",
    "session_results",
]
