"""Workbench versions: compare any two stored versions; roll back with confirmation and reason;
rescore the completed tests with the active version."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.common import get_bank, get_store
from app_pages.markup import error_text, md_escape
from app_pages.workbench_display import MISSING_MARK
from assessment.errors import AssessmentError
from assessment.psychometrics.version_compare import compare_versions
from assessment.psychometrics.workbench import (
    ScoresFromOtherVersions,
    rescore_confirmed,
    rollback_with_reason,
    scores_from_other_versions,
)


def compare_section(labels: list[str]) -> None:
    """Pick two versions; show item drift, parameter differences and norm differences."""
    st.markdown("**Compare two versions**")
    if len(labels) < 2:
        st.caption("Only one version is stored so far.")
        return
    left, right = st.columns(2)
    label_a = left.selectbox("From", labels, index=len(labels) - 2, key="cmp_a")
    label_b = right.selectbox("To", labels, index=len(labels) - 1, key="cmp_b")
    if label_a == label_b:
        st.caption("Choose two different versions.")
        return
    try:
        diff = compare_versions(get_store(), label_a, label_b)
    except AssessmentError as error:
        st.error(error_text(error, 300))
        return
    st.caption(
        f"{md_escape(label_a)} ({diff.model_a}) → {md_escape(label_b)} ({diff.model_b}). "
        "Drift: the largest change in any option probability on θ from −3 to 3."
    )
    drift = diff.mean_drift
    if drift:
        columns = st.columns(len(drift))
        for column, (dimension, value) in zip(columns, drift.items(), strict=True):
            column.metric(f"mean drift, {dimension.replace('_', ' ')}", f"{value:.3f}")
    items = pd.DataFrame(
        [
            {
                "item": i.item_id,
                "dimension": i.dimension,
                "drift": i.probability_change,
                f"order {label_a}": i.order_a or "absent",
                f"order {label_b}": i.order_b or "absent",
            }
            for i in diff.items
        ]
    ).sort_values("drift", ascending=False, na_position="first")
    st.dataframe(
        items.round(3), hide_index=True, width="stretch", height=260, placeholder=MISSING_MARK
    )
    if diff.parameters:
        st.markdown("**Parameter differences**")
        st.dataframe(
            pd.DataFrame(
                [
                    {"item": p.item_id, "parameter": p.parameter, label_a: p.a,
                     f"SE {label_a}": p.se_a, label_b: p.b, f"SE {label_b}": p.se_b,
                     "difference": p.difference}
                    for p in diff.parameters
                ]
            ).round(3),
            hide_index=True, width="stretch", height=260, placeholder=MISSING_MARK,
        )  # fmt: skip
    else:
        st.caption("The versions use different item models: parameters are not comparable.")
    st.markdown("**Norm differences**")
    st.dataframe(
        pd.DataFrame(
            [
                {"competency": n.dimension, f"norm group {label_a}": n.group_a,
                 f"n {label_a}": n.n_a, f"norm group {label_b}": n.group_b, f"n {label_b}": n.n_b,
                 "mean θ change": n.mean_b - n.mean_a, "SD θ ratio": n.sd_b / n.sd_a,
                 **{f"T shift at T {t:g}": shift for t, shift in n.t_shift.items()}}
                for n in diff.norms
            ]
        ).round(3),
        hide_index=True, width="stretch", placeholder=MISSING_MARK,
    )  # fmt: skip


def rollback_section(username: str) -> None:
    """Roll back only with a ticked confirmation and a written reason (kept in the audit log);
    rescore at once only when asked."""
    with st.form("rollback"):
        st.markdown("**Roll back**")
        reason = st.text_input("Reason for rolling back (required; kept in the audit log)")
        confirmed = st.checkbox(
            "I understand that new scores will use the previous version from now on"
        )
        rescore_now = st.checkbox(
            "Also rescore every completed test with that version (audited)",
            help="Otherwise the current scores stay those of the version rolled back from "
            "until you rescore.",
        )
        if st.form_submit_button("Roll back to the previous version"):
            try:
                outcome = rollback_with_reason(
                    get_store(), username, reason, confirmed, get_bank() if rescore_now else None
                )
            except AssessmentError as error:
                st.error(error_text(error, 300))
            else:
                st.success(f"{md_escape(outcome.label)} is active again.")
                if outcome.rescored is not None:
                    st.success(f"Rescored {outcome.rescored} completed tests with it.")
                _warn_scores_from_other_versions(outcome.others)


def rescore_section(username: str) -> None:
    """Rescore every completed test with the active version, after a ticked confirmation (the
    audit log keeps who rescored with which version)."""
    st.markdown("**Rescore**")
    others = scores_from_other_versions(get_store())
    if others is not None and not others.count:
        st.caption(
            f"Every tested candidate's current scores come from {md_escape(others.active_label)}."
        )
    _warn_scores_from_other_versions(others)
    with st.form("rescore"):
        confirmed = st.checkbox(
            "I understand that every completed test gets new current scores from the active "
            "version (earlier scores are kept as history)"
        )
        if st.form_submit_button("Rescore every completed test"):
            try:
                count = rescore_confirmed(get_store(), get_bank(), username, confirmed)
            except AssessmentError as error:
                st.error(error_text(error, 300))
            else:
                active = get_store().active_model_version()
                label = active.label if active else "the active version"
                st.success(f"Rescored {count} completed tests with {md_escape(label)}.")


def _warn_scores_from_other_versions(others: ScoresFromOtherVersions | None) -> None:
    """Say whose current scores the active version did not produce, and how to rescore."""
    if others is not None and others.count:
        st.warning(md_escape(others.message("rescore them under Rescore below")))
