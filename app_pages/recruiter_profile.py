"""Recruiter page, Profile tab: one candidate's profile on screen with its PDF downloads."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.markup import error_text, md_escape
from app_pages.recruiter_shared import (
    LANGUAGES,
    PROFILE_KEY,
    candidate_label,
    competency_names,
    feedback_warning,
)
from app_pages.staff_session import guarded
from assessment.access.accounts import StaffUser
from assessment.persistence.store import Store
from assessment.recruiting.overview import candidate_overview
from items import COMPETENCIES
from reports.assemble import (
    ProfileUnavailableError,
    pdf_file_name,
    profile_for_candidate,
    render_candidate_pdf,
)
from reports.errors import ReportError
from reports.explain import (
    norm_basis_text,
    overall_numbers,
    overall_reason,
    quality_caveat,
    reliability_source_text,
    score_numbers,
)
from reports.feedback import not_assessed_reasons
from reports.formatting import fmt_date, fmt_t
from reports.profile import CandidateProfile
from reports.render import default_definitions
from reports.story import definitions_by_id, interview_questions
from reports.wording import load_wording

BAND_COLOURS = {"low": "#C2571A", "typical": "#1F5FAD", "high": "#1B7F4B"}
OVERALL_BOXES: dict[str, Callable[..., Any]] = {
    "review": st.error,
    "recommended": st.success,
    "borderline": st.warning,
    "with_care": st.warning,
    "not_a_match": st.info,
}


def profile_section(store: Store, user: StaffUser) -> None:
    completed = {r.candidate_id: r for r in candidate_overview(store, status="completed")}
    if not completed:
        st.info("No candidate has completed the test yet.")
        return
    options = list(completed)
    wanted = st.session_state.get(PROFILE_KEY)
    if wanted not in completed:
        st.session_state.pop(PROFILE_KEY, None)
    candidate_id = st.selectbox(
        "Candidate (completed tests only)", options, format_func=candidate_label(completed),
        key=PROFILE_KEY,
    )  # fmt: skip
    if candidate_id is None:
        return
    try:
        profile = profile_for_candidate(store, candidate_id, "en")
    except (ProfileUnavailableError, ReportError) as error:
        st.error(error_text(error))
        return
    show_header(profile)
    downloads(store, user, profile, completed[candidate_id].language)
    show_profile(profile)


def show_header(profile: CandidateProfile) -> None:
    words = load_wording().get("en")
    st.subheader(md_escape(profile.candidate_name, 120))
    form = words.forms.adaptive if profile.form == "adaptive" else words.forms.fixed
    details = [
        profile.candidate_id,
        profile.position,
        f"tested {fmt_date(profile.test_date, 'en')}",
        form.format(n_items=profile.n_items),
        f"model {profile.model_version}",
    ]
    st.caption(" · ".join(md_escape(part, 120) for part in details))


def show_profile(profile: CandidateProfile) -> None:
    words = load_wording().get("en")
    names = competency_names()
    overall = profile.overall
    reasons = [words.profile.flags.get(flag) for flag in overall.flags]
    n = overall_numbers(overall)
    OVERALL_BOXES[overall.band](
        f"**{md_escape(getattr(words.profile.overall, overall.headline))}** — composite T "
        f"{n['t']}, 90% interval {n['low']}–{n['high']}, percentile "
        f"{n['pct']} ({n['pct_low']}–{n['pct_high']})  \n"
        f"{md_escape(overall_reason(profile, words, names), 600)}  \n"
        f"Rule of the role profile “{md_escape(overall.role_name)}”: recommended from a "
        f"profile score of T {n['recommend_at']}, interview with care from "
        f"T {n['care_at']} when the whole 90% interval is at or above the cut score; "
        f"borderline when it includes a cut score; a competency below the floor of "
        f"T {n['floor']} caps the result at interview with care."
        + "".join(f"\n\n- {md_escape(reason, 400)}" for reason in reasons)
    )
    st.altair_chart(profile_chart(profile, names), width="stretch")
    st.dataframe(
        score_frame(profile, names, words.bands.model_dump()),
        hide_index=True,
        column_config={
            "Competency": st.column_config.TextColumn(width="medium"),
            "T": st.column_config.NumberColumn(format="%d"),
            "90% interval": st.column_config.TextColumn(),
            "Percentile": st.column_config.NumberColumn(format="%d"),
            "Percentile 90%": st.column_config.TextColumn(),
            "Level": st.column_config.TextColumn(),
            "SEM (T)": st.column_config.TextColumn(),
            "Reliability": st.column_config.TextColumn(),
        },
    )
    st.caption(
        f"Dots are T-scores (mean 50, SD 10 in the norm group), bars their 90% intervals "
        f"(T ± 1.645 SEM, the candidate's own standard error); the shaded range "
        f"{fmt_t(profile.cuts.low_below)}–{fmt_t(profile.cuts.high_above)} is typical. "
        f"Norm group: {md_escape(profile.norm_group, 120)}. "
        + md_escape(norm_basis_text(profile, words), 400)
        + " "
        + md_escape(reliability_source_text(profile, words), 400)
    )
    st.markdown("##### Data quality")
    caveat = quality_caveat(profile, words)
    for flag in profile.flags:
        st.warning(md_escape(words.profile.flags.get(flag), 600), icon=":material/flag:")
    if caveat is not None:
        st.warning(md_escape(caveat, 600), icon=":material/flag:")
    elif not profile.flags:
        st.caption(md_escape(words.profile.quality_none, 600))
    st.markdown("##### Suggested interview questions")
    definitions = definitions_by_id(default_definitions())
    for number, (c, question) in enumerate(interview_questions(profile, definitions), 1):
        st.markdown(
            f"{number}\\. **{md_escape(names[c])}** (T {fmt_t(profile.score(c).t_score)}) — "
            f"{md_escape(question, 600)}"
        )


def score_frame(
    profile: CandidateProfile, names: dict[str, str], bands: dict[str, str]
) -> pd.DataFrame:
    rows = []
    for s in profile.scores:
        n = score_numbers(s)
        rows.append(
            {
                "Competency": names[s.competency_id],
                "T": int(n["t"]),
                "90% interval": n["interval"],
                "Percentile": int(n["pct"]),
                "Percentile 90%": n["pct_interval"],
                "Level": bands[s.band],
                "SEM (T)": n["sem"],
                "Reliability": n["reliability"],
            }
        )
    return pd.DataFrame(rows)


def profile_chart(profile: CandidateProfile, names: dict[str, str]) -> alt.LayerChart:
    """T-scores as points with their 90% intervals over the shaded typical range."""
    data = pd.DataFrame(
        [
            {
                "competency": names[s.competency_id],
                "t": float(fmt_t(s.t_score)),
                "low": max(20.0, s.t_low),
                "high": min(80.0, s.t_high),
                "band": s.band,
                "label": fmt_t(s.t_score),
            }
            for s in profile.scores
        ]
    )
    order = [names[c] for c in COMPETENCIES]
    x = alt.Scale(domain=[20, 80], clamp=True, nice=False)
    y = alt.Y("competency:N", sort=order, title=None, axis=alt.Axis(labelLimit=180))
    typical = (
        alt.Chart(pd.DataFrame([{"from": profile.cuts.low_below, "to": profile.cuts.high_above}]))
        .mark_rect(color="#E8EEF6")
        .encode(x=alt.X("from:Q", scale=x, title="T-score"), x2="to:Q")
    )
    colour = alt.Color(
        "band:N",
        scale=alt.Scale(domain=list(BAND_COLOURS), range=list(BAND_COLOURS.values())),
        legend=None,
    )
    interval = (
        alt.Chart(data)
        .mark_rule(strokeWidth=3, opacity=0.55)
        .encode(x=alt.X("low:Q", scale=x), x2="high:Q", y=y, color=colour)
    )
    point = alt.Chart(data).mark_circle(size=140, opacity=1).encode(
        x=alt.X("t:Q", scale=x), y=y, color=colour,
        tooltip=[alt.Tooltip("competency:N", title="Competency"), alt.Tooltip("t:Q", title="T")],
    )  # fmt: skip
    label = (
        alt.Chart(data)
        .mark_text(dy=-12, fontSize=11, fontWeight="bold")
        .encode(x=alt.X("t:Q", scale=x), y=y, text="label:N", color=colour)
    )
    return (typical + interval + point + label).properties(height=250)


def downloads(store: Store, user: StaffUser, profile: CandidateProfile, test_lang: str) -> None:
    box = st.container(border=True)
    if reasons := not_assessed_reasons(profile):
        box.warning(feedback_warning(reasons), icon=":material/warning:")
    left, middle, right = box.columns([1.15, 1, 1], vertical_alignment="center")
    lang = left.radio(
        "PDF language",
        list(LANGUAGES),
        index=list(LANGUAGES).index(test_lang) if test_lang in LANGUAGES else 0,
        format_func=LANGUAGES.__getitem__,
        horizontal=True,
        help="Defaults to the language the candidate took the test in.",
        key=f"pdf_language_{profile.candidate_id}",  # a new candidate starts from their own
    )
    candidate_id = profile.candidate_id
    for column, feedback, label, icon, help_text in (
        (middle, False, "Profile PDF", ":material/picture_as_pdf:", None),
        (
            right,
            True,
            "Feedback PDF",
            ":material/description:",
            "The candidate's own report: plain-language levels and tips, no scores.",
        ),
    ):
        column.download_button(
            label,
            width="stretch",
            data=guarded(
                user,
                ("recruiter",),
                functools.partial(_pdf, store, user.username, candidate_id, lang, feedback),
            ),
            file_name=pdf_file_name(candidate_id, feedback=feedback),
            mime="application/pdf",
            type="secondary" if feedback else "primary",
            icon=icon,
            on_click="ignore",
            key="download_feedback" if feedback else "download_profile",
            help=help_text,
        )


def _pdf(store: Store, actor: str, candidate_id: str, lang: str | None, feedback: bool) -> bytes:
    pdf = render_candidate_pdf(store, candidate_id, lang, feedback=feedback)
    store.audit(actor, "report.feedback" if feedback else "report.profile", candidate_id)
    return pdf
