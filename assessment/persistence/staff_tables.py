"""Table definitions of staff access: server-side staff sessions, known devices, sign-in throttles.

Kept apart from ``tables.py`` (which holds ``users``) so that access control has its own module;
both share one ``Base``, so the migrations and backups see every table.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assessment.clock import utcnow
from assessment.persistence.tables import Base


class StaffSessionRow(Base):
    """One signed-in staff session; the browser holds only a random token, stored here hashed.

    A session is created at sign-in with a one-time ``ticket`` (hashed, valid for a minute) that
    the browser exchanges for the session cookie; the cookie's token is then stored hashed in
    ``token_hash``. ``session_version`` is the account's version at sign-in: when the account
    changes (disabled, role, password) the versions differ and the session is over.
    """

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_expires_at: Mapped[dt.datetime | None]
    session_version: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(40))
    # single sign-on: a hash of the identity token's issuer, subject, issue time and nonce, so
    # one single sign-on login starts at most one staff session
    sso_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class StaffDeviceRow(Base):
    """A browser that has signed in to an account before (a random cookie, stored hashed).

    Sign-in attempts from a known device are not slowed down by any sign-in throttle, so an
    outsider who fails on purpose cannot keep the account's owner out. Disabling the account and
    resetting or changing its password delete its rows (a stolen password's browser loses them).
    """

    __tablename__ = "staff_devices"
    __table_args__ = (UniqueConstraint("user_id", "device_hash", name="uq_staff_device"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    device_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SignInThrottleRow(Base):
    """Recent failed sign-ins of one throttle key, hashed: a client, a typed username from one
    client, or a typed username from all clients (``assessment.access.throttle``).

    Typed usernames are never stored in clear here, and unknown usernames get a row exactly like
    real ones, so the throttle says nothing about which accounts exist.
    """

    __tablename__ = "sign_in_throttles"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    blocked_until: Mapped[dt.datetime | None]
