"""AppTests of issue 14's recruiter fixes: the reason for the overall result on screen, one
wording for flags, counted phrases, the consent-settings hint and the scores export."""

from __future__ import annotations

import csv
import io

import pytest

from app_pages.markup import md_escape
from app_pages.phrasing import rare_options_warning, thin_items_warning
from app_pages.recruiter_candidates import FLAG_LABELS
from app_pages.recruiter_invite import links_message
from app_pages.recruiter_shared import competency_names
from assessment.access.accounts import StaffUser
from assessment.demo import seed_demo
from assessment.persistence.store import Store
from assessment.recruiting.exports import scores_csv
from assessment.recruiting.overview import candidate_overview
from items import load_bank
from reports.assemble import overall_rule, profile_for_candidate
from reports.explain import overall_reason
from reports.profile import QUALITY_FLAGS
from reports.wording import load_wording
from tests.app.test_staff_pages import recruiter_page


@pytest.fixture
def seeded(app_store: Store) -> Store:
    seed_demo(app_store, load_bank(), 6)
    return app_store


def test_the_profile_explains_the_overall_result(seeded: Store) -> None:
    completed = [row.candidate_id for row in candidate_overview(seeded, status="completed")]
    app = recruiter_page(StaffUser("rita", "recruiter"), tab="Profile")
    assert not app.exception
    shown = app.selectbox[0].value  # the candidate the page opened (listing order may tie)
    assert shown in completed
    profile = profile_for_candidate(seeded, shown, "en")
    reason = overall_reason(profile, load_wording().en, competency_names())
    assert reason.startswith("Why: ")
    boxes = [str(e.value) for e in [*app.success, *app.warning, *app.info, *app.error]]
    assert any(md_escape(reason, 600) in box for box in boxes), boxes


def test_each_flag_has_one_wording_in_the_list_and_the_profile() -> None:
    flags = load_wording().en.profile.flags
    for flag in QUALITY_FLAGS:
        assert flags.get(flag).startswith(FLAG_LABELS[flag] + ":"), flag
    assert FLAG_LABELS["person_misfit"] == "Unusual answer pattern"


def test_counted_phrases_agree_with_their_number() -> None:
    assert rare_options_warning(1).startswith("1 option is chosen")
    assert "its weight rests" in rare_options_warning(1)
    assert rare_options_warning(3).startswith("3 options are chosen")
    assert thin_items_warning(1, 40, 12).startswith("1 of 40 scored items has fewer")
    assert thin_items_warning(2, 40, 12).startswith("2 of 40 scored items have fewer")
    assert "Copy the link now: for security it is not stored" in links_message(1)
    assert "Copy the links now: for security they are not stored" in links_message(2)


def test_the_invite_tab_says_when_the_consent_notice_names_no_employer(app_store: Store) -> None:
    app = recruiter_page(StaffUser("rita", "recruiter"))
    assert any("names no employer" in str(box.value) for box in app.info)
    app_store.put_setting("employer_name", "Harbour Telecom", actor="test")
    app = recruiter_page(StaffUser("rita", "recruiter"))
    assert not any("names no employer" in str(box.value) for box in app.info)


def test_the_scores_export_has_the_profiles_composite_and_band(seeded: Store) -> None:
    rows = candidate_overview(seeded)
    table = list(csv.DictReader(io.StringIO(scores_csv(rows, overall_rule(seeded)))))
    completed = [row for row in table if row["status"] == "completed"]
    assert completed
    for row in completed:
        # the numbers of the candidate's PDF: stored posterior covariance, latent correlation
        overall = profile_for_candidate(seeded, row["candidate_id"]).overall
        assert row["composite"] == f"{overall.composite_t:.1f}"
        assert row["band"] == overall.band
    waiting = [row for row in table if row["status"] != "completed"]
    assert all(row["composite"] == row["band"] == "" for row in waiting)
