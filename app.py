"""Entry point: page configuration and routing only.

A URL with ``?token=…`` is a candidate's invitation and sees only the test; everyone else
sees the staff pages their role allows.
"""

from __future__ import annotations

import streamlit as st

from app_pages.uploads import guard_uploads

IS_CANDIDATE = bool(st.query_params.get("token"))
# Candidates read one item at a time (centered column); staff pages hold wide tables.
st.set_page_config(
    page_title="SJT · Customer service",
    page_icon="🧭",
    layout="centered" if IS_CANDIDATE else "wide",
)

candidate = st.Page("app_pages/candidate.py", title="Test", url_path="test")
login = st.Page("app_pages/login.py", title="Sign in", url_path="login")
STAFF_PAGES = [
    # (page, roles allowed)
    (st.Page("app_pages/recruiter.py", title="Candidates", url_path="candidates"), ("recruiter",)),
    (
        st.Page("app_pages/psychometrics.py", title="Calibration", url_path="calibration"),
        ("psychometrician",),
    ),
]

UPLOADING_ROLES = ("recruiter", "psychometrician")  # invitation lists, response data

if IS_CANDIDATE:
    guard_uploads(allowed=False)
    page = st.navigation([candidate], position="hidden")
else:
    user = st.session_state.get("user")
    guard_uploads(allowed=user is not None and user.can(*UPLOADING_ROLES))
    pages = [login]
    if user is not None:
        pages += [page for page, roles in STAFF_PAGES if user.can(*roles)]
    page = st.navigation(pages, position="sidebar" if user else "hidden")
page.run()
