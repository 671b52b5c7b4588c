"""Reading everything stored about candidates, as JSON-ready data (for access requests).

``candidate_records`` reads the records of several candidates in one transaction; the export
formats, the audit entries and the errors shown to people are in
``assessment.recruiting.privacy``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.persistence.backup import plain
from assessment.persistence.mail_tables import EmailDelivery
from assessment.persistence.store import Store
from assessment.persistence.tables import (
    SESSION_DATA,
    AuditEntry,
    Base,
    Candidate,
    Invitation,
    ResponseRow,
    TestSession,
)

_ORDER: dict[str, tuple[Any, ...]] = {"responses": (ResponseRow.session_id, ResponseRow.position)}
"""Row order of a session-data table other than by id."""


def candidate_records(store: Store, candidate_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Candidate id → everything stored about them, read in one transaction.

    The candidate row; their invitations (without the token hash, which is a credential, not
    personal data); sessions with their data-quality flags; responses; scores including those
    replaced by rescoring (``current`` false); voluntary group answers; consent records; audit
    entries that name the candidate or one of their sessions; the log of e-mails sent to them.
    Ids without a candidate are left out.
    """
    with store.transaction() as db:
        return {
            candidate_id: record
            for candidate_id in candidate_ids
            if (record := _candidate_record(store, db, candidate_id)) is not None
        }


def _candidate_record(store: Store, db: Session, candidate_id: str) -> dict[str, Any] | None:
    candidate = db.get(Candidate, candidate_id)
    if candidate is None:
        return None
    invitations = db.scalars(
        select(Invitation).where(Invitation.candidate_id == candidate_id).order_by(Invitation.id)
    ).all()
    sessions = db.scalars(
        select(TestSession)
        .where(TestSession.candidate_id == candidate_id)
        .order_by(TestSession.started_at, TestSession.id)
    ).all()
    session_ids = [session.id for session in sessions]
    session_data = {
        key: [
            _row(row)
            for row in db.scalars(
                select(table)
                .where(table.session_id.in_(session_ids))
                .order_by(*_ORDER.get(key, (table.id,)))
            )
        ]
        for key, table in SESSION_DATA.items()
    }
    audit = db.scalars(
        select(AuditEntry)
        .where(AuditEntry.target.in_([candidate_id, *session_ids]))
        .order_by(AuditEntry.id)
    ).all()
    return {
        "candidate": _row(candidate),
        "invitations": [_row(i, exclude=("token_hash",)) for i in invitations],
        "sessions": [_row(s) for s in sessions],
        **session_data,
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


def _row(row: Base, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every column of an ORM row as a JSON-ready mapping."""
    return {
        column.key: plain(getattr(row, column.key))
        for column in row.__table__.columns
        if column.key not in exclude
    }


__all__ = ["candidate_records"]
