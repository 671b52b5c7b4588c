"""The nginx template's security headers, with Streamlit working under its CSP (issue 11,
finding 11): a candidate answers an item and a recruiter sees a profile chart through the
proxy without a single Content-Security-Policy violation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from assessment.access.accounts import add_user
from assessment.demo import seed_demo
from items import load_bank
from tests.browser.candidate import answer_current, open_link, question_heading, start_test, wait
from tests.browser.conftest import Server
from tests.browser.proxy import nginx_in_front
from tests.browser.staff import open_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "recruiter-password-2"
HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


@pytest.fixture(scope="module")
def proxy(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with nginx_in_front([server.port], tmp_path_factory.mktemp("nginx")) as url:
        yield url


def violations_of(page: Any) -> list[str]:
    """Collect CSP violations the page reports (console and securitypolicyviolation events)."""
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Content Security Policy violation: ' + e.violatedDirective));"
    )
    return found


def test_security_headers_and_a_candidate_under_the_csp(
    proxy: str, server: Server, browser: Any
) -> None:
    _, token = server.store.create_invitation(server.store.add_candidate("Proxy candidate"))
    page = browser.new_page()
    violations = violations_of(page)
    response = page.goto(f"{proxy}/?token={token}")
    assert response is not None
    headers = response.headers
    for name, value in HEADERS.items():
        assert headers.get(name) == value, name
    csp = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    wait(page)
    start_test(page)
    first = question_heading(page)
    answer_current(page)
    assert question_heading(page) != first
    assert not violations, violations
    page.close()


def test_a_recruiter_profile_chart_renders_under_the_csp(
    proxy: str, server: Server, browser: Any
) -> None:
    add_user(server.store, "proxy-rita", PASSWORD, "recruiter", actor="test")
    seed_demo(server.store, load_bank(), 3, seed=5)
    page = browser.new_page()
    violations = violations_of(page)
    sign_in(page, proxy, "proxy-rita", PASSWORD)
    open_page(page, "Candidates")
    page.get_by_role("tab", name="Profile").click()
    wait(page)
    page.locator(
        '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'
    ).first.wait_for(timeout=30_000)
    assert not violations, violations
    page.close()


def test_the_app_page_works_directly(server: Server, browser: Any) -> None:
    """Without the proxy, the same pages load (the headers are the proxy's job)."""
    page = browser.new_page()
    open_link(page, server.url)
    assert page.get_by_text("Staff sign-in").count() == 1
    page.close()
