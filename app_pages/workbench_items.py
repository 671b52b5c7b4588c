"""Workbench review, item by item: parameters with SEs, empirical keys, observed vs expected."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from app_pages.workbench_display import MISSING_MARK, option_colours
from assessment.psychometrics.workbench import (
    ModelParameters,
    ObservedExpected,
    ResponseMatrix,
    eap_theta,
    item_plot,
    key_table,
    parameter_table,
)


def render(model: ModelParameters, data: ResponseMatrix, cache_key: str) -> None:
    """Parameter table, key comparison and the observed-vs-expected plot of a chosen item."""
    st.markdown("**Item parameters with standard errors**")
    st.caption(
        "Every free parameter of the item model and its standard error (as mirt's "
        "coef(fit, printSE = TRUE)); the first option is the reference with slope and "
        "intercept 0."
    )
    st.dataframe(
        pd.DataFrame(parameter_table(model)).round(3),
        hide_index=True,
        width="stretch",
        height=300,
        placeholder=MISSING_MARK,
    )
    keys = pd.DataFrame(key_table(model))
    disagree = int((keys["flags"] != "").sum())
    st.markdown("**Empirical key against the SME key**")
    st.caption(
        "Options ordered by their fitted weights beside the SME credits. key_best / key_worst: "
        "the data's best or worst option is not the SME's by more than 1.96 standard errors; "
        f"key_order: rank correlation at or below 0. {disagree} of {len(keys)} items disagree."
    )
    st.dataframe(
        keys.round(2), hide_index=True, width="stretch", height=300, placeholder=MISSING_MARK
    )
    st.markdown("**Observed and expected option shares**")
    item_id = st.selectbox(
        "Item", model.item_ids, key="oe_item",
        format_func=lambda i: f"{i} — {flag_note(keys, i)}",
    )  # fmt: skip
    theta = cached_theta(model, data, cache_key)
    plot = item_plot(model, data, theta, item_id)
    st.altair_chart(observed_expected_chart(plot), width="stretch")
    st.caption(
        f"Points: observed share of each option among the {int(plot.n.sum())} candidates who "
        "answered, in ten groups of equal size by EAP θ; lines: the model's trace lines. "
        f"Largest gap {plot.largest_gap:.3f}."
    )


def flag_note(keys: pd.DataFrame, item_id: str) -> str:
    flags = keys.loc[keys["item"] == item_id, "flags"]
    return str(flags.iloc[0]) if len(flags) and flags.iloc[0] else "key agrees"


def cached_theta(model: ModelParameters, data: ResponseMatrix, key: str) -> np.ndarray:
    """EAP estimates, kept in the session under ``key`` (the calibration job) while the
    reviewer moves between items."""
    if st.session_state.get("oe_theta_key") != key:
        st.session_state["oe_theta"] = eap_theta(model, data)
        st.session_state["oe_theta_key"] = key
    theta: np.ndarray = st.session_state["oe_theta"]
    return theta


def observed_expected_chart(plot: ObservedExpected) -> alt.LayerChart:
    """Trace lines and observed points per option in the workbench's fixed Okabe–Ito colours."""
    codes = [str(code) for code in plot.codes]
    lines = pd.DataFrame(
        [
            {"theta": float(t), "option": code, "probability": float(plot.curve[k, q])}
            for k, code in enumerate(codes)
            for q, t in enumerate(plot.grid)
        ]
    )
    points = pd.DataFrame(
        [
            {
                "theta": float(plot.theta[g]),
                "option": code,
                "observed": float(plot.observed[g, k]),
                "expected": float(plot.expected[g, k]),
                "n": int(plot.n[g]),
            }
            for g in range(plot.theta.size)
            for k, code in enumerate(codes)
        ]
    )
    colour = alt.Color(
        "option:N", scale=alt.Scale(domain=codes, range=option_colours(codes)), title="option"
    )
    x = alt.X("theta:Q", title="θ", scale=alt.Scale(domain=[-4, 4]))
    curve = (
        alt.Chart(lines)
        .mark_line(strokeWidth=2.5)
        .encode(x=x, y=alt.Y("probability:Q", title="share choosing the option"), color=colour)
    )
    observed = (
        alt.Chart(points)
        .mark_point(filled=True, size=70, stroke="white", strokeWidth=1, opacity=1)
        .encode(
            x=x,
            y="observed:Q",
            color=colour,
            shape=alt.Shape("option:N", title="option"),
            tooltip=["option", "n", alt.Tooltip("theta:Q", format=".2f"),
                     alt.Tooltip("observed:Q", format=".3f"),
                     alt.Tooltip("expected:Q", format=".3f")],
        )
    )  # fmt: skip
    return (curve + observed).properties(height=340, title=plot.item_id)
