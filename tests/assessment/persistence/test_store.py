"""The store on SQLite and PostgreSQL: invitations, append-only responses, scores, versions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.pool import QueuePool

from assessment.clock import utcnow
from assessment.errors import AssessmentError, ConstraintError, DatabaseError, InvitationError
from assessment.model_document import ModelDocument
from assessment.persistence.answers import EVERY_COMPLETED_SESSION, SessionFilter, completed_answers
from assessment.persistence.store import (
    AnswerDecision,
    ScoreRecord,
    SessionRecord,
    Store,
    hash_token,
)
from assessment.session_values import Response

TINY = ModelDocument.from_dict(
    {
        "model": "2pl",
        "dimensions": ["empathy"],
        "items": [
            {
                "item_id": "EM-1",
                "dimension": "empathy",
                "categories": [
                    {"code": 0, "slope": 0.0, "intercept": 0.0},
                    {"code": 1, "slope": 1.2, "intercept": -0.3},
                ],
            }
        ],
    }
)


def invited(store: Store, **options: object) -> tuple[str, str]:
    candidate = store.add_candidate("Ada", "ada@example.com", "Call centre agent")
    _, token = store.create_invitation(candidate, **options)  # type: ignore[arg-type]
    return candidate, token


def test_migrations_are_idempotent(store: Store) -> None:
    from assessment.persistence.db import upgrade

    upgrade(store.engine)
    upgrade(store.engine)
    assert store.model_versions() == []


def test_tokens_are_long_random_and_stored_only_as_hashes(store: Store) -> None:
    candidate = store.add_candidate()
    tokens = {store.create_invitation(candidate)[1] for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(token) >= 32 for token in tokens)  # 192 bits, base64url
    with store.engine.connect() as connection:
        from sqlalchemy import text

        stored = set(connection.execute(text("select token_hash from invitations")).scalars())
    assert not tokens & stored
    assert {hash_token(token) for token in tokens} == stored


@pytest.mark.parametrize("token", ["", "short", "x" * 40, "A" * 500])
def test_unknown_tokens_are_refused(store: Store, token: str) -> None:
    with pytest.raises(InvitationError) as caught:
        store.resolve_token(token)
    assert caught.value.reason == "unknown"


def test_expired_and_used_invitations_are_refused(store: Store) -> None:
    _, token = invited(store, expires_in_days=1)
    later = utcnow() + dt.timedelta(days=2)
    with pytest.raises(InvitationError, match="expired"):
        store.resolve_token(token, now=later)
    info = store.resolve_token(token)
    session_id = store.start_session(info, "en", None)
    store.complete_session(session_id, [], {})
    with pytest.raises(InvitationError, match="used"):
        store.resolve_token(token)


def test_started_session_survives_expiry_of_its_invitation(store: Store) -> None:
    _, token = invited(store, expires_in_days=1)
    session_id = store.start_session(store.resolve_token(token), "zh", None)
    info = store.resolve_token(token, now=utcnow() + dt.timedelta(days=3))
    assert info.session_id == session_id


def test_start_session_is_idempotent(store: Store) -> None:
    _, token = invited(store)
    info = store.resolve_token(token)
    first = store.start_session(info, "en", None)
    assert store.start_session(info, "en", None) == first
    assert store.resolve_token(token).session_id == first


def append(store: Store, session_id: str, response: Response, next_item: str | None = None) -> bool:
    return store.append_response(session_id, lambda _: AnswerDecision(response, next_item))


def test_responses_are_appended_once_and_read_back_in_order(store: Store) -> None:
    _, token = invited(store)
    session_id = store.start_session(store.resolve_token(token), "en", None)
    store.update_session(session_id, pending_item_id="SO-001", pending_shown_at=utcnow())
    first = Response("SO-001", "B", response_ms=4200)
    assert append(store, session_id, first, "SO-002") is True
    assert store.load_session(session_id).pending_item_id == "SO-002"
    assert append(store, session_id, first) is False  # a repeat hits the unique constraint
    assert append(store, session_id, Response("SO-002", "A", "D", 3100)) is True
    record = store.load_session(session_id)
    assert [(r.item_id, r.most, r.least) for r in record.session.responses] == [
        ("SO-001", "B", None),
        ("SO-002", "A", "D"),
    ]
    assert record.pending_item_id is None
    assert store.count_responses(session_id) == 2


def test_an_answer_is_decided_with_no_connection_checked_out(store: Store) -> None:
    """``decide`` chooses the next item (CPU work); the pool must not wait on it."""
    _, token = invited(store)
    session_id = store.start_session(store.resolve_token(token), "en", None)
    store.update_session(session_id, pending_item_id="SO-001", pending_shown_at=utcnow())
    pool = store.engine.pool
    assert isinstance(pool, QueuePool)
    held: list[int] = []

    def decide(_: object) -> AnswerDecision:
        held.append(pool.checkedout())
        return AnswerDecision(Response("SO-001", "B", response_ms=900), "SO-002")

    assert store.append_response(session_id, decide) is True
    assert held == [0]
    assert store.load_session(session_id).pending_item_id == "SO-002"


@pytest.mark.timeout(60)  # the old code held the row lock here, so the inner write waited
def test_a_repeat_written_while_an_answer_is_decided_leaves_one_row(store: Store) -> None:
    """A double click's second submit that is written first: the first submit decides again
    on the new state, finds its answer recorded and adds nothing."""
    _, token = invited(store)
    session_id = store.start_session(store.resolve_token(token), "en", None)
    store.update_session(session_id, pending_item_id="SO-001", pending_shown_at=utcnow())
    answer = Response("SO-001", "B", response_ms=900)
    seen: list[tuple[str, ...]] = []

    def decide(record: SessionRecord) -> AnswerDecision | None:
        seen.append(tuple(record.session.answered_ids))
        if "SO-001" in record.session.answered_ids:
            return None
        if len(seen) == 1:  # the other submit overtakes this one
            assert append(store, session_id, answer, "SO-002") is True
        return AnswerDecision(answer, "SO-003")

    assert store.append_response(session_id, decide) is False
    assert seen == [(), ("SO-001",)]
    record = store.load_session(session_id)
    assert [r.item_id for r in record.session.responses] == ["SO-001"]
    assert record.pending_item_id == "SO-002"


def test_completed_session_takes_no_more_answers(store: Store) -> None:
    _, token = invited(store)
    session_id = store.start_session(store.resolve_token(token), "en", None)
    version = store.add_model_version("v1", TINY, activate=True)
    scores = [ScoreRecord("empathy", 0.3, 0.4, 53.0, 61.0, 8, version)]
    assert store.complete_session(session_id, scores, {"too_fast": False}) is True
    assert store.complete_session(session_id, scores, {}) is False
    with pytest.raises(AssessmentError, match="already been submitted"):
        append(store, session_id, Response("SO-001", "A"))
    assert store.scores(session_id) == scores
    assert store.load_session(session_id).session.completed


def test_rescoring_keeps_history(store: Store) -> None:
    _, token = invited(store)
    session_id = store.start_session(store.resolve_token(token), "en", None)
    v1 = store.add_model_version("v1", TINY, activate=True)
    v2 = store.add_model_version("v2", TINY, activate=True)
    store.complete_session(session_id, [ScoreRecord("empathy", 0.3, 0.4, 53, 61, 8, v1)], {})
    store.replace_scores(session_id, [ScoreRecord("empathy", 0.5, 0.4, 55, 69, 8, v2)])
    assert [s.model_version_id for s in store.scores(session_id)] == [v2]
    history = store.scores(session_id, current_only=False)
    assert [s.model_version_id for s in history] == [v1, v2]
    active = store.active_model_version()
    assert active is not None
    assert active.label == "v2"


def test_activating_a_version_by_label_deactivates_the_others(store: Store) -> None:
    store.add_model_version("v1", TINY, activate=True)
    store.add_model_version("v2", TINY, activate=True)
    assert store.activate_model_version("v1") is True
    assert [v.label for v in store.model_versions() if v.active] == ["v1"]
    assert store.activate_model_version("v9") is False
    assert [v.label for v in store.model_versions() if v.active] == ["v1"]


def test_completed_answers_in_completion_order_without_flagged_sessions(store: Store) -> None:
    sessions = []
    for flags in ({}, {"raised": ["too_fast"]}, {}):
        _, token = invited(store)
        session_id = store.start_session(store.resolve_token(token), "en", None)
        append(store, session_id, Response("SO-001", "B"))
        store.complete_session(session_id, [], flags)
        sessions.append(session_id)
    _, token = invited(store)  # started, not completed: left out
    append(store, store.start_session(store.resolve_token(token), "en", None), Response("X", "A"))
    clean = completed_answers(store)
    assert clean.session_ids == (sessions[0], sessions[2])
    assert clean.excluded_flagged == 1
    assert {(a.session_id, a.item_id, a.most, a.least) for a in clean.answers} == {
        (sessions[0], "SO-001", "B", None),
        (sessions[2], "SO-001", "B", None),
    }
    everything = completed_answers(store, EVERY_COMPLETED_SESSION)
    assert everything.session_ids == tuple(sessions)
    assert everything.excluded_flagged == 0
    assert completed_answers(store, SessionFilter(form="fixed")).session_ids == ()
    yesterday = SessionFilter(until=utcnow() - dt.timedelta(days=1))
    assert completed_answers(store, yesterday).session_ids == ()


def test_completed_session_states_give_each_completed_sessions_form_and_flags(
    store: Store,
) -> None:
    completed = {}
    for form, flags in (("adaptive", {"raised": ["too_fast"]}), ("fixed", {})):
        _, token = invited(store, form=form)
        session_id = store.start_session(store.resolve_token(token), "en", None)
        append(store, session_id, Response("SO-001", "B"))
        store.complete_session(session_id, [], flags)
        completed[session_id] = (form, flags)
    _, token = invited(store)  # started, not completed: not listed
    store.start_session(store.resolve_token(token), "en", None)
    states = store.completed_session_states()
    assert {s: (state.form, state.flags) for s, state in states.items()} == completed


def test_invitation_options_are_validated(store: Store) -> None:
    candidate = store.add_candidate()
    with pytest.raises(AssessmentError, match="language"):
        store.create_invitation(candidate, language="fr")
    with pytest.raises(AssessmentError, match="multiplier"):
        store.create_invitation(candidate, time_multiplier=9)


def test_time_limit_uses_the_accommodation_multiplier(store: Store) -> None:
    _, token = invited(store, time_limit_minutes=30, time_multiplier=1.5)
    session_id = store.start_session(store.resolve_token(token), "en", None)
    record = store.load_session(session_id)
    assert record.deadline_at is not None
    minutes = (record.deadline_at - record.started_at).total_seconds() / 60
    assert minutes == pytest.approx(45)


def test_audit_log_records_actions(store: Store) -> None:
    store.audit("alice", "invite", "C123", {"count": 1})
    (entry,) = store.audit_entries("invite")
    assert (entry.actor, entry.target, entry.detail) == ("alice", "C123", {"count": 1})


def test_database_failures_come_out_as_the_stores_own_errors(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'own-errors.db'}")
    store.add_candidate("Ada Lovelace", candidate_id="C0000000001")
    with pytest.raises(ConstraintError, match="refused a row") as refused:
        store.add_candidate("Ada Lovelace", candidate_id="C0000000001")
    assert isinstance(refused.value.__cause__, IntegrityError)
    assert "Ada" not in str(refused.value)
    store.engine.dispose()
    password = "not-a-real-password"  # a fixture, written so the secret scan stays strict
    with pytest.raises(DatabaseError, match="cannot be used") as down:
        Store.open(f"postgresql+psycopg://nobody:{password}@127.0.0.1:1/none")
    assert isinstance(down.value.__cause__, OperationalError)
    assert password not in str(down.value)
