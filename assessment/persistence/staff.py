"""Staff accounts, staff sessions, known devices and sign-in throttles in the database.

The SQL of staff access lives here; ``assessment.access`` holds the rules (who may sign in, for
how long, how fast) and calls these methods, which return plain frozen values. Secrets never
reach this module: tokens, tickets, device cookies and throttle keys arrive already hashed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session

from assessment.errors import AccountError, AssessmentError, ConstraintError, SSOLoginReusedError
from assessment.persistence.records import record_from
from assessment.persistence.staff_tables import SignInThrottleRow, StaffDeviceRow, StaffSessionRow
from assessment.persistence.store import Store
from assessment.persistence.tables import User


@dataclass(frozen=True)
class AccountRecord:
    """A staff account as stored (the password hash included, for verification only)."""

    id: int
    username: str
    role: str
    active: bool
    session_version: int
    must_change_password: bool
    sign_in: str
    demo: bool
    password_hash: str
    created_at: dt.datetime
    last_login_at: dt.datetime | None


@dataclass(frozen=True)
class StaffSessionRecord:
    """A staff session with the state of its account at the time it was read."""

    id: int
    user_id: int
    username: str
    role: str
    account_active: bool
    account_version: int
    must_change_password: bool
    session_version: int
    method: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    ended_at: dt.datetime | None
    end_reason: str | None
    cookie_set: bool
    ticket_expires_at: dt.datetime | None


@dataclass(frozen=True)
class ThrottleRecord:
    """Recent failures of one throttle key and until when it is slowed down."""

    failures: int
    last_failure_at: dt.datetime
    blocked_until: dt.datetime | None


def _account(row: User) -> AccountRecord:
    return record_from(AccountRecord, row)


def _end_live(db: Session, which: ColumnElement[bool], reason: str, now: dt.datetime) -> int:
    """End the live sessions ``which`` picks (their ticket dies with them); returns how many."""
    result = db.execute(
        update(StaffSessionRow)
        .where(which, StaffSessionRow.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason, ticket_hash=None, ticket_expires_at=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _session(row: StaffSessionRow, user: User) -> StaffSessionRecord:
    return StaffSessionRecord(
        id=row.id,
        user_id=user.id,
        username=user.username,
        role=user.role,
        account_active=user.active,
        account_version=user.session_version,
        must_change_password=user.must_change_password,
        session_version=row.session_version,
        method=row.method,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        expires_at=row.expires_at,
        ended_at=row.ended_at,
        end_reason=row.end_reason,
        cookie_set=row.token_hash is not None,
        ticket_expires_at=row.ticket_expires_at,
    )


class StaffRepository:
    """Typed access to the staff tables of ``store``'s database."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -------------------------------------------------------------- accounts
    def add_account(
        self,
        username: str,
        password_hash: str,
        role: str,
        sign_in: str = "password",
        must_change_password: bool = False,
        demo: bool = False,
    ) -> AccountRecord:
        """Create an account; raises ``AccountError`` when the username is taken."""
        try:
            row = self.store.add_row(
                User(
                    username=username,
                    password_hash=password_hash,
                    role=role,
                    sign_in=sign_in,
                    must_change_password=must_change_password,
                    demo=demo,
                    active=True,
                    session_version=0,
                )
            )
        except ConstraintError:
            raise AccountError(f"user {username!r} already exists") from None
        return _account(row)

    def account(self, username: str) -> AccountRecord | None:
        with self.store.transaction() as db:
            row = db.scalar(select(User).where(User.username == username))
            return _account(row) if row is not None else None

    def account_by_id(self, user_id: int) -> AccountRecord | None:
        with self.store.transaction() as db:
            row = db.get(User, user_id)
            return _account(row) if row is not None else None

    def accounts(self) -> list[AccountRecord]:
        with self.store.transaction() as db:
            return [_account(row) for row in db.scalars(select(User).order_by(User.id))]

    def count_accounts(self) -> int:
        return self.store.count_rows(User.id)

    def update_account(
        self,
        user_id: int,
        *,
        end_sessions: str | None,
        now: dt.datetime,
        active: bool | None = None,
        role: str | None = None,
        password_hash: str | None = None,
        must_change_password: bool | None = None,
        sign_in: str | None = None,
    ) -> AccountRecord | None:
        """Change an account; with ``end_sessions`` (a reason) every live session ends.

        Ending sessions bumps the account's session version, so a session that is being read
        at this very moment fails its next check too. Returns the account as changed, or None
        when there is no such account.
        """
        values: dict[str, object] = {
            key: value
            for key, value in {
                "active": active,
                "role": role,
                "password_hash": password_hash,
                "must_change_password": must_change_password,
                "sign_in": sign_in,
            }.items()
            if value is not None
        }
        with self.store.transaction() as db:
            row = db.get(User, user_id, with_for_update=True)
            if row is None:
                return None
            for key, value in values.items():
                setattr(row, key, value)
            if end_sessions is not None:
                row.session_version += 1
                self._end_sessions(db, user_id, end_sessions, now)
            db.flush()
            return _account(row)

    def record_sign_in(self, user_id: int, now: dt.datetime, rehash: str | None = None) -> None:
        """Note a successful sign-in (and store a rehashed password when the cost changed)."""
        values: dict[str, object] = {"last_login_at": now}
        if rehash is not None:
            values["password_hash"] = rehash
        with self.store.transaction() as db:
            db.execute(update(User).where(User.id == user_id).values(**values))

    # -------------------------------------------------------------- sessions
    def create_session(
        self,
        user_id: int,
        session_version: int,
        method: str,
        ticket_hash: str,
        ticket_expires_at: dt.datetime,
        expires_at: dt.datetime,
        now: dt.datetime,
        sso_key: str | None = None,
    ) -> int:
        """Start a staff session whose cookie is still to be collected with the ticket."""
        try:
            row = self.store.add_row(
                StaffSessionRow(
                    user_id=user_id,
                    session_version=session_version,
                    method=method,
                    ticket_hash=ticket_hash,
                    ticket_expires_at=ticket_expires_at,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=expires_at,
                    sso_key=sso_key,
                )
            )
        except ConstraintError:
            if sso_key is not None:
                raise SSOLoginReusedError("this single sign-on login was used before") from None
            raise
        return row.id

    def session_by_id(self, session_id: int) -> StaffSessionRecord | None:
        with self.store.transaction() as db:
            row = db.get(StaffSessionRow, session_id)
            return self._with_account(db, row)

    def session_by_token(self, token_hash: str) -> StaffSessionRecord | None:
        with self.store.transaction() as db:
            row = db.scalar(select(StaffSessionRow).where(StaffSessionRow.token_hash == token_hash))
            return self._with_account(db, row)

    @staticmethod
    def _with_account(db: Session, row: StaffSessionRow | None) -> StaffSessionRecord | None:
        if row is None:
            return None
        user = db.get(User, row.user_id)
        return _session(row, user) if user is not None else None

    def redeem_ticket(
        self, ticket_hash: str, token_hash: str, now: dt.datetime
    ) -> StaffSessionRecord | None:
        """Exchange a live, unused ticket for the session token (once); None if unusable."""
        with self.store.transaction() as db:
            result = db.execute(
                update(StaffSessionRow)
                .where(
                    StaffSessionRow.ticket_hash == ticket_hash,
                    StaffSessionRow.ticket_expires_at > now,
                    StaffSessionRow.token_hash.is_(None),
                    StaffSessionRow.ended_at.is_(None),
                )
                .values(token_hash=token_hash, ticket_hash=None, ticket_expires_at=None)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = db.scalar(select(StaffSessionRow).where(StaffSessionRow.token_hash == token_hash))
            return self._with_account(db, row)

    def touch_session(self, session_id: int, now: dt.datetime) -> None:
        with self.store.transaction() as db:
            db.execute(
                update(StaffSessionRow)
                .where(StaffSessionRow.id == session_id, StaffSessionRow.ended_at.is_(None))
                .values(last_seen_at=now)
            )

    def end_session(self, session_id: int, reason: str, now: dt.datetime) -> bool:
        """End one session (sign-out, idle, expiry); False if it had ended already."""
        with self.store.transaction() as db:
            return _end_live(db, StaffSessionRow.id == session_id, reason, now) > 0

    @staticmethod
    def _end_sessions(db: Session, user_id: int, reason: str, now: dt.datetime) -> int:
        return _end_live(db, StaffSessionRow.user_id == user_id, reason, now)

    def live_sessions(self, user_id: int) -> int:
        """Sessions of an account that have not been ended (some may be past their limits)."""
        return self.store.count_rows(
            StaffSessionRow.id,
            StaffSessionRow.user_id == user_id,
            StaffSessionRow.ended_at.is_(None),
        )

    # --------------------------------------------------------------- devices
    def remember_device(self, user_id: int, device_hash: str, now: dt.datetime) -> None:
        """Record that this browser signed in to the account (idempotent)."""
        with self.store.transaction() as db:
            known = db.scalar(
                select(StaffDeviceRow).where(
                    StaffDeviceRow.user_id == user_id, StaffDeviceRow.device_hash == device_hash
                )
            )
            if known is not None:
                known.last_used_at = now
                return
        # a ConstraintError: the same browser, recorded by a concurrent request
        with suppress(ConstraintError):
            self.store.add_row(
                StaffDeviceRow(
                    user_id=user_id, device_hash=device_hash, created_at=now, last_used_at=now
                )
            )

    def forget_devices(self, user_id: int) -> int:
        """Forget every browser that signed in to the account; returns how many there were."""
        with self.store.transaction() as db:
            result = db.execute(delete(StaffDeviceRow).where(StaffDeviceRow.user_id == user_id))
            return int(result.rowcount)  # type: ignore[attr-defined]

    def is_known_device(self, user_id: int, device_hash: str) -> bool:
        with self.store.transaction() as db:
            return (
                db.scalar(
                    select(StaffDeviceRow.id).where(
                        StaffDeviceRow.user_id == user_id,
                        StaffDeviceRow.device_hash == device_hash,
                    )
                )
                is not None
            )

    # ------------------------------------------------------------- throttles
    def throttle(self, key_hash: str) -> ThrottleRecord | None:
        with self.store.transaction() as db:
            row = db.get(SignInThrottleRow, key_hash)
            if row is None:
                return None
            return ThrottleRecord(row.failures, row.last_failure_at, row.blocked_until)

    def record_failure(
        self,
        key_hash: str,
        now: dt.datetime,
        window: dt.timedelta,
        delay: Callable[[int], dt.timedelta],
    ) -> ThrottleRecord:
        """Count one more failure (a fresh count after ``window`` without one).

        ``delay(failures)`` says how long the key is slowed down after that many failures.
        """
        for _ in range(3):  # a concurrent first failure of the same key inserts the row first
            try:
                with self.store.transaction() as db:
                    row = db.get(SignInThrottleRow, key_hash, with_for_update=True)
                    if row is None:
                        row = SignInThrottleRow(key_hash=key_hash, failures=0, last_failure_at=now)
                        db.add(row)
                    elif row.last_failure_at < now - window:
                        row.failures = 0
                    row.failures += 1
                    row.last_failure_at = now
                    wait = delay(row.failures)
                    row.blocked_until = now + wait if wait > dt.timedelta(0) else None
                    return ThrottleRecord(row.failures, row.last_failure_at, row.blocked_until)
            except ConstraintError:
                continue
        raise AssessmentError("could not record a failed sign-in")  # pragma: no cover

    def clear_throttle(self, key_hash: str) -> None:
        with self.store.transaction() as db:
            db.execute(delete(SignInThrottleRow).where(SignInThrottleRow.key_hash == key_hash))
