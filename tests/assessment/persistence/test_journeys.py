"""Store methods of the journeys: settings, consent records, finished links, the clock."""

from __future__ import annotations

from assessment.persistence.store import Store


def started(store: Store, language: str = "zh") -> tuple[str, str]:
    candidate = store.add_candidate("Journey")
    _, token = store.create_invitation(candidate, language=language, time_limit_minutes=15)
    invitation = store.resolve_token(token)
    session_id = store.start_session(invitation, language, None, seed=1)
    return token, session_id


def test_settings_are_stored_replaced_removed_and_audited(store: Store) -> None:
    assert store.stored_settings() == {}
    store.put_setting("employer_name", "Acme", actor="ann")
    store.put_setting("employer_name", "Acme Ltd", actor="bob")
    assert store.stored_settings() == {"employer_name": "Acme Ltd"}
    assert store.delete_setting("employer_name", actor="bob") is True
    assert store.delete_setting("employer_name", actor="bob") is False
    assert store.stored_settings() == {}
    actions = [(e.actor, e.action, e.target) for e in reversed(store.audit_entries())]
    assert actions == [
        ("ann", "settings.set", "employer_name"),
        ("bob", "settings.set", "employer_name"),
        ("bob", "settings.unset", "employer_name"),
    ]


def test_consent_is_recorded_once_with_the_notice_and_marks_the_session(store: Store) -> None:
    _, session_id = started(store)
    assert store.consent_record(session_id) is None
    values = {
        "language": "zh",
        "employer": "海港电信",
        "purpose": "招聘客服人员",
        "retention_months": 6,
        "contact": "hr@example.com",
        "notice": "全文",
    }
    assert store.record_consent(session_id, **values) is True  # type: ignore[arg-type]
    again = {**values, "employer": "Someone else"}
    assert store.record_consent(session_id, **again) is False  # type: ignore[arg-type]
    record = store.consent_record(session_id)
    assert record is not None
    assert (record.employer, record.retention_months, record.notice) == ("海港电信", 6, "全文")
    assert store.load_session(session_id).consent_at == record.given_at


def test_a_finished_link_names_its_session_and_language_and_an_open_one_does_not(
    store: Store,
) -> None:
    token, session_id = started(store)
    assert store.finished_session(token) is None
    assert store.session_clock(session_id).completed is False
    assert store.session_clock(session_id).deadline_at is not None
    store.complete_session(session_id, [], {})
    finished = store.finished_session(token)
    assert finished is not None
    assert (finished.session_id, finished.language) == (session_id, "zh")
    assert store.session_clock(session_id).completed is True
    assert store.finished_session("x" * 32) is None
