"""Staff accounts: argon2-hashed passwords, roles, sign-in with throttles, administration.

Sign-in answers every refusal with one generic error (``SIGN_IN_ERROR``) whether the username
is unknown, the password wrong, the account disabled or the attempt slowed down, and it takes
the same time for unknown and known usernames. Every change to an account is audited, and the
changes that must end live sessions (disable, role, password) bump the account's session
version so that each session fails its next check. Disabling an account and resetting or
changing its password also forget the browsers that signed in to it (its known devices), so a
browser that signed in with a stolen password loses its exemption from the sign-in delays.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Literal, NoReturn

from assessment.access.passwords import (
    DEFAULT_HASHING,
    UNUSABLE_HASH,
    HashingBusyError,
    PasswordHashing,
    password_problem,
)
from assessment.access.throttle import (
    ACCOUNT_ALL_CLIENTS_THROTTLE,
    ACCOUNT_THROTTLE,
    CLIENT_THROTTLE,
    ThrottlePolicy,
    account_all_clients_key,
    account_key,
    client_key,
)
from assessment.clock import utcnow
from assessment.errors import AccountError, LoginError
from assessment.persistence.staff import AccountRecord, StaffRepository
from assessment.persistence.store import Store, hash_token

Role = Literal["recruiter", "psychometrician", "admin"]
ROLES: tuple[str, ...] = ("recruiter", "psychometrician", "admin")
MAX_USERNAME = 100
SIGN_IN_ERROR = "username or password is incorrect, or the account cannot sign in now"
TEMPORARY_PASSWORD_BYTES = 12


@dataclass(frozen=True)
class StaffUser:
    """A signed-in staff member as the pages see them (``session_id``: their staff session)."""

    username: str
    role: str
    session_id: int | None = None

    def can(self, *roles: str) -> bool:
        """Whether this user holds one of ``roles`` (admins hold every role)."""
        return self.role == "admin" or self.role in roles


@dataclass(frozen=True)
class SignInResult:
    """A correct password: the account, and whether it must choose a new password first."""

    account_id: int
    username: str
    role: str
    session_version: int
    must_change_password: bool


@dataclass(frozen=True)
class Throttles:
    """The throttle policies sign-in uses (replaceable in tests).

    ``account``: a typed username from one client; ``account_all_clients``: a typed username
    from every client together; ``client``: one client, whatever username it types.
    """

    account: ThrottlePolicy = ACCOUNT_THROTTLE
    account_all_clients: ThrottlePolicy = ACCOUNT_ALL_CLIENTS_THROTTLE
    client: ThrottlePolicy = CLIENT_THROTTLE

    def keyed(self, typed: str, client: str | None) -> list[tuple[str, ThrottlePolicy]]:
        """The hashed throttle keys of an attempt, each with its policy."""
        return [
            (client_key(client), self.client),
            (account_key(typed, client), self.account),
            (account_all_clients_key(typed), self.account_all_clients),
        ]


def _check_username(username: str) -> str:
    username = username.strip()
    if not username or len(username) > MAX_USERNAME:
        raise AccountError(f"username must be 1–{MAX_USERNAME} characters")
    if any(ch.isspace() or not ch.isprintable() for ch in username):
        raise AccountError("username must not contain spaces or control characters")
    return username


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    return role


def _check_password(password: str) -> str:
    if problem := password_problem(password):
        raise AccountError(problem)
    return password


def add_user(
    store: Store,
    username: str,
    password: str | None,
    role: str,
    actor: str = "cli",
    *,
    must_change_password: bool = False,
    demo: bool = False,
    hashing: PasswordHashing = DEFAULT_HASHING,
) -> AccountRecord:
    """Create a staff account; ``password=None`` makes a single-sign-on-only account."""
    username = _check_username(username)
    _check_role(role)
    if password is None:
        password_hash, sign_in = UNUSABLE_HASH, "sso"
    else:
        password_hash, sign_in = hashing.hash(_check_password(password)), "password"
    account = StaffRepository(store).add_account(
        username, password_hash, role, sign_in, must_change_password, demo
    )
    store.audit(actor, "user.add", username, {"role": role, "sign_in": sign_in, "demo": demo})
    return account


def authenticate(
    store: Store,
    username: str,
    password: str,
    now: dt.datetime | None = None,
    *,
    client: str | None = None,
    device: str | None = None,
    hashing: PasswordHashing = DEFAULT_HASHING,
    throttles: Throttles | None = None,
) -> SignInResult:
    """Check a sign-in; raises ``LoginError(SIGN_IN_ERROR)`` for every kind of refusal.

    Parameters
    ----------
    client
        The requester's address: its failures are throttled together, and a username's
        failures from it are throttled apart from the same username's from other clients, so
        someone failing from one address cannot keep the owner out on another.
    device
        The browser's device cookie: a browser that signed in to this account before is not
        slowed down by anyone's failures (neither the account's nor its address's), so failures
        by others cannot keep it out.
    """
    now = now or utcnow()
    throttles = throttles or Throttles()
    repository = StaffRepository(store)
    typed = username.strip()[:MAX_USERNAME]
    keys = throttles.keyed(typed, client)
    account = repository.account(typed) if typed else None
    known_device = (
        account is not None
        and isinstance(device, str)
        and 16 <= len(device) <= 128
        and repository.is_known_device(account.id, hash_token(device))
    )
    if not known_device and any(_blocked(repository, key, now) for key, _ in keys):
        _refuse(store, typed, "throttled", client)
    usable = account is not None and account.active and account.sign_in == "password"
    try:
        matched = hashing.verify(account.password_hash if usable and account else None, password)
    except HashingBusyError:
        _refuse(store, typed, "busy", client)
    if not matched or account is None or not usable:
        for key, policy in keys:
            repository.record_failure(key, now, policy.window, policy.delay)
        outcome = "failed" if account is not None else "unknown"
        if account is not None and not usable:
            outcome = "disabled" if not account.active else "sso_only"
        _refuse(store, typed, outcome, client)
    # this client's delay on the username ends; the all-clients count runs out by itself, so
    # a guesser with many addresses cannot have it reset by waiting for the owner to sign in
    repository.clear_throttle(account_key(typed, client))
    rehash = hashing.hash(password) if hashing.needs_rehash(account.password_hash) else None
    repository.record_sign_in(account.id, now, rehash)
    store.audit(account.username, "login.ok", account.username, _detail(client))
    return SignInResult(
        account.id,
        account.username,
        account.role,
        account.session_version,
        account.must_change_password,
    )


def _blocked(repository: StaffRepository, key_hash: str, now: dt.datetime) -> bool:
    record = repository.throttle(key_hash)
    return record is not None and record.blocked_until is not None and record.blocked_until > now


def _refuse(store: Store, typed: str, outcome: str, client: str | None) -> NoReturn:
    store.audit(typed or "anonymous", f"login.{outcome}", typed or None, _detail(client))
    raise LoginError(SIGN_IN_ERROR)


def _detail(client: str | None) -> dict[str, str] | None:
    return {"client": client[:100]} if client else None


def _existing(repository: StaffRepository, username: str) -> AccountRecord:
    account = repository.account(username.strip())
    if account is None:
        raise AccountError(f"there is no user {username.strip()!r} (see: sjt user list)")
    return account


def _changed(account: AccountRecord | None, username: str) -> AccountRecord:
    if account is None:  # deleted between reading and changing it
        raise AccountError(f"there is no user {username!r} (see: sjt user list)")
    return account


def disable_user(store: Store, username: str, actor: str = "cli") -> AccountRecord:
    """Disable an account; its live sessions end at their next action, its devices are forgotten."""
    repository = StaffRepository(store)
    account = _existing(repository, username)
    changed = repository.update_account(
        account.id, active=False, end_sessions="account_disabled", now=utcnow()
    )
    forgotten = repository.forget_devices(account.id)
    store.audit(actor, "user.disable", account.username, {"devices_forgotten": forgotten})
    return _changed(changed, account.username)


def enable_user(store: Store, username: str, actor: str = "cli") -> AccountRecord:
    """Enable a disabled account again (its old sessions stay ended)."""
    repository = StaffRepository(store)
    account = _existing(repository, username)
    changed = repository.update_account(account.id, active=True, end_sessions=None, now=utcnow())
    store.audit(actor, "user.enable", account.username)
    return _changed(changed, account.username)


def set_role(store: Store, username: str, role: str, actor: str = "cli") -> AccountRecord:
    """Change an account's role; its live sessions end (they were granted the old role)."""
    repository = StaffRepository(store)
    account = _existing(repository, username)
    _check_role(role)
    changed = repository.update_account(
        account.id, role=role, end_sessions="role_changed", now=utcnow()
    )
    store.audit(actor, "user.set_role", account.username, {"from": account.role, "to": role})
    return _changed(changed, account.username)


def reset_password(
    store: Store,
    username: str,
    password: str | None = None,
    actor: str = "cli",
    hashing: PasswordHashing = DEFAULT_HASHING,
) -> str:
    """Give an account a temporary password that must be changed at the next sign-in.

    Returns the temporary password (random unless ``password`` is given); live sessions end
    and the account's known devices are forgotten.
    """
    repository = StaffRepository(store)
    account = _existing(repository, username)
    temporary = (
        password if password is not None else secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
    )
    repository.update_account(
        account.id,
        password_hash=hashing.hash(_check_password(temporary)),
        must_change_password=True,
        sign_in="password",
        end_sessions="password_reset",
        now=utcnow(),
    )
    repository.clear_throttle(account_all_clients_key(account.username))
    forgotten = repository.forget_devices(account.id)
    store.audit(actor, "user.reset_password", account.username, {"devices_forgotten": forgotten})
    return temporary


def change_password(
    store: Store,
    account_id: int,
    new_password: str,
    hashing: PasswordHashing = DEFAULT_HASHING,
) -> AccountRecord:
    """Set a password the staff member chose (after signing in with the old one).

    The new password must differ from the old one; every session of the account ends and its
    known devices are forgotten (the browser changing it is remembered again when its new
    session collects its cookie).
    """
    repository = StaffRepository(store)
    account = repository.account_by_id(account_id)
    if account is None or not account.active:
        raise AccountError("this account cannot change its password now")
    _check_password(new_password)
    if hashing.verify(account.password_hash, new_password):
        raise AccountError("the new password must differ from the old one")
    changed = repository.update_account(
        account.id,
        password_hash=hashing.hash(new_password),
        must_change_password=False,
        end_sessions="password_changed",
        now=utcnow(),
    )
    forgotten = repository.forget_devices(account.id)
    store.audit(
        account.username,
        "user.password_changed",
        account.username,
        {"devices_forgotten": forgotten},
    )
    return _changed(changed, account.username)


def list_users(store: Store) -> list[AccountRecord]:
    """Every account, oldest first."""
    return StaffRepository(store).accounts()
