"""The HTTP endpoint that turns a one-time sign-in ticket into the HttpOnly staff cookie.

Streamlit scripts talk to the browser over a websocket and cannot set cookies, and an HttpOnly
cookie must come from an HTTP response. ``serve.py`` therefore runs the app as an ``st.App``
with these two routes (Streamlit's supported way to add HTTP endpoints):

``GET <base>/staff/session?ticket=…``
    Exchanges the one-time ticket of a session that has just started (it works once, for a
    minute) for a new random session token, set as the ``sjt_staff`` cookie: HttpOnly,
    SameSite=Strict, Secure when the request came over HTTPS (directly or through a proxy that
    says so in ``X-Forwarded-Proto``), limited to the session's absolute lifetime. The browser
    also gets a ``sjt_device`` cookie that marks it as a device that signed in before. The
    answer is a 1×1 transparent image, never cached. Requests that a browser marks as coming
    from another site (``Sec-Fetch-Site``) are refused.
``GET <base>/staff/session/end``
    Drops the ``sjt_staff`` cookie, but only when its session is already over, so that a link
    from elsewhere cannot sign anyone out.

The page requests the first as an invisible image right after sign-in (``cookie_beacon``); a
reload or a deep link then finds the session through the cookie (``st.context.cookies``).
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from assessment.access.sessions import check_session, new_secret, redeem_ticket
from assessment.clock import utcnow
from assessment.persistence.store import Store

STAFF_COOKIE = "sjt_staff"
DEVICE_COOKIE = "sjt_device"
DEVICE_LIFETIME = dt.timedelta(days=400)
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def is_https(request: Request) -> bool:
    """Whether the browser reached us over HTTPS (``SJT_SECURE_COOKIES=1`` forces it).

    ``X-Forwarded-Proto`` is taken from any peer: a forged value can only add ``Secure`` to a
    cookie, which makes it stricter, never weaker.
    """
    if os.environ.get("SJT_SECURE_COOKIES", "").strip().lower() in ("1", "true", "yes"):
        return True
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def cookie_routes(store: Callable[[], Store], base_path: str = "") -> list[BaseRoute]:
    """The two routes, under ``base_path`` (Streamlit's ``server.baseUrlPath``)."""
    prefix = "/" + base_path.strip("/") if base_path.strip("/") else ""
    cookie_path = prefix or "/"

    def collect(request: Request) -> Response:
        if request.headers.get("sec-fetch-site", "same-origin") != "same-origin":
            # only the app's own page asks for this; another site cannot log a browser in
            return Response(PIXEL, media_type="image/gif", status_code=403, headers=NO_STORE)
        device = request.cookies.get(DEVICE_COOKIE)
        fresh_device = None if device and 16 <= len(device) <= 128 else new_secret()
        redeemed = redeem_ticket(
            store(), request.query_params.get("ticket"), fresh_device or device
        )
        response = Response(
            PIXEL, media_type="image/gif", status_code=200 if redeemed else 403, headers=NO_STORE
        )
        if redeemed is None:
            return response
        secure = is_https(request)
        lifetime = max(1, int((redeemed.expires_at - utcnow()).total_seconds()))
        response.set_cookie(
            STAFF_COOKIE, redeemed.token, max_age=lifetime, path=cookie_path,
            secure=secure, httponly=True, samesite="strict",
        )  # fmt: skip
        if fresh_device is not None:
            response.set_cookie(
                DEVICE_COOKIE, fresh_device, max_age=int(DEVICE_LIFETIME.total_seconds()),
                path=cookie_path, secure=secure, httponly=True, samesite="strict",
            )  # fmt: skip
        return response

    def forget(request: Request) -> Response:
        response = Response(PIXEL, media_type="image/gif", headers=NO_STORE)
        token = request.cookies.get(STAFF_COOKIE)
        if token and check_session(store(), token=token, touch=False).user is None:
            response.delete_cookie(STAFF_COOKIE, path=cookie_path, httponly=True, samesite="strict")
        return response

    return [
        Route(f"{prefix}/staff/session", collect, methods=["GET"]),
        Route(f"{prefix}/staff/session/end", forget, methods=["GET"]),
    ]
