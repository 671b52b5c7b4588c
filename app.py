"""Entry point: page configuration and routing only.

A URL with ``?token=…`` is a candidate's invitation and sees only the test; everyone else
sees the staff pages their role allows.
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="SJT · Customer service", page_icon="🧭", layout="centered")

candidate = st.Page("app_pages/candidate.py", title="Test", url_path="test")
login = st.Page("app_pages/login.py", title="Sign in", url_path="login")
STAFF_PAGES = [
    # (page, roles allowed)
]

if st.query_params.get("token"):
    page = st.navigation([candidate], position="hidden")
else:
    user = st.session_state.get("user")
    pages = [login]
    if user is not None:
        pages += [page for page, roles in STAFF_PAGES if user.can(*roles)]
    page = st.navigation(pages, position="sidebar" if user else "hidden")
page.run()
