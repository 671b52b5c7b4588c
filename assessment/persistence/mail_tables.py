"""Tables of the invitation e-mails: one row per message, and extra access tokens.

``email_deliveries`` records every invitation or reminder e-mail: its state (queued, sent,
failed), how many attempts were made, when the last one was, when a failed message may be
retried and the SMTP error (with the recipient's address removed). ``invitation_tokens``
holds the hashes of further links to an invitation: a reminder or a retried message carries a
fresh link, since only a hash of the first one is stored; every link of an invitation opens
the same test.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from assessment.clock import utcnow
from assessment.persistence.tables import Base


class EmailDelivery(Base):
    """One e-mail to a candidate about one invitation."""

    __tablename__ = "email_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"), index=True)
    candidate_id: Mapped[str] = mapped_column(ForeignKey("candidates.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(8), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))
    last_attempt_at: Mapped[dt.datetime | None]
    next_attempt_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(String(500))


class InvitationToken(Base):
    """A further link to an invitation (only the SHA-256 of its token is stored)."""

    __tablename__ = "invitation_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
