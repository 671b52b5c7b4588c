"""Sign-in and account administration, including attacks on the sign-in itself."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
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
from assessment.access.throttle import (
    ACCOUNT_ALL_CLIENTS_THROTTLE,
    ACCOUNT_THROTTLE,
    CLIENT_THROTTLE,
    account_all_clients_key,
    account_key,
)
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
    seen.add(refused(store, "rita", PASSWORD, now=T0, hashing=fast, client=ATTACKER))
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
    for name in ("rita", "ghost"):
        for _ in range(ACCOUNT_THROTTLE.free + 2):  # one address …
            refused(store, name, "wrong-password", now=T0, hashing=fast, client=ATTACKER)
        for index in range(ACCOUNT_ALL_CLIENTS_THROTTLE.free):  # … and many
            refused(store, name, "wrong-password", now=T0, hashing=fast, client=f"10.0.0.{index}")
    repository = StaffRepository(store)
    for key in (lambda name: account_key(name, ATTACKER), account_all_clients_key):
        real = repository.throttle(key("rita"))
        unknown = repository.throttle(key("ghost"))
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
    assert ACCOUNT_ALL_CLIENTS_THROTTLE.free >= 10 * ACCOUNT_THROTTLE.free
    add_user(store, "rita", PASSWORD, "recruiter", hashing=fast)
    now, checked = T0, []
    while now < T0 + dt.timedelta(minutes=6):  # one address tries every second
        with contextlib.suppress(LoginError):
            authenticate(store, "rita", f"guess-{len(checked)}", now, hashing=fast, client=ATTACKER)
        outcome = store.audit_entries(limit=1)[0].action
        if outcome == "login.failed":  # checked (not refused unseen during a wait)
            checked.append(now)
        now += dt.timedelta(seconds=1)
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(checked)]
    assert gaps[:9] == [1, 1, 1, 2, 4, 8, 16, 32, 60]  # each wait doubles up to the cap
    assert set(gaps[9:]) == {60}  # never locked: one guess a minute
    # the guesser's right password during a wait gets the generic refusal too
    refused(store, "rita", PASSWORD, now=checked[-1], hashing=fast, client=ATTACKER)
    # after the wait the owner gets in (even from the guesser's address: behind one proxy)
    assert authenticate(store, "rita", PASSWORD, checked[-1] + ACCOUNT_THROTTLE.cap,
                        hashing=fast, client=ATTACKER)  # fmt: skip


def test_an_attacker_failing_from_one_address_cannot_keep_the_owner_out_of_another(
    store: Store, fast: PasswordHashing
) -> None:
    """The reviewer's attack: from address X a wrong guess every second, for five minutes
    (checked whenever the delay allows, refused unseen during the waits). The owner, from
    address Y in a browser without a device cookie (a new browser, a private window), signs
    in every seven seconds and gets in at the first try every time."""
    add_user(store, "rita", PASSWORD, "recruiter", hashing=fast)
    repository = StaffRepository(store)
    owner_in, attacker_waiting = 0, 0
    for second in range(300):
        now = T0 + dt.timedelta(seconds=second)
        refused(store, "rita", "wrong-guess", now=now, hashing=fast, client=ATTACKER)
        if second % 7 == 6:
            delayed = repository.throttle(account_key("rita", ATTACKER))
            attacker_waiting += bool(
                delayed and delayed.blocked_until and delayed.blocked_until > now
            )
            assert authenticate(store, "rita", PASSWORD, now, hashing=fast, client=OWNER)
            owner_in += 1
    assert owner_in == 300 // 7
    assert attacker_waiting >= owner_in - 1  # the attacker's address was slowed down meanwhile


def test_a_guesser_spread_over_many_addresses_is_slowed_by_the_all_clients_limit(
    store: Store, fast: PasswordHashing
) -> None:
    """Each address stays within its free failures; together they reach the username's
    all-clients limit, after which no address gets a guess checked until the wait is over."""
    add_user(store, "rita", PASSWORD, "recruiter", hashing=fast)
    device = owner_device(store, fast)
    for index in range(ACCOUNT_ALL_CLIENTS_THROTTLE.free + 1):
        refused(store, "rita", f"guess-{index}", now=T0, hashing=fast, client=f"203.0.113.{index}")
    everyone = StaffRepository(store).throttle(account_all_clients_key("rita"))
    assert everyone is not None
    assert everyone.blocked_until == T0 + ACCOUNT_ALL_CLIENTS_THROTTLE.base
    refused(store, "rita", PASSWORD, now=T0, hashing=fast, client="192.0.2.200")  # unchecked
    assert store.audit_entries(limit=1)[0].action == "login.throttled"
    # the owner's known browser is exempt; a correct password does not reset the count
    assert authenticate(store, "rita", PASSWORD, T0, hashing=fast, client=OWNER, device=device)
    assert StaffRepository(store).throttle(account_all_clients_key("rita")) == everyone
    assert authenticate(store, "rita", PASSWORD, everyone.blocked_until, hashing=fast, client=OWNER)


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
    throttle = repository.throttle(account_all_clients_key("rita"))
    assert throttle is not None
    assert throttle.blocked_until is not None
    at = throttle.blocked_until - dt.timedelta(seconds=1)  # while the account is slowed down
    # from a new browser the owner has to wait for the botnet's delay (the residual risk) …
    refused(store, "rita", PASSWORD, now=at, hashing=fast, client=OWNER)
    # … but from the browser they signed in with before, they get in at once
    assert authenticate(store, "rita", PASSWORD, at, hashing=fast, client=OWNER, device=device)


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
