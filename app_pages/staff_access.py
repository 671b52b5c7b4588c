"""Sign-in, first-sign-in password change, single sign-on and the role guard of staff pages.

``require_role`` starts every staff page: an anonymous visitor gets the sign-in form in place
of the page (so a deep link such as ``/candidates`` lands on the page after signing in), a staff
member without the role gets a refusal, and nothing else of the page runs in either case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import streamlit as st
from pydantic import ValidationError

from app_pages.common import client_address, get_store
from app_pages.markup import md_escape
from app_pages.staff_cookie import DEVICE_COOKIE
from app_pages.staff_session import (
    begin,
    cookie,
    current_user,
    sign_out,
    signed_out_message,
    watch_session,
)
from assessment.access.accounts import (
    SIGN_IN_ERROR,
    SignInResult,
    StaffUser,
    authenticate,
    change_password,
)
from assessment.access.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from assessment.access.sessions import start_session
from assessment.access.sso import SSOPolicy, is_fresh, login_key, sso_sign_in
from assessment.clock import utcnow
from assessment.errors import AccountError, LoginError, SSOLoginReusedError

CHANGE_KEY = "password_change"
SSO_TRIED_KEY = "sso_login_tried"
CHANGE_WINDOW = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class PendingChange:
    """A correct password that must be replaced before a session starts."""

    account_id: int
    username: str
    until: dt.datetime


def require_role(*roles: str) -> StaffUser:
    """Stop the page unless a staff member with one of ``roles`` is signed in.

    Anonymous visitors see the sign-in form instead of the page; after signing in, the same
    page (the same address) opens.
    """
    user = current_user()
    if user is None:
        st.info("Please sign in to see this page.")
        sign_in_area()
        st.stop()
    if not user.can(*roles):
        st.error("Your role does not give access to this page.")
        st.stop()
    watch_session()
    return user


def sign_in_area() -> None:
    """The sign-in form, or the new-password form after a temporary password."""
    if message := signed_out_message():
        st.info(message)
    pending: PendingChange | None = st.session_state.get(CHANGE_KEY)
    if pending is not None and pending.until > dt.datetime.now(dt.UTC):
        _password_change_form(pending)
        return
    st.session_state.pop(CHANGE_KEY, None)
    st.title("Staff sign-in")
    st.caption("Candidates: please use the personal link from your invitation.")
    policy = sso_policy()
    if policy is not None and _sso_sign_in(policy):
        return
    with st.form("login"):
        username = st.text_input("Username", max_chars=100, autocomplete="username")
        password = st.text_input(
            "Password",
            type="password",
            max_chars=MAX_PASSWORD_LENGTH,
            autocomplete="current-password",
        )
        submitted = st.form_submit_button("Sign in", type="primary")
    st.caption("After several failed attempts, signing in is slowed down for a minute or two.")
    if policy is not None and st.button(policy.label, icon=":material/key:"):
        if policy.provider:
            st.login(policy.provider)
        else:
            st.login()
    if submitted:
        try:
            result = authenticate(
                get_store(),
                username,
                password,
                client=client_address(),
                device=cookie(DEVICE_COOKIE),
            )
        except LoginError:
            st.error(SIGN_IN_ERROR.capitalize() + ".")
            return
        if result.must_change_password:
            st.session_state.clear()
            st.session_state[CHANGE_KEY] = PendingChange(
                result.account_id, result.username, dt.datetime.now(dt.UTC) + CHANGE_WINDOW
            )
            st.rerun()
        _start(result, "password")


def _start(result: SignInResult, method: str, sso_key: str | None = None) -> None:
    started = start_session(
        get_store(), result.account_id, result.session_version, method, sso_key=sso_key
    )
    # A new session state: nothing set before the sign-in survives it.
    begin(started.session_id, started.ticket)
    st.rerun()


def _password_change_form(pending: PendingChange) -> None:
    st.title("Choose a new password")
    st.write(
        "Your password was set by an administrator (or is the demo password) and must be "
        "changed before you continue."
    )
    with st.form("new_password"):
        st.text_input("Username", value=pending.username, disabled=True, autocomplete="username")
        first = st.text_input(
            "New password", type="password", max_chars=MAX_PASSWORD_LENGTH,
            autocomplete="new-password", help=f"At least {MIN_PASSWORD_LENGTH} characters.",
        )  # fmt: skip
        again = st.text_input(
            "New password again", type="password", max_chars=MAX_PASSWORD_LENGTH,
            autocomplete="new-password",
        )  # fmt: skip
        submitted = st.form_submit_button("Change password and sign in", type="primary")
    if not submitted:
        return
    if first != again:
        st.error("The two new passwords differ.")
        return
    try:
        account = change_password(get_store(), pending.account_id, first)
    except AccountError as error:
        st.error(str(error).capitalize() + ".")
        return
    st.session_state.pop(CHANGE_KEY, None)
    result = SignInResult(
        account.id, account.username, account.role, account.session_version, False
    )
    _start(result, "password")


def sso_policy() -> SSOPolicy | None:
    """The single sign-on settings (``[sjt_sso]`` in secrets.toml), or None when not set up."""
    try:
        section: Any = st.secrets.get("sjt_sso")
    except (FileNotFoundError, OSError):
        return None
    if section is None:
        return None
    try:
        return SSOPolicy.model_validate(dict(section))
    except ValidationError as error:
        st.error(f"Single sign-on is misconfigured: {error.errors()[0]['msg']}")
        return None


def _sso_sign_in(policy: SSOPolicy) -> bool:
    """Start a staff session from a fresh single sign-on login (a rerun); else False."""
    if not st.user.is_logged_in:
        return False
    claims = st.user.to_dict()
    key = login_key(claims)
    if st.session_state.get(SSO_TRIED_KEY) == key or not is_fresh(claims, policy, utcnow()):
        # tried already, or an old login kept in Streamlit's cookie: offer the buttons again
        return False
    st.session_state[SSO_TRIED_KEY] = key
    try:
        result = sso_sign_in(get_store(), claims, policy)
        _start(result, "sso", sso_key=key)
    except SSOLoginReusedError:
        pass
    except LoginError as error:
        st.error(str(error).capitalize() + ".")
        if st.button("Sign out of single sign-on"):
            st.logout()
    return False


def account_sidebar(user: StaffUser) -> None:
    """Who is signed in, and the sign-out button, in the sidebar of every staff page."""
    with st.sidebar:
        st.caption(f"Signed in as {md_escape(user.username)} ({user.role})")
        if st.button("Sign out", key="sidebar_sign_out", icon=":material/logout:"):
            sign_out(user)
            st.rerun()
