"""The delivery service: exact resume, idempotent answers, deadlines, scoring, concurrency."""

from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.pool import QueuePool

from assessment.clock import utcnow
from assessment.delivery.service import Delivery
from assessment.delivery.simulation import draw_answers
from assessment.demo import ensure_active_model
from assessment.errors import AnsweredElsewhereError, AssessmentError
from assessment.persistence.store import Store
from items import load_bank


@pytest.fixture
def delivery(store: Store) -> Delivery:
    bank = load_bank()
    ensure_active_model(store, bank)
    return Delivery.from_store(store, bank)


def begin(delivery: Delivery, **options: Any) -> str:
    candidate = delivery.store.add_candidate("Test")
    _, token = delivery.store.create_invitation(candidate, **options)
    session_id = delivery.start(delivery.open(token), "en")
    delivery.consent(session_id)
    delivery.practice_done(session_id)
    return session_id


def answer_all(delivery: Delivery, session_id: str, answers: Any, n: int, step: float = 20) -> int:
    index = {item_id: j for j, item_id in enumerate(delivery.pool.item_ids)}
    now = utcnow()
    count = 0
    while (view := delivery.current_item(session_id, now=now)) is not None:
        now += dt.timedelta(seconds=step)
        response = answers.response(delivery.pool, n, index[view.item.id])
        delivery.answer(session_id, view.item.id, response.most, response.least, now=now)
        count += 1
    return count


def test_the_pending_item_is_shown_again_until_answered(delivery: Delivery) -> None:
    session_id = begin(delivery)
    first = delivery.current_item(session_id)
    assert first is not None
    assert first.number == 1
    again = delivery.current_item(session_id)
    assert again is not None
    assert again.item.id == first.item.id  # reload: same item, not a new draw


def test_answers_to_items_not_on_screen_are_refused(delivery: Delivery) -> None:
    session_id = begin(delivery)
    view = delivery.current_item(session_id)
    assert view is not None
    other = next(i for i in delivery.pool.item_ids if i != view.item.id)
    with pytest.raises(AssessmentError, match="not the item on screen"):
        delivery.answer(session_id, other, "A")
    with pytest.raises(AssessmentError, match="choose one of the options"):
        delivery.answer(session_id, view.item.id, "Z")


def test_answers_that_break_the_items_format_are_refused(delivery: Delivery) -> None:
    session_id = begin(delivery)
    view = delivery.current_item(session_id)
    assert view is not None
    item = view.item
    same = item.option_ids[0]  # one option as both picks: wrong for every format
    for most, least in [(same, same), (same, "Z")]:
        problem = item.answer_problem(most, least)
        assert problem is not None
        with pytest.raises(AssessmentError, match=re.escape(problem)):
            delivery.answer(session_id, item.id, most, least)
    assert delivery.progress(session_id).answered == 0


def test_double_submit_records_one_answer(delivery: Delivery) -> None:
    session_id = begin(delivery)
    view = delivery.current_item(session_id)
    assert view is not None
    least = "B" if view.item.format == "most_least" else None
    assert delivery.answer(session_id, view.item.id, "A", least) is True
    assert delivery.answer(session_id, view.item.id, "A", least) is False
    assert delivery.store.count_responses(session_id) == 1


def test_a_different_answer_to_an_answered_item_is_refused_and_said(delivery: Delivery) -> None:
    """A second window still showing the question: its other answer is not recorded, and
    ``AnsweredElsewhereError`` lets the page say so (on the old code: a silent False)."""
    session_id = begin(delivery)
    view = delivery.current_item(session_id)
    assert view is not None
    least = "C" if view.item.format == "most_least" else None
    assert delivery.answer(session_id, view.item.id, "A", least) is True
    with pytest.raises(AnsweredElsewhereError, match="not recorded"):
        delivery.answer(session_id, view.item.id, "B", least)
    assert delivery.answer(session_id, view.item.id, "A", least) is False  # a double click
    assert delivery.store.count_responses(session_id) == 1
    assert delivery.record(session_id).session.responses[0].most == "A"


def test_no_connection_is_held_while_items_are_chosen_or_the_test_is_scored(
    delivery: Delivery, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Selection and interim or final scoring are CPU work, which under load waits for the
    GIL: a pooled connection held through it leaves the other candidates queueing for the
    pool until it times out ("no free connection" in the load benchmark on PostgreSQL)."""
    pool = delivery.store.engine.pool
    assert isinstance(pool, QueuePool)
    engine = delivery.engines["adaptive"]
    held: list[tuple[str, int]] = []

    def watched(name: str) -> Any:
        work = getattr(engine, name)

        def run(*args: Any) -> Any:
            held.append((name, pool.checkedout()))
            return work(*args)

        return run

    for name in ("next_item", "final_estimate"):
        monkeypatch.setattr(engine, name, watched(name))
    session_id = begin(delivery)
    answers = draw_answers(delivery.pool, delivery.model.parameters, 1, np.random.default_rng(8))
    n_answered = answer_all(delivery, session_id, answers, 0)
    assert delivery.record(session_id).session.completed
    assert [name for name, _ in held].count("next_item") > n_answered  # the first, each next
    assert ("final_estimate", 0) in held
    assert [(name, n) for name, n in held if n] == []


def test_a_language_switch_keeps_the_item_and_its_response_time(delivery: Delivery) -> None:
    session_id = begin(delivery)
    shown_at = utcnow()
    view = delivery.current_item(session_id, now=shown_at)
    assert view is not None
    later = shown_at + dt.timedelta(seconds=15)
    assert delivery.switch_language(session_id, "zh") is True
    assert delivery.switch_language(session_id, "zh") is False  # a double click: no change
    again = delivery.current_item(session_id, now=later)  # the page shown again, in Chinese
    assert again is not None
    assert (again.item.id, again.number) == (view.item.id, view.number)
    least = "B" if view.item.format == "most_least" else None
    delivery.answer(session_id, view.item.id, "A", least, now=shown_at + dt.timedelta(seconds=20))
    record = delivery.record(session_id)
    assert record.session.language == "zh"
    # timed from the first showing: the switch neither answered nor restarted the item
    assert [r.response_ms for r in record.session.responses] == [20_000]


def test_an_unknown_language_is_refused(delivery: Delivery) -> None:
    session_id = begin(delivery)
    with pytest.raises(AssessmentError, match="language must be one of en, zh"):
        delivery.switch_language(session_id, "fr")
    assert delivery.record(session_id).session.language == "en"


def test_a_whole_adaptive_test_is_scored_with_flags(delivery: Delivery) -> None:
    session_id = begin(delivery)
    answers = draw_answers(delivery.pool, delivery.model.parameters, 1, np.random.default_rng(3))
    count = delivery.question_count(session_id)
    assert not count.exact
    n_answered = answer_all(delivery, session_id, answers, 0)
    assert count.minimum <= n_answered <= count.maximum  # what the candidate was told
    assert count.maximum == delivery.engines["adaptive"].policy.max_items
    record = delivery.record(session_id)
    assert record.session.completed
    scores = delivery.store.scores(session_id)
    assert {s.competency for s in scores} == set(delivery.pool.competencies)
    assert all(s.model_version_id == delivery.model.version_id for s in scores)
    assert all(s.t_score is not None and 0 <= (s.percentile or 0) <= 100 for s in scores)
    assert record.flags is not None
    assert record.flags["too_fast"] is False
    assert delivery.current_item(session_id) is None
    with pytest.raises(AssessmentError, match="already been submitted"):
        delivery.answer(session_id, delivery.pool.item_ids[0], "A")


def test_too_fast_answers_are_flagged(delivery: Delivery) -> None:
    session_id = begin(delivery)
    answers = draw_answers(delivery.pool, delivery.model.parameters, 1, np.random.default_rng(4))
    answer_all(delivery, session_id, answers, 0, step=0.9)
    flags = delivery.record(session_id).flags
    assert flags is not None
    assert flags["too_fast"] is True
    assert "too_fast" in flags["raised"]


def test_fixed_form_presents_every_item(delivery: Delivery) -> None:
    session_id = begin(delivery, form="fixed")
    count = delivery.question_count(session_id)
    answers = draw_answers(delivery.pool, delivery.model.parameters, 1, np.random.default_rng(5))
    assert answer_all(delivery, session_id, answers, 0) == delivery.pool.fixed_order.size
    assert count.exact
    assert count.maximum == delivery.pool.fixed_order.size


def test_every_adaptive_test_length_lies_within_the_bounds_candidates_are_told(
    delivery: Delivery,
) -> None:
    answers = draw_answers(delivery.pool, delivery.model.parameters, 6, np.random.default_rng(8))
    for n in range(6):
        session_id = begin(delivery)
        count = delivery.question_count(session_id)
        assert count.minimum <= answer_all(delivery, session_id, answers, n) <= count.maximum


def test_deadline_ends_the_test_as_incomplete(delivery: Delivery) -> None:
    session_id = begin(delivery, time_limit_minutes=10)
    assert delivery.current_item(session_id) is not None
    late = utcnow() + dt.timedelta(minutes=11)
    assert delivery.current_item(session_id, now=late) is None
    record = delivery.record(session_id)
    assert record.session.completed
    assert record.flags is not None
    assert record.flags["incomplete"] is True


@pytest.mark.slow
def test_one_hundred_candidates_at_once_lose_and_duplicate_nothing(delivery: Delivery) -> None:
    """100 candidates answer concurrently; every answer is also submitted twice."""
    n = 100
    answers = draw_answers(delivery.pool, delivery.model.parameters, n, np.random.default_rng(6))
    sessions = [begin(delivery) for _ in range(n)]
    index = {item_id: j for j, item_id in enumerate(delivery.pool.item_ids)}

    def run(k: int) -> int:
        accepted = 0
        while (view := delivery.current_item(sessions[k])) is not None:
            response = answers.response(delivery.pool, k, index[view.item.id])
            for _ in range(2):  # a double click
                accepted += delivery.answer(
                    sessions[k], view.item.id, response.most, response.least
                )
        return accepted

    with ThreadPoolExecutor(max_workers=20) as pool:
        accepted = list(pool.map(run, range(n)))
    with delivery.store.engine.connect() as connection:
        rows = connection.execute(
            text("select session_id, count(*), count(distinct item_id) from responses group by 1")
        ).all()
    per_session = {row[0]: (row[1], row[2]) for row in rows}
    assert sum(accepted) == sum(count for count, _ in per_session.values())
    assert all(count == distinct for count, distinct in per_session.values())
    for k, session_id in enumerate(sessions):
        record = delivery.record(session_id)
        assert record.session.completed
        assert per_session[session_id][0] == accepted[k] == len(record.session.responses)
