"""Staff accounts: argon2-hashed passwords, roles, and throttling of failed logins."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from assessment.clock import utcnow
from assessment.errors import AssessmentError, LoginError
from assessment.persistence.store import Store
from assessment.persistence.tables import User

Role = Literal["recruiter", "psychometrician", "admin"]
ROLES: tuple[str, ...] = ("recruiter", "psychometrician", "admin")
MIN_PASSWORD_LENGTH = 10
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
_HASHER = PasswordHasher()
# A real hash to verify against when the user does not exist, so that the response time does
# not reveal which usernames exist.
_DUMMY_HASH = _HASHER.hash("not-a-real-password-but-same-cost")


@dataclass(frozen=True)
class StaffUser:
    """A signed-in staff member as the pages see them."""

    username: str
    role: str

    def can(self, *roles: str) -> bool:
        """Whether this user holds one of ``roles`` (admins hold every role)."""
        return self.role == "admin" or self.role in roles


def add_user(store: Store, username: str, password: str, role: str, actor: str = "cli") -> None:
    """Create a staff account with an argon2 hash of ``password``."""
    username = username.strip()
    if not username or len(username) > 100:
        raise AssessmentError("username must be 1–100 characters")
    if role not in ROLES:
        raise AssessmentError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AssessmentError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    try:
        with store.transaction() as db:
            db.add(User(username=username, password_hash=_HASHER.hash(password), role=role))
    except IntegrityError:
        raise AssessmentError(f"user {username!r} already exists") from None
    store.audit(actor, "user.add", username, {"role": role})


def authenticate(
    store: Store, username: str, password: str, now: dt.datetime | None = None
) -> StaffUser:
    """Check a login; locks the account for 15 minutes after 5 failures in a row."""
    now = now or utcnow()
    with store.transaction() as db:
        user = db.scalar(select(User).where(User.username == username.strip()))
        if user is None or not user.active:
            _verify(_DUMMY_HASH, password)
            outcome: str = "unknown"
        elif user.locked_until is not None and user.locked_until > now:
            outcome = "locked"
        elif _verify(user.password_hash, password):
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = now
            if _HASHER.check_needs_rehash(user.password_hash):
                user.password_hash = _HASHER.hash(password)
            outcome = "ok"
            signed_in = StaffUser(user.username, user.role)
        else:
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = now + LOCKOUT
                user.failed_logins = 0
            outcome = "failed"
    store.audit(username[:100], f"login.{outcome}", username[:200])
    if outcome == "ok":
        return signed_in
    if outcome == "locked":
        raise LoginError("too many failed attempts; try again in 15 minutes")
    raise LoginError("username or password is wrong")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def list_users(store: Store) -> list[StaffUser]:
    with store.transaction() as db:
        return [StaffUser(u.username, u.role) for u in db.scalars(select(User).order_by(User.id))]
