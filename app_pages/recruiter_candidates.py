"""Recruiter page, Candidates tab: status counts, filters and the overview table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from app_pages.recruiter_mail import email_statuses, reminders_section
from app_pages.recruiter_shared import (
    FLAG_LABELS,
    PROFILE_KEY,
    TAB_KEY,
    WEAK_EVIDENCE_LABEL,
    competency_names,
)
from assessment.access.accounts import StaffUser
from assessment.persistence.store import Store
from assessment.recruiting.overview import (
    CandidateRow,
    candidate_overview,
    filter_rows,
    sort_rows,
    status_counts,
)
from assessment.vocabulary import STATUSES
from items import COMPETENCIES
from reports.assemble import overall_rule
from reports.formatting import fmt_t
from reports.profile import QUALITY_FLAGS, RoleProfile

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


SHORT_NAMES = {  # column headers of 50 px; the header's help names the competency
    "service_orientation": "Serv.",
    "resilience": "Resil.",
    "composure": "Comp.",
    "empathy": "Emp.",
    "integrity": "Integ.",
}
SHORT_FLAG_LABELS = {
    "too_fast": "Too fast",
    "same_position_run": "Same position",
    "person_misfit": "Unusual pattern",
    "random_like": "Random-like",
    "incomplete": "Incomplete",
}
"""The Flags column's label of each data-quality flag: short enough that the longest and a
"+N" for the others fit the column (the profile and the flag filter use ``FLAG_LABELS``)."""


RESULT_LABELS = {  # the profile's overall bands, best first (reports.profile.OverallBand)
    "recommended": "Recommended",
    "with_care": "Interview with care",
    "borderline": "Borderline",
    "not_a_match": "Not a match",
    "review": "Review (data quality)",
}
Results = Mapping[str, tuple[float, str]]
"""Composite T and overall band per completed candidate id."""


TABLE_WIDTH = 938
"""Pixels of the table's area at a 1400 px wide browser window with the sidebar open
(measured in headless Chromium): a view of the overview table (its columns and the
row-selection column) fits in it."""
SELECTION_COLUMN = 32
"""Pixels of the row-selection (checkbox) column of the overview table."""
OVERVIEW_VIEWS: dict[str, tuple[str, ...]] = {
    "Results": ("name", "status", "result", "composite", *COMPETENCIES, "flags"),
    "Progress": ("name", "status", "candidate_id", "position", "items", "language", "invited",
                 "completed"),
    "Contact": ("name", "status", "email", "email_status"),
}  # fmt: skip
"""The overview table's views: each fits the page at 1400 px (``TABLE_WIDTH``) and together
they show every column of ``overview_frame``; name and status are in all of them."""


NO_PROFILE_YET = {
    "invited": "the candidate has not started the test",
    "started": "the candidate is still taking the test",
    "expired": "the invitation expired unused",
}


def candidates_section(store: Store, user: StaffUser) -> None:
    rows = candidate_overview(store)
    counts = status_counts(rows)
    for column, status in zip(st.columns(len(STATUSES)), STATUSES, strict=True):
        label = f"{STATUS_ICONS[status]} {STATUS_LABELS[status]}"
        column.metric(label, counts[status], border=True)
    reminders_section(store, user)
    names = competency_names()
    rule = overall_rule(store)  # the profile's composite and band, never computed apart
    results = {r.candidate_id: found for r in rows if (found := r.overall_result(rule))}
    search_column, sort_column, order_column = st.columns(
        [2, 1.4, 0.8], vertical_alignment="bottom"
    )
    search = search_column.text_input(
        "Search", placeholder="Name, email, id or position", max_chars=100
    )
    sort_by = sort_column.selectbox(
        "Sort by",
        ["newest", "composite", *COMPETENCIES],
        format_func=lambda key: SORT_LABELS.get(key) or f"T: {names[key]}",
    )
    descending = order_column.toggle("Highest first", value=True, disabled=sort_by == "newest")
    left, middle, right, result_column = st.columns(4)
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
    wanted = result_column.multiselect(
        "Overall result", list(RESULT_LABELS), format_func=RESULT_LABELS.__getitem__,
        placeholder="Any",
    )  # fmt: skip
    shown = filter_rows(rows, status=statuses, position=positions, flag=flags, search=search)
    if wanted:
        shown = [r for r in shown if results.get(r.candidate_id, (0.0, ""))[1] in wanted]
    if sort_by == "composite":
        shown = sort_by_composite(shown, results, descending=descending)
    elif sort_by != "newest":
        shown = sort_rows(shown, sort_by, descending=descending)
    st.session_state["overview_rows"] = [(row.candidate_id, row.status) for row in shown]
    view = st.segmented_control(
        "Columns", list(OVERVIEW_VIEWS), default="Results", key="overview_view",
        help="Results: the profile's result and T-scores with the data-quality flags. "
        "Progress: id, position, items answered, language and dates. Contact: e-mail "
        "address and the newest e-mail's status.",
    )  # fmt: skip
    st.dataframe(
        overview_frame(shown, email_statuses(store), results),
        hide_index=True,
        column_config=overview_columns(names),
        column_order=OVERVIEW_VIEWS[view or "Results"],
        on_select=open_selected_profile,
        selection_mode="single-row",
        key="overview_table",
        placeholder="—",
        height=min(38 + 35 * max(len(shown), 1), 528),
    )
    st.caption(
        f"{len(shown)} of {len(rows)} candidates · T-scores have mean 50 and SD 10 in the norm "
        "group · Result and Composite are the overall result and the composite T of each "
        "candidate's profile (equal weights; the composite is referred to the same norm group) "
        "· select a completed candidate's row to open the profile."
    )


SORT_LABELS = {"newest": "Newest invitation", "composite": "Composite T"}


def sort_by_composite(
    rows: Sequence[CandidateRow], results: Results, *, descending: bool = True
) -> list[CandidateRow]:
    """Rows ordered by the profile's composite T; rows without one come last."""
    scored = [r for r in rows if r.candidate_id in results]
    scored.sort(key=lambda r: results[r.candidate_id][0], reverse=descending)
    return scored + [r for r in rows if r.candidate_id not in results]


def overview_frame(
    rows: Sequence[CandidateRow],
    emails: dict[str, str] | None = None,
    results: Results | None = None,
) -> pd.DataFrame:
    """The table of the Candidates tab; ``emails`` is the e-mail status and ``results`` the
    profile's composite T and overall band per candidate id."""
    emails, results = emails or {}, results or {}
    records = []
    for row in rows:
        result = results.get(row.candidate_id)
        record: dict[str, Any] = {
            "name": row.display_name or ("(personal data removed)" if row.purged else ""),
            "status": STATUS_LABELS[row.status],
            "result": None if result is None else RESULT_LABELS[result[1]],
            "composite": None if result is None else int(fmt_t(result[0])),
        }
        for c in COMPETENCIES:
            value = row.t_score(c)
            record[c] = None if value is None else int(fmt_t(value))
        record |= {
            "flags": shown_flags(row, result),
            "position": row.position or "",
            "candidate_id": row.candidate_id,
            "items": row.n_items if row.status in ("started", "completed") else None,
            "language": row.language,
            "invited": row.invited_at,
            "completed": row.completed_at,
            "email": row.email or "",
            "email_status": emails.get(row.candidate_id, ""),
        }
        records.append(record)
    columns = ["name", "status", "result", "composite", *COMPETENCIES, "flags", "position",
               "candidate_id", "items", "language", "invited", "completed", "email",
               "email_status"]  # fmt: skip
    return pd.DataFrame.from_records(records, columns=columns)


def shown_flags(row: CandidateRow, result: tuple[float, str] | None) -> list[str]:
    """The Flags cell: the first of the row's data-quality flags (in the profile's order) and
    "+N" for the others, so that a cell never cuts a label; or the profile's weak-evidence
    caution (answers not clearly more probable under the model than under random picks,
    ``RoleProfile.weak_evidence``, the profile's own rule) when the result is not already a
    review: a result such a candidate gets must never read as one without concerns."""
    labels = [SHORT_FLAG_LABELS.get(flag, flag) for flag in row.flags]
    if result is not None and result[1] != "review" and RoleProfile().weak_evidence(row.evidence):
        labels.append(WEAK_EVIDENCE_LABEL)
    return [labels[0], f"+{len(labels) - 1}"] if len(labels) > 1 else labels


def overview_columns(names: dict[str, str]) -> dict[str, Any]:
    config: dict[str, Any] = {
        "name": st.column_config.TextColumn("Name", width=200),
        "status": st.column_config.TextColumn("Status", width=85),
        "result": st.column_config.TextColumn(
            "Result", width=135, help="Overall result of the candidate's profile."
        ),
        "composite": st.column_config.NumberColumn(
            "Composite",
            format="%d",
            width=74,
            help="Composite T of the candidate's profile (mean 50, SD 10 in the norm group).",
        ),
        "flags": st.column_config.ListColumn(
            "Flags",
            width=161,
            help="Data-quality flags: the first, and +N for the others; select the row to read "
            "each one in the profile, or filter by flag above. "
            f"{WEAK_EVIDENCE_LABEL}: the answers are not clearly more probable under the "
            "scoring model than under random picking, so the scores may partly reflect chance.",
        ),
        "position": st.column_config.TextColumn("Position", width=160),
        "candidate_id": st.column_config.TextColumn("Id", width=115),
        "items": st.column_config.NumberColumn("Items", format="%d", width=60),
        "language": st.column_config.TextColumn("Lang", width=55),
        "invited": st.column_config.DatetimeColumn("Invited", format="D MMM YYYY", width=105),
        "completed": st.column_config.DatetimeColumn("Completed", format="D MMM YYYY", width=105),
        "email": st.column_config.TextColumn("Email", width=240),
        "email_status": st.column_config.TextColumn(
            "E-mail status", width=381, help="The newest invitation or reminder e-mail."
        ),
    }
    for c in COMPETENCIES:
        config[c] = st.column_config.NumberColumn(
            SHORT_NAMES[c], format="%d", width=50, help=f"{names[c]}: T-score"
        )
    return config


def view_width(view: str, names: dict[str, str]) -> int:
    """Pixels a view of the overview table takes: its columns and the selection column."""
    config = overview_columns(names)
    return SELECTION_COLUMN + sum(int(config[column]["width"]) for column in OVERVIEW_VIEWS[view])


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
