"""The candidate's language: the languages offered, bilingual labels, and the switch shown at
the top of every step of a started test (consent, instructions and practice, items, thank-you
page).

The switch stores the language with the session and reruns the page, which reads it back from
the database like everything else it shows, so a reload keeps the choice. Only the wording
changes (``Delivery.switch_language``): the answers, the pending item and its clock, the
deadline and the position in the test are untouched.
"""

from __future__ import annotations

import streamlit as st

from app_pages.texts import text
from assessment.delivery.service import Delivery

LANGUAGES = {"en": "English", "zh": "中文"}
"""The interface languages, each named in itself so that a candidate finds their own."""


def bilingual(key: str) -> str:
    """The text ``key`` in English and Chinese, for a control any candidate must understand."""
    return f"{text(key, 'en')} / {text(key, 'zh')}"


def switch_key(lang: str) -> str:
    """Widget key of the switch while the test is in ``lang``: a new widget after each switch,
    so the control always starts from the stored language, never from an older click."""
    return f"language-{lang}"


def language_switch(delivery: Delivery, session_id: str, lang: str) -> None:
    """A small "English | 中文" control at the top right; choosing the other language switches.

    Choosing the language already shown does nothing (``required``: a click on the selected
    segment cannot clear it), so a double click is harmless.
    """
    with st.container(horizontal=True, horizontal_alignment="right", key="language_switch"):
        chosen = st.segmented_control(
            bilingual("choose_language"), list(LANGUAGES), default=lang, required=True,
            format_func=LANGUAGES.__getitem__, key=switch_key(lang),
            label_visibility="collapsed",
        )  # fmt: skip
    if chosen in LANGUAGES and chosen != lang:
        delivery.switch_language(session_id, chosen)
        st.rerun()
