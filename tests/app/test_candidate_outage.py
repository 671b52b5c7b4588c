"""Candidates see the bilingual retry message for every database failure (issue 11, finding 9).

Never Streamlit's crash box: not when the database is down as the page starts (the delivery
service is built from the store), and not at any later step.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from assessment.errors import DatabaseError
from assessment.persistence.store import Store
from tests.app.conftest import ROOT, invitation

APP = ROOT / "app.py"
RETRY_EN = "earlier answers are safe"
RETRY_ZH = "之前的答案都已安全保存"


def warnings(app: AppTest) -> str:
    return "\n".join(str(e.value) for e in app.warning)


def open_app(token: str) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.query_params["token"] = token
    return app.run()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://nobody@127.0.0.1:1/sjt",  # no server listening
        "sqlite:////proc/sjt-cannot-live-here/sjt.db",  # the file cannot be created
    ],
)
def test_a_database_down_at_page_start_shows_the_retry_message(
    url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SJT_DATABASE_URL", url)
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    try:
        app = open_app("any-token-of-sufficient-length-123")
    finally:
        st.cache_resource.clear()
    assert not app.exception, app.exception
    assert RETRY_EN in warnings(app)
    assert RETRY_ZH in warnings(app)


def fail(*_args: object, **_kwargs: object) -> None:
    raise DatabaseError("the database cannot be used: server closed the connection")


@pytest.mark.parametrize(
    ("method", "steps"),
    [
        ("resolve_token", 0),  # opening the link
        ("start_session", 1),  # choosing the language
        ("record_consent", 2),  # consent
        ("load_session", 2),  # any later page
    ],
)
def test_a_database_failure_at_any_step_shows_the_retry_message(
    app_store: Store, monkeypatch: pytest.MonkeyPatch, method: str, steps: int
) -> None:
    app = open_app(invitation(app_store))
    if steps >= 1:
        if method == "start_session":
            monkeypatch.setattr(Store, method, fail)
        app.button[0].click().run()  # English
    if steps >= 2:
        if method == "record_consent":
            monkeypatch.setattr(Store, method, fail)
        app.checkbox[0].check()
        if method == "load_session":
            monkeypatch.setattr(Store, method, fail)
        app.button[0].click().run()  # consent
    if steps == 0:
        monkeypatch.setattr(Store, method, fail)
        app.run()
    assert not app.exception, app.exception
    assert RETRY_EN in warnings(app)
    monkeypatch.undo()
    app.run()  # the database is back: the page carries on
    assert not app.exception
    assert RETRY_EN not in warnings(app)
