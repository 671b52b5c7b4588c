"""Workbench fairness tab: adverse impact of the profiles' overall results (or of a plain T
cut) and item DIF by a voluntary group field.

The numbers come from ``assessment.psychometrics.fairness``; the page passes in the profile's
own rule (``reports.assemble.overall_rule``) so the selection rates are those of the
results recruiters see on the PDFs.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.common import get_bank, get_store
from app_pages.markup import error_text
from app_pages.workbench_display import MISSING_MARK
from assessment.errors import AssessmentError
from assessment.psychometrics.fairness import (
    GROUP_FIELDS,
    OVERALL_BANDS,
    CutRule,
    FairnessReport,
    fairness_report,
)
from assessment.session_values import OverallRule
from items import COMPETENCIES
from reports.assemble import overall_rule

DECISION = "Overall result of the profiles (as recruiters see it)"
CUT = "A plain T-score cut (to compare cut scores)"
MEAN_OF_FIVE = "mean of five"


def fairness_section() -> None:
    """Pick a group field and what counts as selected; show rates, ratios and item DIF."""
    st.caption(
        "Group answers are voluntary and self-described, stored apart from scores and never "
        "shown to recruiters. Only aggregate figures appear here."
    )
    left, right = st.columns(2)
    field = left.selectbox("Group field", sorted(GROUP_FIELDS))
    selection = right.radio("Selected means", [DECISION, CUT])
    rule: OverallRule | CutRule = overall_rule(get_store())
    if selection == CUT:
        cut_column, basis_column = st.columns(2)
        cut = cut_column.number_input("Cut score (T)", 20.0, 80.0, 50.0, 1.0)
        basis = basis_column.selectbox("Cut on", [MEAN_OF_FIVE, *COMPETENCIES])
        rule = CutRule(float(cut), None if basis == MEAN_OF_FIVE else basis)
    if not st.button("Compute"):
        return
    try:
        report = fairness_report(get_store(), get_bank(), field, rule)
    except AssessmentError as error:
        st.info(error_text(error))
        return
    show_impact(report)
    st.markdown("**Item DIF** (Mantel–Haenszel with ETS classes; logistic regression)")
    st.dataframe(
        pd.DataFrame([d.row() for d in report.dif]).round(3),
        hide_index=True,
        placeholder=MISSING_MARK,
    )
    if report.dif_left_out:
        st.caption(
            f"{report.dif_left_out} items were not answered by two of the groups and are left "
            "out of the DIF table."
        )


def show_impact(report: FairnessReport) -> None:
    """Group sizes, overall results by group, and one impact table per selection."""
    st.markdown(f"**Adverse impact** ({report.n_sessions} sessions; selection by {report.basis})")
    if report.band_counts:
        st.markdown("Overall results by group")
        st.dataframe(
            pd.DataFrame(
                [
                    {"group": group, "n": sum(counts.values())}
                    | {band: counts[band] for band in OVERALL_BANDS}
                    for group, counts in report.band_counts.items()
                ]
            ),
            hide_index=True,
        )
    for selection in report.selections:
        st.markdown(f"Selected: {selection.selection}")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "group": g.group,
                        "n": g.n,
                        "selected": g.selected,
                        "rate": round(g.rate, 3),
                        "impact ratio": None
                        if g.impact_ratio != g.impact_ratio
                        else round(g.impact_ratio, 3),
                        "below 4/5": g.below_four_fifths,
                        "p (Fisher)": None if g.p_value != g.p_value else round(g.p_value, 4),
                        "small group": g.small,
                    }
                    for g in selection.impact
                ]
            ),
            hide_index=True,
            placeholder=MISSING_MARK,
        )
    for caveat in report.caveats:
        st.caption(caveat)
