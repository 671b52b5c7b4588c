"""Server-side staff sessions: started at sign-in, checked on every action, revocable.

The browser holds a random 256-bit token in an HttpOnly cookie; the database holds only its
SHA-256 hash, the account, the account's session version at sign-in, when the session started
and was last used, and its limits. A session is over when it is signed out, idle for longer than
``SessionPolicy.idle``, older than ``SessionPolicy.absolute``, or when its account was disabled,
deleted, given another role or a new password (the account's session version moved on).

Sign-in happens on a Streamlit page, which cannot set cookies. So ``start_session`` also issues
a one-time ticket (256 bits, hashed, valid for ``SessionPolicy.ticket``) that the page hands to
the browser; the browser exchanges it once at a small HTTP endpoint (``redeem_ticket``) that sets
the cookie. The ticket is not the session: it works once, for a minute, and only while the
session has no cookie yet.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Literal

from assessment.access.accounts import StaffUser
from assessment.clock import utcnow
from assessment.persistence.staff import StaffRepository, StaffSessionRecord
from assessment.persistence.store import Store, hash_token

SECRET_BYTES = 32  # 256 bits for session tokens and tickets
MAX_SECRET_LENGTH = 128
EndReason = Literal[
    "signed_out", "idle", "expired", "revoked", "account_disabled", "role_changed",
    "password_reset", "password_changed", "ended",
]  # fmt: skip


@dataclass(frozen=True)
class SessionPolicy:
    """The limits of a staff session.

    Parameters
    ----------
    idle : datetime.timedelta
        A session unused for longer than this ends (30 minutes).
    absolute : datetime.timedelta
        No session lasts longer than this, however active (12 hours).
    ticket : datetime.timedelta
        How long the one-time ticket for the session cookie stays valid.
    touch_every : datetime.timedelta
        The last-seen time is written at most this often (fewer writes per click).
    """

    idle: dt.timedelta = dt.timedelta(minutes=30)
    absolute: dt.timedelta = dt.timedelta(hours=12)
    ticket: dt.timedelta = dt.timedelta(seconds=60)
    touch_every: dt.timedelta = dt.timedelta(seconds=15)


DEFAULT_POLICY = SessionPolicy()


@dataclass(frozen=True)
class StartedSession:
    """A new session and the one-time ticket that collects its cookie."""

    session_id: int
    ticket: str


@dataclass(frozen=True)
class SessionCheck:
    """The outcome of checking a session: the user, or why there is none.

    ``reason`` is None for a valid session, "none" when no session was presented, else why it
    ended (see ``EndReason``). ``cookie_pending`` says the browser has not collected its cookie.
    """

    user: StaffUser | None
    reason: str | None
    cookie_pending: bool = False


@dataclass(frozen=True)
class RedeemedTicket:
    """A ticket exchanged for the session token the cookie carries."""

    token: str
    user_id: int
    username: str
    expires_at: dt.datetime


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def start_session(
    store: Store,
    user_id: int,
    session_version: int,
    method: str,
    now: dt.datetime | None = None,
    policy: SessionPolicy = DEFAULT_POLICY,
    sso_key: str | None = None,
) -> StartedSession:
    """Start a staff session for an account that has just proved who it is."""
    now = now or utcnow()
    ticket = new_secret()
    session_id = StaffRepository(store).create_session(
        user_id=user_id,
        session_version=session_version,
        method=method,
        ticket_hash=hash_token(ticket),
        ticket_expires_at=now + policy.ticket,
        expires_at=now + policy.absolute,
        now=now,
        sso_key=sso_key,
    )
    return StartedSession(session_id, ticket)


def _usable(secret: str | None) -> bool:
    return isinstance(secret, str) and 16 <= len(secret) <= MAX_SECRET_LENGTH


def check_session(
    store: Store,
    *,
    session_id: int | None = None,
    token: str | None = None,
    now: dt.datetime | None = None,
    touch: bool = True,
    policy: SessionPolicy = DEFAULT_POLICY,
) -> SessionCheck:
    """Check a session by its id (this browser tab) or its cookie token (a new page load).

    The account must be active with the same session version as at sign-in, and the session
    must be within its idle and absolute limits; otherwise it is ended (and audited) now.
    ``touch`` records the use, which restarts the idle clock; a background check does not.
    """
    now = now or utcnow()
    repository = StaffRepository(store)
    record: StaffSessionRecord | None = None
    if session_id is not None:
        record = repository.session_by_id(session_id)
    elif _usable(token):
        record = repository.session_by_token(hash_token(token or ""))
    if record is None:
        return SessionCheck(None, "none")
    if record.ended_at is not None:
        return SessionCheck(None, record.end_reason or "ended")
    reason: str | None = None
    if not record.account_active or record.account_version != record.session_version:
        reason = "revoked"
    elif now - record.last_seen_at > policy.idle:
        reason = "idle"
    elif now >= record.expires_at:
        reason = "expired"
    if reason is not None:
        if repository.end_session(record.id, reason, now):
            store.audit(record.username, "session.end", record.username, {"reason": reason})
        return SessionCheck(None, reason)
    if touch and now - record.last_seen_at >= policy.touch_every:
        repository.touch_session(record.id, now)
    pending = not record.cookie_set and (
        record.ticket_expires_at is not None and record.ticket_expires_at > now
    )
    return SessionCheck(StaffUser(record.username, record.role, record.id), None, pending)


def redeem_ticket(
    store: Store,
    ticket: str | None,
    device: str | None = None,
    now: dt.datetime | None = None,
) -> RedeemedTicket | None:
    """Exchange a one-time ticket for a new session token; None when the ticket is unusable.

    With ``device`` (the browser's device cookie) the browser is remembered as one that signed
    in to the account, which exempts it from the account's sign-in throttle later on.
    """
    if not _usable(ticket):
        return None
    now = now or utcnow()
    token = new_secret()
    repository = StaffRepository(store)
    record = repository.redeem_ticket(hash_token(ticket or ""), hash_token(token), now)
    if record is None:
        return None
    if not record.account_active or record.account_version != record.session_version:
        repository.end_session(record.id, "revoked", now)
        return None
    if _usable(device):
        repository.remember_device(record.user_id, hash_token(device or ""), now)
    store.audit(record.username, "session.cookie", record.username, {"method": record.method})
    return RedeemedTicket(token, record.user_id, record.username, record.expires_at)


def end_session(store: Store, session_id: int, reason: EndReason = "signed_out") -> None:
    """End a session (sign-out); audited once."""
    repository = StaffRepository(store)
    record = repository.session_by_id(session_id)
    if record is not None and repository.end_session(session_id, reason, utcnow()):
        store.audit(record.username, "session.end", record.username, {"reason": reason})
