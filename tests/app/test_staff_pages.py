"""AppTests of the recruiter workspace (sign-in and access: ``test_staff_sessions.py``)."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.common import get_store
from app_pages.markup import md_escape
from app_pages.recruiter_candidates import (
    OVERVIEW_VIEWS,
    RESULT_LABELS,
    SHORT_FLAG_LABELS,
    TABLE_WIDTH,
    overview_frame,
    view_width,
)
from app_pages.recruiter_shared import PROFILE_KEY, WEAK_EVIDENCE_LABEL
from assessment.access.accounts import StaffUser
from assessment.delivery.simulation import load_simulation_record
from assessment.demo import seed_demo
from assessment.persistence.results import latest_completed_result
from assessment.persistence.store import Store
from assessment.persistence.tables import Candidate, TestSession
from assessment.recruiting.overview import candidate_overview
from assessment.vocabulary import QUALITY_FLAGS
from items import COMPETENCIES, load_bank
from reports.assemble import overall_rule, profile_for_candidate
from reports.formatting import fmt_reliability, fmt_t
from tests.app.conftest import ROOT
from tests.app.staff import sign_in_as

APP = ROOT / "app.py"
RECRUITER_PAGE = ROOT / "app_pages" / "recruiter.py"
TIMEOUT = 60
PASSWORD = "correct-horse-battery"
TABS = ["Invite", "Candidates", "Profile", "Export"]
HOSTILE_NAME = "**Zoë** [click](http://evil.example) :red[x] <script>alert(1)</script>"


def recruiter_page(user: StaffUser | None, tab: str | None = None) -> AppTest:
    app = AppTest.from_file(str(RECRUITER_PAGE), default_timeout=TIMEOUT)
    if user is not None:  # a real account and staff session in the app's database
        sign_in_as(app, get_store(), user.username, user.role)
    if tab is not None:
        app.session_state["recruiter_tab"] = tab
    return app.run()


def errors(app: AppTest) -> list[str]:
    return [str(e.value) for e in app.error]


# Sign-in, sessions, deep links and access by role: tests/app/test_staff_sessions.py


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
    assert "Copy the link now: for security it is not stored" in app.success[0].value
    assert [t.value for t in app.text_input] == ["", ""]  # a fresh, empty form
    app.run()  # any rerun on the Invite tab (a second click) keeps the links, creates nothing
    assert len(app.code) == 1
    assert app_store.count_candidates() == 1
    app.session_state["recruiter_tab"] = "Candidates"
    app.run()
    app.session_state["recruiter_tab"] = "Invite"
    app.run()  # once the recruiter has moved on, the links are gone for good
    assert not app.code


def test_invalid_email_is_explained_and_nothing_is_created(app_store: Store) -> None:
    app = recruiter_page(StaffUser("rita", "recruiter"))
    app.text_input[0].input("Ana")
    app.text_input[1].input("ana-at-example")
    app.button[0].click().run()
    assert any("is not an email address" in text for text in errors(app))
    assert not app.code
    assert app_store.count_candidates() == 0
    app.text_input[1].input("ana@example.com")  # the corrected form can be sent again
    app.button[0].click().run()
    assert not errors(app)
    assert len(app.code) == 1
    assert app_store.count_candidates() == 1


@pytest.mark.parametrize("name", ["\u200b\u200b", "\ufeff", " \u2060 "])
def test_a_name_of_invisible_characters_only_is_refused(app_store: Store, name: str) -> None:
    """A name of zero-width spaces, a byte-order mark or a word joiner was accepted: the
    candidate then stood nameless in every list, profile and export."""
    app = recruiter_page(StaffUser("rita", "recruiter"))
    app.text_input[0].input(name)
    app.text_input[1].input("ana@example.com")
    app.button[0].click().run()
    assert not app.exception
    assert errors(app) == [
        "Please correct the form: name has only invisible characters; type it again by hand."
    ]
    assert app_store.count_candidates() == 0
    assert [t.value for t in app.text_input] == [name, "ana@example.com"]  # kept to correct


def test_a_list_with_problems_lists_them_and_creates_nothing(app_store: Store) -> None:
    app = AppTest.from_file(str(RECRUITER_PAGE), default_timeout=TIMEOUT)
    sign_in_as(app, get_store(), "rita", "recruiter")
    app.session_state["invite_mode"] = "Upload a list (CSV)"
    app.run()
    data = b"name,email\nAna,ana-at-example\n,bo@example.com\n"
    app.file_uploader[0].set_value(("people.csv", data, "text/csv"))
    app.button[0].click().run()
    assert not app.exception
    assert errors(app) == [
        "The list has 2 problems; nothing was created. Correct the file and upload it again."
    ]
    assert [line[:7] for line in str(app.code[-1].value).splitlines()] == ["line 2:", "line 3:"]
    assert app_store.count_candidates() == 0
    app.file_uploader[0].set_value(("people.csv", b"name,email\nAna,ana@example.com\n", "text/csv"))
    app.button[0].click().run()  # the corrected list can be sent with the same form
    assert not errors(app)
    assert app_store.count_candidates() == 1


@pytest.mark.parametrize("mode", ["One candidate", "Upload a list (CSV)"])
def test_an_email_with_an_open_invitation_is_refused_unless_confirmed(
    app_store: Store, mode: str
) -> None:
    """The single form made a second open invitation for the same email without a word."""
    first = app_store.add_candidate("Ann", "ann@example.com")
    app_store.create_invitation(first)
    app = AppTest.from_file(str(RECRUITER_PAGE), default_timeout=TIMEOUT)
    sign_in_as(app, get_store(), "rita", "recruiter")
    app.session_state["invite_mode"] = mode
    app.run()

    def submit() -> None:
        if mode == "One candidate":
            app.text_input[0].input("Ann Again")
            app.text_input[1].input("ANN@example.com ")
        else:
            data = b"name,email\nAnn Again,ANN@example.com\nBo,bo@example.com\n"
            app.file_uploader[0].set_value(("people.csv", data, "text/csv"))
        next(b for b in app.button if b.label.startswith("Create invitation")).click().run()

    submit()
    assert not app.exception
    shown = " ".join(errors(app) + [str(c.value) for c in app.code])
    shown = shown.replace("\\", "").replace("\u200b", "")  # the Markdown escapes
    assert f"already has an open invitation (candidate {first})" in shown
    assert "Invite again an email that already has an open invitation" in shown
    assert app_store.count_candidates() == 1  # nothing created, not even Bo
    next(c for c in app.checkbox if c.label.startswith("Invite again")).check()
    submit()
    assert not errors(app)
    assert app_store.count_candidates() == (2 if mode == "One candidate" else 3)


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


def test_each_view_of_the_overview_fits_a_1400_px_window_and_together_they_show_all(
    seeded: Store,
) -> None:
    """At 1400 px the whole table was 2,092 px wide in a 938 px area and the flags needed
    horizontal scrolling; each view now fits, and no column is lost."""
    names = {c: c for c in COMPETENCIES}
    for view in OVERVIEW_VIEWS:
        assert view_width(view, names) <= TABLE_WIDTH, view
    frame = overview_frame(candidate_overview(seeded))
    assert {c for columns in OVERVIEW_VIEWS.values() for c in columns} == set(frame.columns)
    assert "flags" in OVERVIEW_VIEWS["Results"]


def test_candidates_tab_shows_each_profiles_overall_result_and_composite(seeded: Store) -> None:
    rule = overall_rule(seeded)
    expected = {
        row.candidate_id: (RESULT_LABELS[band], int(fmt_t(composite)))
        for row in candidate_overview(seeded, status="completed")
        for composite, band in [profile_result(seeded, row.candidate_id)]
    }
    assert {  # the profile's numbers, which the scores export also gives
        row.candidate_id: row.overall_result(rule) for row in candidate_overview(seeded)
    } == {
        row.candidate_id: profile_result(seeded, row.candidate_id)
        if row.status == "completed" else None
        for row in candidate_overview(seeded)
    }  # fmt: skip
    app = recruiter_page(StaffUser("rita", "recruiter"), tab="Candidates")
    assert not app.exception
    table = app.dataframe[0].value
    assert list(table.columns[:4]) == ["name", "status", "result", "composite"]
    shown = {
        r.candidate_id: (r.result, r.composite)
        for r in table.itertuples()
        if r.candidate_id in expected
    }
    assert shown == expected
    others = table[~table["candidate_id"].isin(list(expected))]
    assert others["result"].isna().all()
    assert others["composite"].isna().all()
    assert any("overall result and the composite T" in str(c.value) for c in app.caption)

    next(s for s in app.selectbox if s.label == "Sort by").set_value("composite").run()
    table = app.dataframe[0].value
    composites = [int(v) for v in table["composite"].dropna()]
    assert composites == sorted(composites, reverse=True)
    assert table["composite"].notna().iloc[: len(composites)].all()  # unscored rows last
    band = next(iter(expected.values()))[0]
    wanted = next(k for k, label in RESULT_LABELS.items() if label == band)
    next(m for m in app.multiselect if m.label == "Overall result").set_value([wanted]).run()
    table = app.dataframe[0].value
    assert set(table["result"]) == {band}
    assert len(table) == sum(1 for label, _ in expected.values() if label == band)


def profile_result(store: Store, candidate_id: str) -> tuple[float, str]:
    overall = profile_for_candidate(store, candidate_id).overall
    return overall.composite_t, overall.band


def test_the_pdf_language_starts_from_each_candidates_test_language(seeded: Store) -> None:
    """The choice for one candidate was kept for the next, whatever their test language."""
    english = [r.candidate_id for r in candidate_overview(seeded, status="completed")]
    with seeded.transaction() as db:
        for candidate_id in english[:2]:
            session = latest_completed_result(seeded, candidate_id).session
            assert session is not None
            db.get(TestSession, session.id).language = "en"  # type: ignore[union-attr]
    first, second = english[:2]
    app = AppTest.from_file(str(RECRUITER_PAGE), default_timeout=TIMEOUT)
    sign_in_as(app, get_store(), "rita", "recruiter")
    app.session_state["recruiter_tab"] = "Profile"
    app.session_state[PROFILE_KEY] = first
    app.run()
    language = next(r for r in app.radio if r.label == "PDF language")
    assert language.value == "en"
    language.set_value("zh").run()
    assert next(r for r in app.radio if r.label == "PDF language").value == "zh"
    app.selectbox[0].set_value(second).run()
    assert not app.exception
    assert next(r for r in app.radio if r.label == "PDF language").value == "en"


def test_profile_tab_shows_the_profile_of_a_completed_candidate(seeded: Store) -> None:
    row = candidate_overview(seeded, status="completed")[0]
    first = row.candidate_id
    with seeded.transaction() as db:
        db.get(Candidate, first).display_name = HOSTILE_NAME  # type: ignore[union-attr]
    app = recruiter_page(StaffUser("rita", "recruiter"), tab="Profile")
    assert not app.exception
    # Listing order may tie, so the first candidate may be one of the demo's flagged ones:
    # then the one error box is the profile's "review before use" summary, nothing else.
    review = ["Review before use" in text for text in errors(app)]
    assert review == ([True] if row.flags else [])
    assert app.selectbox[0].value == first
    assert app.subheader[0].value == md_escape(HOSTILE_NAME, 120)
    scores = app.dataframe[0].value
    assert list(scores.columns) == [
        "Competency", "T", "90% interval", "Percentile", "Percentile 90%", "Level", "SEM (T)",
        "Reliability",
    ]  # fmt: skip
    assert len(scores) == 5
    record = load_simulation_record()  # the delivered test's reliability, not the bank's
    assert record is not None
    assert list(scores["Reliability"]) == [
        fmt_reliability(record["reliability"][c]) for c in COMPETENCIES
    ]
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


def set_session_flags(store: Store, candidate_id: str, **changes: object) -> None:
    """Change the stored data-quality record of a candidate's completed test."""
    session = latest_completed_result(store, candidate_id).session
    assert session is not None
    with store.transaction() as db:
        row = db.get(TestSession, session.id)
        assert row is not None
        row.flags = {**(row.flags or {}), **changes}


def test_the_feedback_pdf_and_export_warn_when_the_feedback_gives_no_levels(seeded: Store) -> None:
    """A flagged test's feedback report says the test could not assess the answers (no
    levels); the recruiter is told before downloading it (on the old code: no warning, and
    the report gave levels)."""
    flagged, clean = [r.candidate_id for r in candidate_overview(seeded, status="completed")][:2]
    set_session_flags(seeded, flagged, raised=["too_fast", "incomplete"])
    set_session_flags(seeded, clean, raised=[], random_log_odds=40.0)
    shown = {}
    for candidate_id in (flagged, clean):
        app = AppTest.from_file(str(RECRUITER_PAGE), default_timeout=TIMEOUT)
        sign_in_as(app, get_store(), "rita", "recruiter")
        app.session_state["recruiter_tab"] = "Profile"
        app.session_state[PROFILE_KEY] = candidate_id
        app.run()
        assert not app.exception
        shown[candidate_id] = [str(w.value) for w in app.warning]
    assert any(
        "feedback report gives no levels" in w and "Too fast, Incomplete" in w
        for w in shown[flagged]
    )
    assert not any("feedback report" in w for w in shown[clean])
    app = recruiter_page(StaffUser("rita", "recruiter"), tab="Export")
    assert not any("feedback reports give no levels" in str(w.value) for w in app.warning)
    next(c for c in app.checkbox if "feedback" in c.label).check().run()
    rule = overall_rule(seeded)
    completed = candidate_overview(seeded, status="completed")
    review = [r for r in completed if (found := r.overall_result(rule)) and found[1] == "review"]
    assert flagged in {r.candidate_id for r in review}
    expected = f"{len(review)} of the {len(completed)} feedback reports give no levels"
    assert any(expected in str(w.value) for w in app.warning)


def test_the_candidates_overview_shows_weak_evidence(seeded: Store) -> None:
    """Answers not clearly more probable under the model than random picks (log odds 2, no
    flag): the profile says so, and now the overview's flags column does too."""
    weak, strong = [r.candidate_id for r in candidate_overview(seeded, status="completed")][:2]
    set_session_flags(seeded, weak, raised=[], random_log_odds=2.0)
    set_session_flags(seeded, strong, raised=[], random_log_odds=40.0)
    assert profile_for_candidate(seeded, weak).overall.evidence_caveat
    app = recruiter_page(StaffUser("rita", "recruiter"), tab="Candidates")
    table = app.dataframe[0].value.set_index("candidate_id")
    assert WEAK_EVIDENCE_LABEL in list(table.loc[weak, "flags"])
    assert WEAK_EVIDENCE_LABEL not in list(table.loc[strong, "flags"])


def test_the_flags_cell_shows_the_first_flag_and_counts_the_others(seeded: Store) -> None:
    """Three flags cut the second label and hid the third in the column's width; the cell
    now shows the first (profile order, short label) and "+2", and one flag as it is."""
    three, one = [r.candidate_id for r in candidate_overview(seeded, status="completed")][:2]
    set_session_flags(seeded, three, raised=["too_fast", "person_misfit", "incomplete"])
    set_session_flags(seeded, one, raised=["person_misfit"], random_log_odds=40.0)
    app = recruiter_page(StaffUser("rita", "recruiter"), tab="Candidates")
    table = app.dataframe[0].value.set_index("candidate_id")
    assert list(table.loc[three, "flags"]) == [SHORT_FLAG_LABELS["too_fast"], "+2"]
    assert list(table.loc[one, "flags"]) == [SHORT_FLAG_LABELS["person_misfit"]]
    assert set(SHORT_FLAG_LABELS) == set(QUALITY_FLAGS)
