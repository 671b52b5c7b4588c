"""Recruiter page: the e-mail parts of the Invite and Candidates tabs.

Settings come from the environment or ``.streamlit/secrets.toml`` (see
``assessment.recruiting.mail_settings``). Without them the tabs work as before and say that
e-mail is not configured; with malformed settings they say what is wrong.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from app_pages.markup import md_escape
from assessment.access.accounts import StaffUser
from assessment.errors import MailSettingsError
from assessment.persistence.mail_store import DeliveryRecord, MailStore
from assessment.persistence.store import Store
from assessment.recruiting.invitations import invitation_link
from assessment.recruiting.mail_settings import SmtpSettings, smtp_settings
from assessment.recruiting.mailing import MailOutcome, send_invitations, send_reminders

NOT_CONFIGURED_NOTE = (
    "E-mail is not configured, so the links are not sent: copy them and send them yourself. "
    "An administrator can set up e-mail with the SJT_SMTP_* settings."
)
STATUS_WORDS = {"queued": "Queued", "sent": "Sent", "failed": "Failed"}


def _secrets() -> Mapping[str, Any]:
    try:
        return st.secrets.to_dict()
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return {}


def mail_settings() -> tuple[SmtpSettings | None, str | None]:
    """The SMTP settings (None when not configured) and the problem with them, if any."""
    try:
        return smtp_settings(os.environ, _secrets()), None
    except MailSettingsError as error:
        return None, str(error)


def send_option(settings: SmtpSettings | None, problem: str | None, key: str) -> bool:
    """Inside an invitation form: the "E-mail the invitation" checkbox, or why there is none."""
    if problem is not None:
        st.warning("E-mail cannot be sent: " + md_escape(problem, 600) + ".")
        return False
    if settings is None:
        st.caption(NOT_CONFIGURED_NOTE)
        return False
    return st.checkbox(
        "E-mail the invitation to the candidate",
        value=True,
        key=key,
        help=f"Sent from {settings.sender_address} in the candidate's test language, with "
        "the link, its expiry date, the time limit and whom to contact for adjustments.",
    )


def send_created(
    store: Store,
    settings: SmtpSettings,
    created: Sequence[tuple[str, str]],
    user: StaffUser,
    base: str,
) -> list[MailOutcome]:
    """E-mail the invitations just created (links on ``base``); how each e-mail went."""
    links = [(token, invitation_link(token, base)) for _, token in created]
    with st.spinner("Sending the e-mails…"):
        return list(send_invitations(store, settings, links, actor=user.username))


def show_outcomes(outcomes: Sequence[MailOutcome], what: str) -> None:
    """A summary of a sending run, with a table of the e-mails that did not go out."""
    sent = sum(o.status == "sent" for o in outcomes)
    problems = [o for o in outcomes if o.status in ("failed", "skipped")]
    if sent:
        st.success(f"Sent {sent} {what}{'s' if sent != 1 else ''}.")
    if problems:
        st.warning(
            f"{len(problems)} e-mail{'s' if len(problems) != 1 else ''} did not go out. "
            "Temporary failures are retried automatically; the candidate list shows the status."
        )
        st.dataframe(
            pd.DataFrame(
                {
                    "Name": [o.name or "" for o in problems],
                    "Id": [o.candidate_id for o in problems],
                    "Status": [o.status for o in problems],
                    "Attempts": [o.attempts for o in problems],
                    "Error": [o.error or "" for o in problems],
                    "Retry from": [o.retry_at for o in problems],
                }
            ),
            hide_index=True,
        )


def email_status(record: DeliveryRecord | None) -> str:
    """The candidate list's e-mail column: kind, state, attempts and error of the newest
    message (empty when none was sent)."""
    if record is None:
        return ""
    kind = "Reminder" if record.kind == "reminder" else "Invitation"
    if record.status == "sent" and record.sent_at is not None:
        return f"{kind} sent {_at(record.sent_at)}"
    if record.status == "failed":
        attempts = f"{record.attempts} attempt{'s' if record.attempts != 1 else ''}"
        if record.last_attempt_at is not None:
            attempts += f", last {_at(record.last_attempt_at)}"
        retry = f"; retry from {_at(record.next_attempt_at)}" if record.next_attempt_at else ""
        return f"{kind} failed ({attempts}): {record.error or 'unknown error'}{retry}"
    return f"{kind} queued"


def _at(moment: dt.datetime) -> str:
    return f"{moment:%d %b %H:%M} UTC"


def email_statuses(store: Store) -> dict[str, str]:
    """The e-mail column text per candidate id."""
    return {cid: email_status(r) for cid, r in MailStore(store).latest_by_candidate().items()}


def reminders_section(store: Store, user: StaffUser) -> None:
    """How many reminders (and retries) are due, and a button that sends them."""
    settings, problem = mail_settings()
    if settings is None:
        if problem is not None:
            st.caption("Reminders cannot be sent: " + md_escape(problem, 400) + ".")
        return
    due = send_reminders(store, None, actor=user.username, dry_run=True)
    left, right = st.columns([3, 1], vertical_alignment="center")
    if not due:
        left.caption(
            "No reminders are due: reminders go to candidates whose e-mailed invitation is "
            "still open, at most twice, three days apart."
        )
        return
    left.markdown(
        f"**{len(due)} e-mail{'s are' if len(due) != 1 else ' is'} due**: reminders to "
        "candidates who have not started or not finished the test, and e-mails to retry."
    )
    if right.button("Send reminders", icon=":material/send:", key="send_reminders"):
        with st.spinner("Sending the reminders…"):
            outcomes = send_reminders(store, settings, actor=user.username)
        show_outcomes(outcomes, "e-mail")
