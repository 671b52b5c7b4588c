"""Privacy operations: purge personal data and export one candidate's data.

- ``purge_personal_data`` removes names, email addresses, positions and voluntary group answers
  of candidates without recent activity, and keeps their anonymous sessions, responses and
  scores for calibration.
- ``export_candidate`` gathers everything stored about one candidate (for access requests).

Backup and restore of the whole database live in ``assessment.persistence.backup``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from assessment.clock import utcnow
from assessment.errors import PrivacyError
from assessment.persistence.backup import plain
from assessment.persistence.store import Store
from assessment.persistence.tables import (
    AuditEntry,
    Base,
    Candidate,
    GroupMembership,
    Invitation,
    ResponseRow,
    Score,
    TestSession,
)

EXPORT_FORMAT = "sjt-candidate-export"
_CHUNK = 500  # ids per IN (...) list


# ------------------------------------------------------------------------------ purge
@dataclass(frozen=True)
class PurgeResult:
    """What a purge removed (or, with ``dry_run``, would remove) and what it kept."""

    cutoff: dt.datetime
    dry_run: bool
    candidate_ids: tuple[str, ...]
    group_answers: int
    invitations_closed: int
    sessions_kept: int
    responses_kept: int
    scores_kept: int

    @property
    def candidates(self) -> int:
        return len(self.candidate_ids)

    def counts(self) -> dict[str, int]:
        """The counts as a plain mapping (for the audit log and the command line)."""
        return {
            "candidates": self.candidates,
            "group_answers": self.group_answers,
            "invitations_closed": self.invitations_closed,
            "sessions_kept": self.sessions_kept,
            "responses_kept": self.responses_kept,
            "scores_kept": self.scores_kept,
        }


def last_activity(db: Session) -> dict[str, dt.datetime]:
    """Candidate id → time of their latest activity.

    The latest of: record creation, invitation creation, session start and completion, and
    any answer given. A candidate who never started has the creation time of their latest
    invitation; one who completed a test, at least the completion time.
    """
    latest: dict[str, dt.datetime] = {}
    queries = [
        select(Candidate.id, Candidate.created_at),
        select(Invitation.candidate_id, func.max(Invitation.created_at)).group_by(
            Invitation.candidate_id
        ),
        select(TestSession.candidate_id, func.max(TestSession.started_at)).group_by(
            TestSession.candidate_id
        ),
        select(TestSession.candidate_id, func.max(TestSession.completed_at)).group_by(
            TestSession.candidate_id
        ),
        select(TestSession.candidate_id, func.max(ResponseRow.answered_at))
        .join(ResponseRow, ResponseRow.session_id == TestSession.id)
        .group_by(TestSession.candidate_id),
    ]
    for query in queries:
        for candidate_id, at in db.execute(query).all():
            if at is not None and (candidate_id not in latest or at > latest[candidate_id]):
                latest[candidate_id] = at
    return latest


def _chunks(values: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def purge_personal_data(
    store: Store,
    older_than_days: float,
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    actor: str = "cli",
) -> PurgeResult:
    """Remove the personal data of candidates whose latest activity is older than the cutoff.

    For each such candidate not purged before: ``display_name``, ``email`` and ``position``
    become NULL, ``purged_at`` is set, their voluntary group answers are deleted and their
    unused invitations expire now. Sessions, responses and scores stay, keyed only by the
    random candidate id, so calibration data is not lost. One audit entry records the counts.
    Everything happens in one transaction; ``dry_run`` only counts.
    """
    if not older_than_days >= 0:
        raise PrivacyError(f"--older-than must be 0 or more days, got {older_than_days}")
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=older_than_days)
    with store.transaction() as db:
        activity = last_activity(db)
        purged = set(db.scalars(select(Candidate.id).where(Candidate.purged_at.is_not(None))))
        due = sorted(cid for cid, at in activity.items() if at < cutoff and cid not in purged)
        totals = dict.fromkeys(("group", "invitations", "sessions", "responses", "scores"), 0)
        for chunk in _chunks(due):
            sessions = select(TestSession.id).where(TestSession.candidate_id.in_(chunk))
            unused = (
                Invitation.candidate_id.in_(chunk),
                Invitation.expires_at > now,
                Invitation.id.not_in(select(TestSession.invitation_id)),
            )
            count = {
                "group": select(func.count(GroupMembership.id)).where(
                    GroupMembership.session_id.in_(sessions)
                ),
                "invitations": select(func.count(Invitation.id)).where(*unused),
                "sessions": select(func.count(TestSession.id)).where(
                    TestSession.candidate_id.in_(chunk)
                ),
                "responses": select(func.count(ResponseRow.id)).where(
                    ResponseRow.session_id.in_(sessions)
                ),
                "scores": select(func.count(Score.id)).where(Score.session_id.in_(sessions)),
            }
            for key, query in count.items():
                totals[key] += int(db.scalar(query) or 0)
            if dry_run:
                continue
            no_sync = {"synchronize_session": False}
            db.execute(
                update(Candidate)
                .where(Candidate.id.in_(chunk))
                .values(display_name=None, email=None, position=None, purged_at=now),
                execution_options=no_sync,
            )
            db.execute(
                delete(GroupMembership).where(GroupMembership.session_id.in_(sessions)),
                execution_options=no_sync,
            )
            db.execute(
                update(Invitation).where(*unused).values(expires_at=now),
                execution_options=no_sync,
            )
        result = PurgeResult(
            cutoff=cutoff,
            dry_run=dry_run,
            candidate_ids=tuple(due),
            group_answers=totals["group"],
            invitations_closed=totals["invitations"],
            sessions_kept=totals["sessions"],
            responses_kept=totals["responses"],
            scores_kept=totals["scores"],
        )
        if not dry_run:
            detail: dict[str, Any] = {
                **result.counts(),
                "older_than_days": older_than_days,
                "cutoff": cutoff.isoformat(),
            }
            db.add(AuditEntry(actor=actor, action="privacy.purge", target=None, detail=detail))
    return result


def _row(row: Base, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every column of an ORM row as a JSON-ready mapping."""
    return {
        column.key: plain(getattr(row, column.key))
        for column in row.__table__.columns
        if column.key not in exclude
    }


def export_candidate(
    store: Store, candidate_id: str, *, actor: str = "cli", now: dt.datetime | None = None
) -> dict[str, Any]:
    """Everything stored about one candidate, as JSON-ready data (for an access request).

    The candidate row; their invitations (without the token hash, which is a credential, not
    personal data); sessions with their data-quality flags; responses; scores including those
    replaced by rescoring (``current`` false); voluntary group answers; and audit entries that
    name the candidate or one of their sessions. The export itself is audit-logged.
    """
    with store.transaction() as db:
        candidate = db.get(Candidate, candidate_id)
        if candidate is None:
            raise PrivacyError(
                f"no candidate with id {candidate_id!r}; candidate ids look like C1A2B3C4D5E "
                "and are shown in the recruiter's candidate list"
            )
        invitations = db.scalars(
            select(Invitation)
            .where(Invitation.candidate_id == candidate_id)
            .order_by(Invitation.id)
        ).all()
        sessions = db.scalars(
            select(TestSession)
            .where(TestSession.candidate_id == candidate_id)
            .order_by(TestSession.started_at, TestSession.id)
        ).all()
        session_ids = [session.id for session in sessions]
        responses = db.scalars(
            select(ResponseRow)
            .where(ResponseRow.session_id.in_(session_ids))
            .order_by(ResponseRow.session_id, ResponseRow.position)
        ).all()
        scores = db.scalars(
            select(Score).where(Score.session_id.in_(session_ids)).order_by(Score.id)
        ).all()
        groups = db.scalars(
            select(GroupMembership)
            .where(GroupMembership.session_id.in_(session_ids))
            .order_by(GroupMembership.id)
        ).all()
        audit = db.scalars(
            select(AuditEntry)
            .where(AuditEntry.target.in_([candidate_id, *session_ids]))
            .order_by(AuditEntry.id)
        ).all()
        data: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "exported_at": plain(now or utcnow()),
            "candidate": _row(candidate),
            "invitations": [_row(i, exclude=("token_hash",)) for i in invitations],
            "sessions": [_row(s) for s in sessions],
            "responses": [_row(r) for r in responses],
            "scores": [_row(s) for s in scores],
            "group_answers": [_row(g) for g in groups],
            "consents": [
                {key: plain(value) for key, value in dataclasses.asdict(consent).items()}
                for session_id in session_ids
                if (consent := store.consent_record(session_id)) is not None
            ],
            "audit_entries": [_row(a) for a in audit],
        }
        db.add(AuditEntry(actor=actor, action="privacy.export", target=candidate_id))
    return data


__all__ = [
    "PurgeResult",
    "export_candidate",
    "last_activity",
    "purge_personal_data",
]
