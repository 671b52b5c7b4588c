"""AppTests of the candidate's journey: link checks, language, consent, practice, items."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from assessment.persistence.store import Store
from tests.app.conftest import ROOT, invitation

APP = ROOT / "app.py"

TIMEOUT = 30


def open_app(token: str) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    app.query_params["token"] = token
    return app.run()


def texts(app: AppTest) -> str:
    parts = [e.value for e in app.markdown] + [e.value for e in app.title]
    parts += [e.value for e in app.info] + [e.value for e in app.success]
    parts += [e.value for e in app.warning] + [e.value for e in app.subheader]
    return "\n".join(str(p) for p in parts)


def through_practice(app: AppTest, language: str = "zh") -> AppTest:
    app.radio[0].set_value(language)
    app.button[0].click().run()  # language form
    app.checkbox[0].check()
    app.button[0].click().run()  # consent
    app.radio[0].set_value("B")
    app.button[0].click().run()  # practice: check the answer
    app.button[1].click().run()  # start the test
    return app


@pytest.mark.parametrize("token", ["", "not-a-real-token-at-all-123456"])
def test_unknown_link_gets_a_friendly_page(app_store: Store, token: str) -> None:
    app = open_app(token) if token else AppTest.from_file(str(APP)).run()
    if token:
        assert "could not find a test" in texts(app)
        assert "未找到" in texts(app)
    assert not app.exception


def test_expired_link_says_so(app_store: Store) -> None:
    token = invitation(app_store, expires_in_days=-1)
    app = open_app(token)
    assert "expired" in texts(app)
    assert not app.radio


def test_consent_is_required(app_store: Store) -> None:
    app = open_app(invitation(app_store))
    app.button[0].click().run()  # English
    assert "Why your data are used" in texts(app)
    app.button[0].click().run()  # without ticking
    assert "Please tick the box" in texts(app)


def test_chinese_journey_reaches_the_first_item(app_store: Store) -> None:
    app = through_practice(open_app(invitation(app_store)))
    assert not app.exception
    assert "第 1 题" in texts(app)
    assert app.radio[0].options  # options shown


def test_answering_saves_and_moves_on_and_reload_resumes(app_store: Store) -> None:
    token = invitation(app_store)
    app = through_practice(open_app(token))
    first = next(e.value for e in app.subheader)
    for radio in app.radio:
        radio.set_value(radio.options[0] if radio.index is None else radio.value)
    if len(app.radio) == 2:
        app.radio[1].set_value(app.radio[1].options[1])
    app.button[0].click().run()
    assert app_store.count_responses() == 1
    second = next(e.value for e in app.subheader)
    assert second != first
    reloaded = open_app(token)  # a new browser session with the same link
    assert next(e.value for e in reloaded.subheader) == second
    assert app_store.count_responses() == 1


def test_missing_choice_is_refused_without_saving(app_store: Store) -> None:
    app = through_practice(open_app(invitation(app_store)))
    app.button[0].click().run()
    assert "Please choose" in texts(app) or "请" in texts(app)
    assert app_store.count_responses() == 0


def test_a_locked_database_shows_a_calm_retry_message_and_loses_nothing(
    app_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    monkeypatch.setenv("SJT_SQLITE_BUSY_MS", "200")
    token = invitation(app_store)
    app = through_practice(open_app(token))
    app.radio[0].set_value(app.radio[0].options[0])
    if len(app.radio) == 2:
        app.radio[1].set_value(app.radio[1].options[1])
    path = app_store.engine.url.database
    blocker = sqlite3.connect(str(path), timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        app.button[0].click().run()
    finally:
        blocker.rollback()
        blocker.close()
    assert not app.exception
    assert "earlier answers are safe" in texts(app) or "之前的答案都已安全保存" in texts(app)
    assert app_store.count_responses() == 0
