"""Drive the staff pages in a real browser (shared by the browser tests)."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.candidate import open_link, wait

Page = Any


def sign_in(page: Page, url: str, username: str, password: str) -> None:
    """Open the app and sign in through the login form."""
    open_link(page, url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    wait(page)
    page.get_by_text(re.compile("You are signed in as")).wait_for(timeout=30_000)


def open_page(page: Page, title: str) -> None:
    """Click a page in the sidebar navigation."""
    page.get_by_role("link", name=title).first.click()
    wait(page)
