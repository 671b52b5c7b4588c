"""Staff sign-in and sign-out."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app_pages.common import current_user, get_store
from assessment.access.accounts import authenticate
from assessment.errors import LoginError


def render() -> None:
    user = current_user()
    if st.session_state.pop("signed_out_reason", None) == "idle":
        st.info("You were signed out after 30 minutes without activity.")
    if user is not None:
        st.title("Signed in")
        st.write(f"You are signed in as **{user.username}** ({user.role}).")
        st.caption("Use the menu on the left to open your pages.")
        if st.button("Sign out"):
            st.session_state.clear()
            st.rerun()
        return
    st.title("Staff sign-in")
    st.caption("Candidates: please use the personal link from your invitation.")
    with st.form("login"):
        username = st.text_input("Username", max_chars=100, autocomplete="username")
        password = st.text_input("Password", type="password", max_chars=200)
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            signed_in = authenticate(get_store(), username, password)
        except LoginError as error:
            st.error(str(error).capitalize() + ".")
            return
        # A new browser-session state on sign-in: nothing from before the login survives.
        st.session_state.clear()
        st.session_state["user"] = signed_in
        st.session_state["last_seen"] = dt.datetime.now(dt.UTC)
        st.rerun()


render()
