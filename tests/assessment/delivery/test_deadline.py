"""The server enforces the time limit: the clock starts with the test, late answers are refused."""

from __future__ import annotations

import datetime as dt

import pytest

from assessment.clock import utcnow
from assessment.delivery.service import DEADLINE_GRACE, Delivery
from assessment.demo import ensure_active_model
from assessment.errors import AssessmentError
from assessment.persistence.store import Store
from items import load_bank


@pytest.fixture
def delivery(store: Store) -> Delivery:
    bank = load_bank()
    ensure_active_model(store, bank)
    return Delivery.from_store(store, bank)


def timed_session(delivery: Delivery, minutes: int, multiplier: float = 1.0) -> str:
    candidate = delivery.store.add_candidate("Timed")
    _, token = delivery.store.create_invitation(
        candidate, time_limit_minutes=minutes, time_multiplier=multiplier
    )
    session_id = delivery.start(delivery.open(token), "en")
    delivery.consent(session_id)
    return session_id


def first_item(delivery: Delivery) -> tuple[str, str, str | None, dt.datetime]:
    """A 10-minute test at its first item: session, item, a valid least pick, deadline."""
    session_id = timed_session(delivery, 10)
    delivery.practice_done(session_id)
    view = delivery.current_item(session_id)
    assert view is not None
    deadline = delivery.clock(session_id).deadline_at
    assert deadline is not None
    least = "B" if view.item.format == "most_least" else None
    return session_id, view.item.id, least, deadline


def test_the_time_limit_starts_when_the_instructions_end(delivery: Delivery) -> None:
    session_id = timed_session(delivery, 20, multiplier=1.5)
    assert delivery.time_limit_minutes(session_id) == pytest.approx(30)
    start = utcnow() + dt.timedelta(minutes=12)  # twelve minutes on consent and practice
    delivery.practice_done(session_id, now=start)
    clock = delivery.clock(session_id)
    assert clock.deadline_at == start + dt.timedelta(minutes=30)
    assert not clock.completed
    delivery.practice_done(session_id, now=start + dt.timedelta(minutes=5))  # a double click
    assert delivery.clock(session_id).deadline_at == start + dt.timedelta(minutes=30)


def test_an_answer_arriving_after_the_deadline_is_refused_and_the_test_ends(
    delivery: Delivery,
) -> None:
    session_id, item_id, least, deadline = first_item(delivery)
    late = deadline + DEADLINE_GRACE + dt.timedelta(seconds=1)
    with pytest.raises(AssessmentError, match="time limit has passed"):
        delivery.answer(session_id, item_id, "A", least, now=late)
    assert delivery.store.count_responses(session_id) == 0
    assert delivery.current_item(session_id, now=late) is None
    assert delivery.clock(session_id).completed


def test_an_answer_sent_just_before_the_deadline_still_counts(delivery: Delivery) -> None:
    session_id, item_id, least, deadline = first_item(delivery)
    in_grace = deadline + DEADLINE_GRACE / 2
    assert delivery.answer(session_id, item_id, "A", least, now=in_grace)
    assert delivery.store.count_responses(session_id) == 1
    assert delivery.current_item(session_id, now=in_grace) is None  # no next item after time


def test_an_untimed_session_has_no_deadline(delivery: Delivery) -> None:
    candidate = delivery.store.add_candidate("Untimed")
    _, token = delivery.store.create_invitation(candidate)
    session_id = delivery.start(delivery.open(token), "zh")
    assert delivery.time_limit_minutes(session_id) is None
    assert delivery.clock(session_id).deadline_at is None
