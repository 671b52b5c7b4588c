"""Workbench re-norming: preview the band changes of a new reference sample, then apply it.

The numbers come from ``assessment.psychometrics.renorm``; applying needs a ticked
confirmation and a reason, which the audit log keeps.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from app_pages.common import get_bank, get_store
from app_pages.markup import error_text, md_escape
from app_pages.workbench_display import MAX_UPLOAD_MB, read_upload, table_for_display
from assessment.errors import AssessmentError
from assessment.psychometrics import renorm
from assessment.psychometrics.data_files import response_forms
from assessment.psychometrics.versions import collected_responses
from assessment.psychometrics.workbench import (
    RenormPreview,
    ResponseMatrix,
    renorm_preview,
    renorm_with_reason,
)
from reports.assemble import overall_rule

PREVIEW_KEY = "renorm_previewed"
"""Session key of the last preview (not a widget key: the preview form is "renorm_preview")."""


def renorm_section(username: str) -> None:
    """Pick and name a reference sample, preview its band changes, apply with a reason."""
    st.markdown("**Re-norm the active version**")
    st.caption(
        "Promotion keeps the reference norms, so T-scores move only when θ moves. Re-norming "
        "defines the norms on another, named sample of at least "
        f"{renorm.MIN_NORM_SAMPLE} respondents; preview how many tested candidates would "
        "change band before applying it. Respondents whose answers fail the data-quality "
        "checks under the active version (person misfit, answers like random picking) are "
        "left out. Rescore afterwards (Rescore, below) to update stored scores."
    )
    source = st.radio(
        "Reference sample",
        [
            "Completed tests (without data-quality flags; synthetic demo candidates included)",
            "A response CSV",
        ],
        horizontal=True, key="renorm_source",
    )  # fmt: skip
    upload = None
    if source == "A response CSV":  # only then an uploader (one per page otherwise)
        upload = st.file_uploader(
            "Response data CSV for the reference sample",
            type=["csv"],
            max_upload_size=MAX_UPLOAD_MB,
        )
    with st.form("renorm_preview"):
        name = st.text_input("Name of the reference sample (e.g. applicants 2027 Q1)")
        if st.form_submit_button("Preview re-norm"):
            st.session_state.pop(PREVIEW_KEY, None)
            try:
                sample = _sample(source, upload)
                if sample is not None:
                    store = get_store()
                    st.session_state[PREVIEW_KEY] = renorm_preview(
                        store, sample[0], name, overall_rule(store), sample[1], sample[2]
                    )
            except AssessmentError as error:
                st.error(error_text(error, 300))
    preview: RenormPreview | None = st.session_state.get(PREVIEW_KEY)
    if preview is not None:
        _show(preview, username)


def _sample(
    source: str, upload: object | None
) -> tuple[ResponseMatrix, Sequence[str | None] | None, Sequence[bool] | None] | None:
    """The reference sample's responses with the form each row took (the sessions' recorded
    forms, or the file's ``_form`` column; None without it: judged from the answers) and
    which rows are synthetic demo candidates (None for a file: not known)."""
    if source.startswith("Completed"):
        collected = collected_responses(get_store(), get_bank())
        return collected.data, collected.forms, collected.is_synthetic
    if upload is None:
        st.error("choose a CSV file of the reference sample's responses")
        return None
    name = upload.name  # type: ignore[attr-defined]
    loaded = read_upload(upload.getvalue(), name)  # type: ignore[attr-defined]
    return None if loaded is None else (loaded.data, response_forms(loaded, name), None)


def _show(preview: RenormPreview, username: str) -> None:
    st.markdown(
        f"Re-norm **{md_escape(preview.active_label)}** on "
        f"**{md_escape(preview.sample)}** ({md_escape(preview.sample_size())}):"
    )
    st.caption(md_escape(". ".join([preview.left_out_line(), *preview.form_lines()]) + "."))
    st.dataframe(table_for_display(pd.DataFrame(preview.rows())), hide_index=True)
    st.markdown(md_escape(preview.band_changes_line()) + ".")
    with st.form("renorm_apply"):
        reason = st.text_input("Reason for re-norming (required; kept in the audit log)")
        confirmed = st.checkbox("I understand that T-scores and bands change after a rescore")
        if st.form_submit_button("Apply the re-norm"):
            try:
                version_id = renorm_with_reason(get_store(), preview, username, reason, confirmed)
            except AssessmentError as error:
                st.error(error_text(error, 300))
            else:
                st.session_state.pop(PREVIEW_KEY, None)
                version = get_store().model_version(version_id)
                label = version.label if version else str(version_id)
                st.success(
                    f"{md_escape(label)} is active with the new norms; rescore next "
                    "(Rescore, below)."
                )
