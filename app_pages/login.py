"""Staff sign-in and sign-out (the default page for everyone without an invitation link)."""

from __future__ import annotations

import streamlit as st

from app_pages.markup import md_escape
from app_pages.staff_access import sign_in_area
from app_pages.staff_session import current_user, sign_out


def render() -> None:
    user = current_user()
    if user is None:
        sign_in_area()
        return
    st.title("Signed in")
    st.write(f"You are signed in as **{md_escape(user.username)}** ({user.role}).")
    st.caption("Use the menu on the left to open your pages.")
    if st.button("Sign out"):
        sign_out(user)
        st.rerun()


render()
