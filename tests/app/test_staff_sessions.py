"""AppTests of staff sign-in and staff sessions: generic errors, throttles, deep links, first
sign-in password change, revocation at the next action and at download time, single sign-on."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import update
from streamlit.runtime.context import ContextProxy, StreamlitHeaders
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from app_pages.common import get_store, trusted_proxies
from app_pages.staff_session import SESSION_KEY, SessionEndedError
from assessment.access.accounts import add_user, disable_user, reset_password
from assessment.access.throttle import ACCOUNT_THROTTLE
from assessment.persistence.staff_tables import StaffSessionRow
from assessment.persistence.store import Store
from tests.app.conftest import ROOT
from tests.app.staff import PASSWORD, sign_in_as

APP = str(ROOT / "app.py")
RECRUITER_PAGE = str(ROOT / "app_pages" / "recruiter.py")
PSYCHOMETRICS_PAGE = str(ROOT / "app_pages" / "psychometrics.py")
TIMEOUT = 60
GENERIC = "Username or password is incorrect, or the account cannot sign in now."
TABS = ["Invite", "Candidates", "Profile", "Export"]


def submit(app: AppTest, username: str, password: str) -> AppTest:
    app.text_input[0].input(username)
    app.text_input[1].input(password)
    return app.button[0].click().run()


def errors(app: AppTest) -> list[str]:
    return [str(e.value) for e in app.error]


@pytest.fixture
def staff(app_store: Store) -> Store:
    add_user(app_store, "rita", PASSWORD, "recruiter", actor="test")
    return app_store


# ------------------------------------------------------------------------ sign-in
def test_sign_in_page_is_the_default_page_and_asks_for_the_current_password(
    app_store: Store,
) -> None:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert [t.value for t in app.title] == ["Staff sign-in"]
    assert app.text_input[0].proto.autocomplete == "username"
    assert app.text_input[1].proto.autocomplete == "current-password"
    assert not app.exception


def test_wrong_password_and_unknown_user_get_the_same_generic_error(staff: Store) -> None:
    for username in ("rita", "nobody"):
        app = submit(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), username, "nope-nope")
        assert errors(app) == [GENERIC]
        assert SESSION_KEY not in app.session_state


def test_repeated_failures_slow_down_sign_in_without_locking_the_account(staff: Store) -> None:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    for _ in range(ACCOUNT_THROTTLE.free + 1):
        submit(app, "rita", "wrong-password")
    submit(app, "rita", PASSWORD)  # within the short wait: refused with the same words
    assert errors(app) == [GENERIC]
    time.sleep(ACCOUNT_THROTTLE.base.total_seconds() + 0.2)
    submit(app, "rita", PASSWORD)
    assert [t.value for t in app.title] == ["Candidates"]  # the recruiter lands on Candidates


def test_sign_in_behind_a_trusted_proxy_throttles_the_client_the_proxy_names(
    staff: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Staff sign-in finds the client as the candidate page does (``SJT_TRUSTED_PROXIES``):
    behind the operator's nginx every sign-in would otherwise share the proxy's one key."""
    monkeypatch.setenv("SJT_TRUSTED_PROXIES", "10.0.0.2")
    trusted_proxies.clear()  # type: ignore[attr-defined]
    forwarded = StreamlitHeaders([("X-Forwarded-For", "203.0.113.9")])
    monkeypatch.setattr(ContextProxy, "ip_address", property(lambda _: "10.0.0.2"))
    monkeypatch.setattr(ContextProxy, "headers", property(lambda _: forwarded))
    try:
        submit(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), "rita", "wrong-password")
    finally:
        trusted_proxies.clear()  # type: ignore[attr-defined]
    failed = [e for e in staff.audit_entries() if e.action == "login.failed"]
    assert [e.detail for e in failed] == [{"client": "203.0.113.9"}]


def test_right_password_signs_in_and_sign_out_ends_the_session_in_every_tab(
    staff: Store,
) -> None:
    app = submit(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), "rita", PASSWORD)
    assert [t.value for t in app.title] == ["Candidates"]  # signing in opens the recruiter's page
    session_id = app.session_state[SESSION_KEY]
    other_tab = AppTest.from_file(RECRUITER_PAGE, default_timeout=TIMEOUT)
    other_tab.session_state[SESSION_KEY] = session_id
    assert [t.label for t in other_tab.run().tabs] == TABS
    next(b for b in app.button if b.label == "Sign out").click().run()
    assert [t.value for t in app.title] == ["Staff sign-in"]
    assert "You have signed out." in [i.value for i in app.info]
    other_tab.run()
    assert not other_tab.tabs
    assert [t.value for t in other_tab.title] == ["Staff sign-in"]


# --------------------------------------------------------------------- deep links
@pytest.mark.parametrize(
    ("page", "role", "title"),
    [(RECRUITER_PAGE, "recruiter", "Candidates"), (PSYCHOMETRICS_PAGE, "psychometrician", None)],
)
def test_a_deep_link_shows_the_sign_in_form_and_then_that_page(
    app_store: Store, page: str, role: str, title: str | None
) -> None:
    add_user(app_store, "sam", PASSWORD, role, actor="test")
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    app.switch_page(page).run()  # like opening /candidates or /calibration directly
    assert not app.exception
    assert [t.value for t in app.title] == ["Staff sign-in"]
    submit(app, "sam", PASSWORD)
    assert not app.exception
    assert "Staff sign-in" not in [t.value for t in app.title]
    if title is not None:
        assert [t.value for t in app.title] == [title]
        assert [t.label for t in app.tabs] == TABS


def test_a_deep_link_to_a_page_of_another_role_is_refused(app_store: Store) -> None:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in_as(app, get_store(), "pia", "psychometrician")
    app.run().switch_page(RECRUITER_PAGE).run()
    assert errors(app) == ["Your role does not give access to this page."]
    assert not app.tabs


# --------------------------------------------------------------------- revocation
def test_a_disabled_account_is_signed_out_at_its_next_action(app_store: Store) -> None:
    app = AppTest.from_file(RECRUITER_PAGE, default_timeout=TIMEOUT)
    sign_in_as(app, get_store(), "rita", "recruiter")
    assert [t.label for t in app.run().tabs] == TABS
    disable_user(app_store, "rita", actor="ops")
    app.text_input[0].input("Next candidate").run()  # any action
    assert not app.tabs
    assert "Your session has ended because your account was changed. Please sign in again." in [
        i.value for i in app.info
    ]
    assert SESSION_KEY not in app.session_state


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], Any]]:
    """The data callables of download buttons, by file name, as Streamlit registers them."""
    captured: dict[str, Callable[[], Any]] = {}
    original = MediaFileManager.add_deferred

    def capture(self: MediaFileManager, data: Callable[[], Any], *args: Any, **kw: Any) -> str:
        captured[str(kw.get("file_name"))] = data
        return original(self, data, *args, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", capture)
    return captured


def test_downloads_are_not_generated_for_a_revoked_or_idle_session(
    app_store: Store, deferred: dict[str, Callable[[], Any]]
) -> None:
    app = AppTest.from_file(RECRUITER_PAGE, default_timeout=TIMEOUT)
    user = sign_in_as(app, get_store(), "rita", "recruiter")
    app.session_state["recruiter_tab"] = "Export"
    app.run()
    scores = next(make for name, make in deferred.items() if name.startswith("scores-"))
    assert scores()  # while signed in, the file is generated on click
    exports = len(app_store.audit_entries("export.scores"))
    with app_store.transaction() as db:  # 31 minutes without activity
        db.execute(
            update(StaffSessionRow)
            .where(StaffSessionRow.id == user.session_id)
            .values(last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31))
        )
    with pytest.raises(SessionEndedError):
        scores()
    assert len(app_store.audit_entries("export.scores")) == exports  # nothing was generated

    again = AppTest.from_file(RECRUITER_PAGE, default_timeout=TIMEOUT)
    sign_in_as(again, get_store(), "rita", "recruiter")
    again.session_state["recruiter_tab"] = "Export"
    again.run()
    fresh = next(make for name, make in deferred.items() if name.startswith("scores-"))
    assert fresh is not scores
    assert fresh()
    disable_user(app_store, "rita", actor="ops")
    with pytest.raises(SessionEndedError):
        fresh()


# ------------------------------------------------------------ first sign-in password
def test_a_temporary_password_must_be_replaced_before_anything_else(staff: Store) -> None:
    temporary = reset_password(staff, "rita", actor="ops")
    app = submit(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), "rita", temporary)
    assert [t.value for t in app.title] == ["Choose a new password"]
    assert SESSION_KEY not in app.session_state
    fields = [t for t in app.text_input if not t.disabled]
    assert [f.proto.autocomplete for f in fields] == ["new-password", "new-password"]
    fields[0].input("a-brand-new-password")
    fields[1].input("a-different-password")
    app.button[0].click().run()
    assert errors(app) == ["The two new passwords differ."]
    fields = [t for t in app.text_input if not t.disabled]
    fields[0].input("a-brand-new-password")
    fields[1].input("a-brand-new-password")
    app.button[0].click().run()
    assert [t.value for t in app.title] == ["Candidates"]
    assert [e.action for e in staff.audit_entries("user.password_changed")]


# -------------------------------------------------------------------- single sign-on
SSO_SECRETS = {
    "sjt_sso": {
        "label": "Sign in with Example ID",
        "role_claim": "groups",
        "roles": {"sjt-recruiters": "recruiter"},
    }
}


def sso_app(groups: list[str], age: float = 5) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.secrets = SSO_SECRETS
    app.user = {
        "is_logged_in": True, "iss": "http://idp.test", "sub": "ada", "nonce": "n-1",
        "iat": int(time.time() - age), "email": "ada@example.org", "email_verified": True,
        "groups": groups,
    }  # fmt: skip
    return app


def test_a_fresh_single_sign_on_login_with_a_mapped_role_signs_in(app_store: Store) -> None:
    app = sso_app(["sjt-recruiters"]).run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Candidates"]
    app.switch_page(RECRUITER_PAGE).run()
    assert [t.label for t in app.tabs] == TABS


def test_a_single_sign_on_login_without_a_mapped_role_gets_no_access(app_store: Store) -> None:
    app = sso_app(["staff"]).run()
    assert errors(app) == ["Your single sign-on account has no access to this service."]
    assert SESSION_KEY not in app.session_state
    assert "Sign in with Example ID" in [b.label for b in app.button]


def test_an_old_single_sign_on_login_kept_in_streamlits_cookie_starts_no_session(
    app_store: Store,
) -> None:
    app = sso_app(["sjt-recruiters"], age=3600).run()  # Streamlit keeps it for 30 days
    assert not app.exception
    assert [t.value for t in app.title] == ["Staff sign-in"]
    assert SESSION_KEY not in app.session_state
    assert not errors(app)
    assert "Sign in with Example ID" in [b.label for b in app.button]


def test_every_page_finds_the_client_with_the_one_shared_function() -> None:
    """One reader of the connection's address (``app_pages.common.client_address``): a
    second copy drifted from it once and ignored ``SJT_TRUSTED_PROXIES``."""
    readers = sorted(
        path.name
        for path in (ROOT / "app_pages").glob("*.py")
        if "ip_address" in path.read_text(encoding="utf-8")
    )
    assert readers == ["common.py"]
