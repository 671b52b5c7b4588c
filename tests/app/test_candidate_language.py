"""AppTests of the language switch: at any step of a started test the candidate can change the
language; only the wording changes, the test itself (answers, pending item and its clock,
deadline, position) stays exactly as stored, and a reload keeps the choice."""

from __future__ import annotations

import dataclasses

from streamlit.testing.v1 import AppTest

from app_pages.candidate_language import switch_key
from app_pages.texts import text
from assessment.persistence.store import SessionRecord, Store
from items import load_bank
from tests.app.conftest import invitation
from tests.app.test_candidate_journey import all_text, answer_until_last
from tests.app.test_candidate_page import instructions_page, open_app, texts, through_practice


def switch(app: AppTest, shown: str, wanted: str) -> AppTest:
    """Choose ``wanted`` on the switch of a page shown in ``shown`` (a click and its rerun)."""
    return app.segmented_control(key=switch_key(shown)).set_value(wanted).run()


def answer_shown_item(app: AppTest) -> None:
    """Pick the first response (and the second as least effective) and press Next."""
    app.radio[0].set_value(app.radio[0].options[0])
    if len(app.radio) == 2:
        app.radio[1].set_value(app.radio[1].options[1])
    app.button[0].click().run()


def record_of(store: Store, token: str) -> SessionRecord:
    session_id = store.session_id_for_token(token)
    assert session_id is not None
    return store.load_session(session_id)


def apart_from_language(record: SessionRecord) -> SessionRecord:
    """The record with its language set aside, to compare everything else."""
    return dataclasses.replace(record, session=dataclasses.replace(record.session, language="en"))


def test_switching_on_an_item_keeps_the_test_and_changes_only_the_words(
    app_store: Store,
) -> None:
    token = invitation(app_store, time_limit_minutes=30)
    app = through_practice(open_app(token), "en")
    answer_shown_item(app)
    assert "Question 2" in texts(app)
    before = record_of(app_store, token)
    item = load_bank()[before.pending_item_id or ""]

    app = switch(app, "en", "zh")

    assert not app.exception
    after = record_of(app_store, token)
    assert after.session.language == "zh"
    # answers, pending item, when it was shown, deadline, position: all as they were
    assert apart_from_language(after) == apart_from_language(before)
    shown = all_text(app)
    assert "第 2 题" in shown
    assert "Question 2" not in shown
    assert "剩余时间：30 分钟" in shown
    assert "Time left" not in shown
    assert app.radio[0].label == text(f"{item.scored_parts()[0]}_prompt", "zh")
    assert app.radio[0].options == [
        f"{option.id}. {option.text.get('zh')}" for option in item.options
    ]
    assert app_store.count_responses() == 1  # a switch is no answer

    answer_shown_item(app)  # answering goes on, in Chinese, from the same item
    assert app_store.count_responses() == 2
    assert "第 3 题" in texts(app)
    assert record_of(app_store, token).session.responses[1].item_id == item.id


def test_the_chosen_language_survives_a_reload(app_store: Store) -> None:
    token = invitation(app_store)
    app = through_practice(open_app(token), "zh")
    answer_shown_item(app)
    switch(app, "zh", "en")

    reloaded = open_app(token)  # a new browser session with the same link

    assert not reloaded.exception
    assert "Question 2" in texts(reloaded)
    assert "第 2 题" not in texts(reloaded)
    assert reloaded.segmented_control(key=switch_key("en")).value == "en"
    scripts = [element.proto.body for element in reloaded.get("html")]
    assert any('documentElement.lang = "en"' in body for body in scripts)
    assert app_store.count_responses() == 1


def test_choosing_the_language_already_shown_changes_nothing(app_store: Store) -> None:
    token = invitation(app_store)
    app = through_practice(open_app(token), "en")
    before = record_of(app_store, token)

    for _ in range(2):  # a double click on the selected segment
        app = switch(app, "en", "en")

    assert not app.exception
    assert record_of(app_store, token) == before
    assert "Question 1" in texts(app)
    assert app.segmented_control(key=switch_key("en")).value == "en"


def test_switching_on_the_consent_page_shows_the_notice_in_the_new_language(
    app_store: Store,
) -> None:
    token = invitation(app_store)
    app = open_app(token)
    app.button[0].click().run()  # English
    assert "Why your data are used" in texts(app)

    app = switch(app, "en", "zh")

    assert "数据用途" in texts(app)
    assert "Why your data are used" not in texts(app)
    app.checkbox[0].check()
    app.button[0].click().run()  # consent, given in Chinese
    assert "作答说明" in texts(app)
    consent = app_store.consent_record(record_of(app_store, token).session.session_id)
    assert consent is not None
    assert consent.language == "zh"


def test_switching_on_the_instructions_keeps_the_practice_feedback(app_store: Store) -> None:
    token = invitation(app_store)
    app = instructions_page(token)
    app.radio[0].set_value("B")
    app.button[0].click().run()  # check the practice answer
    assert "Well chosen" in texts(app)
    before = record_of(app_store, token)

    app = switch(app, "en", "zh")

    assert not app.exception
    assert "选得好" in texts(app)
    assert "Well chosen" not in texts(app)
    assert apart_from_language(record_of(app_store, token)) == apart_from_language(before)
    app.button[1].click().run()  # start the test
    assert "第 1 题" in texts(app)


def test_the_thank_you_page_of_a_used_link_can_be_switched_and_stays_switched(
    app_store: Store,
) -> None:
    token = invitation(app_store)
    session_id = answer_until_last(app_store, token, "en")
    open_app(token)  # completes the test
    before, scores = app_store.load_session(session_id), app_store.scores(session_id)
    app = open_app(token)  # the used link: its thank-you page
    assert "you have finished" in texts(app)

    app = switch(app, "en", "zh")

    assert "感谢作答，测验已完成" in texts(app)
    assert text("groups_title", "zh") in texts(app)  # the optional questions follow
    reloaded = open_app(token)
    assert "感谢作答，测验已完成" in texts(reloaded)
    assert "you have finished" not in texts(reloaded)
    assert reloaded.segmented_control(key=switch_key("zh")).value == "zh"
    after = app_store.load_session(session_id)
    assert apart_from_language(after) == apart_from_language(before)
    assert app_store.scores(session_id) == scores  # scoring never reads the language
