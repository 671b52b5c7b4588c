"""AppTests of the candidate's journey: link checks, language, consent, practice, items."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.texts import TEXTS
from assessment.delivery.policy import CATPolicy
from assessment.delivery.service import Delivery
from assessment.persistence.store import Store
from items import COMPETENCIES
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


@pytest.mark.parametrize("token", ["", " "])
def test_a_link_with_an_empty_token_is_a_candidate_link_problem(
    app_store: Store, token: str
) -> None:
    """A link cut after ``?token=`` (a mail client, a careless copy) opened the staff
    sign-in page, in English only; it now says in both languages that the link is incomplete."""
    app = open_app(token)
    assert not app.exception
    assert "could not find a test" in texts(app)
    assert "未找到" in texts(app)
    assert "Staff sign-in" not in texts(app)
    assert not app.text_input


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
    # the page declares itself Chinese: <html lang> for screen readers and translators
    scripts = [element.proto.body for element in app.get("html")]
    assert any('documentElement.lang = "zh-CN"' in body for body in scripts)


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
    # the refusal stands inside the item's form, above Next, where the candidate is looking
    form = next(block for block in app.main.children.values() if block.type == "form")
    assert [w.value for w in form.warning] == [w.value for w in app.warning]


def instructions_page(token: str) -> AppTest:
    app = open_app(token)
    app.button[0].click().run()  # English
    app.checkbox[0].check()
    app.button[0].click().run()  # consent
    return app


def policy_bounds() -> tuple[int, int]:
    policy = CATPolicy()
    return policy.min_items_per_competency * len(COMPETENCIES), policy.max_items


def fixed_form_length(store: Store) -> int:
    return int(Delivery.from_store(store).pool.fixed_order.size)


@pytest.mark.parametrize("form", ["adaptive", "fixed"])
@pytest.mark.parametrize("minutes", [None, 30])
def test_instructions_are_true_of_the_test_as_delivered(
    app_store: Store, form: str, minutes: int | None
) -> None:
    token = invitation(app_store, form=form, time_limit_minutes=minutes)
    shown = texts(instructions_page(token))
    if form == "fixed":
        assert f"The test has {fixed_form_length(app_store)} questions." in shown
        assert "differs between people" not in shown
    else:
        minimum, maximum = policy_bounds()
        assert f"after {minimum} to {maximum} questions" in shown
        assert "The test has" not in shown
    if minutes is None:
        assert "continue later with the same link" in shown
        assert "time keeps running" not in shown
    else:
        assert "The time keeps running while the page is closed" in shown
        assert "continue later" not in shown


def test_the_progress_bar_says_what_it_counts_to(app_store: Store) -> None:
    for form in ("fixed", "adaptive"):
        app = through_practice(open_app(invitation(app_store, form=form)), language="en")
        for radio in app.radio:
            radio.set_value(radio.options[0])
        if len(app.radio) == 2:
            app.radio[1].set_value(app.radio[1].options[1])
        app.button[0].click().run()
        bar = app.get("progress")[0].proto.text
        if form == "fixed":
            assert bar == f"1 of {fixed_form_length(app_store)} answered"
        else:
            assert bar == f"1 answered · at most {policy_bounds()[1]} questions"


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


def answer_shown_item(app: AppTest, choice: int) -> AppTest:
    """Pick option ``choice`` as most effective (and the next one as least) and press Next."""
    picks = [r for r in app.radio if str(r.key).startswith(("most-", "least-"))]
    for offset, radio in enumerate(picks):
        radio.set_value(radio.options[(choice + offset) % len(radio.options)])
    return app.button[0].click().run()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_an_answer_from_a_second_window_is_not_recorded_and_the_candidate_is_told(
    app_store: Store, language: str
) -> None:
    """On the old code the second window's different answer vanished without a word. The
    same answer again (a double click, or the same pick in both windows) stays silent."""
    token = invitation(app_store)
    first_window = through_practice(open_app(token), language)
    second_window, third_window = open_app(token), open_app(token)  # the same question
    question = next(e.value for e in first_window.subheader)
    assert next(e.value for e in second_window.subheader) == question
    answer_shown_item(first_window, 0)
    notice = TEXTS["answered_elsewhere"][language]
    assert notice not in texts(first_window)
    answer_shown_item(second_window, 1)  # a different answer to the answered question
    assert app_store.count_responses() == 1
    assert texts(second_window).count(notice) == 1
    moved_on = next(e.value for e in second_window.subheader)
    assert moved_on != question
    assert notice not in texts(second_window.run())  # said once
    answer_shown_item(third_window, 0)  # the recorded answer again: silent, recorded once
    assert app_store.count_responses() == 1
    assert notice not in texts(third_window)
    assert next(e.value for e in third_window.subheader) == moved_on
