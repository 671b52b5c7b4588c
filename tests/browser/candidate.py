"""Drive the candidate's pages in a real browser (shared by the browser tests)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.conftest import READY

Page = Any
RESPONSE_GROUPS = '[data-testid="stRadioGroup"]'
"""The groups of responses (and the practice item's): the language switch above them is a
radio group too, so ``[role="radiogroup"]`` alone would count it."""


def wait(page: Page) -> None:
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_timeout(150)


def open_link(page: Page, url: str) -> None:
    page.goto(url)
    wait(page)


def choose_in_first_select(page: Page, option: str, attempts: int = 3) -> None:
    """Open the page's first select box and pick ``option``. On a loaded machine a click can
    land while the app reruns and the list never opens: wait for the app, click again."""
    for attempt in range(attempts):
        wait(page)
        page.get_by_role("combobox").first.click()
        choice = page.get_by_role("option", name=option)
        try:
            choice.wait_for(timeout=10_000)
        except PlaywrightTimeoutError:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")
            continue
        choice.click()
        return


def reload(page: Page) -> None:
    page.reload()
    wait(page)


def start_test(page: Page, language: str = "English") -> None:
    """From the language page through consent and the practice item (answered, checked)."""
    page.get_by_text(language, exact=True).click()
    page.get_by_role("button", name=re.compile("Continue")).click()
    wait(page)
    page.get_by_text(re.compile("I have read this notice|我已阅读")).click()
    page.get_by_role("button", name=re.compile("Continue|继续")).click()
    wait(page)
    page.locator(RESPONSE_GROUPS).first.locator("label").nth(1).click()  # practice: B
    page.get_by_role("button", name=re.compile("Check my answer|查看反馈")).click()
    wait(page)
    page.get_by_role("button", name=re.compile("Start the test|开始正式测验")).click()
    wait(page)


def question_heading(page: Page) -> str | None:
    heading = page.locator("h3").filter(has_text=re.compile(r"Question \d+|第 \d+ 题")).first
    return heading.inner_text() if heading.count() else None


def answer_current(page: Page) -> str:
    """Pick the first option as most (and the second as least) and press Next."""
    heading = question_heading(page) or ""
    groups = page.locator(RESPONSE_GROUPS)
    groups.nth(0).locator("label").nth(0).click()
    if groups.count() > 1:
        groups.nth(1).locator("label").nth(1).click()
    page.get_by_role("button", name=re.compile("^(Next|下一题)$")).click()
    wait_for_next_question(page, heading)
    return heading


def wait_for_question_focus(page: Page) -> None:
    """Wait until the new question's heading holds the keyboard focus, and its script is done.

    The page moves the focus to the heading when the item appears and again one frame and
    120 ms later; keys pressed before the last move would be lost to the heading.
    """
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.tagName === 'H3'",
        timeout=60_000,
    )
    page.wait_for_timeout(600)


def wait_for_next_question(page: Page, heading: str) -> None:
    """Wait until the question after ``heading`` (or the end) is on screen, not the old one.

    The idle marker alone can still show the previous run's state just after a click.
    """
    page.wait_for_function(
        """(before) => {
          const text = document.body.innerText;
          if (/you have finished|测验已完成/.test(text)) return true;
          const now = Array.from(document.querySelectorAll("h3"))
            .find((h) => /Question \\d+|第 \\d+ 题/.test(h.textContent));
          return now !== undefined && now.textContent.trim() !== before;
        }""",
        arg=heading,
        timeout=60_000,
    )
    wait(page)


def finished(page: Page) -> bool:
    return page.get_by_text(re.compile("you have finished|测验已完成")).count() > 0
