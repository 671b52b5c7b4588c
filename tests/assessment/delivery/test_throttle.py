"""The throttle of guessed invitation links (issue 11, finding 2).

A valid link always works, whatever its address sent before; unknown links are slowed
progressively per client and overall; waiting never ties up more than a few threads; the
counts that decide are served by an index.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import event

from assessment.clock import utcnow
from assessment.delivery.service import Delivery
from assessment.delivery.throttle import TokenThrottle
from assessment.demo import ensure_active_model
from assessment.errors import InvitationError
from assessment.persistence.audit import AuditLog
from assessment.persistence.store import Store
from items import load_bank

NAT = "203.0.113.9"  # one address shared by an attacker and real candidates


class Clock:
    """Records the waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def guess(n: int) -> str:
    return f"guess-{n:06d}-abcdefghijklmnopq"


def make_delivery(store: Store, clock: Clock, **settings: Any) -> Delivery:
    bank = load_bank()
    ensure_active_model(store, bank)
    active = Delivery.from_store(store, bank)
    return Delivery(store, bank, active.model, throttle=TokenThrottle(**settings), sleep=clock)


def refusal(delivery: Delivery, token: str, client: str) -> str:
    with pytest.raises(InvitationError) as caught:
        delivery.open(token, client=client)
    return caught.value.reason


def test_a_valid_link_works_from_an_address_that_guessed_many_links(store: Store) -> None:
    """Ten made-up links from one address used to lock every candidate behind it out."""
    candidate = store.add_candidate("Real candidate")
    _, token = store.create_invitation(candidate)
    for n in range(30):
        with pytest.raises(InvitationError, match="unknown"):
            store.resolve_token(guess(n), client=NAT)
    assert store.resolve_token(token, client=NAT).candidate_id == candidate
    assert len(store.audit_entries("token.unknown")) == 30
    assert not store.audit_entries("token.throttled")


def test_unknown_links_are_slowed_progressively_per_client(store: Store) -> None:
    clock = Clock()
    delivery = make_delivery(store, clock, free_per_client=3, base_delay_s=0.5, max_delay_s=4)
    reasons = [refusal(delivery, guess(n), NAT) for n in range(8)]
    assert reasons == ["unknown"] * 3 + ["throttled"] * 5
    assert clock.waits == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert refusal(delivery, guess(99), "198.51.100.7") == "unknown"  # others are not slowed
    assert clock.waits[-1] == 4.0
    assert len(clock.waits) == 5


def test_rotating_addresses_do_not_escape_the_overall_throttle(store: Store) -> None:
    """A forged X-Forwarded-For per request gives a new client each time; the total counts."""
    clock = Clock()
    delivery = make_delivery(
        store, clock, free_per_client=10, free_overall=20, overall_step=5, base_delay_s=0.25
    )
    reasons = [refusal(delivery, guess(n), f"10.1.{n // 250}.{n % 250}") for n in range(40)]
    assert reasons[:20] == ["unknown"] * 20
    assert set(reasons[20:]) == {"throttled"}
    assert clock.waits == sorted(clock.waits)  # never shorter than before
    assert clock.waits[0] == 0.25
    assert clock.waits[-1] == 2.0  # doubled every 5 further links


def test_a_valid_link_is_answered_at_once_during_a_guessing_storm(store: Store) -> None:
    clock = Clock()
    delivery = make_delivery(store, clock, free_per_client=0, free_overall=0)
    candidate = store.add_candidate("Real candidate")
    _, token = store.create_invitation(candidate)
    for n in range(20):
        assert refusal(delivery, guess(n), NAT) == "throttled"
    waits = len(clock.waits)
    assert delivery.open(token, client=NAT).candidate_id == candidate
    assert len(clock.waits) == waits  # no wait for the real link


def test_a_timed_test_loses_no_time_while_its_address_is_throttled(store: Store) -> None:
    clock = Clock()
    delivery = make_delivery(store, clock, free_per_client=2)
    candidate = store.add_candidate("Timed candidate")
    _, token = store.create_invitation(candidate, time_limit_minutes=30)
    session_id = delivery.start(delivery.open(token, client=NAT), "en")
    delivery.consent(session_id)
    delivery.practice_done(session_id)
    for n in range(25):
        refusal(delivery, guess(n), NAT)
    invitation = delivery.open(token, client=NAT)  # the page's next rerun
    assert invitation.session_id == session_id
    assert delivery.current_item(session_id) is not None
    seconds_left = delivery.progress(session_id).seconds_left
    assert seconds_left is not None
    assert seconds_left > 29 * 60


def test_waiting_replies_are_bounded_and_the_rest_refused_at_once(store: Store) -> None:
    release = threading.Event()
    started = threading.Event()
    waits: list[float] = []

    def slow_sleep(seconds: float) -> None:
        waits.append(seconds)
        started.set()
        release.wait(10)

    bank = load_bank()
    ensure_active_model(store, bank)
    model = Delivery.from_store(store, bank).model
    throttle = TokenThrottle(free_per_client=0, free_overall=0, max_waiting=1)
    delivery = Delivery(store, bank, model, throttle=throttle, sleep=slow_sleep)
    first = threading.Thread(target=lambda: refusal(delivery, guess(1), NAT))
    first.start()
    assert started.wait(10)
    try:
        assert refusal(delivery, guess(2), "198.51.100.7") == "throttled"  # no second waiter
        assert len(waits) == 1
    finally:
        release.set()
        first.join(10)


def test_expired_and_used_links_are_not_counted_as_guesses(store: Store) -> None:
    clock = Clock()
    delivery = make_delivery(store, clock, free_per_client=0)
    candidate = store.add_candidate("Late candidate")
    _, token = store.create_invitation(candidate, expires_in_days=-1)
    assert refusal(delivery, token, NAT) == "expired"
    assert not clock.waits
    assert not store.audit_entries("token.unknown")


def test_throttle_delays_follow_the_documented_rule() -> None:
    throttle = TokenThrottle()
    assert throttle.delay_s(10, 10) == 0
    assert throttle.delay_s(11, 11) == throttle.base_delay_s
    assert throttle.delay_s(10_000, 0) == throttle.max_delay_s
    assert throttle.delay_s(0, throttle.free_overall + 1) == throttle.base_delay_s
    assert throttle.delay_s(0, throttle.overall_cap) == throttle.max_delay_s
    assert throttle.delay_s(throttle.client_cap, 0) == throttle.max_delay_s


def test_throttle_counts_are_served_by_an_index(tmp_path: Any) -> None:
    """The counts the throttle asks for must not scan the audit log (SQLite query plans)."""
    store = Store.open(f"sqlite:///{tmp_path / 'plan.db'}")
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "audit_log" in statement:
            captured.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", capture)
    since = utcnow() - dt.timedelta(minutes=15)
    log = AuditLog(store)
    log.count_recent("token.unknown", since, target=NAT, cap=20)
    log.count_recent("token.unknown", since, cap=2000)
    event.remove(store.engine, "before_cursor_execute", capture)
    assert len(captured) == 2
    with store.engine.connect() as connection:
        for statement, parameters in captured:
            cursor = connection.connection.cursor()
            plan = " ".join(
                str(row[-1])
                for row in cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            )
            assert "SEARCH audit_log USING COVERING INDEX ix_audit_action" in plan, plan
            assert "SCAN audit_log" not in plan, plan
    store.engine.dispose()
