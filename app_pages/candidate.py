"""The candidate's test: language → consent → instructions and practice → items → done.

Once the test has started, a small language switch at the top of every step lets the candidate
change the language (``app_pages.candidate_language``).

Everything the page shows is derived from the invitation token in the URL and the database,
so a reload, a closed browser or a server restart lands on exactly the same step. A used link
opens the thank-you page of its test, in the test's language, with the optional questions
until they are answered.
"""

from __future__ import annotations

import logging
import re

import streamlit as st

from app_pages.candidate_browser import (
    candidate_styles,
    enter_submits,
    new_item_view,
    page_language,
)
from app_pages.candidate_language import LANGUAGES, bilingual, language_switch
from app_pages.candidate_timer import countdown, minutes_text
from app_pages.common import client_address, get_delivery, get_settings
from app_pages.markup import md_escape
from app_pages.texts import TEXTS, group_value, text
from assessment.delivery.consent import consent_notice
from assessment.delivery.service import Delivery, QuestionCount
from assessment.errors import (
    AnsweredElsewhereError,
    AssessmentError,
    InvitationError,
    SettingsError,
)
from assessment.persistence.failures import DATABASE_FAILURES
from assessment.psychometrics.fairness import (
    GROUP_FIELDS,
    UNDISCLOSED,
    has_group_answers,
    record_groups,
)

LOGGER = logging.getLogger(__name__)
PRACTICE_KEY = "practice_checked"
# Widget-key prefixes of the picks' radios, in answer order (a best item has the first). A
# page script must not hold a bare string: Streamlit's "magic" would show it to the candidate.
PICKS = ("most", "least")
GROUPS_SAVED_KEY = "groups_saved"
ANSWERED_ELSEWHERE_KEY = "answered_elsewhere"
SENT_KEY = "sent_answer"
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
    candidate_styles()
    page_language(None, f"{text('tab_title', 'en')} · {text('tab_title', 'zh')}")
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
        finished = delivery.finished(token) if error.reason == "used" else None
        if finished is None:
            show_link_problem(error.reason)
        else:
            language_switch(delivery, finished.session_id, finished.language)
            show_finished(delivery, finished.session_id, finished.language)
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
            bilingual("choose_language"),
            list(LANGUAGES),
            index=list(LANGUAGES).index(default),
            format_func=LANGUAGES.__getitem__,
            horizontal=True,
        )
        if st.form_submit_button(bilingual("continue")):
            delivery.start(invitation, lang or default)  # type: ignore[arg-type]
            st.rerun()


def run_session(delivery: Delivery, session_id: str) -> None:
    record = delivery.record(session_id)
    lang = record.session.language
    st.session_state["lang"] = lang
    page_language(lang, text("tab_title", lang))
    language_switch(delivery, session_id, lang)
    if (sent := st.session_state.pop(SENT_KEY, None)) and sent[0] in record.session.answered_ids:
        send_stale_answer(delivery, session_id, sent)  # from a window that was behind
    if record.session.completed:
        show_finished(delivery, session_id, lang)
        return
    if record.consent_at is None:
        show_consent(delivery, session_id, lang)
        return
    if not record.practice_done:
        show_practice(delivery, session_id, lang)
        return
    view = delivery.current_item(session_id)
    if view is None:
        show_finished(delivery, session_id, lang)
        return
    show_item(delivery, session_id, view, lang)


def show_consent(delivery: Delivery, session_id: str, lang: str) -> None:
    st.title(text("consent_title", lang))
    try:
        notice = consent_notice(get_settings(), lang)  # type: ignore[arg-type]
    except SettingsError:
        st.info(text("no_model", lang))  # misconfigured: never start without a true notice
        return
    st.markdown(md_escape(notice.intro, 2000))
    for heading, body in notice.sections:
        st.markdown(f"**{md_escape(heading, 200)}**  \n{md_escape(body, 2000)}")
    with st.form("consent"):
        agreed = st.checkbox(text("consent_check", lang), key="consent_check")
        if st.form_submit_button(text("continue", lang), type="primary"):
            if agreed:
                delivery.consent(session_id, notice)
                st.rerun()
            st.warning(text("consent_needed", lang))


def instructions(lang: str, count: QuestionCount, timed: bool) -> str:
    """The instructions as a Markdown list, true of this session's test: its length (exact for
    the fixed form, the stop rules' bounds when adaptive) and whether the clock runs on while
    the page is closed."""
    if count.exact:
        length = text("instructions_length_fixed", lang, total=count.maximum)
    else:
        length = text(
            "instructions_length_adaptive", lang, minimum=count.minimum, maximum=count.maximum
        )
    saved = text("instructions_saved_timed" if timed else "instructions_saved_untimed", lang)
    lines = [text("instructions_body", lang), saved, length, text("instructions_keyboard", lang)]
    return "\n".join([lines[0], *(f"- {line}" for line in lines[1:])])


def show_practice(delivery: Delivery, session_id: str, lang: str) -> None:
    st.title(text("instructions_title", lang))
    minutes = delivery.time_limit_minutes(session_id)
    st.markdown(instructions(lang, delivery.question_count(session_id), minutes is not None))
    if minutes is not None:
        shown = minutes_text(minutes * 60)  # as the countdown will say it
        st.info(text("time_intro", lang, minutes=shown), icon=":material/timer:")
    st.subheader(text("practice_title", lang))
    st.write(text("practice_scenario", lang))
    options = text("practice_options", lang).split("|")
    letters = "ABCD"[: len(options)]
    label = {letter: f"{letter}. {option}" for letter, option in zip(letters, options, strict=True)}
    with st.form("practice"):
        choice = st.radio(
            text("best_prompt", lang), list(letters), index=None, format_func=label.__getitem__,
            key="practice_choice",
        )  # fmt: skip
        if st.form_submit_button(text("practice_check", lang)):
            if choice is None:
                st.warning(text("choose_one", lang))
            st.session_state[PRACTICE_KEY] = choice
    checked = st.session_state.get(PRACTICE_KEY)
    if checked is None:
        return
    best = text("practice_best", lang)
    if checked == best:
        st.success(text("practice_right", lang), icon=":material/check_circle:")
    else:
        st.info(text("practice_wrong", lang, choice=checked), icon=":material/lightbulb:")
    st.markdown(text("practice_why", lang))
    st.caption(text("practice_after", lang))
    if st.button(text("start_test", lang), type="primary"):
        delivery.practice_done(session_id)
        st.session_state.pop(PRACTICE_KEY, None)
        st.rerun()


def show_item(delivery: Delivery, session_id: str, view: object, lang: str) -> None:
    item = view.item  # type: ignore[attr-defined]
    progress = delivery.progress(session_id)
    answered_elsewhere_notice(lang)
    heading = text("question", lang, n=view.number)  # type: ignore[attr-defined]
    st.subheader(heading, anchor=False)
    count = progress.count
    st.progress(
        min(1.0, progress.answered / max(count.maximum, 1)),
        text=text("progress_fixed", lang, answered=progress.answered, total=count.maximum)
        if count.exact
        else text("progress_adaptive", lang, answered=progress.answered, maximum=count.maximum),
    )
    if progress.seconds_left is not None:
        countdown(delivery, session_id, lang)
    with st.container(border=True):
        st.markdown(escape_markdown(item.scenario.get(lang)))
    letters = [option.id for option in item.options]
    label = {option.id: f"{option.id}. {option.text.get(lang)}" for option in item.options}
    with st.form(f"item-{item.id}", clear_on_submit=False):
        # one radio per pick: (most,) for a best item, (most, least) for a most_least item
        picks = [
            st.radio(
                text(f"{part}_prompt", lang), letters, index=None,
                format_func=label.__getitem__, key=f"{pick}-{item.id}",
            )
            for pick, part in zip(PICKS, item.scored_parts(), strict=False)
        ]  # fmt: skip
        notice = st.empty()  # a refused answer is explained here, right above Next
        submitted = st.form_submit_button(
            text("next", lang), type="primary", on_click=remember_sent, args=(item.id,)
        )
    new_item_view(item.id, heading)
    enter_submits()
    if not submitted:
        return
    most, least = (*picks, None)[:2]
    if problem := item.check_answer(most, least):
        notice.warning(text(problem, lang))
        return
    assert most is not None  # for the type checker: check_answer found the most pick
    # A stale, repeated or late submit is refused by the service; the rerun shows the
    # current state (the next item, or the end of the test when the time is up). A different
    # answer to a question answered in another window is refused too, and said so once.
    send_answer(delivery, session_id, item.id, most, least)
    st.rerun()


def remember_sent(item_id: str) -> None:
    """Callback of Next: keep the picks sent for ``item_id``. When another window has answered
    that question meanwhile, the rerun shows the next question and never reads this form
    again; ``run_session`` then sends them for the service to judge."""
    picks = (st.session_state.get(f"{pick}-{item_id}") for pick in PICKS)
    st.session_state[SENT_KEY] = (item_id, *picks)


def send_stale_answer(delivery: Delivery, session_id: str, sent: tuple[str, ...]) -> None:
    """Send picks kept by ``remember_sent`` for a question that is already answered: the
    service records nothing and says whether they differ from the recorded answer."""
    item_id, most, least = sent
    if most is not None:
        send_answer(delivery, session_id, item_id, most, least)


def send_answer(
    delivery: Delivery, session_id: str, item_id: str, most: str, least: str | None
) -> None:
    """Record an answer; a refusal is not shown, except a different answer to a question
    answered in another window (``AnsweredElsewhereError``), said once by
    ``answered_elsewhere_notice``. A repeat of the recorded answer (a double click) is silent."""
    try:
        delivery.answer(session_id, item_id, most, least)
    except AnsweredElsewhereError:
        st.session_state[ANSWERED_ELSEWHERE_KEY] = True
    except AssessmentError:
        pass  # stale or late: the rerun shows the current state


def answered_elsewhere_notice(lang: str) -> None:
    """Once, after an answer the service refused because another window had already answered
    that question (``AnsweredElsewhereError``): say that it was not recorded."""
    if st.session_state.pop(ANSWERED_ELSEWHERE_KEY, False):
        st.info(text("answered_elsewhere", lang), icon=":material/tab:")


def escape_markdown(value: str) -> str:
    """Item text shown literally: Markdown and HTML characters are escaped."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~])", r"\\\1", value)


def show_finished(delivery: Delivery, session_id: str, lang: str) -> None:
    """The thank-you page in the test's language, with the optional group questions once."""
    page_language(lang, text("tab_title", lang))
    st.title(text("complete_title", lang))
    answered_elsewhere_notice(lang)  # the other window may have answered the last question
    st.success(text("complete_body", lang))
    record = delivery.record(session_id)
    if record.deadline_at is not None and (record.flags or {}).get("stop_reason") == "incomplete":
        st.caption(text("time_up", lang))
    if has_group_answers(delivery.store, session_id):
        if st.session_state.pop(GROUPS_SAVED_KEY, False):
            st.success(text("groups_thanks", lang), icon=":material/check:")
        return
    show_group_questions(delivery, session_id, lang)


def show_group_questions(delivery: Delivery, session_id: str, lang: str) -> None:
    """The voluntary, self-described group questions used only for fairness statistics."""
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
            st.session_state[GROUPS_SAVED_KEY] = True
            st.rerun()


render()
