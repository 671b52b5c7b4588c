"""kill -9 of the Streamlit server in the middle of 20 candidates' tests, then a restart."""

from __future__ import annotations

import random
import signal
from typing import Any

import pytest

from tests.browser.candidate import answer_current, open_link, question_heading, start_test
from tests.browser.conftest import Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
N_CANDIDATES = 20


def test_killed_server_loses_no_answer_and_everyone_resumes(server: Server, browser: Any) -> None:
    rng = random.Random(20)
    links = []
    for k in range(N_CANDIDATES):
        candidate = server.store.add_candidate(f"Restart candidate {k}")
        _, token = server.store.create_invitation(candidate, language="zh" if k % 4 == 0 else "en")
        links.append((f"{server.url}/?token={token}", token))
    context = browser.new_context()
    on_screen = {}
    for url, token in links:
        page = context.new_page()
        open_link(page, url)
        start_test(
            page,
            "中文" if token == links[0][1] or links.index((url, token)) % 4 == 0 else "English",
        )
        for _ in range(rng.randint(1, 4)):
            answer_current(page)
        on_screen[token] = question_heading(page)
        page.close()
    answered = {
        token: server.store.load_session(server.store.session_id_for_token(token) or "").session
        for _, token in links
    }
    pending = {
        token: server.store.load_session(
            server.store.session_id_for_token(token) or ""
        ).pending_item_id
        for _, token in links
    }
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=10)
    server.start()
    for url, token in links:
        page = context.new_page()
        open_link(page, url)
        assert question_heading(page) == on_screen[token]
        record = server.store.load_session(server.store.session_id_for_token(token) or "")
        assert record.session.responses == answered[token].responses
        assert record.pending_item_id == pending[token]
        page.close()
    context.close()
