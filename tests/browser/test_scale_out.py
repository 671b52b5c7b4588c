"""Two Streamlit processes behind nginx sharing PostgreSQL: a candidate survives a failover."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assessment.demo import ensure_active_model
from assessment.persistence.store import Store
from items import load_bank
from tests.assessment.conftest import _postgres_database
from tests.browser.candidate import answer_current, open_link, question_heading, start_test
from tests.browser.conftest import free_port, launch
from tests.browser.proxy import nginx_in_front

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[dict[str, Any]]:
    for url in _postgres_database():
        store = Store.open(url)
        ensure_active_model(store, load_bank())
        ports = [free_port(), free_port()]
        processes = [launch(port, url) for port in ports]
        try:
            with nginx_in_front(ports, tmp_path) as proxy_url:
                yield {
                    "url": proxy_url,
                    "store": store,
                    "processes": processes,
                    "ports": ports,
                    "log": tmp_path / "access.log",
                }
        finally:
            for process in processes:
                process.kill()
                process.wait(timeout=10)
            store.engine.dispose()


def serving_port(log: Path) -> int:
    """The backend port that served the latest websocket (from nginx's access log)."""
    lines = [line for line in log.read_text().splitlines() if "_stcore/stream" in line]
    assert lines, "no websocket went through the proxy"
    upstream = lines[-1].rsplit("upstream=", 1)[1].split(",")[-1].strip()
    return int(upstream.rsplit(":", 1)[1])


def test_candidate_continues_on_the_other_process_after_a_crash(
    cluster: dict[str, Any], browser: Any
) -> None:
    store: Store = cluster["store"]
    _, token = store.create_invitation(store.add_candidate("Scale-out candidate"))
    url = f"{cluster['url']}/?token={token}"
    page = browser.new_page()
    open_link(page, url)
    start_test(page)
    for _ in range(2):
        answer_current(page)
    on_screen = question_heading(page)
    session_id = store.session_id_for_token(token)
    assert session_id is not None
    answered = store.load_session(session_id).session.responses
    page.close()  # nginx logs a websocket when it closes
    time.sleep(1.0)
    served_by = serving_port(cluster["log"])
    # Crash the process that served this client; the other one takes over.
    victim = cluster["processes"][cluster["ports"].index(served_by)]
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    again = browser.new_page()
    open_link(again, url)
    if question_heading(again) is None:  # first request hit the dead backend: nginx retried
        open_link(again, url)
    assert question_heading(again) == on_screen
    answer_current(again)
    record = store.load_session(session_id)
    assert record.session.responses[: len(answered)] == answered
    assert len(record.session.responses) == len(answered) + 1
    again.close()
    time.sleep(1.0)
    assert serving_port(cluster["log"]) != served_by  # really served by the other process
