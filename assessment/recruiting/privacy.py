"""Privacy operations: purge personal data and export one candidate's data.

- ``purge_personal_data`` removes names, email addresses, positions and voluntary group answers
  of candidates without recent activity, and keeps their anonymous sessions, responses and
  scores for calibration.
- ``export_candidate`` gathers everything stored about one candidate, ``export_person``
  everything about one email address across all its candidate records (access requests).

Backup and restore of the whole database live in ``assessment.persistence.backup``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from assessment.clock import utcnow
from assessment.errors import PrivacyError
from assessment.persistence.audit import AuditLog
from assessment.persistence.backup import plain
from assessment.persistence.mail_tables import EmailDelivery
from assessment.persistence.maintenance import Compaction, compact
from assessment.persistence.people import candidate_ids_by_email, normalised_email
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
PERSON_EXPORT_FORMAT = "sjt-person-export"
MAX_DAYS = 36_500
"""The longest period a purge or retention setting accepts (100 years)."""
_CHUNK = 500  # ids per IN (...) list
PURGED_TABLES = ("candidates", "invitations", "group_memberships", "audit_log")
"""The tables whose rows a purge changes or deletes (rewritten afterwards)."""


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
    audit_entries: int = 0
    """Audit entries older than the retention period removed (or that would be removed)."""
    compaction: Compaction | None = None
    """How the database files were rewritten (None for a dry run or when nothing changed)."""

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
            "audit_entries": self.audit_entries,
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
    audit_retention_days: float | None = None,
) -> PurgeResult:
    """Remove the personal data of candidates whose latest activity is older than the cutoff.

    For each such candidate not purged before: ``display_name``, ``email`` and ``position``
    become NULL, ``purged_at`` is set, their voluntary group answers are deleted and every
    link of theirs stops working (open invitations expire now; a started test cannot be
    resumed). Sessions, responses and scores stay, keyed only by the random candidate id, so
    calibration data is not lost. With ``audit_retention_days``, audit entries older than that
    (addresses of guessed links, typed usernames, …) are deleted too, except the model version
    history. One audit entry records the counts. The candidates are purged in one transaction;
    then the old audit entries are deleted and the database files rewritten so that the removed
    values are gone from them (``assessment.persistence.maintenance.compact``). ``dry_run``
    only counts.
    """
    for name, days in (
        ("--older-than", older_than_days),
        ("audit retention", audit_retention_days),
    ):
        if days is not None and not 0 <= days <= MAX_DAYS:
            raise PrivacyError(f"{name} must be a number of days from 0 to {MAX_DAYS}, got {days}")
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=older_than_days)
    audit = AuditLog(store)
    audit_before = (
        None if audit_retention_days is None else now - dt.timedelta(days=audit_retention_days)
    )
    audit_entries = 0 if audit_before is None else audit.count_older(audit_before)
    with store.transaction() as db:
        activity = last_activity(db)
        purged = set(db.scalars(select(Candidate.id).where(Candidate.purged_at.is_not(None))))
        due = sorted(cid for cid, at in activity.items() if at < cutoff and cid not in purged)
        totals = dict.fromkeys(("group", "invitations", "sessions", "responses", "scores"), 0)
        for chunk in _chunks(due):
            sessions = select(TestSession.id).where(TestSession.candidate_id.in_(chunk))
            still_open = (Invitation.candidate_id.in_(chunk), Invitation.expires_at > now)
            count = {
                "group": select(func.count(GroupMembership.id)).where(
                    GroupMembership.session_id.in_(sessions)
                ),
                "invitations": select(func.count(Invitation.id)).where(*still_open),
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
                update(Invitation).where(*still_open).values(expires_at=now),
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
            audit_entries=audit_entries,
        )
    if dry_run:
        return result
    if audit_before is not None:
        result = replace(result, audit_entries=audit.prune(audit_before))
    detail: dict[str, Any] = {
        **result.counts(),
        "older_than_days": older_than_days,
        "cutoff": cutoff.isoformat(),
        "audit_retention_days": audit_retention_days,
    }
    store.audit(actor, "privacy.purge", None, detail)
    if result.candidates or result.audit_entries:
        result = replace(result, compaction=compact(store, PURGED_TABLES))
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
    name the candidate or one of their sessions; the log of e-mails sent to them. The export
    itself is audit-logged.
    """
    with store.transaction() as db:
        record = _candidate_record(store, db, candidate_id)
        db.add(AuditEntry(actor=actor, action="privacy.export", target=candidate_id))
    return {"format": EXPORT_FORMAT, "exported_at": plain(now or utcnow()), **record}


def export_person(
    store: Store, email: str, *, actor: str = "cli", now: dt.datetime | None = None
) -> dict[str, Any]:
    """Everything stored about the person with this email address, across all invitations.

    A person invited twice is two candidate records; both are exported (each as
    ``export_candidate`` gives it), with the audit entries that name the email address itself
    (for example a sign-in attempt typed with it). Emails match trimmed and case-folded.
    Purged records no longer hold the address and cannot be found by it. Each exported
    candidate is audit-logged, without the address.
    """
    ids = candidate_ids_by_email(store, email)
    if not ids:
        raise PrivacyError(
            "no candidate has this email address (emails are compared ignoring case and "
            "surrounding spaces; purged candidates no longer have one); try sjt export "
            "--candidate ID with an id from the recruiter's candidate list"
        )
    with store.transaction() as db:
        records = [_candidate_record(store, db, candidate_id) for candidate_id in ids]
    addresses = {email, email.strip(), normalised_email(email)}
    addresses |= {str(r["candidate"]["email"]) for r in records if r["candidate"]["email"]}
    naming_email = AuditLog(store).naming(sorted(addresses))
    for candidate_id in ids:
        store.audit(actor, "privacy.export", candidate_id, {"by": "email", "records": len(ids)})
    return {
        "format": PERSON_EXPORT_FORMAT,
        "exported_at": plain(now or utcnow()),
        "email": email.strip(),
        "candidates": records,
        "audit_entries_naming_the_email": [entry.as_dict() for entry in naming_email],
    }


def _candidate_record(store: Store, db: Session, candidate_id: str) -> dict[str, Any]:
    """The stored data of one candidate (see ``export_candidate``)."""
    candidate = db.get(Candidate, candidate_id)
    if candidate is None:
        raise PrivacyError(
            f"no candidate with id {candidate_id!r}; candidate ids look like C1A2B3C4D5E "
            "and are shown in the recruiter's candidate list"
        )
    invitations = db.scalars(
        select(Invitation).where(Invitation.candidate_id == candidate_id).order_by(Invitation.id)
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
    return {
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
        "email_deliveries": [
            _row(d)
            for d in db.scalars(
                select(EmailDelivery)
                .where(EmailDelivery.candidate_id == candidate_id)
                .order_by(EmailDelivery.id)
            )
        ],
    }


__all__ = [
    "PurgeResult",
    "export_candidate",
    "export_person",
    "last_activity",
    "purge_personal_data",
]
