"""Recruiter workspace: invite candidates, follow their progress, read and export profiles.

Thin: the overview, invitations and exports come from ``assessment.recruiting``, profiles
and PDFs from ``reports.assemble``. User-supplied text reaches the screen only through widgets
that show plain text (dataframes, code blocks, option labels) or Markdown escaped by
``md_escape``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import get_store, require_role
from app_pages.markup import md_escape
from assessment.access.accounts import StaffUser
from assessment.errors import AssessmentError, InvitationFileError
from assessment.persistence.store import Store
from assessment.recruiting.exports import scores_codebook, scores_csv
from assessment.recruiting.invitations import (
    MAX_CSV_ROWS,
    InvitationRequest,
    invitation_link,
    invite_candidates,
    links_csv,
    parse_invitation_csv,
    request_from_form,
)
from assessment.recruiting.overview import (
    CandidateRow,
    candidate_overview,
    filter_rows,
    sort_rows,
    status_counts,
)
from assessment.vocabulary import STATUSES
from items import COMPETENCIES
from reports.assemble import (
    ProfileUnavailableError,
    pdf_file_name,
    profile_for_candidate,
    profiles_zip,
    render_candidate_pdf,
)
from reports.errors import ReportError
from reports.formatting import fmt_date, fmt_interval, fmt_percentile, fmt_t
from reports.profile import QUALITY_FLAGS, CandidateProfile
from reports.render import default_definitions
from reports.story import definitions_by_id, interview_questions
from reports.wording import load_wording

TABS = ("Invite", "Candidates", "Profile", "Export")
TAB_KEY = "recruiter_tab"
PROFILE_KEY = "profile_candidate"
LANGUAGES = {"en": "English", "zh": "中文 (Chinese)"}
FORMS = {"adaptive": "Adaptive", "fixed": "Fixed form"}
STATUS_LABELS = {
    "invited": "Invited",
    "started": "In progress",
    "completed": "Completed",
    "expired": "Expired",
}
STATUS_ICONS = {
    "invited": ":material/mail:",
    "started": ":material/hourglass_top:",
    "completed": ":material/task_alt:",
    "expired": ":material/event_busy:",
}
SHORT_NAMES = {
    "service_orientation": "Service",
    "resilience": "Resil.",
    "composure": "Comp.",
    "empathy": "Empathy",
    "integrity": "Integrity",
}
FLAG_LABELS = {
    "too_fast": "Too fast",
    "same_position_run": "Same-position run",
    "person_misfit": "Unusual pattern",
    "incomplete": "Incomplete",
}
NO_PROFILE_YET = {
    "invited": "the candidate has not started the test",
    "started": "the candidate is still taking the test",
    "expired": "the invitation expired unused",
}
BAND_COLOURS = {"low": "#C2571A", "typical": "#1F5FAD", "high": "#1B7F4B"}
OVERALL_BOXES: dict[str, Callable[..., Any]] = {
    "recommended": st.success,
    "with_care": st.warning,
    "not_a_match": st.info,
}
CSV_TEMPLATE = (
    "name,email,position,language\n"
    "Mei-Ling Chen,mei.chen@example.com,Online chat agent,zh\n"
    "Sam Okafor,sam.okafor@example.com,Call centre agent,en\n"
)


def competency_names() -> dict[str, str]:
    """English competency names in framework order."""
    by_id = definitions_by_id(default_definitions())
    return {c: by_id[c].name.get("en") for c in COMPETENCIES}


def render() -> None:
    user = require_role("recruiter")
    store = get_store()
    st.title("Candidates")
    st.caption(
        "Invite candidates, follow their progress and read their profiles. Profiles are one "
        "input among several: a person always makes the decision."
    )
    tabs = st.tabs(TABS, key=TAB_KEY, on_change="rerun")
    sections = (invite_section, candidates_section, profile_section, export_section)
    for tab, section in zip(tabs, sections, strict=True):
        if tab.open is not False:  # None (no state tracking) renders every tab
            with tab:
                section(store, user)


# -------------------------------------------------------------------- invite
def invite_section(store: Store, user: StaffUser) -> None:
    mode = st.segmented_control(
        "Invite", ["One candidate", "Upload a list (CSV)"], default="One candidate",
        required=True, key="invite_mode", label_visibility="collapsed",
    )  # fmt: skip
    if mode == "Upload a list (CSV)":
        invite_list(store, user)
    else:
        invite_one(store, user)


def _settings(prefix: str) -> dict[str, Any]:
    """Test settings shared by both invitation forms."""
    left, right = st.columns(2)
    form = left.selectbox(
        "Test form", list(FORMS), format_func=FORMS.__getitem__, key=f"{prefix}_form"
    )
    days = right.number_input(
        "Link valid for (days)", min_value=1, max_value=90, value=14, key=f"{prefix}_days"
    )
    limit = left.number_input(
        "Time limit (minutes, 0 = none)", min_value=0, max_value=600, value=0, step=5,
        key=f"{prefix}_limit",
    )  # fmt: skip
    extra = right.number_input(
        "Extra-time multiplier", min_value=1.0, max_value=4.0, value=1.0, step=0.25,
        help="Accommodation: 1.5 gives 50% more time.", key=f"{prefix}_extra",
    )  # fmt: skip
    return {
        "form": form,
        "days": float(days),
        "time_limit": int(limit) or None,
        "extra_time": float(extra),
    }


def invite_one(store: Store, user: StaffUser) -> None:
    positions = sorted({row.position for row in candidate_overview(store) if row.position})
    with st.form("invite_one", clear_on_submit=True, border=True):
        left, right = st.columns(2)
        name = left.text_input("Name", max_chars=300)
        email = right.text_input("Email", max_chars=320)
        position = left.selectbox(
            "Position", positions, index=None, accept_new_options=True,
            placeholder="Choose or type a position",
        )  # fmt: skip
        language = right.selectbox(
            "Test language", list(LANGUAGES), format_func=LANGUAGES.__getitem__
        )
        settings = _settings("one")
        submitted = st.form_submit_button("Create invitation", type="primary")
    if not submitted:
        return
    try:
        request = request_from_form(name, email, position, language)
        created = invite_candidates(
            store, [request], language=language or "en", actor=user.username, **settings
        )
    except InvitationFileError as error:
        st.error("Please correct the form: " + md_escape("; ".join(error.problems), 600) + ".")
        return
    except AssessmentError as error:
        st.error(md_escape(str(error), 600))
        return
    show_links(created, [request])


def invite_list(store: Store, user: StaffUser) -> None:
    st.markdown(
        f"A UTF-8 CSV file with the columns **name** and **email**, and optionally "
        f"**position** and **language** (en or zh; empty for the default below). "
        f"Up to {MAX_CSV_ROWS:,} candidates (1 MB)."
    )
    with st.expander("Example file"):
        st.code(CSV_TEMPLATE, language=None)
    with st.form("invite_list", clear_on_submit=True, border=True):
        upload = st.file_uploader("Invitation list", type=["csv"], max_upload_size=1)
        language = st.selectbox(
            "Default test language", list(LANGUAGES), format_func=LANGUAGES.__getitem__
        )
        settings = _settings("list")
        submitted = st.form_submit_button("Create invitations", type="primary")
    if not submitted:
        return
    if upload is None:
        st.warning("Choose a CSV file first.")
        return
    try:
        requests = parse_invitation_csv(upload.getvalue())
        created = invite_candidates(
            store, requests, language=language or "en", actor=user.username, **settings
        )
    except InvitationFileError as error:
        count = len(error.problems)
        st.error(
            f"The list has {count} problem{'s' if count != 1 else ''}; nothing was created. "
            "Correct the file and upload it again."
        )
        st.code("\n".join(error.problems), language=None)
        return
    except AssessmentError as error:
        st.error(md_escape(str(error), 600))
        return
    show_links(created, requests)


def show_links(created: Sequence[tuple[str, str]], requests: Sequence[InvitationRequest]) -> None:
    """The new links, once: only a hash of each token is stored."""
    n = len(created)
    st.success(
        f"Created {n} invitation{'s' if n != 1 else ''}. Copy the link{'s' if n != 1 else ''} "
        "now: for security they are shown only this once."
    )
    lines = [
        f"{request.name}\t{request.email}\t{invitation_link(token)}"
        for (_, token), request in zip(created, requests, strict=True)
    ]
    st.code("\n".join(lines), language=None, wrap_lines=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    st.download_button(
        "Download the links (CSV)",
        data=links_csv(created, requests).encode("utf-8-sig"),
        file_name=f"invitations-{stamp}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",  # no rerun, so the links stay on screen
    )


# ---------------------------------------------------------------- candidates
def candidates_section(store: Store, user: StaffUser) -> None:
    rows = candidate_overview(store)
    counts = status_counts(rows)
    for column, status in zip(st.columns(len(STATUSES)), STATUSES, strict=True):
        label = f"{STATUS_ICONS[status]} {STATUS_LABELS[status]}"
        column.metric(label, counts[status], border=True)
    names = competency_names()
    search_column, sort_column, order_column = st.columns(
        [2, 1.4, 0.8], vertical_alignment="bottom"
    )
    search = search_column.text_input(
        "Search", placeholder="Name, email, id or position", max_chars=100
    )
    sort_by = sort_column.selectbox(
        "Sort by",
        ["newest", *COMPETENCIES],
        format_func=lambda key: "Newest invitation" if key == "newest" else f"T: {names[key]}",
    )
    descending = order_column.toggle("Highest first", value=True, disabled=sort_by == "newest")
    left, middle, right = st.columns(3)
    statuses = left.multiselect(
        "Status", list(STATUSES), format_func=STATUS_LABELS.__getitem__, placeholder="Any status"
    )
    positions = middle.multiselect(
        "Position", sorted({r.position for r in rows if r.position}), placeholder="Any position"
    )
    flags = right.multiselect(
        "Data-quality flag", list(QUALITY_FLAGS), format_func=FLAG_LABELS.__getitem__,
        placeholder="Any",
    )  # fmt: skip
    shown = filter_rows(rows, status=statuses, position=positions, flag=flags, search=search)
    if sort_by != "newest":
        shown = sort_rows(shown, sort_by, descending=descending)
    st.session_state["overview_rows"] = [(row.candidate_id, row.status) for row in shown]
    st.dataframe(
        overview_frame(shown),
        hide_index=True,
        column_config=overview_columns(names),
        on_select=open_selected_profile,
        selection_mode="single-row",
        key="overview_table",
        placeholder="—",
        height=min(38 + 35 * max(len(shown), 1), 528),
    )
    st.caption(
        f"{len(shown)} of {len(rows)} candidates · T-scores have mean 50 and SD 10 in the norm "
        "group · select a completed candidate's row to open the profile."
    )


def overview_frame(rows: Sequence[CandidateRow]) -> pd.DataFrame:
    records = []
    for row in rows:
        record: dict[str, Any] = {
            "name": row.display_name or ("(personal data removed)" if row.purged else ""),
            "status": STATUS_LABELS[row.status],
        }
        for c in COMPETENCIES:
            value = row.t_score(c)
            record[c] = None if value is None else int(fmt_t(value))
        record |= {
            "flags": [FLAG_LABELS.get(flag, flag) for flag in row.flags],
            "position": row.position or "",
            "candidate_id": row.candidate_id,
            "items": row.n_items if row.status in ("started", "completed") else None,
            "language": row.language,
            "invited": row.invited_at,
            "completed": row.completed_at,
            "email": row.email or "",
        }
        records.append(record)
    columns = ["name", "status", *COMPETENCIES, "flags", "position", "candidate_id", "items",
               "language", "invited", "completed", "email"]  # fmt: skip
    return pd.DataFrame.from_records(records, columns=columns)


def overview_columns(names: dict[str, str]) -> dict[str, Any]:
    config: dict[str, Any] = {
        "name": st.column_config.TextColumn("Name", width=215),
        "status": st.column_config.TextColumn("Status", width=95),
        "flags": st.column_config.ListColumn("Flags", width=120),
        "position": st.column_config.TextColumn("Position", width=160),
        "candidate_id": st.column_config.TextColumn("Id", width=115),
        "items": st.column_config.NumberColumn("Items", format="%d", width=60),
        "language": st.column_config.TextColumn("Lang", width=55),
        "invited": st.column_config.DatetimeColumn("Invited", format="D MMM YYYY", width=105),
        "completed": st.column_config.DatetimeColumn("Completed", format="D MMM YYYY", width=105),
        "email": st.column_config.TextColumn("Email", width=200),
    }
    for c in COMPETENCIES:
        config[c] = st.column_config.NumberColumn(
            SHORT_NAMES[c], format="%d", width=68, help=f"{names[c]}: T-score"
        )
    return config


def open_selected_profile() -> None:
    """Callback of the overview table: a selected completed candidate opens on Profile."""
    selection = st.session_state.get("overview_table")
    shown = st.session_state.get("overview_rows", [])
    try:
        index = selection["selection"]["rows"][0]  # type: ignore[index]
        candidate_id, status = shown[index]
    except (KeyError, IndexError, TypeError, ValueError):
        return
    if status != "completed":
        st.toast(f"No profile yet: {NO_PROFILE_YET.get(status, 'the test is not completed')}.")
        return
    st.session_state[PROFILE_KEY] = candidate_id
    st.session_state[TAB_KEY] = "Profile"


# ------------------------------------------------------------------- profile
def _candidate_label(rows: dict[str, CandidateRow]) -> Callable[[str], str]:
    def label(candidate_id: str) -> str:
        row = rows[candidate_id]
        parts = [row.display_name or "(no name)", candidate_id, row.position or ""]
        return " · ".join(part for part in parts if part)

    return label


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
        "Candidate (completed tests only)", options, format_func=_candidate_label(completed),
        key=PROFILE_KEY,
    )  # fmt: skip
    if candidate_id is None:
        return
    try:
        profile = profile_for_candidate(store, candidate_id, "en")
    except (ProfileUnavailableError, ReportError) as error:
        st.error(md_escape(str(error), 600))
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
    OVERALL_BOXES[overall.band](
        f"**{getattr(words.profile.overall, overall.band)}** — composite T "
        f"{fmt_t(overall.composite_t)} ({md_escape(overall.role_name)}; recommended from "
        f"{fmt_t(overall.recommend_at)}, with care from {fmt_t(overall.care_at)})."
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
            "Level": st.column_config.TextColumn(),
        },
    )
    st.caption(
        f"Dots are T-scores, bars their 90% intervals (T ± 1.645 SE); the shaded range "
        f"{fmt_t(profile.cuts.low_below)}–{fmt_t(profile.cuts.high_above)} is typical. "
        f"Norm group: {md_escape(profile.norm_group, 120)}."
    )
    st.markdown("##### Data quality")
    if profile.flags:
        for flag in profile.flags:
            st.warning(md_escape(words.profile.flags.get(flag), 600), icon=":material/flag:")
    else:
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
    return pd.DataFrame(
        [
            {
                "Competency": names[s.competency_id],
                "T": int(fmt_t(s.t_score)),
                "90% interval": fmt_interval(s.t_low, s.t_high),
                "Percentile": int(fmt_percentile(s.percentile)),
                "Level": bands[s.band],
            }
            for s in profile.scores
        ]
    )


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
    left, middle, right = box.columns([1.15, 1, 1], vertical_alignment="center")
    lang = left.radio(
        "PDF language",
        list(LANGUAGES),
        index=list(LANGUAGES).index(test_lang) if test_lang in LANGUAGES else 0,
        format_func=LANGUAGES.__getitem__,
        horizontal=True,
        help="Defaults to the language the candidate took the test in.",
    )
    candidate_id = profile.candidate_id
    middle.download_button(
        "Profile PDF",
        width="stretch",
        data=functools.partial(_pdf, store, user.username, candidate_id, lang, False),
        file_name=pdf_file_name(candidate_id),
        mime="application/pdf",
        type="primary",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
        key="download_profile",
    )
    right.download_button(
        "Feedback PDF",
        width="stretch",
        data=functools.partial(_pdf, store, user.username, candidate_id, lang, True),
        file_name=pdf_file_name(candidate_id, feedback=True),
        mime="application/pdf",
        icon=":material/description:",
        on_click="ignore",
        key="download_feedback",
        help="The candidate's own report: plain-language levels and tips, no scores.",
    )


def _pdf(store: Store, actor: str, candidate_id: str, lang: str | None, feedback: bool) -> bytes:
    pdf = render_candidate_pdf(store, candidate_id, lang, feedback=feedback)
    store.audit(actor, "report.feedback" if feedback else "report.profile", candidate_id)
    return pdf


# -------------------------------------------------------------------- export
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
                "Completed candidates", list(completed), format_func=_candidate_label(completed),
                placeholder="Choose candidates",
            )  # fmt: skip
        lang = st.selectbox(
            "Language", ["test", *LANGUAGES],
            format_func=lambda k: "Each candidate's test language" if k == "test"
            else LANGUAGES[k],
        )  # fmt: skip
        feedback = st.checkbox("Include the candidates' feedback reports")
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
        st.download_button(
            f"Download {len(chosen)} profile{'s' if len(chosen) != 1 else ''} (ZIP)",
            data=functools.partial(
                _zip, store, user.username, tuple(chosen), None if lang == "test" else lang,
                feedback,
            ),
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
            f"All {len(rows)} candidates with status, T-scores, percentiles, thetas and data-"
            "quality flags, plus a codebook that explains every column."
        )
        st.download_button(
            "Download scores (CSV)",
            data=functools.partial(_scores, store, user.username),
            file_name=f"scores-{stamp}.csv",
            mime="text/csv",
            icon=":material/table:",
            on_click="ignore",
            key="download_scores",
        )
        st.download_button(
            "Download codebook (Markdown)",
            data=scores_codebook(),
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
    return scores_csv(rows).encode("utf-8-sig")  # the BOM makes Excel read UTF-8


render()
