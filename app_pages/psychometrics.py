"""Psychometrician's workbench: calibrate, review, promote or roll back, re-norm and rescore,
monitor fairness."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from app_pages import (
    workbench_fairness,
    workbench_items,
    workbench_jobs,
    workbench_renorm,
    workbench_versions,
)
from app_pages.common import get_bank, get_store
from app_pages.markup import error_text, md_escape
from app_pages.phrasing import (
    FORCE_LABEL,
    LEAVE_OUT_LABEL,
    NO_LINK_LABEL,
    NO_LINK_REASON_LABEL,
    PROMOTION_ADVICE,
    collected_caption,
    linking_advice,
    rare_options_warning,
    thin_items_warning,
)
from app_pages.staff_access import require_role
from app_pages.staff_session import guarded
from app_pages.workbench_display import (
    MAX_UPLOAD_MB,
    MISSING_NOTE,
    competency_curves_chart,
    option_colours,
    read_upload,
    table_for_display,
    theta_histogram_chart,
)
from assessment.access.accounts import StaffUser
from assessment.demo import SYNTHETIC_N, synthetic_responses
from assessment.errors import AssessmentError
from assessment.persistence.answers import SessionFilter
from assessment.psychometrics.bank_models import bank_models
from assessment.psychometrics.data_files import response_forms, synthetic_rows
from assessment.psychometrics.model_files import calibrated_model_file
from assessment.psychometrics.partial import carried_note, scope_note
from assessment.psychometrics.response_export import export_responses
from assessment.psychometrics.review import (
    calibration_items,
    compare_with_active,
    sample_warnings,
)
from assessment.psychometrics.versions import (
    PromotionRefusedError,
    collected_responses,
    list_versions,
    promote,
)
from assessment.psychometrics.workbench import (
    ResponseMatrix,
    information_curves,
    item_analysis_rows,
)

# The role of this page, checked when it is drawn and again when a download is clicked.
ROLES = ("psychometrician",)
SYNTHETIC_SOURCE = f"Synthetic demo responses ({SYNTHETIC_N} simulated candidates)"
PROMOTING = (
    "Promoting: checking the calibration, then simulating the test as delivered under it for "
    "the reliability its profiles print (this takes some seconds)…"
)


@st.cache_resource(show_spinner=False)
def demo_responses() -> ResponseMatrix:
    """The workbench's synthetic demo dataset (simulated once per server process)."""
    return synthetic_responses(get_bank())


@st.cache_data(show_spinner="Computing item statistics…", max_entries=8)
def job_item_analysis(job_id: str, _parameters: Any, _data: ResponseMatrix) -> list[dict[str, Any]]:
    """The item statistics of a finished calibration job, computed once per job (minutes on a
    large sample): reruns of the Review tab, e.g. the "flagged only" filter, reuse them."""
    return item_analysis_rows(_parameters, _data)


def render() -> None:
    user = require_role(*ROLES)
    st.title("Calibration workbench")
    calibrate_tab, review_tab, versions_tab, fairness_tab = st.tabs(
        ["Calibrate", "Review", "Versions", "Fairness"]
    )
    with calibrate_tab:
        calibrate_section(user)
        workbench_jobs.jobs_section(user.username)
    with review_tab:
        review_section(user.username)
    with versions_tab:
        versions_section(user)
    with fairness_tab:
        workbench_fairness.fairness_section()


# --------------------------------------------------------------------------- calibrate
def calibrate_section(user: StaffUser) -> None:
    username = user.username
    source = st.radio(
        "Data",
        ["Collected responses", "Upload a CSV", SYNTHETIC_SOURCE],
        horizontal=True,
        key="cal_source",
    )
    data: ResponseMatrix | None = None
    label = ""
    forms: Sequence[str | None] | None = None  # each row's form, when recorded
    n_synthetic = 0  # rows that are synthetic people: the model and its norms then say so
    if source == "Collected responses":
        today = dt.date.today()
        left, middle, right = st.columns(3)
        since = left.date_input("Completed from", today - dt.timedelta(days=365))
        until = middle.date_input("Completed until", today)
        form = right.selectbox("Form", ["any", "adaptive", "fixed"])
        include_flagged = st.checkbox("Include sessions with data-quality flags", value=False)
        try:
            chosen = SessionFilter.days(
                since, until, None if form == "any" else form, include_flagged=include_flagged
            )
        except ValueError as error:
            st.error(error_text(error, 300))
            return
        collected = collected_responses(get_store(), get_bank(), chosen)
        responses_download(user, chosen, f"responses-{since}-{until}.csv")
        data, forms, n_synthetic = collected.data, collected.forms, collected.synthetic
        label = f"collected {since}–{until}"
        st.caption(
            collected_caption(data.n_candidates, collected.synthetic, collected.excluded_flagged)
        )
    elif source == SYNTHETIC_SOURCE:
        data = demo_responses()
        n_synthetic = data.n_candidates
        label = f"synthetic responses (simulated, n={data.n_candidates})"
        st.warning(
            f"SYNTHETIC DATA: {data.n_candidates} simulated candidates answering every item, "
            "drawn from the demo's synthetic generating model. Use it to try the workbench and "
            "to check that calibration recovers known parameters; never promote it as a real model."
        )
    else:
        upload = st.file_uploader(
            "Response data (CSV: candidate_id, then item columns; see docs/file-formats.md)",
            type=["csv"], max_upload_size=MAX_UPLOAD_MB,
        )  # fmt: skip
        if upload is not None:
            loaded = read_upload(upload.getvalue(), upload.name)
            if loaded is not None:
                data, forms = loaded.data, response_forms(loaded, upload.name)
                n_synthetic = synthetic_rows(loaded, upload.name)
            label = upload.name
    if data is None or data.n_candidates == 0:
        st.info("No data to calibrate yet.")
        return
    choices = bank_models()
    active = get_store().active_model_document()
    # the active version's item model first chosen: only the same model can be linked to it
    first = (
        list(choices).index(active.document.model)
        if active and active.document.model in choices
        else 0
    )
    model = st.selectbox(
        "Model",
        list(choices),
        index=first,
        format_func=choices.__getitem__,
        help="A new version can be linked to the active version's scale only with the same model.",
    )
    min_answers = st.number_input(
        LEAVE_OUT_LABEL, 2, 10_000, 30, 1,
        help="Left-out items keep their current parameters when the calibration is promoted.",
    )  # fmt: skip
    keep = data.answered_counts() >= int(min_answers)  # a most_least item's parts go together
    if not keep.any():
        st.warning(
            f"No item has {int(min_answers)} answers yet; collect more data first, or choose "
            f"“{SYNTHETIC_SOURCE}” to try a calibration on clearly labelled synthetic data."
        )
        return
    if not keep.all():
        counted = calibration_items(data, model)  # items as the calibration counts them
        thin = int((counted.answered_counts() < int(min_answers)).sum())
        st.info(
            f"{thin} of {counted.n_items} scored items have fewer than "
            f"{int(min_answers)} answers: they are left out and keep their current parameters."
        )
        data = data.select_items(keep)
    warnings = sample_warnings(data, model)
    if warnings.items_below_minimum:
        worst = min(n for _, n in warnings.items_below_minimum)
        st.warning(thin_items_warning(len(warnings.items_below_minimum), warnings.n_items, worst))
    if warnings.rare_options:
        st.warning(rare_options_warning(len(warnings.rare_options)))
    if st.button("Run calibration", type="primary"):
        context = {"label": label, "forms": forms, "synthetic": n_synthetic}
        workbench_jobs.start_job(data, model, context, username)


def responses_download(user: StaffUser, chosen: SessionFilter, file_name: str) -> None:
    """Download of the ``chosen`` responses as ``DATA.csv``, the file ``sjt responses`` writes
    (without synthetic demo candidates); built and audited only when clicked, and only while
    the staff session and the psychometrician role still hold (``guarded``)."""

    def data_file() -> str:
        real = replace(chosen, include_synthetic=False)
        export = export_responses(get_store(), get_bank(), real)
        get_store().audit(
            user.username, "export.responses", None,
            {"candidates": export.n_candidates, "summary": export.summary(), "via": "workbench"},
        )  # fmt: skip
        return export.text

    st.download_button(
        "Download these responses (DATA.csv)", data=guarded(user, ROLES, data_file),
        file_name=file_name,
        mime="text/csv", on_click="ignore",
        help="Candidate ids and answers in the response data format of sjt calibrate "
        "(docs/file-formats.md), as `sjt responses` writes them: without synthetic demo "
        "candidates, and without flagged sessions unless included above.",
    )  # fmt: skip


# ------------------------------------------------------------------------------ review
def review_section(username: str) -> None:
    job = workbench_jobs.finished_job(username)
    if job is None:
        st.info("Run a calibration first, or choose a finished one on the Calibrate tab.")
        return
    result, data = job.result, job.data  # data: the responses as calibrated
    assert result is not None
    assert data is not None
    st.subheader(f"{result.model.upper()} calibration of {md_escape(str(job.context['label']))}")
    summary = result.summary()
    columns = st.columns(4)
    columns[0].metric("Candidates", f"{summary.n_candidates:,}")
    columns[1].metric("Converged", "yes" if summary.converged else "NO")
    columns[2].metric("Log-likelihood", f"{summary.loglik:,.1f}")
    columns[3].metric("BIC", f"{summary.bic:,.0f}")
    st.caption(
        f"{summary.n_iter} EM iterations, {summary.n_params} parameters, AIC {summary.aic:,.1f}"
    )
    if job.constant:
        st.info(
            f"Left out {len(job.constant)} item(s) whose answers were all the same (nothing "
            f"to estimate from); they keep their current parameters: "
            f"{md_escape(', '.join(job.constant), 400)}"
        )
    if not summary.converged:
        st.warning("EM did not converge: do not promote this calibration.")
    st.markdown("**Marginal reliability**")
    st.dataframe(
        pd.DataFrame([dict(summary.marginal_reliability)]).round(3),
        hide_index=True,
        width="stretch",
    )
    table = pd.DataFrame(job_item_analysis(job.job_id, result.parameters, data))
    flagged_only = st.checkbox("Show flagged items only")
    if flagged_only:
        table = table[table["flags"] != ""]
    st.dataframe(table_for_display(table), hide_index=True, width="stretch", height=360)
    st.caption(MISSING_NOTE)
    workbench_items.render(result.parameters, data, job.job_id)
    plots(result.parameters, data, job.job_id)
    comparison_section(result, data)
    st.markdown("**Promote**")
    promotion_scope(result.parameters.dimensions)
    with st.form("promote"):
        note = st.text_area("Why is this version promoted? (recorded in the audit log)")
        force = st.checkbox(FORCE_LABEL)
        reason = st.text_input("Reason for overriding the checks (recorded in the audit log)")
        unlinked = st.checkbox(NO_LINK_LABEL)
        link_reason = st.text_input(NO_LINK_REASON_LABEL)
        if st.form_submit_button("Promote as a new model version", type="primary"):
            try:
                if unlinked and not link_reason.strip():
                    raise AssessmentError(
                        f"promoting without linking needs a reason: “{NO_LINK_REASON_LABEL}”"
                    )
                model_file = calibrated_model_file(
                    result,
                    data,
                    str(job.context["label"]),
                    forms=job.context.get("forms"),
                    n_synthetic=int(job.context.get("synthetic") or 0),
                )
                with st.status(PROMOTING, expanded=True) as status:
                    try:
                        version_id = promote(
                            get_store(), model_file, get_bank(), username, note,
                            carry_over=True, force=force, reason=reason, link=not unlinked,
                            link_reason=link_reason if unlinked else None, progress=status.write,
                        )  # fmt: skip
                    except AssessmentError:
                        status.update(label="Not promoted", state="error", expanded=False)
                        raise
                    status.update(label="Promoted", state="complete", expanded=False)
            except PromotionRefusedError as error:
                st.error(md_escape(error.listing(), 1600))
                kinds = {problem.kind for problem in error.problems}
                if "not_linkable" in kinds:
                    st.info(linking_advice(active_model_name()))
                if kinds - {"not_linkable"}:
                    st.info(PROMOTION_ADVICE)
            except AssessmentError as error:
                st.error(error_text(error))
            else:
                stored = get_store().model_document(version_id)
                st.success(f"Promoted {md_escape(stored.label) if stored else version_id}.")
                carried = carried_note(stored.document) if stored else None
                if carried:
                    st.info(md_escape(carried[0].upper() + carried[1:] + "."))
                st.info(
                    "Current scores stay those of the previous version until you rescore "
                    "(Versions tab, Rescore)."
                )
                if unlinked:
                    st.info(
                        "Not linked: the new version starts a scale of its own, with norms from "
                        "its calibration sample. Re-norm it on a reference sample (Versions "
                        "tab, Re-norm) before rescoring."
                    )


def active_model_name() -> str:
    """The item model of the active version ("" without one)."""
    active = get_store().active_model_document()
    return active.document.model if active else ""


def promotion_scope(dimensions: tuple[str, ...]) -> None:
    """Say before promoting which competencies the active version would lend the new one."""
    scope = scope_note(dimensions, get_store().active_model_document())
    if scope:
        st.info(md_escape(scope))


def plots(parameters: Any, data: ResponseMatrix, job_id: str) -> None:
    st.markdown("**Option response curves**")
    item_id = st.selectbox("Item", parameters.item_ids)
    column = parameters.item_ids.index(item_id)
    grid = np.linspace(-4, 4, 81)
    prob = parameters.probabilities(column, grid)
    codes = [str(code) for code in parameters.items[column].spec.codes]
    st.line_chart(
        pd.DataFrame(prob.T, columns=codes, index=pd.Index(grid.round(2), name="theta")),
        x_label="theta", y_label="probability", color=option_colours(codes),
    )  # fmt: skip
    left, right = st.columns(2)
    info, se = information_curves(parameters, grid)
    left.markdown("**Test information**")
    left.altair_chart(competency_curves_chart(info, grid, "information"))
    right.markdown("**Conditional SE**")
    clipped = {name: np.minimum(values, 2.0) for name, values in se.items()}
    right.altair_chart(competency_curves_chart(clipped, grid, "SE"))
    theta = workbench_items.cached_theta(parameters, data, job_id)
    st.markdown("**Theta distribution (EAP)**")
    st.altair_chart(theta_histogram_chart(theta, parameters.dimensions))


def comparison_section(result: Any, data: ResponseMatrix) -> None:
    comparison = compare_with_active(get_store(), result, data)
    st.markdown("**Compared with the active version**")
    if comparison is None:
        st.caption("No active version to compare with.")
        return
    active = comparison.active_label
    rows = [
        {"": "log-likelihood", "new": comparison.new.loglik, active: comparison.active.loglik},
        {"": "AIC", "new": comparison.new.aic, active: comparison.active.aic},
        {"": "BIC", "new": comparison.new.bic, active: comparison.active.bic},
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        column_config={
            column: st.column_config.NumberColumn(format="%.1f") for column in ("new", active)
        },
    )
    if not comparison.linked:
        st.write(
            f"Not linked: a {result.model} calibration cannot be linked to the active "
            f"{comparison.active_model} version (linking needs the same item model), so their "
            "θ scales are not comparable and no parameter drift is shown. "
            f"**{comparison.band_changes}** of {comparison.n_candidates} candidates would "
            "change band (low / typical / high) on at least one competency if it were "
            "promoted without linking, with norms from its own calibration sample."
        )
        return
    st.write(
        "Parameter drift (mean largest change in an option probability, after linking): "
        + ", ".join(f"{d} {v:.3f}" for d, v in comparison.drift.items())
    )
    st.write(
        f"**{comparison.band_changes}** of {comparison.n_candidates} candidates would change "
        "band (low / typical / high) on at least one competency."
    )


# ---------------------------------------------------------------------------- versions
def versions_section(user: StaffUser) -> None:
    username = user.username
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
        st.download_button(
            f"Export {active.label} (model file JSON)",
            data=guarded(user, ROLES, functools.partial(model_file_json, active.version_id)),
            file_name=f"model-{active.label}.json",
            mime="application/json",
            on_click="ignore",
        )
    workbench_versions.compare_section([v.label for v in versions])
    workbench_versions.rollback_section(username)
    workbench_renorm.renorm_section(username)
    workbench_versions.rescore_section(username)


def model_file_json(version_id: int) -> str:
    """The model file of a stored version, labelled with its version label."""
    stored = get_store().model_document(version_id)
    if stored is None:  # pragma: no cover - versions are never deleted
        return "{}"
    return stored.document.with_changes(version=stored.label).to_json()


render()
