"""Recruiter page, Invite tab: one candidate from a form or a list from a CSV file."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from app_pages.common import get_settings, link_base
from app_pages.markup import error_text, md_escape
from app_pages.recruiter_mail import mail_settings, send_created, send_option, show_outcomes
from app_pages.recruiter_shared import LANGUAGES
from app_pages.staff_session import guarded
from assessment.access.accounts import StaffUser
from assessment.errors import AssessmentError, InvitationFileError, SettingsError
from assessment.persistence.store import Store
from assessment.recruiting.invitations import (
    MAX_CSV_ROWS,
    InvitationRequest,
    invite_candidates,
    links_csv,
    links_text,
    open_invitation_problems,
    parse_invitation_csv,
    request_from_form,
)
from assessment.recruiting.mail_settings import SmtpSettings
from assessment.recruiting.mailing import MailOutcome
from assessment.recruiting.overview import candidate_overview

FORMS = {"adaptive": "Adaptive", "fixed": "Fixed form"}
CSV_TEMPLATE = (
    "name,email,position,language\n"
    "Mei-Ling Chen,mei.chen@example.com,Online chat agent,zh\n"
    "Sam Okafor,sam.okafor@example.com,Call centre agent,en\n"
)


REPEAT_LABEL = "Invite again an email that already has an open invitation"
REPEAT_HELP = (
    "Off: an email whose earlier invitation is still open (not started, or in progress, and "
    "not expired) is refused, so nobody gets two links by mistake."
)
REPEAT_ADVICE = (
    "the earlier link still works (e-mailed invitations get reminders from the Candidates "
    f"tab); to create a new invitation anyway, tick “{REPEAT_LABEL}”"
)

RESULT_KEY = "invite_result"
"""The last invitations created in this browser session: (created, requests, link base)."""
MAILED_KEY = "invite_mailed"
"""How the e-mails of those invitations went (None when none were sent)."""


def invite_section(store: Store, user: StaffUser) -> None:
    consent_hint()
    mode = st.segmented_control(
        "Invite", ["One candidate", "Upload a list (CSV)"], default="One candidate",
        required=True, key="invite_mode", label_visibility="collapsed",
    )  # fmt: skip
    if mode == "Upload a list (CSV)":
        invite_list(store, user)
    else:
        invite_one(store, user)
    result = st.session_state.get(RESULT_KEY)
    if result is not None:
        show_links(user, *result)
    mailed = st.session_state.get(MAILED_KEY)
    if mailed is not None:
        show_outcomes(mailed, "invitation e-mail")


def consent_hint() -> None:
    """Remind staff that the consent notice names no employer until it is configured."""
    try:
        settings = get_settings()
    except SettingsError as error:
        st.error(error_text(error))
        return
    if settings.employer_name is None:
        st.info(
            "The consent notice candidates read names no employer and no contact yet. Set "
            "them once with `sjt settings set employer_name …` and `sjt settings set "
            "privacy_contact …` (see docs/settings.md).",
            icon=":material/info:",
        )


def form_nonce(prefix: str) -> str:
    """The id of the form on screen: one submit of it creates invitations at most once."""
    key = f"{prefix}_nonce"
    if key not in st.session_state:
        st.session_state[key] = secrets.token_hex(8)
    return str(st.session_state[key])


def claim_form(prefix: str, nonce: str) -> bool:
    """Mark the submit of the form ``nonce`` as handled; False when it already was.

    A second click can rerun the page before the first run has replaced the form, with the
    same form still submitted: the claim, set before anything is created and with no
    Streamlit call in between, makes that rerun create nothing.
    """
    key = f"{prefix}_claimed"
    if st.session_state.get(key) == nonce:
        return False
    st.session_state[key] = nonce
    return True


def release_form(prefix: str) -> None:
    """Let the same form be submitted again (after an error the user corrects)."""
    st.session_state.pop(f"{prefix}_claimed", None)


def hold_links(rows: Sequence[tuple[str, str]], requests: Sequence[Any]) -> None:
    """Keep the new links for display before anything else can fail (only hashes are stored,
    so links lost here are lost for good)."""
    st.session_state[RESULT_KEY] = (list(rows), list(requests), link_base())
    st.session_state[MAILED_KEY] = None


def keep_links(
    prefix: str,
    rows: Sequence[tuple[str, str]],
    requests: Sequence[Any],
    mailed: Sequence[MailOutcome] | None = None,
) -> None:
    """Keep the new links (and how their e-mails went) for display and replace the form by a
    fresh, empty one.

    A second submit of the same form (a double click) then finds no form with its id and
    creates nothing, and the links stay on screen.
    """
    hold_links(rows, requests)
    st.session_state[MAILED_KEY] = list(mailed) if mailed is not None else None
    st.session_state[f"{prefix}_nonce"] = secrets.token_hex(8)
    st.rerun()


@dataclass(frozen=True)
class FormChoices:
    """What an invitation form chose besides the candidates and their language."""

    settings: dict[str, Any]
    """Test settings: keyword arguments of ``invite_candidates``."""
    mail: SmtpSettings | None
    """The SMTP settings (None when e-mail is not set up)."""
    send: bool
    """Whether to e-mail the new links."""
    repeat_open: bool = False
    """Whether to invite an email that already has an open invitation again."""


def _settings_and_mail(prefix: str) -> FormChoices:
    """Inside an invitation form: its test settings, the SMTP settings and whether to e-mail."""
    settings = _settings(prefix)
    mail, problem = mail_settings()
    send = send_option(mail, problem, f"{prefix}_send")
    repeat = st.checkbox(REPEAT_LABEL, key=f"{prefix}_repeat", help=REPEAT_HELP)
    return FormChoices(settings, mail, send, repeat)


def _settings(prefix: str) -> dict[str, Any]:
    """Test settings shared by both invitation forms."""
    left, right = st.columns(2)
    form = left.selectbox(
        "Test form", list(FORMS), format_func=FORMS.__getitem__, key=f"{prefix}_form"
    )
    days = right.number_input(
        "Link valid for (days)", min_value=1, max_value=90, value=14, key=f"{prefix}_days"
    )
    left, right = st.columns(2)
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
    nonce = form_nonce("invite_one")
    with st.form(f"invite_one_{nonce}", border=True):
        left, right = st.columns(2)  # one row per pair: on a phone they stack in order
        name = left.text_input("Name", max_chars=300, key=f"one_name_{nonce}")
        email = right.text_input("Email", max_chars=320, key=f"one_email_{nonce}")
        left, right = st.columns(2)
        position = left.selectbox(
            "Position", positions, index=None, accept_new_options=True,
            placeholder="Choose or type a position", key=f"one_position_{nonce}",
        )  # fmt: skip
        language = right.selectbox(
            "Test language", list(LANGUAGES), format_func=LANGUAGES.__getitem__,
            key=f"one_language_{nonce}",
        )  # fmt: skip
        choices = _settings_and_mail("one")
        submitted = st.form_submit_button("Create invitation", type="primary")
    if not submitted or not claim_form("invite_one", nonce):
        return
    create_invitations(
        store,
        user,
        "invite_one",
        read_requests=lambda: [request_from_form(name, email, position, language)],
        show_problems=show_form_problems,
        language=language,
        choices=choices,
    )


def show_form_problems(problems: Sequence[str]) -> None:
    """What is wrong with the single-candidate form."""
    st.error("Please correct the form: " + md_escape("; ".join(problems), 600) + ".")


def invite_list(store: Store, user: StaffUser) -> None:
    st.markdown(
        f"A UTF-8 CSV file with the columns **name** and **email**, and optionally "
        f"**position** and **language** (en or zh; empty for the default below). "
        f"Up to {MAX_CSV_ROWS:,} candidates (1 MB)."
    )
    with st.expander("Example file"):
        st.code(CSV_TEMPLATE, language=None)
    nonce = form_nonce("invite_list")
    with st.form(f"invite_list_{nonce}", border=True):
        upload = st.file_uploader(
            "Invitation list", type=["csv"], max_upload_size=1, key=f"list_upload_{nonce}"
        )
        language = st.selectbox(
            "Default test language", list(LANGUAGES), format_func=LANGUAGES.__getitem__
        )
        choices = _settings_and_mail("list")
        submitted = st.form_submit_button("Create invitations", type="primary")
    if not submitted:
        return
    if upload is None:
        st.warning("Choose a CSV file first.")
        return
    if not claim_form("invite_list", nonce):
        return
    content = upload.getvalue()
    create_invitations(
        store,
        user,
        "invite_list",
        read_requests=lambda: parse_invitation_csv(content),
        show_problems=show_list_problems,
        language=language,
        choices=choices,
    )


def show_list_problems(problems: Sequence[str]) -> None:
    """What is wrong with an uploaded list: every problem with its line number."""
    count = len(problems)
    st.error(
        f"The list has {count} problem{'s' if count != 1 else ''}; nothing was created. "
        "Correct the file and upload it again."
    )
    st.code("\n".join(problems), language=None)


def create_invitations(
    store: Store,
    user: StaffUser,
    prefix: str,
    read_requests: Callable[[], list[InvitationRequest]],
    show_problems: Callable[[Sequence[str]], None],
    language: str | None,
    choices: FormChoices,
) -> None:
    """Create the invitations of a claimed form submit, e-mail them if asked and keep the links.

    One sequence for both forms, so that a fix to it reaches both. An error releases the
    form's claim (``prefix``) so that the corrected form can be sent again; the problems of
    the requests ``read_requests`` finds are shown by ``show_problems``.
    """
    try:
        requests = read_requests()
        if not choices.repeat_open and (repeated := open_invitation_problems(store, requests)):
            raise InvitationFileError([*repeated, REPEAT_ADVICE])
        rows = invite_candidates(
            store, requests, language=language or "en", actor=user.username, **choices.settings
        )
    except InvitationFileError as error:
        release_form(prefix)
        show_problems(error.problems)
        return
    except AssessmentError as error:
        release_form(prefix)
        st.error(error_text(error))
        return
    hold_links(rows, requests)  # shown even if sending fails outright
    mail = choices.mail if choices.send else None
    mailed = send_created(store, mail, rows, user, link_base()) if mail else None
    keep_links(prefix, rows, requests, mailed)


def links_message(n: int) -> str:
    """What the recruiter is told about ``n`` new links (singular and plural)."""
    if n == 1:
        return (
            "Created 1 invitation. Copy the link now: for security it is not stored and "
            "cannot be shown again later."
        )
    return (
        f"Created {n} invitations. Copy the links now: for security they are not stored and "
        "cannot be shown again later."
    )


def show_links(
    user: StaffUser,
    created: Sequence[tuple[str, str]],
    requests: Sequence[InvitationRequest],
    base: str,
) -> None:
    """The new links, until the next invitation: only a hash of each token is stored. The
    CSV is made only while the staff session and the recruiter role still hold."""
    st.success(links_message(len(created)))
    st.code(links_text(created, requests, base), language=None, wrap_lines=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    st.download_button(
        "Download the links (CSV)",
        data=guarded(
            user,
            ("recruiter",),
            lambda: links_csv(created, requests, base).encode("utf-8-sig"),
        ),
        file_name=f"invitations-{stamp}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",  # no rerun, so the links stay on screen
    )
