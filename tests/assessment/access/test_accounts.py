"""Sign-in and account administration, including attacks on the sign-in itself."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from typing import Any

import argon2
import pytest

from assessment.access.accounts import (
    SIGN_IN_ERROR,
    add_user,
    authenticate,
    change_password,
    disable_user,
    enable_user,
    list_users,
    reset_password,
    set_role,
)
from assessment.access.passwords import DEFAULT_HASHING, HASH_CONCURRENCY, PasswordHashing
from assessment.access.sessions import check_session, redeem_ticket, start_session
from assessment.access.throttle import ACCOUNT_THROTTLE, CLIENT_THROTTLE, account_key
from assessment.errors import AccountError, LoginError
from assessment.persistence.staff import StaffRepository
from assessment.persistence.store import Store, hash_token
from tests.assessment.access.conftest import PASSWORD, T0

ATTACKER = "203.0.113.9"
OWNER = "198.51.100.7"


def refused(store: Store, username: str, password: str, **options: Any) -> str:
    with pytest.raises(LoginError) as error:
        authenticate(store, username, password, **options)
    return str(error.value)


def test_every_refusal_gives_the_same_generic_error(store: Store, fast: PasswordHashing) -> None:
    add_user(store, "rita", PASSWORD, "recruiter", hashing=fast)
    add_user(store, "dora", PASSWORD, "recruiter", hashing=fast)
    disable_user(store, "dora")
    add_user(store, "sam", None, "recruiter")  # single sign-on only
    seen = {
        refused(store, "rita", "wrong-password-1", now=T0, hashing=fast),
        refused(store, "nobody", PASSWORD, now=T0, hashing=fast),
        refused(store, "dora", PASSWORD, now=T0, hashing=fast),
        refused(store, "sam", "any-password-at-all", now=T0, hashing=fast),
    }
    for _ in range(ACCOUNT_THROTTLE.free + 1):
        refused(store, "rita", "wrong-password-2", now=T0, hashing=fast, client=ATTACKER)
    # throttled now: even the right password gets the same words
    seen.add(refused(store, "rita", PASSWORD, now=T0, hashing=fast, client=OWNER))
    assert seen == {SIGN_IN_ERROR}
    assert "exist" not in SIGN_IN_ERROR
    assert "lock" not in SIGN_IN_ERROR
    outcomes = [e.action for e in store.audit_entries() if e.action.startswith("login.")]
    assert {"login.failed", "login.unknown", "login.disabled", "login.sso_only"} <= set(outcomes)
    assert "login.throttled" in outcomes


def test_unknown_usernames_are_throttled_exactly_like_real_ones(
    store: Store, fast: PasswordHashing
) -> None:
    add_user(store, "rita", PASSWORD, "recruiter", hashing=fast)
    for index in range(ACCOUNT_THROTTLE.free + 2):
        for name in ("rita", "ghost"):  # a different client each time: only the account counts
            refused(store, name, "wrong-password", now=T0, hashing=fast, client=f"10.0.0.{index}")
    repository = StaffRepository(store)
    real = repository.throttle(account_key("rita"))
    unknown = repository.throttle(account_key("ghost"))
    assert real is not None
    assert unknown is not None
    assert (real.failures, real.blocked_until) == (unknown.failures, unknown.blocked_until)
    assert real.blocked_until is not None
    assert real.blocked_until > T0


def test_unknown_usernames_cost_one_full_password_hash(
    store: Store, fast: PasswordHashing, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(store, "rita", PASSWORD, "recruiter", hashing=fast)
    calls: list[str] = []
    original = argon2.PasswordHasher.verify

    def counting(self: argon2.PasswordHasher, password_hash: str, password: str) -> bool:
        calls.append(password_hash)
        return original(self, password_hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting)
    refused(store, "rita", "wrong-password", now=T0, hashing=fast, client="a")
    refused(store, "ghost", "wrong-password", now=T0, hashing=fast, client="b")
    assert len(calls) == 2
    assert all(h.startswith("$argon2id$") for h in calls)


def test_failed_sign_ins_are_slowed_progressively_and_never_locked(
    store: Store, fast: PasswordHashing
) -> None:
    assert [ACCOUNT_THROTTLE.delay(n).total_seconds() for n in range(1, 11)] == [
        0, 0, 0, 2, 4, 8, 16, 32, 60, 60,
    ]  # fmt: skip
    assert CLIENT_THROTTLE.delay(200) == dt.timedelta(seconds=60)
    add_user(store, "rita", PASSWORD, "recruiter", hashing=fast)
    now = T0
    for index in range(30):  # a persistent guesser from many addresses, as fast as allowed
        refused(store, "rita", "wrong-password", now=now, hashing=fast, client=f"c{index}")
        now += ACCOUNT_THROTTLE.cap
    # the owner waits at most the cap, then the right password works
    assert authenticate(store, "rita", PASSWORD, now + ACCOUNT_THROTTLE.cap, hashing=fast)


def owner_device(store: Store, fast: PasswordHashing) -> str:
    """The owner signs in once from their browser, which is remembered as a known device."""
    result = authenticate(store, "rita", PASSWORD, T0, hashing=fast, client=OWNER)
    started = start_session(store, result.account_id, result.session_version, "password", T0)
    device = "device-cookie-of-ritas-browser"
    assert redeem_ticket(store, started.ticket, device, T0) is not None
    return device


def test_an_outsider_cannot_lock_out_the_owner_who_signs_in_from_a_known_device(
    store: Store, fast: PasswordHashing
) -> None:
    add_user(store, "rita", PASSWORD, "recruiter", hashing=fast)
    device = owner_device(store, fast)
    now = T0 + dt.timedelta(minutes=1)
    for index in range(40):  # a botnet fails on purpose as often as it is let through
        refused(store, "rita", "guess", now=now, hashing=fast, client=f"203.0.113.{index}")
        now += dt.timedelta(seconds=61)
    repository = StaffRepository(store)
    throttle = repository.throttle(account_key("rita"))
    assert throttle is not None
    assert throttle.blocked_until is not None
    at = throttle.blocked_until - dt.timedelta(seconds=1)  # while the account is slowed down
    # from a new browser the owner has to wait, like anyone …
    refused(store, "rita", PASSWORD, now=at, hashing=fast, client=OWNER)
    # … but from the browser they signed in with before, they get in at once
    assert authenticate(store, "rita", PASSWORD, at, hashing=fast, client=OWNER, device=device)
    assert repository.throttle(account_key("rita")) is None  # and the delay is cleared


def test_the_client_throttle_slows_one_address_guessing_many_usernames(
    store: Store, fast: PasswordHashing
) -> None:
    add_user(store, "rita", PASSWORD, "recruiter", hashing=fast)
    device = owner_device(store, fast)
    for index in range(CLIENT_THROTTLE.free + 1):
        refused(store, f"user{index}", "wrong-password", now=T0, hashing=fast, client=ATTACKER)
    refused(store, "rita", PASSWORD, now=T0, hashing=fast, client=ATTACKER)
    assert authenticate(store, "rita", PASSWORD, T0, hashing=fast, client=OWNER)
    # behind one proxy everyone shares the attacker's address: a known browser still gets in
    assert authenticate(store, "rita", PASSWORD, T0, hashing=fast, client=ATTACKER, device=device)


def test_at_most_two_password_hashes_run_at_once(
    sqlite_file_store: Store, fast: PasswordHashing, monkeypatch: pytest.MonkeyPatch
) -> None:
    """24 concurrent anonymous attempts hold at most two argon2 hashes (2 × 64 MiB) at a time."""
    assert DEFAULT_HASHING.concurrency == HASH_CONCURRENCY == 2
    bounded = PasswordHashing(concurrency=HASH_CONCURRENCY, hasher=fast._hasher)
    running, peak, lock = [0], [0], threading.Lock()
    original = argon2.PasswordHasher.verify

    def tracked(self: argon2.PasswordHasher, password_hash: str, password: str) -> bool:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)  # a real hash takes longer still
        try:
            return original(self, password_hash, password)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(argon2.PasswordHasher, "verify", tracked)
    barrier = threading.Barrier(24)
    errors: list[str] = []

    def attempt(index: int) -> None:
        barrier.wait()
        try:
            authenticate(sqlite_file_store, f"anon{index}", "guess-guess", hashing=bounded,
                         client=f"10.1.0.{index}")  # fmt: skip
        except LoginError as error:
            errors.append(str(error))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [SIGN_IN_ERROR] * 24
    assert peak[0] == HASH_CONCURRENCY


@pytest.fixture
def sqlite_file_store(tmp_path: Any) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'concurrent.db'}")
    yield opened
    opened.engine.dispose()


# ------------------------------------------------------------------ administration
def started(store: Store, fast: PasswordHashing, username: str = "rita") -> int:
    result = authenticate(store, username, PASSWORD, hashing=fast)
    return start_session(store, result.account_id, result.session_version, "password").session_id


def test_disabling_an_account_ends_its_live_sessions(store: Store, fast: PasswordHashing) -> None:
    add_user(store, "rita", PASSWORD, "recruiter", hashing=fast)
    session_id = started(store, fast)
    assert check_session(store, session_id=session_id).user is not None
    disable_user(store, "rita", actor="ops")
    check = check_session(store, session_id=session_id)
    assert check.user is None
    assert check.reason == "account_disabled"
    refused(store, "rita", PASSWORD, hashing=fast)
    enable_user(store, "rita", actor="ops")
    assert check_session(store, session_id=session_id).user is None  # old sessions stay ended
    assert authenticate(store, "rita", PASSWORD, hashing=fast)


def test_a_role_change_ends_sessions_granted_under_the_old_role(
    store: Store, fast: PasswordHashing
) -> None:
    add_user(store, "rita", PASSWORD, "recruiter", hashing=fast)
    session_id = started(store, fast)
    set_role(store, "rita", "psychometrician", actor="ops")
    assert check_session(store, session_id=session_id).reason == "role_changed"
    new_session = started(store, fast)
    user = check_session(store, session_id=new_session).user
    assert user is not None
    assert user.role == "psychometrician"
    with pytest.raises(AccountError, match="role must be one of"):
        set_role(store, "rita", "superuser")


def test_a_reset_password_must_be_changed_at_the_next_sign_in(
    store: Store, fast: PasswordHashing
) -> None:
    add_user(store, "rita", PASSWORD, "recruiter", hashing=fast)
    session_id = started(store, fast)
    temporary = reset_password(store, "rita", actor="ops", hashing=fast)
    assert len(temporary) >= 16
    assert check_session(store, session_id=session_id).reason == "password_reset"
    refused(store, "rita", PASSWORD, hashing=fast)
    result = authenticate(store, "rita", temporary, hashing=fast)
    assert result.must_change_password
    with pytest.raises(AccountError, match="must differ"):
        change_password(store, result.account_id, temporary, hashing=fast)
    with pytest.raises(AccountError, match="at least 10"):
        change_password(store, result.account_id, "short", hashing=fast)
    changed = change_password(store, result.account_id, "a-new-long-password", hashing=fast)
    assert not changed.must_change_password
    assert changed.session_version > result.session_version
    assert not authenticate(store, "rita", "a-new-long-password", hashing=fast).must_change_password


def test_every_account_change_is_audited(store: Store, fast: PasswordHashing) -> None:
    add_user(store, "rita", PASSWORD, "recruiter", actor="ops", hashing=fast)
    disable_user(store, "rita", actor="ops")
    enable_user(store, "rita", actor="ops")
    set_role(store, "rita", "admin", actor="ops")
    reset_password(store, "rita", actor="ops", hashing=fast)
    actions = [(e.actor, e.action, e.target) for e in reversed(store.audit_entries())]
    assert actions == [
        ("ops", f"user.{what}", "rita")
        for what in ("add", "disable", "enable", "set_role", "reset_password")
    ]
    with pytest.raises(AccountError, match="no user 'ghost'"):
        disable_user(store, "ghost")
    assert [(a.username, a.role, a.must_change_password) for a in list_users(store)] == [
        ("rita", "admin", True)
    ]


def test_usernames_and_passwords_are_checked_when_accounts_are_created(
    store: Store, fast: PasswordHashing
) -> None:
    with pytest.raises(AccountError, match="at least 10"):
        add_user(store, "rita", "short", "recruiter", hashing=fast)
    with pytest.raises(AccountError, match="spaces or control"):
        add_user(store, "ri ta", PASSWORD, "recruiter", hashing=fast)
    add_user(store, "rita", PASSWORD, "recruiter", hashing=fast)
    with pytest.raises(AccountError, match="already exists"):
        add_user(store, "rita", PASSWORD, "admin", hashing=fast)


@pytest.mark.parametrize("revocation", ["reset_password", "disable", "change_password"])
def test_a_browser_that_signed_in_with_a_stolen_password_is_slowed_down_after_revocation(
    store: Store, fast: PasswordHashing, revocation: str
) -> None:
    """A thief signs in once with a phished password, so their browser becomes a known device
    (its cookie lasts 400 days). Resetting, changing the password or disabling the account
    forgets the account's devices: the thief's guesses at the new password are slowed down."""
    account = add_user(store, "rita", PASSWORD, "recruiter", hashing=fast)
    thiefs_browser = owner_device(store, fast)
    repository = StaffRepository(store)
    if revocation == "reset_password":
        reset_password(store, "rita", "a-temporary-password", actor="ops", hashing=fast)
    elif revocation == "disable":
        disable_user(store, "rita", actor="ops")
        enable_user(store, "rita", actor="ops")
    else:
        change_password(store, account.id, "the-owners-new-password", hashing=fast)
    assert not repository.is_known_device(account.id, hash_token(thiefs_browser))
    action = {"disable": "user.disable", "change_password": "user.password_changed"}
    entry = store.audit_entries(action.get(revocation, "user.reset_password"))[0]
    assert entry.detail == {"devices_forgotten": 1}
    later = T0 + dt.timedelta(minutes=5)
    for guess in range(ACCOUNT_THROTTLE.free + 2):
        refused(store, "rita", f"guess-{guess}", now=later, hashing=fast, client=ATTACKER,
                device=thiefs_browser)  # fmt: skip
    outcomes = [e.action for e in store.audit_entries() if e.action.startswith("login.")]
    assert outcomes[0] == "login.throttled"  # the newest: no longer exempt from the delays
