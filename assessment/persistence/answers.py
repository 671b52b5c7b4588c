"""The answers of completed sessions, as plain values, read in one transaction, and the
``SessionFilter`` that chooses the sessions.

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
from assessment.vocabulary import form_problem, raised_flags


@dataclass(frozen=True)
class SessionFilter:
    """Which completed sessions a data set is built from.

    Sessions completed in ``[since, until)`` (UTC-aware; an end left None is open), of
    ``form`` when given; those with raised data-quality flags only with ``include_flagged``,
    those of synthetic demo candidates only with ``include_synthetic`` (a flagged synthetic
    session counts as flagged). Calibration, rescoring, re-norming and the fairness report
    take synthetic demo candidates by default; the response export does not (see
    ``assessment.psychometrics.response_export``). Raises ``ValueError`` for a naive time,
    an empty interval or an unknown form.
    """

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    form: str | None = None
    include_flagged: bool = False
    include_synthetic: bool = True

    def __post_init__(self) -> None:
        for name, value in (("since", self.since), ("until", self.until)):
            if value is not None and value.tzinfo is None:
                raise ValueError(f"sessions completed {name} {value}: give a UTC-aware time")
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise ValueError(
                f"sessions completed since {self.since} until {self.until}: "
                "the start must come before the end"
            )
        if self.form is not None and (problem := form_problem(self.form)):
            raise ValueError(problem)

    @classmethod
    def days(
        cls,
        first: dt.date | None = None,
        last: dt.date | None = None,
        form: str | None = None,
        include_flagged: bool = False,
        include_synthetic: bool = True,
    ) -> SessionFilter:
        """Sessions completed on the UTC days ``first`` to ``last``, both included (as
        ``sjt responses --since/--until`` and the workbench's date fields choose them)."""
        if first is not None and last is not None and last < first:
            raise ValueError(
                f"sessions completed from {first} until {last}: the last day is before the first"
            )
        return cls(
            since=None if first is None else _midnight(first),
            until=None if last is None else _midnight(last + dt.timedelta(days=1)),
            form=form,
            include_flagged=include_flagged,
            include_synthetic=include_synthetic,
        )


def _midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in UTC."""
    return dt.datetime.combine(day, dt.time(), dt.UTC)


UNFLAGGED_SESSIONS = SessionFilter()
"""Completed sessions without data-quality flags, synthetic demo candidates included: what
calibration and re-norming read by default."""
EVERY_COMPLETED_SESSION = SessionFilter(include_flagged=True, include_synthetic=True)
"""Every completed session, flagged or not, synthetic or not (rescoring takes them all)."""


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
    """Completed sessions left out for their data-quality flags (0 when the filter includes
    them)."""
    candidate_ids: tuple[str, ...] = ()
    """The candidate of each session, in the order of ``session_ids``."""
    excluded_synthetic: int = 0
    """Completed sessions of synthetic demo candidates left out (0 when the filter includes
    them)."""
    flags: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The stored flags (data-quality checks, posterior) of each session chosen, by id."""
    forms: tuple[str, ...] = ()
    """The form (adaptive or fixed) of each session, in the order of ``session_ids``."""
    is_synthetic: tuple[bool, ...] = ()
    """Whether each session (in the order of ``session_ids``) is a synthetic demo
    candidate's, so that a count of some of the sessions can say how many are not real."""

    @property
    def synthetic(self) -> int:
        """Sessions chosen that are synthetic demo candidates' (0 when the filter leaves them
        out)."""
        return sum(self.is_synthetic)


def completed_answers(store: Store, chosen: SessionFilter = UNFLAGGED_SESSIONS) -> CompletedAnswers:
    """The sessions ``chosen`` (by default: not flagged, synthetic ones included) and their
    answers, in order of completion."""
    with store.transaction() as db:
        query = (
            select(TestSession, Candidate.synthetic)
            .join(Candidate, Candidate.id == TestSession.candidate_id)
            .where(TestSession.status == "completed")
        )
        if chosen.since is not None:
            query = query.where(TestSession.completed_at >= chosen.since)
        if chosen.until is not None:
            query = query.where(TestSession.completed_at < chosen.until)
        if chosen.form is not None:
            query = query.where(TestSession.form == chosen.form)
        sessions = db.execute(query.order_by(TestSession.completed_at)).all()
        flagged = [s.id for s, _ in sessions if raised_flags(s.flags)]
        considered = [
            (s, is_synthetic)
            for s, is_synthetic in sessions
            if chosen.include_flagged or not raised_flags(s.flags)
        ]
        synthetic = [s.id for s, is_synthetic in considered if is_synthetic]
        chosen_pairs = [
            (s, bool(is_synthetic))
            for s, is_synthetic in considered
            if chosen.include_synthetic or not is_synthetic
        ]
        kept = [s for s, _ in chosen_pairs]
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
        0 if chosen.include_flagged else len(flagged),
        candidates,
        0 if chosen.include_synthetic else len(synthetic),
        {s.id: dict(s.flags or {}) for s in kept},
        forms,
        tuple(is_synthetic for _, is_synthetic in chosen_pairs),
    )


__all__ = [
    "EVERY_COMPLETED_SESSION",
    "UNFLAGGED_SESSIONS",
    "CompletedAnswers",
    "SessionFilter",
    "StoredAnswer",
    "completed_answers",
]
