"""SQLAlchemy 2 table definitions of the store (migrations: ``assessment/persistence/migrations``).

Responses are append-only: a row is never updated or deleted by the delivery code, and the
unique constraints on (session, item) and (session, position) make a repeated submit a no-op.
Scores are kept per model version; rescoring adds rows and marks the newest as current.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from assessment.clock import utcnow


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime, dict[str, Any]: JSON}


class Candidate(Base):
    __tablename__ = "candidates"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(320))
    position: Mapped[str | None] = mapped_column(String(200))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    purged_at: Mapped[dt.datetime | None]

    invitations: Mapped[list[Invitation]] = relationship(back_populates="candidate")


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    candidate_id: Mapped[str] = mapped_column(ForeignKey("candidates.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(2), default="en")
    form: Mapped[str] = mapped_column(String(16), default="adaptive")
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    time_multiplier: Mapped[float] = mapped_column(Float, default=1.0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    created_by: Mapped[str | None] = mapped_column(String(100))

    candidate: Mapped[Candidate] = relationship(back_populates="invitations")
    session: Mapped[TestSession | None] = relationship(back_populates="invitation")


class TestSession(Base):
    """One sitting of the test (named ``TestSession`` to avoid clashing with ORM sessions)."""

    __tablename__ = "sessions"
    __test__ = False  # not a pytest test class

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"), unique=True)
    candidate_id: Mapped[str] = mapped_column(ForeignKey("candidates.id"), index=True)
    form: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16), default="started", index=True)
    model_version_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id"))
    consent_at: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    pending_item_id: Mapped[str | None] = mapped_column(String(32))
    pending_shown_at: Mapped[dt.datetime | None]
    practice_done: Mapped[bool] = mapped_column(Boolean, default=False)
    flags: Mapped[dict[str, Any] | None]
    rng_state: Mapped[int] = mapped_column(Integer, default=0)

    invitation: Mapped[Invitation] = relationship(back_populates="session")
    responses: Mapped[list[ResponseRow]] = relationship(
        back_populates="session", order_by="ResponseRow.position"
    )


class ResponseRow(Base):
    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("session_id", "item_id", name="uq_response_session_item"),
        UniqueConstraint("session_id", "position", name="uq_response_session_position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(32))
    most: Mapped[str] = mapped_column(String(4))
    least: Mapped[str | None] = mapped_column(String(4))
    shown_at: Mapped[dt.datetime | None]
    answered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    response_ms: Mapped[int] = mapped_column(Integer)

    session: Mapped[TestSession] = relationship(back_populates="responses")


class ModelVersion(Base):
    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    label: Mapped[str] = mapped_column(String(40), unique=True)
    model_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class Score(Base):
    __tablename__ = "scores"
    __table_args__ = (Index("ix_scores_session_current", "session_id", "current"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"))
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"))
    competency: Mapped[str] = mapped_column(String(40))
    theta: Mapped[float] = mapped_column(Float)
    se: Mapped[float] = mapped_column(Float)
    t_score: Mapped[float | None] = mapped_column(Float)
    percentile: Mapped[float | None] = mapped_column(Float)
    n_items: Mapped[int] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Staff sessions carry the version they were started under; changing the account (disable,
    # role, password) bumps it, so every older session ends at its next action.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    # "password" (signs in with a password) or "sso" (only through single sign-on)
    sign_in: Mapped[str] = mapped_column(String(16), default="password", server_default="password")
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        # throttling counts recent entries of an action per target and overall (0006)
        Index("ix_audit_action_target_at", "action", "target", "at"),
        Index("ix_audit_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any] | None]


class GroupMembership(Base):
    """Voluntary, self-described group fields given after the test, for fairness monitoring.

    Kept apart from scores and never shown to recruiters; only aggregate fairness statistics
    are computed from it.
    """

    __tablename__ = "group_memberships"
    __table_args__ = (UniqueConstraint("session_id", "field", name="uq_group_session_field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Setting(Base):
    """One organisation setting stored with ``sjt settings set`` (see ``assessment.settings``).

    Values are text; ``assessment.settings`` checks and types them. Environment variables
    override what is stored here.
    """

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(100))


class ConsentRecord(Base):
    """The consent notice a candidate agreed to, exactly as shown, with its settings.

    One per session; ``sessions.consent_at`` keeps the time for the delivery flow.
    """

    __tablename__ = "consent_records"
    __table_args__ = (UniqueConstraint("session_id", name="uq_consent_session"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"))
    given_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    language: Mapped[str] = mapped_column(String(2))
    employer: Mapped[str | None] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(Text)
    retention_months: Mapped[int] = mapped_column(Integer)
    contact: Mapped[str | None] = mapped_column(String(300))
    notice: Mapped[str] = mapped_column(Text)


SessionData = type[ResponseRow] | type[Score] | type[GroupMembership]
SESSION_DATA: dict[str, SessionData] = {
    "responses": ResponseRow,
    "scores": Score,
    "group_answers": GroupMembership,
}
"""The tables whose rows belong to a test session (by ``session_id``), by what they hold; a
purge counts them and an access-request export lists them."""
