"""AppTests of the staff pages: sign-in with lockout, and the recruiter workspace by role."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.markup import md_escape
from assessment.access.accounts import MAX_FAILED_LOGINS, StaffUser, add_user
from assessment.demo import seed_demo
from assessment.persistence.store import Store
from assessment.persistence.tables import Candidate
from assessment.recruiting.overview import candidate_overview
from items import load_bank
from tests.app.conftest import ROOT

APP = ROOT / "app.py"
RECRUITER_PAGE = ROOT / "app_pages" / "recruiter.py"
TIMEOUT = 60
PASSWORD = "correct-horse-battery"
TABS = ["Invite", "Candidates", "Profile", "Export"]
HOSTILE_NAME = "**Zoë** [click](http://evil.example) :red[x] <script>alert(1)</script>"


def recruiter_page(user: StaffUser | None, tab: str | None = None) -> AppTest:
    app = AppTest.from_file(str(RECRUITER_PAGE), default_timeout=TIMEOUT)
    if user is not None:
        app.session_state["user"] = user
    if tab is not None:
        app.session_state["recruiter_tab"] = tab
    return app.run()


def errors(app: AppTest) -> list[str]:
    return [str(e.value) for e in app.error]


def sign_in(app: AppTest, username: str, password: str) -> AppTest:
    app.text_input[0].input(username)
    app.text_input[1].input(password)
    return app.button[0].click().run()


# ------------------------------------------------------------------- sign-in
@pytest.fixture
def staff(app_store: Store) -> Store:
    add_user(app_store, "rita", PASSWORD, "recruiter", actor="test")
    return app_store


def test_sign_in_page_is_the_default_page(app_store: Store) -> None:
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert [t.value for t in app.title] == ["Staff sign-in"]
    assert not app.exception


def test_wrong_password_shows_an_error(staff: Store) -> None:
    app = sign_in(AppTest.from_file(str(APP), default_timeout=TIMEOUT).run(), "rita", "nope-nope")
    assert errors(app) == ["Username or password is wrong."]
    assert "user" not in app.session_state


def test_right_password_signs_in_and_opens_the_recruiter_page(staff: Store) -> None:
    app = sign_in(AppTest.from_file(str(APP), default_timeout=TIMEOUT).run(), "rita", PASSWORD)
    assert not errors(app)
    assert app.session_state["user"] == StaffUser("rita", "recruiter")
    assert [t.value for t in app.title] == ["Signed in"]
    app.switch_page(str(RECRUITER_PAGE)).run()
    assert [t.label for t in app.tabs] == TABS


def test_sixth_attempt_is_refused_even_with_the_right_password(staff: Store) -> None:
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    for _ in range(MAX_FAILED_LOGINS):
        sign_in(app, "rita", "wrong-password")
        assert errors(app) == ["Username or password is wrong."]
    sign_in(app, "rita", PASSWORD)
    assert errors(app) == ["Too many failed attempts; try again in 15 minutes."]
    assert "user" not in app.session_state


# --------------------------------------------------------- recruiter: access
def test_anonymous_user_is_refused_on_the_recruiter_page(app_store: Store) -> None:
    app = recruiter_page(None)
    assert errors(app) == ["Please sign in to see this page."]
    assert not app.tabs


def test_recruiter_page_is_not_routed_for_anonymous_users(app_store: Store) -> None:
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page(str(RECRUITER_PAGE))


def test_psychometrician_is_refused(app_store: Store) -> None:
    app = recruiter_page(StaffUser("pia", "psychometrician"))
    assert errors(app) == ["Your role does not give access to this page."]
    assert not app.tabs
    routed = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    routed.session_state["user"] = StaffUser("pia", "psychometrician")
    routed.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        routed.switch_page(str(RECRUITER_PAGE))


@pytest.mark.parametrize("role", ["recruiter", "admin"])
def test_recruiters_and_admins_see_the_tabs(app_store: Store, role: str) -> None:
    app = recruiter_page(StaffUser("rita", role))
    assert not app.exception
    assert not errors(app)
    assert [t.label for t in app.tabs] == TABS
    assert [t.label for t in app.text_input] == ["Name", "Email"]


# -------------------------------------------------------- recruiter: invite
def test_inviting_one_candidate_creates_an_invitation_and_shows_the_link(
    app_store: Store,
) -> None:
    app = recruiter_page(StaffUser("rita", "recruiter"))
    app.text_input[0].input("Mei-Ling <b>Chen</b>")
    app.text_input[1].input("mei@example.com")
    app.selectbox[1].set_value("zh")  # test language
    app.button[0].click().run()
    assert not app.exception
    assert not errors(app)
    assert len(app.code) == 1
    link = str(app.code[0].value)
    assert link.startswith("Mei-Ling <b>Chen</b>\tmei@example.com\thttp")
    token = re.search(r"\?token=([\w-]+)", link).group(1)  # type: ignore[union-attr]
    invitation = app_store.resolve_token(token)
    assert invitation.language == "zh"
    candidate = app_store.candidate(invitation.candidate_id)
    assert candidate is not None
    assert candidate.display_name == "Mei-Ling <b>Chen</b>"
    assert app_store.audit_entries("invite")[0].actor == "rita"
    assert [str(b.proto.label) for b in app.get("download_button")] == ["Download the links (CSV)"]
    app.run()  # the link is shown once only
    assert not app.code


def test_invalid_email_is_explained_and_nothing_is_created(app_store: Store) -> None:
    app = recruiter_page(StaffUser("rita", "recruiter"))
    app.text_input[0].input("Ana")
    app.text_input[1].input("ana-at-example")
    app.button[0].click().run()
    assert any("is not an email address" in text for text in errors(app))
    assert not app.code
    assert app_store.count_candidates() == 0


# ----------------------------------------------- recruiter: the other tabs
@pytest.fixture
def seeded(app_store: Store) -> Store:
    seed_demo(app_store, load_bank(), 6)
    return app_store


def test_candidates_tab_lists_every_candidate(seeded: Store) -> None:
    app = recruiter_page(StaffUser("rita", "recruiter"), tab="Candidates")
    assert not app.exception
    rows = candidate_overview(seeded)
    assert app.metric[0].label.endswith("Invited")
    assert sum(int(m.value) for m in app.metric) == len(rows)
    table = app.dataframe[0].value
    assert sorted(table["candidate_id"]) == sorted(row.candidate_id for row in rows)


def test_profile_tab_shows_the_profile_of_a_completed_candidate(seeded: Store) -> None:
    first = candidate_overview(seeded, status="completed")[0].candidate_id
    with seeded.transaction() as db:
        db.get(Candidate, first).display_name = HOSTILE_NAME  # type: ignore[union-attr]
    app = recruiter_page(StaffUser("rita", "recruiter"), tab="Profile")
    assert not app.exception
    assert not errors(app)
    assert app.selectbox[0].value == first
    assert app.subheader[0].value == md_escape(HOSTILE_NAME, 120)
    scores = app.dataframe[0].value
    assert list(scores.columns) == [
        "Competency", "T", "90% interval", "Percentile", "Percentile 90%", "Level", "SEM (T)",
        "Reliability",
    ]  # fmt: skip
    assert len(scores) == 5
    captions = "\n".join(str(c.value) for c in app.caption)
    assert "synthetic model" in captions  # the demo model's reliability says it is synthetic
    markdown = "\n".join(str(m.value) for m in app.markdown)
    assert "Suggested interview questions" in markdown


def test_export_tab_offers_the_zip_and_the_scores(seeded: Store) -> None:
    app = recruiter_page(StaffUser("rita", "recruiter"), tab="Export")
    assert not app.exception
    labels = [str(b.proto.label) for b in app.get("download_button")]
    assert any(label.startswith("Download") and "(ZIP)" in label for label in labels)
    assert "Download scores (CSV)" in labels
    assert "Download codebook (Markdown)" in labels
