"""Psychometrician's workbench: calibrate, review, promote or roll back, monitor fairness."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from app_pages.common import get_bank, get_store, require_role
from app_pages.markup import md_escape
from assessment.errors import AssessmentError, DataFileError
from assessment.psychometrics.data_files import read_response_csv
from assessment.psychometrics.fairness import GROUP_FIELDS, fairness_report
from assessment.psychometrics.jobs import CalibrationJob, JobRegistry
from assessment.psychometrics.review import compare_with_active, sample_warnings
from assessment.psychometrics.versions import (
    calibrated_model_file,
    collected_responses,
    list_versions,
    promote,
    rollback,
)
from items import COMPETENCIES
from items.scoring_map import item_specs
from scoring import ResponseMatrix, score_eap
from scoring.fit import conditional_se, test_information
from scoring.item_analysis import analyse_items

MAX_UPLOAD_MB = 20


@st.cache_resource(show_spinner=False)
def get_jobs() -> JobRegistry:
    """Calibration jobs of this server process (shared by all users)."""
    return JobRegistry()


def render() -> None:
    user = require_role("psychometrician")
    st.title("Calibration workbench")
    calibrate_tab, review_tab, versions_tab, fairness_tab = st.tabs(
        ["Calibrate", "Review", "Versions", "Fairness"]
    )
    with calibrate_tab:
        calibrate_section()
    with review_tab:
        review_section(user.username)
    with versions_tab:
        versions_section(user.username)
    with fairness_tab:
        fairness_section()


# --------------------------------------------------------------------------- calibrate
def calibrate_section() -> None:
    source = st.radio(
        "Data", ["Collected responses", "Upload a CSV"], horizontal=True, key="cal_source"
    )
    data: ResponseMatrix | None = None
    label = ""
    if source == "Collected responses":
        today = dt.date.today()
        left, middle, right = st.columns(3)
        since = left.date_input("Completed from", today - dt.timedelta(days=365))
        until = middle.date_input("Completed until", today)
        form = right.selectbox("Form", ["any", "adaptive", "fixed"])
        include_flagged = st.checkbox("Include sessions with data-quality flags", value=False)
        collected = collected_responses(
            get_store(), get_bank(),
            since=dt.datetime.combine(since, dt.time(), dt.UTC),
            until=dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC),
            form=None if form == "any" else form,
            include_flagged=include_flagged,
        )  # fmt: skip
        data = collected.data
        label = f"collected {since}–{until}"
        st.caption(
            f"{data.n_candidates} completed sessions"
            + (
                f"; {collected.excluded_flagged} flagged sessions left out"
                if collected.excluded_flagged
                else ""
            )
        )
    else:
        upload = st.file_uploader(
            "Response data (interfaces.md CSV: candidate_id, then item columns)",
            type=["csv"], max_upload_size=MAX_UPLOAD_MB,
        )  # fmt: skip
        if upload is not None:
            data = read_upload(upload.getvalue(), upload.name)
            label = upload.name
    if data is None or data.n_candidates == 0:
        st.info("No data to calibrate yet.")
        return
    min_answers = st.number_input(
        "Leave out items answered by fewer than this many candidates", 2, 10_000, 30, 1,
        help="Left-out items keep their current parameters when the calibration is promoted.",
    )  # fmt: skip
    keep = data.answered_counts() >= int(min_answers)
    if not keep.any():
        st.warning(f"No item has {int(min_answers)} answers yet; collect more data first.")
        return
    if not keep.all():
        st.info(
            f"{int((~keep).sum())} of {data.n_items} scored items have fewer than "
            f"{int(min_answers)} answers: they are left out and keep their current parameters."
        )
        data = data.select_items(keep)
    warnings = sample_warnings(data)
    if warnings.items_below_minimum:
        worst = min(n for _, n in warnings.items_below_minimum)
        st.warning(
            f"{len(warnings.items_below_minimum)} of {data.n_items} scored items have fewer than "
            f"500 candidates (smallest: {worst}). Option weights will be unstable; treat this "
            "calibration as exploratory."
        )
    if warnings.rare_options:
        st.warning(
            f"{len(warnings.rare_options)} options are chosen by fewer than 5% of candidates; "
            "their weights rest on very few answers."
        )
    model = st.selectbox(
        "Model", ["nrm", "gpcm"],
        format_func={"nrm": "Nominal response (free option weights)",
                     "gpcm": "Generalized partial credit (SME credits as scores)"}.__getitem__,
    )  # fmt: skip
    if st.button("Run calibration", type="primary"):
        job = get_jobs().start(data, model, {"label": label, "data": data})
        st.session_state["job_id"] = job.job_id
    job_id = st.session_state.get("job_id")
    if job_id:
        show_progress(job_id)


def read_upload(content: bytes, name: str) -> ResponseMatrix | None:
    """Parse an uploaded CSV against the bank; show every problem with its line."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.csv"
        path.write_bytes(content)
        try:
            loaded = read_response_csv(
                path, specs=item_specs(get_bank()), dimensions=COMPETENCIES, source=name
            )
        except DataFileError as error:
            st.error(f"{md_escape(name)} cannot be used:")
            st.code("\n".join(error.problems[:50]), language=None)
            return None
    return loaded.data


@st.fragment(run_every=1.0)
def show_progress(job_id: str) -> None:
    job = get_jobs().get(job_id)
    if job is None:
        return
    status = job.status()
    if status["error"]:
        st.error(f"Calibration failed: {status['error']}")
        return
    done = status["finished"]
    fraction = 1.0 if done else min(0.99, status["iteration"] / max(job.max_iter, 1))
    loglik = "" if status["loglik"] is None else f", log-likelihood {status['loglik']:,.1f}"
    st.progress(
        fraction,
        text=f"{'Finished' if done else 'Running'}: {status['dimension'] or 'starting'}, "
        f"EM iteration {status['iteration']}{loglik} ({status['seconds']:.0f} s)",
    )
    if done:
        st.success("Calibration finished — open the Review tab.")
        if st.session_state.get("reviewed_job") != job_id:
            # The review tab was drawn before the result existed: redraw the whole page once.
            st.session_state["reviewed_job"] = job_id
            st.rerun(scope="app")


# ------------------------------------------------------------------------------ review
def finished_job() -> CalibrationJob | None:
    job_id = st.session_state.get("job_id")
    job = get_jobs().get(job_id) if job_id else None
    return job if job is not None and job.result is not None else None


def review_section(username: str) -> None:
    job = finished_job()
    if job is None:
        st.info("Run a calibration first.")
        return
    result = job.result
    assert result is not None
    data: ResponseMatrix = job.context["data"]
    st.subheader(f"{result.model.upper()} calibration of {md_escape(str(job.context['label']))}")
    columns = st.columns(4)
    columns[0].metric("Candidates", f"{result.n_candidates:,}")
    columns[1].metric("Converged", "yes" if result.converged else "NO")
    columns[2].metric("Log-likelihood", f"{result.loglik:,.1f}")
    columns[3].metric("BIC", f"{result.bic:,.0f}")
    if not result.converged:
        st.warning("EM did not converge: do not promote this calibration.")
    st.markdown("**Marginal reliability**")
    st.dataframe(
        pd.DataFrame([result.marginal_reliability]).round(3), hide_index=True, width="stretch"
    )
    analysis = analyse_items(result.parameters, data)
    table = pd.DataFrame(analysis.rows())
    flagged_only = st.checkbox("Show flagged items only")
    if flagged_only:
        table = table[table["flags"] != ""]
    st.dataframe(table.round(3), hide_index=True, width="stretch", height=360)
    plots(result.parameters, data)
    comparison_section(result, data)
    st.markdown("**Promote**")
    with st.form("promote"):
        note = st.text_area("Why is this version promoted? (recorded in the audit log)")
        force = st.checkbox("Promote even if the checks find problems")
        reason = st.text_input("Reason for overriding the checks (recorded in the audit log)")
        if st.form_submit_button("Promote as a new model version", type="primary"):
            try:
                model_file = calibrated_model_file(result, data, str(job.context["label"]))
                version_id = promote(
                    get_store(), model_file, get_bank(), username, note, carry_over=True,
                    force=force, reason=reason,
                )  # fmt: skip
            except AssessmentError as error:
                st.error(str(error))
            else:
                version = get_store().model_version(version_id)
                st.success(f"Promoted {version.label if version else version_id}.")


def plots(parameters: Any, data: ResponseMatrix) -> None:
    st.markdown("**Option response curves**")
    item_id = st.selectbox("Item", parameters.item_ids)
    column = parameters.item_ids.index(item_id)
    grid = np.linspace(-4, 4, 81)
    prob = parameters.probabilities(column, grid)
    codes = [str(code) for code in parameters.items[column].spec.codes]
    st.line_chart(
        pd.DataFrame(prob.T, columns=codes, index=pd.Index(grid.round(2), name="theta")),
        x_label="theta", y_label="probability",
    )  # fmt: skip
    left, right = st.columns(2)
    info = test_information(parameters, grid)
    se = conditional_se(parameters, grid)
    left.markdown("**Test information**")
    left.line_chart(pd.DataFrame(info, index=pd.Index(grid.round(2), name="theta")))
    right.markdown("**Conditional SE**")
    right.line_chart(pd.DataFrame(se, index=pd.Index(grid.round(2), name="theta")).clip(upper=2))
    estimate = score_eap(parameters, data)
    st.markdown("**Theta distribution (EAP)**")
    edges = np.linspace(-4, 4, 33)
    counts = {d: np.histogram(estimate.theta[:, i], bins=edges)[0]
              for i, d in enumerate(parameters.dimensions)}  # fmt: skip
    st.bar_chart(pd.DataFrame(counts, index=pd.Index(edges[:-1].round(2), name="theta")))


def comparison_section(result: Any, data: ResponseMatrix) -> None:
    comparison = compare_with_active(get_store(), result, data)
    st.markdown("**Compared with the active version**")
    if comparison is None:
        st.caption("No active version to compare with.")
        return
    active = comparison.active_label
    rows = [
        {"": "log-likelihood", "new": comparison.loglik_new, active: comparison.loglik_active},
        {"": "AIC", "new": comparison.aic_new, active: comparison.aic_active},
        {"": "BIC", "new": comparison.bic_new, active: comparison.bic_active},
    ]
    st.dataframe(pd.DataFrame(rows).round(1), hide_index=True)
    st.write(
        "Parameter drift (mean largest change in an option probability, after linking): "
        + ", ".join(f"{d} {v:.3f}" for d, v in comparison.drift.items())
    )
    st.write(
        f"**{comparison.band_changes}** of {comparison.n_candidates} candidates would change "
        "band (low / typical / high) on at least one competency."
    )


# ---------------------------------------------------------------------------- versions
def versions_section(username: str) -> None:
    versions = list_versions(get_store())
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "label": v.label,
                    "active": "●" if v.active else "",
                    "model": v.model,
                    "created": v.created_at.strftime("%Y-%m-%d %H:%M"),
                    "by": v.created_by or "",
                    "note": v.note or "",
                }
                for v in versions
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    active = next((v for v in versions if v.active), None)
    if active is not None:
        version = get_store().model_version(active.version_id)
        st.download_button(
            f"Export {active.label} (model file JSON)",
            data=json.dumps(json.loads(version.model_json) if version else {}, indent=2),
            file_name=f"model-{active.label}.json",
            mime="application/json",
        )
    with st.form("rollback"):
        note = st.text_input("Reason for rolling back")
        if st.form_submit_button("Roll back to the previous version"):
            try:
                label = rollback(get_store(), username, note)
            except AssessmentError as error:
                st.error(str(error))
            else:
                st.success(f"{label} is active again.")


# ---------------------------------------------------------------------------- fairness
def fairness_section() -> None:
    st.caption(
        "Group answers are voluntary and self-described, stored apart from scores and never "
        "shown to recruiters. Only aggregate figures appear here."
    )
    left, middle, right = st.columns(3)
    field = left.selectbox("Group field", sorted(GROUP_FIELDS))
    cut = middle.number_input("Cut score (T)", 20.0, 80.0, 50.0, 1.0)
    basis = right.selectbox("Cut on", ["mean of five", *COMPETENCIES])
    if not st.button("Compute"):
        return
    try:
        report = fairness_report(
            get_store(), get_bank(), field, float(cut),
            None if basis == "mean of five" else basis,
        )  # fmt: skip
    except AssessmentError as error:
        st.info(str(error))
        return
    st.markdown(
        f"**Adverse impact** ({report.n_sessions} sessions; cut T ≥ {cut:g} on {report.basis})"
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "group": g.group,
                    "n": g.n,
                    "selected": g.selected,
                    "rate": round(g.rate, 3),
                    "impact ratio": round(g.impact_ratio, 3),
                    "below 4/5": g.below_four_fifths,
                    "p (Fisher)": None if g.p_value != g.p_value else round(g.p_value, 4),
                    "small group": g.small,
                }
                for g in report.impact
            ]
        ),
        hide_index=True,
    )
    st.markdown("**Item DIF** (Mantel–Haenszel with ETS classes; logistic regression)")
    st.dataframe(pd.DataFrame([d.row() for d in report.dif]).round(3), hide_index=True)


render()
