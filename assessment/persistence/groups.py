"""Voluntary group answers and the current T-scores that fairness monitoring compares.

Each function is one short transaction over ``store`` returning plain values; the rules
(which fields and values exist, what counts as undisclosed) stay in
``assessment.psychometrics.fairness``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, select

from assessment.errors import ConstraintError
from assessment.persistence.store import Store
from assessment.persistence.tables import GroupMembership, Score


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


def current_t_scores(store: Store, session_ids: Sequence[str]) -> dict[str, dict[str, float]]:
    """Session id → competency → current T-score (sessions or competencies without one left out)."""
    with store.transaction() as db:
        rows = db.execute(
            select(Score.session_id, Score.competency, Score.t_score).where(
                Score.session_id.in_(session_ids), Score.current
            )
        ).all()
    t_scores: dict[str, dict[str, float]] = {}
    for session_id, competency, t_score in rows:
        if t_score is not None:
            t_scores.setdefault(session_id, {})[competency] = float(t_score)
    return t_scores


__all__ = [
    "add_group_answer",
    "current_t_scores",
    "group_answers",
    "has_group_answers",
    "session_group_answers",
]
