"""Staff sessions in a real browser: reload, deep links, cookie flags, expiry and revocation."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import update

from assessment.access.accounts import add_user, disable_user
from assessment.persistence.staff_tables import StaffSessionRow
from tests.browser.candidate import open_link, reload, wait
from tests.browser.conftest import Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "staff-password-123"
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def accounts(server: Server) -> None:
    for name, role in (("rosa", "recruiter"), ("pablo", "psychometrician"), ("ria", "recruiter")):
        add_user(server.store, name, PASSWORD, role, actor="test")


ROLE_PAGES = [
    ("rosa", "/candidates", "Candidates"),
    ("pablo", "/calibration", "Calibration workbench"),
]
"""A user of each role, the address of the role's page and its heading."""


def fill_sign_in(page: Any, username: str) -> None:
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Staff sign-in").wait_for(state="detached", timeout=30_000)
    wait(page)


def heading(page: Any) -> list[str]:
    return [text.strip() for text in page.locator("h1").all_inner_texts()]


def staff_cookie(context: Any) -> dict[str, Any]:
    """The session cookie, once the page's invisible ticket request has set it."""
    for _ in range(100):
        found = [c for c in context.cookies() if c["name"] == "sjt_staff"]
        if found:
            return dict(found[0])
        context.pages[0].wait_for_timeout(100)
    raise AssertionError("the staff cookie was never set")


@contextmanager
def signed_in(
    browser: Any, server: Server, username: str, path: str = "/candidates", **options: Any
) -> Iterator[tuple[Any, Any]]:
    """A fresh browser context and its page, signed in as ``username`` from a link to ``path``
    (the link shows the sign-in form first); the context is closed afterwards."""
    context = browser.new_context(viewport=DESKTOP, **options)
    try:
        page = context.new_page()
        open_link(page, server.url + path)
        assert heading(page) == ["Staff sign-in"]  # not "Page not found"
        fill_sign_in(page, username)
        yield context, page
    finally:
        context.close()


@pytest.mark.parametrize(("username", "path", "title"), ROLE_PAGES)
def test_a_deep_link_lands_on_its_page_after_sign_in_and_a_reload_stays_there(
    server: Server, browser: Any, accounts: None, username: str, path: str, title: str
) -> None:
    with signed_in(browser, server, username, path) as (context, page):
        assert page.url == server.url + path
        assert heading(page)[0].startswith(title)
        cookie = staff_cookie(context)
        assert cookie["httpOnly"] is True
        assert cookie["sameSite"] == "Strict"
        assert not re.search(r"ticket|token|session", page.url)  # no secret in the URL
        reload(page)
        assert page.url == server.url + path
        assert heading(page)[0].startswith(title)  # still signed in after the reload
        fresh = context.new_page()  # a new tab of the same browser: signed in too
        open_link(fresh, server.url + path)
        assert heading(fresh)[0].startswith(title)


@pytest.mark.parametrize(("username", "path", "title"), ROLE_PAGES)
def test_signing_in_on_the_sign_in_page_opens_the_roles_first_page(
    server: Server, browser: Any, accounts: None, username: str, path: str, title: str
) -> None:
    """It opened "Signed in: use the menu on the left to open your pages" before."""
    with signed_in(browser, server, username, "/") as (_, page):
        page.wait_for_url(server.url + path, timeout=30_000)
        wait(page)
        assert heading(page)[0].startswith(title)
        page.get_by_role("link", name="Account").click()  # the account page is still there
        wait(page)
        assert heading(page) == ["Signed in"]


def test_sign_out_survives_a_reload_and_another_browser_is_never_signed_in(
    server: Server, browser: Any, accounts: None
) -> None:
    stranger = browser.new_context(viewport=DESKTOP)
    try:
        with signed_in(browser, server, "rosa") as (context, page):
            cookie = staff_cookie(context)
            # a copy of the page address alone gives another browser nothing
            other = stranger.new_page()
            open_link(other, page.url)
            assert heading(other) == ["Staff sign-in"]
            page.get_by_role("button", name="Sign out").first.click()
            page.get_by_role("heading", name="Staff sign-in").wait_for(timeout=30_000)
            wait(page)
            reload(page)
            assert heading(page) == ["Staff sign-in"]
            # the old cookie, replayed by anyone, is dead
            stranger.add_cookies([{**cookie, "sameSite": "Strict"}])
            open_link(other, server.url + "/candidates")
            assert heading(other) == ["Staff sign-in"]
    finally:
        stranger.close()


def test_an_idle_session_ends_at_the_next_action_and_a_reload_does_not_revive_it(
    server: Server, browser: Any, accounts: None
) -> None:
    with signed_in(browser, server, "rosa") as (context, page):
        staff_cookie(context)
        with server.store.transaction() as db:  # 31 minutes pass without activity
            db.execute(
                update(StaffSessionRow)
                .where(StaffSessionRow.ended_at.is_(None))
                .values(last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31))
            )
        page.get_by_role("tab", name="Candidates").click()
        page.get_by_role("heading", name="Staff sign-in").wait_for(timeout=30_000)
        wait(page)
        assert heading(page) == ["Staff sign-in"]
        assert page.get_by_text("signed out after 30 minutes without activity").count() == 1
        reload(page)
        assert heading(page) == ["Staff sign-in"]


def test_a_disabled_account_loses_the_page_without_clicking_and_downloads_nothing(
    server: Server, browser: Any, accounts: None
) -> None:
    with signed_in(browser, server, "ria", accept_downloads=True) as (_, page):
        page.get_by_role("tab", name="Export").click()
        wait(page)
        button = page.get_by_role("button", name="Download scores (CSV)")
        with page.expect_download(timeout=30_000) as download:
            button.click()
        assert download.value.suggested_filename.startswith("scores-")
        exports = len(server.store.audit_entries("export.scores"))

        disable_user(server.store, "ria", actor="test")
        downloads: list[Any] = []
        page.on("download", lambda download: downloads.append(download))
        button.click()  # the page is still on screen: the click must not produce a file
        page.wait_for_timeout(3_000)
        assert downloads == []
        assert len(server.store.audit_entries("export.scores")) == exports
        # the page notices by itself within a minute and clears the data
        page.get_by_role("heading", name="Staff sign-in").wait_for(timeout=75_000)
        assert page.get_by_role("tab", name="Export").count() == 0
