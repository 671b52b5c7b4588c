"""Single sign-on end to end: st.login against a local OpenID Connect provider started here."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from assessment.persistence.staff import StaffRepository
from tests.browser.candidate import open_link, reload, wait
from tests.browser.conftest import Server, free_port, launch, served_database, stop
from tests.browser.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, running_provider
from tests.browser.staff import SIGNED_IN

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def secrets_toml(port: int, provider: Provider) -> str:
    return f"""
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "{secrets.token_hex(32)}"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
server_metadata_url = "{provider.issuer}/.well-known/openid-configuration"

[sjt_sso]
label = "Sign in with Test ID"
role_claim = "groups"
roles = {{ "sjt-recruiters" = "recruiter" }}
"""


@pytest.fixture(scope="module")
def sso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Provider]]:
    folder, database_url, store = served_database(tmp_path_factory, "sso")
    port = free_port()
    with running_provider() as provider:
        secrets_file = folder / "secrets.toml"
        secrets_file.write_text(secrets_toml(port, provider), encoding="utf-8")
        secrets_file.chmod(0o600)
        process = launch(port, database_url, ("--secrets.files", str(secrets_file)))
        server = Server(f"http://127.0.0.1:{port}", database_url, store, process, port)
        try:
            yield server, provider
        finally:
            stop(server)


@contextmanager
def signed_in_with_sso(
    browser: Any, sso: tuple[Server, Provider], claims: dict[str, Any]
) -> Iterator[Any]:
    """A page of a fresh browser context, back from the provider that returned ``claims``."""
    server, provider = sso
    provider.claims = claims
    context = browser.new_context()
    try:
        page = context.new_page()
        open_link(page, server.url)
        page.get_by_role("button", name="Sign in with Test ID").click()
        page.wait_for_url(f"{server.url}/**", timeout=30_000)
        wait(page)
        yield page
    finally:
        context.close()


def test_single_sign_on_maps_a_claim_to_a_role_and_survives_a_reload(
    sso: tuple[Server, Provider], browser: Any
) -> None:
    server, provider = sso
    claims = {
        "sub": "ada-1", "email": "ada@example.org", "email_verified": True,
        "name": "Ada", "groups": ["staff", "sjt-recruiters"],
    }  # fmt: skip
    with signed_in_with_sso(browser, sso, claims) as page:
        page.get_by_text(SIGNED_IN).wait_for(timeout=30_000)
        shown = page.get_by_text(SIGNED_IN).inner_text().replace("\u200b", "")
        assert "ada@example.org (recruiter)" in shown
        assert provider.logins == 1
        account = StaffRepository(server.store).account("ada@example.org")
        assert account is not None
        assert (account.role, account.sign_in) == ("recruiter", "sso")
        open_link(page, server.url + "/candidates")
        page.get_by_role("heading", name="Candidates").wait_for(timeout=30_000)
        reload(page)
        page.get_by_role("heading", name="Candidates").wait_for(timeout=30_000)
        assert provider.logins == 1  # the reload used the staff session, not a new login


def test_single_sign_on_without_a_mapped_role_gives_no_access(
    sso: tuple[Server, Provider], browser: Any
) -> None:
    server = sso[0]
    claims = {
        "sub": "eve-1", "email": "eve@example.org", "email_verified": True, "groups": ["staff"],
    }  # fmt: skip
    with signed_in_with_sso(browser, sso, claims) as page:
        page.get_by_text("has no access to this service").wait_for(timeout=30_000)
        open_link(page, server.url + "/candidates")
        page.get_by_role("heading", name="Staff sign-in").wait_for(timeout=30_000)
        assert StaffRepository(server.store).account("eve@example.org") is None
