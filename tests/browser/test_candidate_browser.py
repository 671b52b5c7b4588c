"""A candidate completes the whole test in Chromium, and a reload mid-test resumes exactly."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.candidate import (
    answer_current,
    finished,
    open_link,
    question_heading,
    start_test,
)
from tests.browser.conftest import Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def new_link(server: Server, **options: Any) -> tuple[str, str]:
    candidate = server.store.add_candidate("Browser candidate", position="Chat agent")
    _, token = server.store.create_invitation(candidate, **options)
    return f"{server.url}/?token={token}", token


def session_id(server: Server, token: str) -> str:
    found = server.store.session_id_for_token(token)
    assert found is not None
    return found


def test_candidate_completes_the_whole_test(server: Server, browser: Any) -> None:
    url, token = new_link(server)
    page = browser.new_page(viewport={"width": 390, "height": 844})  # phone width
    open_link(page, url)
    start_test(page)
    answered = 0
    while not finished(page) and answered < 80:
        answer_current(page)
        answered += 1
    assert finished(page)
    sid = session_id(server, token)
    record = server.store.load_session(sid)
    assert record.session.completed
    assert len(record.session.responses) == answered
    assert len(server.store.scores(sid)) == 5
    open_link(page, url)  # the used link opens the thank-you page, not the test again
    assert finished(page)
    assert question_heading(page) is None
    assert page.get_by_text("cannot be used").count() == 0
    page.close()


def test_reload_mid_test_resumes_at_the_same_item(server: Server, browser: Any) -> None:
    url, token = new_link(server, language="zh")
    page = browser.new_page()
    open_link(page, url)
    start_test(page, "中文")
    for _ in range(3):
        answer_current(page)
    on_screen = question_heading(page)
    page.close()
    again = browser.new_page()  # a new browser session, as after closing the browser
    open_link(again, url)
    assert question_heading(again) == on_screen
    sid = session_id(server, token)
    assert server.store.count_responses(sid) == 3
    again.reload()
    again.wait_for_timeout(300)
    assert question_heading(again) == on_screen
    again.close()
