"""The staff-cookie endpoint: a one-time ticket becomes an HttpOnly, SameSite=Strict cookie."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app_pages.staff_cookie import DEVICE_COOKIE, STAFF_COOKIE, cookie_routes
from assessment.access.accounts import add_user, authenticate, disable_user
from assessment.access.passwords import PasswordHashing
from assessment.access.sessions import check_session, end_session, start_session
from assessment.persistence.store import Store

FAST = PasswordHashing(hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'cookie.db'}")
    add_user(opened, "rita", "correct-horse-battery", "recruiter", hashing=FAST)
    yield opened
    opened.engine.dispose()


class Browser:
    """Calls the routes as a browser would (scheme, headers, a cookie jar), without a server."""

    def __init__(self, store: Store, scheme: str = "https") -> None:
        self.routes = {r.path: r for r in cookie_routes(lambda: store) if isinstance(r, Route)}
        self.scheme = scheme
        self.cookies: dict[str, str] = {}

    def get(
        self, path: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        raw = [(b"host", b"testserver")]
        raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        if self.cookies:
            jar = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            raw.append((b"cookie", jar.encode()))
        scope = {
            "type": "http", "method": "GET", "path": path, "headers": raw, "scheme": self.scheme,
            "query_string": "&".join(f"{k}={v}" for k, v in (params or {}).items()).encode(),
            "server": ("testserver", 443 if self.scheme == "https" else 80),
        }  # fmt: skip
        response = self.routes[path].endpoint(Request(scope))
        for name, header in set_cookies(response).items():
            value = header.split("=", 1)[1].split(";", 1)[0]
            if "max-age=0" in header.lower() or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response  # type: ignore[no-any-return]


def client(store: Store, base: str = "https://testserver") -> Browser:
    return Browser(store, base.split(":", 1)[0])


def ticket(store: Store) -> tuple[int, str]:
    result = authenticate(store, "rita", "correct-horse-battery", hashing=FAST)
    started = start_session(store, result.account_id, result.session_version, "password")
    return started.session_id, started.ticket


def set_cookies(response: Response) -> dict[str, str]:
    headers = [v.decode() for k, v in response.raw_headers if k == b"set-cookie"]
    return {header.split("=", 1)[0]: header for header in headers}


def test_a_ticket_becomes_an_httponly_strict_secure_cookie_once(store: Store) -> None:
    session_id, one_time = ticket(store)
    browser = client(store)
    response = browser.get("/staff/session", params={"ticket": one_time})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/gif"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    cookies = set_cookies(response)
    staff = cookies[STAFF_COOKIE].lower()
    for flag in ("httponly", "samesite=strict", "secure", "path=/", "max-age="):
        assert flag in staff
    assert "httponly" in cookies[DEVICE_COOKIE].lower()
    token = browser.cookies[STAFF_COOKIE]
    user = check_session(store, token=token).user
    assert user is not None
    assert user.session_id == session_id
    again = client(store).get("/staff/session", params={"ticket": one_time})
    assert again.status_code == 403
    assert STAFF_COOKIE not in set_cookies(again)


def test_the_cookie_is_secure_behind_an_https_proxy_but_not_on_plain_local_http(
    store: Store,
) -> None:
    _, plain = ticket(store)
    response = client(store, "http://testserver").get("/staff/session", params={"ticket": plain})
    assert "secure" not in set_cookies(response)[STAFF_COOKIE].lower()
    _, proxied = ticket(store)
    response = client(store, "http://testserver").get(
        "/staff/session", params={"ticket": proxied}, headers={"X-Forwarded-Proto": "https"}
    )
    assert "secure" in set_cookies(response)[STAFF_COOKIE].lower()


def test_another_site_cannot_make_a_browser_collect_a_cookie(store: Store) -> None:
    _, one_time = ticket(store)
    response = client(store).get(
        "/staff/session", params={"ticket": one_time}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 403
    assert STAFF_COOKIE not in set_cookies(response)
    same = client(store).get(
        "/staff/session", params={"ticket": one_time}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert same.status_code == 200  # the ticket was not used up by the refused request


def test_no_cookie_for_a_revoked_account_or_a_guessed_ticket(store: Store) -> None:
    _, one_time = ticket(store)
    disable_user(store, "rita")
    assert client(store).get("/staff/session", params={"ticket": one_time}).status_code == 403
    for guess in ("", "a", "x" * 43, "x" * 500):
        assert client(store).get("/staff/session", params={"ticket": guess}).status_code == 403


def test_the_end_route_drops_only_a_cookie_whose_session_is_over(store: Store) -> None:
    session_id, one_time = ticket(store)
    browser = client(store)
    browser.get("/staff/session", params={"ticket": one_time})
    # a link from elsewhere cannot sign a live session out
    assert STAFF_COOKIE not in set_cookies(browser.get("/staff/session/end"))
    end_session(store, session_id)
    dropped = set_cookies(browser.get("/staff/session/end"))[STAFF_COOKIE].lower()
    assert "max-age=0" in dropped or "expires=thu, 01 jan 1970" in dropped
