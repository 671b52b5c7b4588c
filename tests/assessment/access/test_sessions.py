"""Server-side staff sessions: hashed secrets, one-time tickets, idle and absolute limits."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from assessment.access.accounts import add_user, authenticate
from assessment.access.passwords import PasswordHashing
from assessment.access.sessions import (
    DEFAULT_POLICY,
    check_session,
    end_session,
    redeem_ticket,
    start_session,
)
from assessment.persistence.staff_tables import StaffDeviceRow, StaffSessionRow
from assessment.persistence.store import Store, hash_token
from tests.assessment.access.conftest import PASSWORD, T0


@pytest.fixture
def account(store: Store, fast: PasswordHashing) -> tuple[int, int]:
    add_user(store, "rita", PASSWORD, "recruiter", hashing=fast)
    result = authenticate(store, "rita", PASSWORD, T0, hashing=fast)
    return result.account_id, result.session_version


def test_limits_are_30_idle_minutes_and_12_hours() -> None:
    assert DEFAULT_POLICY.idle == dt.timedelta(minutes=30)
    assert DEFAULT_POLICY.absolute == dt.timedelta(hours=12)
    assert DEFAULT_POLICY.ticket <= dt.timedelta(minutes=1)


def test_tokens_and_tickets_are_random_and_stored_only_as_hashes(
    store: Store, account: tuple[int, int]
) -> None:
    started = start_session(store, *account, "password", T0)
    redeemed = redeem_ticket(store, started.ticket, "device-cookie-0123456789", T0)
    assert redeemed is not None
    # token_urlsafe(32): 256 random bits, at least the 128 the design asks for
    assert len(started.ticket) >= 43
    assert len(redeemed.token) >= 43
    assert started.ticket != redeemed.token
    with store.transaction() as db:
        row = db.scalars(select(StaffSessionRow)).one()
        device = db.scalars(select(StaffDeviceRow)).one()
        stored = {row.token_hash, row.ticket_hash, device.device_hash}
    assert row.token_hash == hash_token(redeemed.token)
    assert row.ticket_hash is None  # used up
    assert not stored & {started.ticket, redeemed.token, "device-cookie-0123456789"}


def test_a_ticket_gives_one_cookie_once_and_only_within_a_minute(
    store: Store, account: tuple[int, int]
) -> None:
    first = start_session(store, *account, "password", T0)
    assert check_session(store, session_id=first.session_id, now=T0).cookie_pending
    redeemed = redeem_ticket(store, first.ticket, now=T0 + dt.timedelta(seconds=5))
    assert redeemed is not None
    assert redeem_ticket(store, first.ticket, now=T0 + dt.timedelta(seconds=6)) is None
    by_cookie = check_session(store, token=redeemed.token, now=T0 + dt.timedelta(seconds=7))
    assert by_cookie.user is not None
    assert by_cookie.user.username == "rita"
    assert not by_cookie.cookie_pending
    late = start_session(store, *account, "password", T0)
    assert redeem_ticket(store, late.ticket, now=T0 + DEFAULT_POLICY.ticket) is None
    assert redeem_ticket(store, "x" * 43, now=T0) is None
    assert redeem_ticket(store, None, now=T0) is None


def test_sessions_end_after_30_idle_minutes_and_background_checks_do_not_count(
    store: Store, account: tuple[int, int]
) -> None:
    session_id = start_session(store, *account, "password", T0).session_id
    at = T0 + dt.timedelta(minutes=29)
    assert check_session(store, session_id=session_id, now=at).user is not None  # a click
    # the page's once-a-minute check is not activity
    later = at + dt.timedelta(minutes=20)
    assert check_session(store, session_id=session_id, now=later, touch=False).user is not None
    idle = at + DEFAULT_POLICY.idle + dt.timedelta(seconds=1)
    check = check_session(store, session_id=session_id, now=idle)
    assert check.user is None
    assert check.reason == "idle"
    assert check_session(store, session_id=session_id, now=idle).reason == "idle"
    assert [e.action for e in store.audit_entries("session.end")] == ["session.end"]


def test_sessions_end_after_12_hours_however_active(store: Store, account: tuple[int, int]) -> None:
    session_id = start_session(store, *account, "password", T0).session_id
    now = T0
    while now < T0 + DEFAULT_POLICY.absolute - dt.timedelta(minutes=20):
        now += dt.timedelta(minutes=20)
        assert check_session(store, session_id=session_id, now=now).user is not None
    now = T0 + DEFAULT_POLICY.absolute
    assert check_session(store, session_id=session_id, now=now).reason == "expired"


def test_a_signed_out_session_is_dead_for_every_tab_and_cookie(
    store: Store, account: tuple[int, int]
) -> None:
    started = start_session(store, *account, "password", T0)
    redeemed = redeem_ticket(store, started.ticket, now=T0)
    assert redeemed is not None
    end_session(store, started.session_id)
    assert check_session(store, session_id=started.session_id).reason == "signed_out"
    assert check_session(store, token=redeemed.token).reason == "signed_out"
    assert check_session(store, token="not-a-real-token-at-all-0123456789").reason == "none"
    assert check_session(store, token="short").reason == "none"


def test_a_ticket_of_a_session_that_has_ended_sets_no_cookie(
    store: Store, account: tuple[int, int]
) -> None:
    started = start_session(store, *account, "password", T0)
    end_session(store, started.session_id)
    assert redeem_ticket(store, started.ticket, now=T0) is None
