"""The candidate's test: language → consent → instructions and practice → items → done.

Everything the page shows is derived from the invitation token in the URL and the database,
so a reload, a closed browser or a server restart lands on exactly the same step.
"""

from __future__ import annotations

import contextlib
import logging
import re

import streamlit as st

from app_pages.common import get_delivery
from app_pages.texts import TEXTS, group_value, text
from assessment.access.proxies import (
    TrustedProxies,
    forwarded_chain,
    server_peer,
)
from assessment.access.proxies import client_address as proxy_client
from assessment.delivery.service import Delivery
from assessment.errors import AssessmentError, InvitationError
from assessment.persistence.failures import DATABASE_FAILURES
from assessment.psychometrics.fairness import (
    GROUP_FIELDS,
    UNDISCLOSED,
    has_group_answers,
    record_groups,
)

LANGUAGES = {"en": "English", "zh": "中文"}
LOGGER = logging.getLogger(__name__)
PAGE_FAILURES: tuple[type[Exception], ...] = (*DATABASE_FAILURES, OSError)


def render() -> None:
    """The whole page; any database failure shows the bilingual retry message instead.

    ``OSError`` too: an SQLite file that cannot be opened or created is a database failure.
    """
    try:
        show_page(st.query_params.get("token", ""))
    except PAGE_FAILURES:
        LOGGER.exception("database failure on the candidate page")
        show_retry()


def show_page(token: str) -> None:
    try:
        delivery = get_delivery()
    except AssessmentError:
        st.title(TEXTS["title"]["en"])
        st.info(text("no_model", "en"))
        st.info(text("no_model", "zh"))
        return
    try:
        invitation = delivery.open(token, client=client_address())
    except InvitationError as error:
        show_link_problem(error.reason)
        return
    if invitation.session_id is None:
        choose_language(delivery, invitation)
        return
    run_session(delivery, invitation.session_id)


def show_retry() -> None:
    """The retry message in the candidate's language (both languages before one is chosen)."""
    lang = st.session_state.get("lang")
    for shown in [lang] if lang in LANGUAGES else list(LANGUAGES):
        st.warning(text("retry", shown))
    if st.button("↻", key="retry"):
        st.rerun()


def client_address() -> str:
    """The requester's address, the key for throttling guessed links.

    Taken from the connection and the ``X-Forwarded-For`` entries of the proxies trusted in
    ``SJT_TRUSTED_PROXIES`` (``assessment.access.proxies``).
    """
    forwarded = forwarded_chain(st.context.headers.get_all("X-Forwarded-For"))
    reported = st.context.ip_address
    peer = server_peer(reported if isinstance(reported, str) else None, forwarded)
    return proxy_client(peer, forwarded, trusted_proxies())


@st.cache_resource(show_spinner=False)
def trusted_proxies() -> TrustedProxies:
    """The trusted proxies, read once per server process (none if the setting is malformed)."""
    try:
        return TrustedProxies.from_environment()
    except ValueError as error:
        LOGGER.error("%s; no proxy is trusted until it is fixed", error)
        return TrustedProxies()


def show_link_problem(reason: str) -> None:
    st.title(f"{text('link_problem_title', 'en')} · {text('link_problem_title', 'zh')}")
    keys = {"expired": "link_expired", "used": "link_used", "throttled": "link_throttled"}
    key = keys.get(reason, "link_unknown")
    st.info(text(key, "en"))
    st.info(text(key, "zh"))


def choose_language(delivery: Delivery, invitation: object) -> None:
    default = getattr(invitation, "language", "en")
    st.title(f"{TEXTS['title']['en']} · {TEXTS['title']['zh']}")
    with st.form("language"):
        lang = st.radio(
            f"{text('choose_language', 'en')} / {text('choose_language', 'zh')}",
            list(LANGUAGES),
            index=list(LANGUAGES).index(default),
            format_func=LANGUAGES.__getitem__,
            horizontal=True,
        )
        if st.form_submit_button(f"{text('continue', 'en')} / {text('continue', 'zh')}"):
            delivery.start(invitation, lang or default)  # type: ignore[arg-type]
            st.rerun()


def run_session(delivery: Delivery, session_id: str) -> None:
    record = delivery.record(session_id)
    lang = record.session.language
    st.session_state["lang"] = lang
    if record.session.completed:
        show_complete(lang)
        show_group_questions(delivery, session_id, lang)
        return
    if record.consent_at is None:
        show_consent(delivery, session_id, lang)
        return
    if not record.practice_done:
        show_practice(delivery, session_id, lang)
        return
    view = delivery.current_item(session_id)
    if view is None:
        show_complete(lang)
        show_group_questions(delivery, session_id, lang)
        return
    show_item(delivery, session_id, view, lang)


def show_consent(delivery: Delivery, session_id: str, lang: str) -> None:
    st.title(text("consent_title", lang))
    st.markdown(text("consent_body", lang))
    with st.form("consent"):
        agreed = st.checkbox(text("consent_check", lang))
        if st.form_submit_button(text("continue", lang), type="primary"):
            if agreed:
                delivery.consent(session_id)
                st.rerun()
            st.warning(text("consent_needed", lang))


def show_practice(delivery: Delivery, session_id: str, lang: str) -> None:
    st.title(text("instructions_title", lang))
    st.markdown(text("instructions_body", lang))
    st.subheader(text("practice_title", lang))
    st.write(text("practice_scenario", lang))
    options = text("practice_options", lang).split("|")
    with st.form("practice"):
        st.radio(
            text("best_prompt", lang), options, index=None, key="practice_choice",
            format_func=lambda o: f"{'ABCD'[options.index(o)]}. {o}",
        )  # fmt: skip
        if st.form_submit_button(text("start_test", lang), type="primary"):
            delivery.practice_done(session_id)
            st.rerun()
    st.caption(text("practice_feedback", lang))


def show_item(delivery: Delivery, session_id: str, view: object, lang: str) -> None:
    item = view.item  # type: ignore[attr-defined]
    progress = delivery.progress(session_id)
    st.subheader(text("question", lang, n=view.number))  # type: ignore[attr-defined]
    parts = [text("progress", lang, answered=progress.answered)]
    if progress.seconds_left is not None:
        parts.append(text("time_left", lang, minutes=int(progress.seconds_left // 60) + 1))
    st.progress(
        min(1.0, progress.answered / max(progress.expected_total, 1)), text=" · ".join(parts)
    )
    with st.container(border=True):
        st.markdown(escape_markdown(item.scenario.get(lang)))
    letters = [option.id for option in item.options]
    label = {option.id: f"{option.id}. {option.text.get(lang)}" for option in item.options}
    with st.form(f"item-{item.id}", clear_on_submit=False):
        if item.format == "best":
            most = st.radio(
                f"**{text('best_prompt', lang)}**", letters, index=None,
                format_func=label.__getitem__, key=f"most-{item.id}",
            )  # fmt: skip
            least = None
        else:
            most = st.radio(
                f"**{text('most_prompt', lang)}**", letters, index=None,
                format_func=label.__getitem__, key=f"most-{item.id}",
            )  # fmt: skip
            least = st.radio(
                f"**{text('least_prompt', lang)}**", letters, index=None,
                format_func=label.__getitem__, key=f"least-{item.id}",
            )  # fmt: skip
        submitted = st.form_submit_button(text("next", lang), type="primary")
    if not submitted:
        return
    if most is None or (item.format == "most_least" and (least is None or least == most)):
        st.warning(text("choose_one" if item.format == "best" else "choose_both", lang))
        return
    # A stale or repeated submit is refused by the service; the rerun shows the current state.
    with contextlib.suppress(AssessmentError):
        delivery.answer(session_id, item.id, most, least)
    st.rerun()


def escape_markdown(value: str) -> str:
    """Item text shown literally: Markdown and HTML characters are escaped."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~])", r"\\\1", value)


def show_complete(lang: str) -> None:
    st.title(text("complete_title", lang))
    st.success(text("complete_body", lang))


def show_group_questions(delivery: Delivery, session_id: str, lang: str) -> None:
    """The voluntary, self-described group questions used only for fairness statistics."""
    if has_group_answers(delivery.store, session_id):
        return
    st.subheader(text("groups_title", lang))
    st.caption(text("groups_body", lang))
    skip = text("groups_skip", lang)
    with st.form("groups"):
        answers = {
            field: st.selectbox(
                text(f"field_{field}", lang),
                [skip, *options],
                format_func=lambda value: group_value(value, lang),
            )
            for field, options in GROUP_FIELDS.items()
        }
        if st.form_submit_button(text("groups_submit", lang)):
            given = {field: value for field, value in answers.items() if value != skip}
            given = given or {"gender": UNDISCLOSED}  # record the visit so we do not ask again
            record_groups(delivery.store, session_id, given)
            st.success(text("groups_thanks", lang))


render()
