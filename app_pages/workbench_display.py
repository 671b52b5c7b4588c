"""How the calibration workbench shows its numbers: tables, colours, charts, demo data."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from streamlit.elements.lib.color_util import Color

from app_pages.common import get_bank
from app_pages.markup import md_escape
from assessment.demo import MIN_PAIR_COUNT
from assessment.errors import DataFileError
from assessment.psychometrics.data_files import (
    ResponseFile,
    check_most_least_pairs,
    read_response_csv,
    response_forms,
    synthetic_rows,
)
from items import COMPETENCIES
from items.scoring_map import item_specs

OKABE_ITO = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#000000",  # black
)
"""Okabe & Ito (2008) colour-blind-safe palette; option k always gets colour k."""

MAX_UPLOAD_MB = 20
"""Largest response CSV a workbench page accepts (MB; the server caps uploads too)."""
MISSING_MARK = "–"
MISSING_NOTE = (
    "– means the value cannot be computed from these data: alpha-if-deleted needs at least "
    "three items on the competency and every pair of the other items answered together by at "
    f"least {MIN_PAIR_COUNT} candidates (an adaptive test gives each candidate only some items); a "
    "correlation needs at least three candidates and variation in both scores; an option "
    "column is empty for items that do not have that option."
)
UPLOAD_UNKNOWN_COLUMNS = (
    "rename these columns in the file to item ids of the bank (most/least items as "
    "<id>.most and <id>.least), or start the names of columns that are not items with '_' "
    "so they are ignored; data from another test cannot be uploaded here"
)


def option_colours(codes: Sequence[str]) -> list[Color]:
    """One fixed Okabe–Ito colour per option, in option order (A, B, C, …)."""
    colours: list[Color] = [OKABE_ITO[k % len(OKABE_ITO)] for k in range(len(codes))]
    return colours


def table_for_display(table: pd.DataFrame, decimals: int = 3) -> pd.DataFrame:
    """Round numbers and show every missing value as "–" instead of "None"/"nan"."""
    rounded = table.round(decimals)
    shown = rounded.astype(object).where(rounded.notna(), MISSING_MARK)
    return shown.astype(str)


def competency_curves_chart(
    curves: dict[str, np.ndarray], grid: np.ndarray, title: str
) -> alt.Chart:
    """One line per competency over θ, with a legend in rows below the plot: a one-row legend
    cut the long competency names (``service_o…``) in a half-width column."""
    frame = pd.DataFrame(
        [
            {"theta": float(t), "competency": name, title: float(v)}
            for name, values in curves.items()
            for t, v in zip(grid, values, strict=True)
        ]
    )
    legend = alt.Legend(orient="bottom", columns=3, labelLimit=0, title=None)
    return (
        alt.Chart(frame)
        .mark_line()
        .encode(
            x=alt.X("theta:Q", title="θ"),
            y=alt.Y(f"{title}:Q", title=title),
            color=alt.Color("competency:N", sort=list(curves), legend=legend),
            tooltip=["competency", "theta", f"{title}:Q"],
        )
        .properties(height=260)
    )


def theta_histogram_chart(theta: np.ndarray, dimensions: Sequence[str]) -> alt.FacetChart:
    """One histogram per competency, side by side on a shared scale (small multiples)."""
    edges = np.linspace(-4, 4, 33)
    rows = []
    for d, dimension in enumerate(dimensions):
        counts = np.histogram(theta[:, d], bins=edges)[0]
        rows += [
            {"competency": dimension, "theta": float(lo), "theta_end": float(hi), "count": int(c)}
            for lo, hi, c in zip(edges[:-1], edges[1:], counts, strict=True)
        ]
    frame = pd.DataFrame(rows)
    bars = (
        alt.Chart(frame)
        .mark_bar(color=OKABE_ITO[4])
        .encode(
            x=alt.X("theta:Q", title="θ (EAP)", scale=alt.Scale(domain=[-4, 4])),
            x2="theta_end:Q",
            y=alt.Y("count:Q", title="candidates", stack=None),
            y2=alt.datum(0),  # bars from zero (without it they were drawn as dots)
            tooltip=["competency", "theta", "count"],
        )
        .properties(width=140, height=160)
    )
    return bars.facet(column=alt.Column("competency:N", sort=list(dimensions), title=None))


def read_upload(content: bytes, name: str) -> ResponseFile | None:
    """Parse an uploaded CSV against the bank and check its most/least answers as
    ``sjt calibrate`` does (a pick missing, or one option picked as both), so that every
    problem of the file shows on upload, with its line or row, before anything is run.

    The ``_synthetic`` and ``_form`` columns are checked here too: the pages read them after
    this returns, outside any handling of a file's problems."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.csv"
        path.write_bytes(content)
        try:
            loaded = read_response_csv(
                path,
                specs=item_specs(get_bank()),
                dimensions=COMPETENCIES,
                source=name,
                unknown_columns_hint=UPLOAD_UNKNOWN_COLUMNS,
            )
            check_most_least_pairs(loaded, name)
            synthetic_rows(loaded, name)  # a bad _synthetic value shows here too
            response_forms(loaded, name)  # and a _form other than adaptive or fixed
        except DataFileError as error:
            problems = list(error.problems[:50])
        else:
            return loaded
    st.error(f"{md_escape(name)} cannot be used:")
    st.code("\n".join(problems), language=None)
    return None
