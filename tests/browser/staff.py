"""Drive the staff pages in a real browser (shared by the browser tests)."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.candidate import open_link, wait

Page = Any
SIGNED_IN = re.compile("^Signed in as ")
"""The sidebar's line on every staff page once signed in (sign-in opens the user's home
page: Candidates for a recruiter, the workbench for a psychometrician)."""


def sign_in(page: Page, url: str, username: str, password: str) -> None:
    """Open the app and sign in through the login form."""
    open_link(page, url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    wait(page)
    page.get_by_text(SIGNED_IN).wait_for(timeout=30_000)


def open_page(page: Page, title: str) -> None:
    """Click a page in the sidebar navigation."""
    page.get_by_role("link", name=title).first.click()
    wait(page)
