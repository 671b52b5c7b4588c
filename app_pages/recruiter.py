"""Recruiter workspace: invite candidates, follow their progress, read and export profiles.

Thin: the overview, invitations and exports come from ``assessment.recruiting``, profiles
and PDFs from ``reports.assemble``. User-supplied text reaches the screen only through widgets
that show plain text (dataframes, code blocks, option labels) or Markdown escaped by
``md_escape``.

One module per tab: ``recruiter_invite``, ``recruiter_candidates``, ``recruiter_profile``,
``recruiter_export``; what they share is in ``recruiter_shared``.
"""

from __future__ import annotations

import streamlit as st

from app_pages.common import get_store
from app_pages.recruiter_candidates import candidates_section
from app_pages.recruiter_export import export_section
from app_pages.recruiter_invite import RESULT_KEY, invite_section
from app_pages.recruiter_profile import profile_section
from app_pages.recruiter_shared import TAB_KEY, TABS
from app_pages.staff_access import require_role


def render() -> None:
    user = require_role("recruiter")
    store = get_store()
    st.title("Candidates")
    st.caption(
        "Invite candidates, follow their progress and read their profiles. Profiles are one "
        "input among several: a person always makes the decision."
    )
    tabs = st.tabs(TABS, key=TAB_KEY, on_change="rerun")
    if tabs[0].open is False:  # new links are shown until the recruiter moves on
        st.session_state.pop(RESULT_KEY, None)
    sections = (invite_section, candidates_section, profile_section, export_section)
    for tab, section in zip(tabs, sections, strict=True):
        if tab.open is not False:  # None (no state tracking) renders every tab
            with tab:
                section(store, user)


render()
