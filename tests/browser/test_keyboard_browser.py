"""A candidate answers with the keyboard alone (Tab, arrow keys, Space/Enter)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.candidate import (
    RESPONSE_GROUPS,
    open_link,
    question_heading,
    start_test,
    wait_for_next_question,
    wait_for_question_focus,
)
from tests.browser.conftest import Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_item_can_be_answered_with_the_keyboard_alone(server: Server, browser: Any) -> None:
    _, token = server.store.create_invitation(server.store.add_candidate("Keyboard candidate"))
    page = browser.new_page()
    open_link(page, f"{server.url}/?token={token}")
    start_test(page)
    wait_for_question_focus(page)
    first = question_heading(page) or ""
    groups = page.locator(RESPONSE_GROUPS).count()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for group in range(groups):
        for _ in range(20):  # Tab until a radio of this group has focus
            page.keyboard.press("Tab")
            focused = page.evaluate(
                "() => document.activeElement && document.activeElement.type === 'radio'"
            )
            if focused:
                break
        page.keyboard.press("Space")  # choose the focused option
        if group == 1:
            page.keyboard.press("ArrowDown")  # a different option for "least effective"
    checked = page.locator(f'{RESPONSE_GROUPS} input[type="radio"]:checked').count()
    assert checked == groups, f"{checked} of {groups} option groups answered by keyboard"
    for _ in range(20):
        page.keyboard.press("Tab")
        label = page.evaluate("() => document.activeElement && document.activeElement.innerText")
        if label and label.strip() in ("Next", "下一题"):
            break
    page.keyboard.press("Enter")
    wait_for_next_question(page, first)
    sid = server.store.session_id_for_token(token)
    assert sid is not None
    assert server.store.count_responses(sid) == 1
    assert question_heading(page) != first
    page.close()
