"""The staff session as the pages see it: who is signed in, re-checked on every action.

A browser tab that signed in keeps its staff session's id in session state (server memory);
a new page load (reload, deep link, new tab) finds the session through the HttpOnly cookie that
the browser collected with a one-time ticket (``app_pages.staff_cookie``), read here through
``st.context.cookies``. Either way ``current_user`` asks the database on every rerun whether the
session is still good (account active, same role and session version, not idle, not too old),
and download buttons ask again when they are clicked (``guarded``), so nothing is generated for
a session that has ended. A small fragment re-checks every minute without counting as activity,
so the data leave the screen when the session ends even if nobody clicks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from app_pages.common import get_store
from app_pages.staff_cookie import STAFF_COOKIE
from assessment.access.accounts import StaffUser
from assessment.access.sessions import check_session, end_session
from assessment.errors import AssessmentError

SESSION_KEY = "staff_session_id"
TICKET_KEY = "staff_ticket"
REASON_KEY = "signed_out_reason"
FORGET_COOKIE_KEY = "forget_staff_cookie"
DEAD_COOKIE_KEY = "staff_cookie_refused"
SIGNED_IN_NOW_KEY = "staff_signed_in_now"
COOKIE_PATH = "staff/session"
WATCH_SECONDS = 60
SIGNED_OUT_MESSAGES = {
    "idle": "You were signed out after 30 minutes without activity.",
    "expired": "Your session reached its 12-hour limit. Please sign in again.",
    "signed_out": "You have signed out.",
}
CHANGED_ACCOUNT = "Your session has ended because your account was changed. Please sign in again."

T = TypeVar("T")


class SessionEndedError(AssessmentError):
    """A download was asked for after the staff session had ended; nothing was generated."""


def endpoint(suffix: str = "") -> str:
    """Absolute path of the staff-cookie endpoint, under the server's base URL path."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return "/" + "/".join(part for part in (base, COOKIE_PATH + suffix) if part)


def current_user(touch: bool = True) -> StaffUser | None:
    """The signed-in staff member after checking their session in the database, or None.

    When the session has ended since the last rerun, the whole session state is cleared (so
    nothing computed for the staff member survives) and the reason is kept for the sign-in page.
    """
    session_id = st.session_state.get(SESSION_KEY)
    token = None if session_id is not None else _cookie_token()
    if session_id is None and token is None:
        return None
    check = check_session(get_store(), session_id=session_id, token=token, touch=touch)
    if check.user is None:
        _forget(check.reason or "ended", cookie_only=session_id is None)
        return None
    st.session_state[SESSION_KEY] = check.user.session_id
    if not check.cookie_pending:
        st.session_state.pop(TICKET_KEY, None)
    return check.user


def cookie(name: str) -> str | None:
    """A cookie the browser sent when this page was loaded (None when absent)."""
    value = st.context.cookies.get(name)
    return value if isinstance(value, str) and value else None


def _cookie_token() -> str | None:
    if st.session_state.get(DEAD_COOKIE_KEY):
        return None
    return cookie(STAFF_COOKIE)


def _forget(reason: str, cookie_only: bool) -> None:
    """Drop everything of an ended session; the reason stays for the sign-in page."""
    if not cookie_only:
        st.session_state.clear()
        st.session_state[REASON_KEY] = reason
    elif reason not in ("none", "signed_out"):
        st.session_state[REASON_KEY] = reason
    st.session_state[DEAD_COOKIE_KEY] = True
    st.session_state[FORGET_COOKIE_KEY] = True


def signed_out_message() -> str | None:
    """Why the last session ended (shown once), or None."""
    reason = st.session_state.pop(REASON_KEY, None)
    if reason is None or reason == "none":
        return None
    return SIGNED_OUT_MESSAGES.get(reason, CHANGED_ACCOUNT)


def begin(session_id: int, ticket: str) -> None:
    """Make a new staff session this tab's, from an empty session state."""
    st.session_state.clear()
    st.session_state[SESSION_KEY] = session_id
    st.session_state[TICKET_KEY] = ticket
    st.session_state[DEAD_COOKIE_KEY] = True  # an older cookie in this browser is not this session
    st.session_state[SIGNED_IN_NOW_KEY] = True


def signed_in_now() -> bool:
    """Whether this rerun is the first of a session that was just started (asked once)."""
    return bool(st.session_state.pop(SIGNED_IN_NOW_KEY, False))


def sign_out(user: StaffUser) -> None:
    """End the session in the database (every tab of it) and forget it here."""
    if user.session_id is not None:
        end_session(get_store(), user.session_id, "signed_out")
    st.session_state.clear()
    st.session_state[REASON_KEY] = "signed_out"
    st.session_state[DEAD_COOKIE_KEY] = True
    st.session_state[FORGET_COOKIE_KEY] = True
    if _sso_signed_in():
        st.logout()


def _sso_signed_in() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except (AttributeError, KeyError):
        return False


def cookie_beacon() -> None:
    """Let the browser collect (or drop) the session cookie with an invisible image request.

    Streamlit cannot set cookies from a script, so the page shows a 1×1 image whose address is
    the staff-cookie endpoint with this session's one-time ticket; the endpoint's answer sets
    the HttpOnly cookie. After sign-out the same endpoint drops a cookie whose session is over.
    """
    ticket = st.session_state.get(TICKET_KEY)
    if ticket:
        st.sidebar.markdown(f"![]({endpoint()}?ticket={ticket})")
    elif st.session_state.pop(FORGET_COOKIE_KEY, False):
        st.markdown(f"![]({endpoint('/end')})")


@st.fragment(run_every=WATCH_SECONDS)
def watch_session() -> None:
    """Re-check the session every minute (not counted as activity); clear the page if it ended."""
    if st.session_state.get(SESSION_KEY) is not None and current_user(touch=False) is None:
        st.rerun(scope="app")


def guarded(user: StaffUser, roles: tuple[str, ...], make: Callable[[], T]) -> Callable[[], T]:
    """A download's data callable that first re-checks the staff session and role.

    Streamlit calls it when the button is clicked, without a rerun; for a session that has
    ended or an account that lost the role it raises ``SessionEndedError`` and generates
    nothing.
    """
    store = get_store()
    session_id = user.session_id

    def checked() -> T:
        check = check_session(store, session_id=session_id) if session_id is not None else None
        if check is None or check.user is None or not check.user.can(*roles):
            raise SessionEndedError("the staff session has ended; nothing was generated")
        return make()

    return checked
