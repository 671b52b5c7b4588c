"""Store methods for the candidate and recruiter journeys: settings, consent, finished links,
the candidate's language.

``JourneyQueries`` is mixed into ``Store``; each method is one short transaction returning
plain values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from assessment.clock import utcnow
from assessment.errors import ConstraintError
from assessment.persistence.tables import (
    AuditEntry,
    ConsentRecord,
    Invitation,
    Setting,
    TestSession,
)


@dataclass(frozen=True)
class ConsentInfo:
    """The consent notice a candidate agreed to, as stored with the session."""

    session_id: str
    given_at: dt.datetime
    language: str
    employer: str | None
    purpose: str
    retention_months: int
    contact: str | None
    notice: str


@dataclass(frozen=True)
class FinishedSession:
    """The completed session behind a used invitation link."""

    session_id: str
    language: str


@dataclass(frozen=True)
class SessionClock:
    """What the countdown needs: the deadline (None: untimed) and whether the test is over."""

    deadline_at: dt.datetime | None
    completed: bool


class JourneyQueries:
    """Settings, consent records and the state of links, for ``Store``."""

    transaction: Callable[[], AbstractContextManager[Session]]
    """Provided by ``Store`` (one short transaction per call)."""

    # --------------------------------------------------------------- settings
    def stored_settings(self) -> dict[str, str]:
        """Every setting stored with ``sjt settings set``, by key."""
        with self.transaction() as db:
            return {row.key: row.value for row in db.scalars(select(Setting))}

    def put_setting(self, key: str, value: str, actor: str) -> None:
        """Store (or replace) one setting; checked by the caller, audited here."""
        with self.transaction() as db:
            row = db.get(Setting, key)
            if row is None:
                db.add(Setting(key=key, value=value, updated_by=actor))
            else:
                row.value, row.updated_at, row.updated_by = value, utcnow(), actor
            db.add(AuditEntry(actor=actor, action="settings.set", target=key))

    def delete_setting(self, key: str, actor: str) -> bool:
        """Remove a stored setting (its default applies again); False if it was not set."""
        with self.transaction() as db:
            result = db.execute(delete(Setting).where(Setting.key == key))
            removed = bool(result.rowcount)  # type: ignore[attr-defined]
            if removed:
                db.add(AuditEntry(actor=actor, action="settings.unset", target=key))
        return removed

    # ---------------------------------------------------------------- consent
    def record_consent(
        self,
        session_id: str,
        *,
        language: str,
        employer: str | None,
        purpose: str,
        retention_months: int,
        contact: str | None,
        notice: str,
        at: dt.datetime | None = None,
    ) -> bool:
        """Record the notice a candidate agreed to and mark the session consented, together.

        Idempotent: a repeated consent (double click, second tab) keeps the first record and
        returns False.
        """
        at = at or utcnow()
        try:
            with self.transaction() as db:
                db.add(
                    ConsentRecord(
                        session_id=session_id,
                        given_at=at,
                        language=language,
                        employer=employer,
                        purpose=purpose,
                        retention_months=retention_months,
                        contact=contact,
                        notice=notice,
                    )
                )
                db.flush()
                db.execute(
                    update(TestSession)
                    .where(TestSession.id == session_id, TestSession.consent_at.is_(None))
                    .values(consent_at=at)
                )
        except ConstraintError:
            return False
        return True

    def consent_record(self, session_id: str) -> ConsentInfo | None:
        """The consent notice stored with a session (None if the candidate has not agreed)."""
        with self.transaction() as db:
            row = db.scalar(select(ConsentRecord).where(ConsentRecord.session_id == session_id))
            if row is None:
                return None
            return ConsentInfo(
                row.session_id, row.given_at, row.language, row.employer, row.purpose,
                row.retention_months, row.contact, row.notice,
            )  # fmt: skip

    # --------------------------------------------------------------- language
    def set_session_language(self, session_id: str, language: str) -> bool:
        """Store the language a candidate switched to; False if it already was that one.

        Unlike ``Store.update_session`` this applies to a completed session too (its thank-you
        page can be switched). Only the language column is written: responses, the pending
        item and when it was shown, the deadline and the scores are untouched. Checked by the
        caller.
        """
        with self.transaction() as db:
            result = db.execute(
                update(TestSession)
                .where(TestSession.id == session_id, TestSession.language != language)
                .values(language=language)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ links
    def finished_session(self, token: str) -> FinishedSession | None:
        """The completed session of the invitation with this token (else None)."""
        from assessment.persistence.store import hash_token  # the store imports this module

        token_hash = hash_token(token)
        with self.transaction() as db:
            row = db.execute(
                select(TestSession.id, TestSession.language)
                .join(Invitation, Invitation.id == TestSession.invitation_id)
                .where(Invitation.token_hash == token_hash, TestSession.status == "completed")
            ).first()
        return FinishedSession(row[0], row[1]) if row is not None else None

    def session_clock(self, session_id: str) -> SessionClock:
        """The deadline and completion of a session, read without its responses."""
        with self.transaction() as db:
            row = db.execute(
                select(TestSession.deadline_at, TestSession.status).where(
                    TestSession.id == session_id
                )
            ).first()
        if row is None:
            return SessionClock(None, True)
        return SessionClock(row[0], row[1] == "completed")
