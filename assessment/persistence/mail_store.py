"""Store methods of the invitation e-mails: recipients, extra links and the delivery log.

``MailStore`` wraps a ``Store`` (same engine, one short transaction per method). It reads what
an e-mail about an invitation needs (``MailTarget``), issues further links to an invitation
(only their hashes are kept), and records each message's state: queued, then sent or failed
with the number of attempts, the time of the last one, when it may be retried and the error.
Which reminders are due is decided by ``assessment.recruiting.mailing`` from
``reminder_states``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, case, func, select, update
from sqlalchemy.orm import Session

from assessment.clock import utcnow
from assessment.errors import AssessmentError
from assessment.persistence.mail_tables import EmailDelivery, InvitationToken
from assessment.persistence.records import record_from
from assessment.persistence.store import TOKEN_BYTES, Store, hash_token, invitation_for_token
from assessment.persistence.tables import Candidate, Invitation, TestSession

MailKind = Literal["invitation", "reminder"]
DeliveryStatus = Literal["queued", "sent", "failed"]
MAIL_KINDS: tuple[MailKind, ...] = ("invitation", "reminder")
MAX_ERROR = 500
"""Characters of an SMTP error kept in the log."""
LEASE = dt.timedelta(minutes=15)
"""A queued message is reserved for the run that queued it this long; still queued after
that, it was left by a run that stopped midway and may be taken by another."""


@dataclass(frozen=True)
class MailTarget:
    """One invitation as an e-mail about it needs it.

    ``state`` is the invitation's progress: ``invited`` (no session yet), ``started`` or
    ``completed``; ``deadline_at`` is the end of a started, timed session.
    """

    invitation_id: int
    candidate_id: str
    name: str | None
    email: str | None
    language: str
    created_at: dt.datetime
    expires_at: dt.datetime
    time_limit_minutes: int | None
    time_multiplier: float
    state: Literal["invited", "started", "completed"]
    deadline_at: dt.datetime | None
    purged: bool
    synthetic: bool


@dataclass(frozen=True)
class DeliveryRecord:
    """One e-mail as logged."""

    id: int
    invitation_id: int
    candidate_id: str
    kind: str
    language: str
    status: str
    attempts: int
    created_at: dt.datetime
    last_attempt_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None
    error: str | None


@dataclass(frozen=True)
class ReminderState:
    """An invitation that was e-mailed, with its reminders so far.

    ``last_sent_at`` is when the latest e-mail about it (invitation or reminder) was sent.
    ``candidate_completed`` is true when the candidate finished any test (of any invitation).
    """

    target: MailTarget
    reminders_sent: int
    last_sent_at: dt.datetime
    candidate_completed: bool


def _target(
    invitation: Invitation, candidate: Candidate, session: TestSession | None
) -> MailTarget:
    state: Literal["invited", "started", "completed"] = "invited"
    if session is not None:
        state = "completed" if session.status == "completed" else "started"
    return record_from(
        MailTarget,
        invitation,
        invitation_id=invitation.id,
        candidate_id=candidate.id,
        name=candidate.display_name,
        email=candidate.email,
        state=state,
        deadline_at=session.deadline_at if session is not None else None,
        purged=candidate.purged_at is not None,
        synthetic=bool(candidate.synthetic),
    )


def _due(now: dt.datetime) -> ColumnElement[bool]:
    """Messages to (re)try: failed or left queued, with their retry time come."""
    return EmailDelivery.status.in_(("failed", "queued")) & (EmailDelivery.next_attempt_at <= now)


def _delivery(row: EmailDelivery) -> DeliveryRecord:
    """The logged message as a value (its fields are the row's columns of the same names)."""
    return record_from(DeliveryRecord, row)


class MailStore:
    """The e-mail tables of a ``Store``. Construct with ``MailStore(store)``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # ----------------------------------------------------------------- targets
    @staticmethod
    def _load_target(db: Session, invitation: Invitation) -> MailTarget:
        candidate = db.get(Candidate, invitation.candidate_id)
        if candidate is None:  # pragma: no cover - the foreign key prevents it
            raise AssessmentError(f"invitation {invitation.id} has no candidate")
        return _target(invitation, candidate, invitation.session)

    def target_for_token(self, token: str) -> MailTarget | None:
        """The invitation a link's token opens (None for an unknown token)."""
        with self.store.transaction() as db:
            invitation = invitation_for_token(db, token)
            return None if invitation is None else self._load_target(db, invitation)

    def target(self, invitation_id: int) -> MailTarget:
        """The invitation with this id; raises ``AssessmentError`` if there is none."""
        with self.store.transaction() as db:
            invitation = db.get(Invitation, invitation_id)
            if invitation is None:
                raise AssessmentError(f"no invitation {invitation_id}")
            return self._load_target(db, invitation)

    def new_link_token(self, invitation_id: int, purpose: MailKind) -> str:
        """A further token that opens the invitation; only its hash is stored."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        self.store.add_row(
            InvitationToken(
                invitation_id=invitation_id, token_hash=hash_token(token), purpose=purpose
            )
        )
        return token

    # -------------------------------------------------------------- deliveries
    def queue(
        self, target: MailTarget, kind: MailKind, actor: str, now: dt.datetime | None = None
    ) -> DeliveryRecord:
        """Log a new message about ``target`` as queued (no attempt yet)."""
        if kind not in MAIL_KINDS:
            raise AssessmentError(f"e-mail kind must be one of {', '.join(MAIL_KINDS)}")
        now = now or utcnow()
        row = self.store.add_row(
            EmailDelivery(
                invitation_id=target.invitation_id,
                candidate_id=target.candidate_id,
                kind=kind,
                language=target.language,
                status="queued",
                attempts=0,
                created_at=now,
                created_by=actor[:100],
                next_attempt_at=now + LEASE,
            )
        )
        return _delivery(row)

    def claim_retry(self, delivery_id: int, now: dt.datetime | None = None) -> bool:
        """Reserve a message that is due (see ``due_retries``) for this run; False when it is
        not (any more) due, for example because another run took it first."""
        now = now or utcnow()
        with self.store.transaction() as db:
            result = db.execute(
                update(EmailDelivery)
                .where(EmailDelivery.id == delivery_id, _due(now))
                .values(status="queued", next_attempt_at=now + LEASE)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def stop_retrying(self, delivery_id: int) -> None:
        """Retry a failed message no more (its invitation is closed); the error stays."""
        with self.store.transaction() as db:
            db.execute(
                update(EmailDelivery)
                .where(EmailDelivery.id == delivery_id)
                .values(status="failed", next_attempt_at=None)
            )

    def record_attempts(
        self,
        delivery_id: int,
        *,
        attempts: int,
        error: str | None,
        at: dt.datetime,
        retry_at: dt.datetime | None = None,
    ) -> DeliveryRecord:
        """Record ``attempts`` more attempts ending at ``at``: sent when ``error`` is None,
        else failed with the error, to be retried from ``retry_at`` (None: not again)."""
        with self.store.transaction() as db:
            row = db.get(EmailDelivery, delivery_id)
            if row is None:
                raise AssessmentError(f"no e-mail delivery {delivery_id}")
            row.attempts += attempts
            if attempts:
                row.last_attempt_at = at
            if error is None:
                row.status, row.sent_at, row.error, row.next_attempt_at = "sent", at, None, None
            else:
                row.status, row.error, row.next_attempt_at = "failed", error[:MAX_ERROR], retry_at
            db.flush()
            return _delivery(row)

    def deliveries(self, candidate_id: str | None = None) -> list[DeliveryRecord]:
        """Logged messages, oldest first (of one candidate when given)."""
        with self.store.transaction() as db:
            query = select(EmailDelivery).order_by(EmailDelivery.id)
            if candidate_id is not None:
                query = query.where(EmailDelivery.candidate_id == candidate_id)
            return [_delivery(row) for row in db.scalars(query)]

    def latest_by_candidate(self) -> dict[str, DeliveryRecord]:
        """The newest logged message of every candidate who has one."""
        with self.store.transaction() as db:
            newest = (
                select(func.max(EmailDelivery.id))
                .group_by(EmailDelivery.candidate_id)
                .scalar_subquery()
            )
            rows = db.scalars(select(EmailDelivery).where(EmailDelivery.id.in_(newest)))
            return {row.candidate_id: _delivery(row) for row in rows}

    def due_retries(
        self, now: dt.datetime | None = None
    ) -> list[tuple[DeliveryRecord, MailTarget]]:
        """Failed messages whose retry time has come, and messages still queued after their
        ``LEASE`` (left by a run that stopped midway), each with its invitation."""
        now = now or utcnow()
        with self.store.transaction() as db:
            rows = db.scalars(
                select(EmailDelivery).where(_due(now)).order_by(EmailDelivery.id)
            ).all()
            return [
                (_delivery(row), self._load_target(db, invitation))
                for row in rows
                if (invitation := db.get(Invitation, row.invitation_id)) is not None
            ]

    def reminder_states(self) -> list[ReminderState]:
        """Every invitation with at least one sent e-mail, with its reminders so far."""
        with self.store.transaction() as db:
            sent = db.execute(
                select(
                    EmailDelivery.invitation_id,
                    func.sum(case((EmailDelivery.kind == "reminder", 1), else_=0)),
                    func.max(EmailDelivery.sent_at),
                )
                .where(EmailDelivery.status == "sent")
                .group_by(EmailDelivery.invitation_id)
            ).all()
            if not sent:
                return []
            ids = [row[0] for row in sent]
            invitations = {
                invitation.id: invitation
                for invitation in db.scalars(select(Invitation).where(Invitation.id.in_(ids)))
            }
            candidate_ids = {invitation.candidate_id for invitation in invitations.values()}
            candidates = {
                candidate.id: candidate
                for candidate in db.scalars(
                    select(Candidate).where(Candidate.id.in_(candidate_ids))
                )
            }
            finished = set(
                db.scalars(
                    select(TestSession.candidate_id).where(
                        TestSession.candidate_id.in_(candidate_ids),
                        TestSession.status == "completed",
                    )
                )
            )
            states = []
            for invitation_id, reminders, last_sent in sent:
                invitation = invitations[invitation_id]
                candidate = candidates[invitation.candidate_id]
                states.append(
                    ReminderState(
                        target=_target(invitation, candidate, invitation.session),
                        reminders_sent=int(reminders or 0),
                        last_sent_at=last_sent,
                        candidate_completed=candidate.id in finished,
                    )
                )
            return states


__all__ = [
    "MAIL_KINDS",
    "DeliveryRecord",
    "MailKind",
    "MailStore",
    "MailTarget",
    "ReminderState",
]
