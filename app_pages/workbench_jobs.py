"""The workbench's calibration jobs: start one, list the user's jobs, follow the chosen one.

The jobs live in one ``JobRegistry`` per server process, keyed by the user who started them,
so a reloaded page (whose ``st.session_state`` is new) lists them again and the chosen one is
followed and reviewed as before.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_pages.markup import md_escape
from assessment.psychometrics.jobs import CalibrationJob, JobRegistry
from assessment.psychometrics.workbench import ResponseMatrix

CHOSEN_JOB = "job_id"
"""Session key of the job the Calibrate tab follows and the Review tab shows."""


@st.cache_resource(show_spinner=False)
def get_jobs() -> JobRegistry:
    """Calibration jobs of this server process (each visible to its owner only)."""
    return JobRegistry()


def start_job(data: ResponseMatrix, model: str, context: dict[str, Any], username: str) -> None:
    """Start a calibration for ``username`` and follow it; ``context`` (the data's
    ``label``, each row's recorded ``forms``) stays with the job for its promotion."""
    job = get_jobs().start(data, model, context, owner=username)
    st.session_state[CHOSEN_JOB] = job.job_id


def jobs_section(username: str) -> None:
    """The user's running and recent calibrations; the chosen one's progress."""
    jobs = {job.job_id: job for job in get_jobs().jobs_of(username)}
    if not jobs:
        return
    chosen = st.session_state.get(CHOSEN_JOB)
    ids = list(jobs)
    job_id = st.selectbox(
        "Your calibrations (running and recent)", ids,
        index=ids.index(chosen) if chosen in jobs else 0,
        format_func=lambda key: jobs[key].describe(),
    )  # fmt: skip
    st.session_state[CHOSEN_JOB] = job_id
    show_progress(job_id, username)


@st.fragment(run_every=1.0)
def show_progress(job_id: str, username: str) -> None:
    job = get_jobs().get(job_id, username)
    if job is None:
        return
    status = job.status()
    if status["error"]:
        st.error(f"Calibration failed: {md_escape(str(status['error']), 600)}")
        return
    done = status["finished"]
    fraction = status["fraction"]
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


def finished_job(username: str) -> CalibrationJob | None:
    """The chosen job of ``username`` once it has a result, else None."""
    job_id = st.session_state.get(CHOSEN_JOB)
    job = get_jobs().get(job_id, username) if job_id else None
    return job if job is not None and job.result is not None else None
