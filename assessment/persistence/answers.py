"""The answers of completed sessions, as plain values, read in one transaction.

Calibration data, rescoring and the fairness report are built from them
(``assessment.psychometrics.versions.collected_responses`` turns them into a response
matrix); the queries live here so that only the persistence package talks to the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from assessment.persistence.store import Store
from assessment.persistence.tables import Candidate, ResponseRow, TestSession
from assessment.vocabulary import raised_flags


@dataclass(frozen=True)
class StoredAnswer:
    """One stored answer: the options picked for an item in a session."""

    session_id: str
    item_id: str
    most: str
    least: str | None
    response_ms: int = 0
    """Time from showing the item to submitting it (server-measured)."""


@dataclass(frozen=True)
class CompletedAnswers:
    """The completed sessions chosen and every answer stored for them."""

    session_ids: tuple[str, ...]
    """Sessions in order of completion."""
    answers: tuple[StoredAnswer, ...]
    """By session, each session's in the order they were given."""
    excluded_flagged: int
    """Completed sessions left out for their data-quality flags (0 with ``include_flagged``)."""
    candidate_ids: tuple[str, ...] = ()
    """The candidate of each session, in the order of ``session_ids``."""
    excluded_synthetic: int = 0
    """Completed sessions of synthetic demo candidates left out (0 with ``include_synthetic``)."""
    flags: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The stored flags (data-quality checks, posterior) of each session chosen, by id."""
    forms: tuple[str, ...] = ()
    """The form (adaptive or fixed) of each session, in the order of ``session_ids``."""


def completed_answers(
    store: Store,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    form: str | None = None,
    include_flagged: bool = False,
    include_synthetic: bool = True,
) -> CompletedAnswers:
    """Sessions completed in ``[since, until)`` (with ``form``, if given) and their answers.

    Sessions with raised data-quality flags are left out unless ``include_flagged``, and
    sessions of synthetic demo candidates when ``include_synthetic`` is false (flagged ones
    count as flagged).
    """
    with store.transaction() as db:
        query = (
            select(TestSession, Candidate.synthetic)
            .join(Candidate, Candidate.id == TestSession.candidate_id)
            .where(TestSession.status == "completed")
        )
        if since is not None:
            query = query.where(TestSession.completed_at >= since)
        if until is not None:
            query = query.where(TestSession.completed_at < until)
        if form is not None:
            query = query.where(TestSession.form == form)
        sessions = db.execute(query.order_by(TestSession.completed_at)).all()
        flagged = [s.id for s, _ in sessions if raised_flags(s.flags)]
        considered = [
            (s, is_synthetic)
            for s, is_synthetic in sessions
            if include_flagged or not raised_flags(s.flags)
        ]
        synthetic = [s.id for s, is_synthetic in considered if is_synthetic]
        kept = [s for s, is_synthetic in considered if include_synthetic or not is_synthetic]
        ids = tuple(s.id for s in kept)
        candidates = tuple(s.candidate_id for s in kept)
        forms = tuple(str(s.form) for s in kept)
        rows = db.execute(
            select(ResponseRow.session_id, ResponseRow.item_id, ResponseRow.most, ResponseRow.least,
                   ResponseRow.response_ms)
            .where(ResponseRow.session_id.in_(ids))
            .order_by(ResponseRow.session_id, ResponseRow.position)
        ).all() if ids else []  # fmt: skip
    answers = tuple(StoredAnswer(*row) for row in rows)
    return CompletedAnswers(
        ids,
        answers,
        0 if include_flagged else len(flagged),
        candidates,
        0 if include_synthetic else len(synthetic),
        {s.id: dict(s.flags or {}) for s in kept},
        forms,
    )


__all__ = ["CompletedAnswers", "StoredAnswer", "completed_answers"]
