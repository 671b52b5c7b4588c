"""Every staff download re-checks the session and the role when it is clicked, and every
staff action re-checks them when it runs: a page left open after the account was disabled or
demoted yields nothing, and nothing is audited as an export.

Streamlit calls a download button's data callable when the button is clicked, without a
rerun (``on_click="ignore"``), so the role guard at the top of the page does not run then:
the callable itself must ask the database (``app_pages.staff_session.guarded``).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from app_pages.common import get_store
from app_pages.staff_session import SessionEndedError
from assessment.access.accounts import disable_user, set_role
from assessment.demo import seed_demo
from assessment.persistence.store import Store
from items import load_bank
from tests.app.conftest import ROOT
from tests.app.staff import sign_in_as

PAGES = ROOT / "app_pages"
RECRUITER_PAGE = str(PAGES / "recruiter.py")
PSYCHOMETRICS_PAGE = str(PAGES / "psychometrics.py")
TIMEOUT = 60


def download_calls(path: Path) -> Iterator[ast.Call]:
    """The ``download_button`` calls of a module (``st.download_button``, ``column.…``)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "download_button":
                yield node


def is_guarded(call: ast.Call) -> bool:
    data = next((k.value for k in call.keywords if k.arg == "data"), None)
    if data is None and len(call.args) > 1:
        data = call.args[1]
    return (
        isinstance(data, ast.Call) and isinstance(data.func, ast.Name) and data.func.id == "guarded"
    )


def test_every_download_button_of_the_pages_is_guarded() -> None:
    found = {
        f"{path.name}:{call.lineno}": is_guarded(call)
        for path in sorted(PAGES.glob("*.py"))
        for call in download_calls(path)
    }
    # scores, codebook, ZIP, the PDFs (one call, two buttons), links, responses, model file
    assert len(found) >= 7
    assert [where for where, ok in found.items() if not ok] == []


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What download buttons register, by file name: a callable when the data is made on
    click (deferred), else the data itself (made when the page was drawn)."""
    captured: dict[str, Any] = {}
    deferred, immediate = MediaFileManager.add_deferred, MediaFileManager.add

    def capture_deferred(self: MediaFileManager, data: Any, *args: Any, **kw: Any) -> str:
        captured[str(kw.get("file_name"))] = data
        return deferred(self, data, *args, **kw)

    def capture_immediate(self: MediaFileManager, data: Any, *args: Any, **kw: Any) -> str:
        if kw.get("file_name"):
            captured[str(kw["file_name"])] = data
        return immediate(self, data, *args, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", capture_deferred)
    monkeypatch.setattr(MediaFileManager, "add", capture_immediate)
    return captured


def only(downloads: dict[str, Any], prefix: str) -> Callable[[], Any]:
    (make,) = [data for name, data in downloads.items() if name.startswith(prefix)]
    assert callable(make), f"{prefix}: made when the page was drawn, not when clicked"
    return make  # type: ignore[no-any-return]


@pytest.mark.parametrize("revoke", ["demote", "disable"])
def test_an_open_workbench_yields_no_responses_or_model_file_after_the_role_is_lost(
    app_store: Store, downloads: dict[str, Any], revoke: str
) -> None:
    seed_demo(app_store, load_bank(), 6, seed=9)
    with app_store.engine.begin() as connection:  # real candidates, so the file has rows
        connection.exec_driver_sql("UPDATE candidates SET synthetic = 0")
    app = AppTest.from_file(PSYCHOMETRICS_PAGE, default_timeout=TIMEOUT)
    sign_in_as(app, get_store(), "pia", "psychometrician")
    app.run()
    responses, model = only(downloads, "responses-"), only(downloads, "model-")
    assert responses().count("\n") > 1  # while the role holds: the file, audited
    assert model().startswith("{")
    exports = len(app_store.audit_entries("export.responses"))
    assert exports == 1
    if revoke == "demote":
        set_role(app_store, "pia", "recruiter", actor="ops")
    else:
        disable_user(app_store, "pia", actor="ops")
    for make in (responses, model):  # the page is still open; the buttons are clicked
        with pytest.raises(SessionEndedError):
            make()
    assert len(app_store.audit_entries("export.responses")) == exports


def test_an_action_on_an_open_workbench_is_refused_after_the_role_is_lost(
    app_store: Store,
) -> None:
    seed_demo(app_store, load_bank(), 4, seed=9)
    app = AppTest.from_file(PSYCHOMETRICS_PAGE, default_timeout=TIMEOUT)
    sign_in_as(app, get_store(), "pia", "psychometrician")
    app.run()
    confirm = next(c for c in app.checkbox if c.label.startswith("I understand that every"))
    confirm.check()
    set_role(app_store, "pia", "recruiter", actor="ops")
    next(b for b in app.button if b.label == "Rescore every completed test").click().run()
    assert not app.tabs
    assert app_store.audit_entries("model.rescore") == []


def test_an_open_recruiter_page_yields_no_links_or_codebook_after_the_account_is_disabled(
    app_store: Store, downloads: dict[str, Any]
) -> None:
    app = AppTest.from_file(RECRUITER_PAGE, default_timeout=TIMEOUT)
    sign_in_as(app, get_store(), "rita", "recruiter")
    app.run()
    app.text_input[0].input("Ann Example")
    app.text_input[1].input("ann@example.com")
    next(b for b in app.button if b.label == "Create invitation").click().run()
    links = only(downloads, "invitations-")
    assert b"ann@example.com" in links()
    app.session_state["recruiter_tab"] = "Export"
    app.run()
    codebook = only(downloads, "scores-codebook")
    assert codebook()
    disable_user(app_store, "rita", actor="ops")
    for make in (links, codebook):
        with pytest.raises(SessionEndedError):
            make()
