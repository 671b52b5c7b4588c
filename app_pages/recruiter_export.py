"""Recruiter page, Export tab: profiles as a ZIP of PDFs and the scores table as CSV."""

from __future__ import annotations

import datetime as dt
import functools

import streamlit as st

from app_pages.recruiter_shared import LANGUAGES, candidate_label, feedback_warning
from app_pages.staff_session import guarded
from assessment.access.accounts import StaffUser
from assessment.persistence.store import Store
from assessment.recruiting.exports import scores_codebook, scores_csv
from assessment.recruiting.overview import candidate_overview
from assessment.vocabulary import QUALITY_FLAGS
from reports.assemble import overall_rule, profiles_zip


def export_section(store: Store, user: StaffUser) -> None:
    rows = candidate_overview(store)
    completed = {r.candidate_id: r for r in rows if r.status == "completed"}
    profiles_column, scores_column = st.columns(2, gap="medium")
    with profiles_column, st.container(border=True):
        st.markdown("##### Profiles as a ZIP of PDFs")
        scope = st.radio(
            "Candidates", ["all", "chosen"], horizontal=True,
            format_func=lambda s: f"All completed ({len(completed)})" if s == "all" else "Choose",
        )  # fmt: skip
        chosen = list(completed)
        if scope == "chosen":
            chosen = st.multiselect(
                "Completed candidates", list(completed), format_func=candidate_label(completed),
                placeholder="Choose candidates",
            )  # fmt: skip
        lang = st.selectbox(
            "Language", ["test", *LANGUAGES],
            format_func=lambda k: "Each candidate's test language" if k == "test"
            else LANGUAGES[k],
        )  # fmt: skip
        feedback = st.checkbox("Include the candidates' feedback reports")
        if feedback:
            rule = overall_rule(store)  # the profile's result: "review" gives no levels
            withheld = [
                completed[c] for c in chosen
                if (found := completed[c].overall_result(rule)) and found[1] == "review"
            ]  # fmt: skip
            if withheld:
                flags = [f for f in QUALITY_FLAGS if any(f in r.flags for r in withheld)]
                st.warning(
                    feedback_warning(flags, len(withheld), len(chosen)), icon=":material/warning:"
                )
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
        st.download_button(
            f"Download {len(chosen)} profile{'s' if len(chosen) != 1 else ''} (ZIP)",
            data=guarded(user, ("recruiter",), functools.partial(
                _zip, store, user.username, tuple(chosen), None if lang == "test" else lang,
                feedback,
            )),
            file_name=f"profiles-{stamp}.zip",
            mime="application/zip",
            type="primary",
            icon=":material/folder_zip:",
            on_click="ignore",
            disabled=not chosen,
            key="download_zip",
        )  # fmt: skip
        st.caption("PDFs are named by candidate id. Large exports take a few seconds.")
    with scores_column, st.container(border=True):
        st.markdown("##### Scores for spreadsheets")
        st.markdown(
            f"All {len(rows)} candidates with status, T-scores, percentiles, thetas, profile "
            "score, overall result and data-quality flags, plus a codebook that explains "
            "every column."
        )
        st.download_button(
            "Download scores (CSV)",
            data=guarded(user, ("recruiter",), functools.partial(_scores, store, user.username)),
            file_name=f"scores-{stamp}.csv",
            mime="text/csv",
            icon=":material/table:",
            on_click="ignore",
            key="download_scores",
        )
        st.download_button(
            "Download codebook (Markdown)",
            data=guarded(user, ("recruiter",), scores_codebook),
            file_name="scores-codebook.md",
            mime="text/markdown",
            icon=":material/menu_book:",
            on_click="ignore",
            key="download_codebook",
        )
        st.caption(
            "Text cells that start with =, +, - or @ get a leading apostrophe so that "
            "spreadsheets never run them as formulas."
        )


def _zip(store: Store, actor: str, ids: tuple[str, ...], lang: str | None, feedback: bool) -> bytes:
    data, skipped = profiles_zip(store, ids, lang, feedback=feedback)
    store.audit(actor, "report.zip", None, {"candidates": len(ids) - len(skipped)})
    return data


def _scores(store: Store, actor: str) -> bytes:
    rows = candidate_overview(store)
    store.audit(actor, "export.scores", None, {"candidates": len(rows)})
    # the BOM makes Excel read UTF-8
    return scores_csv(rows, overall_rule(store)).encode("utf-8-sig")
