"""Entry point: page configuration and routing only.

A URL with ``?token=…`` is a candidate's invitation and sees only the test; everyone else is
routed to every staff page, so a bookmark or a reload of ``/candidates`` works: each staff page
starts with ``require_role``, which shows the sign-in form to anonymous visitors and a refusal
to other roles. The menu lists only the pages the signed-in role may open. Signing in on the
sign-in page opens the first of them (a recruiter lands on Candidates); signing in from a deep
link stays on its page.
"""

from __future__ import annotations

from typing import Literal

import streamlit as st

from app_pages.staff_access import account_sidebar
from app_pages.staff_session import cookie_beacon, current_user, signed_in_now
from app_pages.uploads import guard_uploads

# Any ``token`` parameter, even an empty one (a link cut after ``?token=``), makes a candidate:
# the test page then says the link is incomplete, in both languages, not "Staff sign-in".
IS_CANDIDATE = "token" in st.query_params
# Candidates read one item at a time (centered column); staff pages hold wide tables.
st.set_page_config(
    page_title="SJT · Customer service",
    page_icon="🧭",
    layout="centered" if IS_CANDIDATE else "wide",
)
user = None if IS_CANDIDATE else current_user()


def shown(*roles: str) -> Literal["visible", "hidden"]:
    """Menu visibility of a page for the signed-in user."""
    return "visible" if user is not None and user.can(*roles) else "hidden"


candidate = st.Page("app_pages/candidate.py", title="Test", url_path="test")
login = st.Page(
    "app_pages/login.py", title="Sign in" if user is None else "Account", url_path="login",
    default=True,
)  # fmt: skip
STAFF_PAGES = [
    # (page, roles allowed)
    (
        st.Page(
            "app_pages/recruiter.py", title="Candidates", url_path="candidates",
            visibility=shown("recruiter"),
        ),
        ("recruiter",),
    ),
    (
        st.Page(
            "app_pages/psychometrics.py", title="Calibration", url_path="calibration",
            visibility=shown("psychometrician"),
        ),
        ("psychometrician",),
    ),
]  # fmt: skip

UPLOADING_ROLES = ("recruiter", "psychometrician")  # invitation lists, response data

if IS_CANDIDATE:
    guard_uploads(allowed=False)
    page = st.navigation([candidate], position="hidden")
else:
    guard_uploads(allowed=user is not None and user.can(*UPLOADING_ROLES))
    page = st.navigation(
        [login, *(page for page, _ in STAFF_PAGES)], position="sidebar" if user else "hidden"
    )
    if user is not None:
        account_sidebar(user)
    cookie_beacon()
    if signed_in_now() and page is login:  # signed in on the sign-in page: to the role's page
        home = next((staff for staff, roles in STAFF_PAGES if shown(*roles) == "visible"), None)
        if home is not None:
            st.switch_page(home)
page.run()
