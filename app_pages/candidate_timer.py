"""The live countdown above each timed question: a fragment that reruns every few seconds.

Only the fragment reruns, not the page, and it submits nothing: a choice on screen stays as
it is. When the time is up it reruns the whole page, where the server (which enforces the
deadline) ends the test and shows the thank-you page.
"""

from __future__ import annotations

import math

import streamlit as st

from app_pages.texts import text
from assessment.clock import utcnow
from assessment.delivery.service import Delivery

REFRESH_SECONDS = 5
"""How often the countdown is redrawn (one light query per candidate)."""
SECONDS_FROM = 120
"""Below this many seconds left the countdown shows minutes and seconds."""


def minutes_text(seconds: float) -> str:
    """Minutes as the candidate reads them, before the test and on its countdown: rounded up
    to the half minute, "43" or "10.5". One figure in both places, true for the usual limits
    (whole minutes times an extra-time factor such as 1.25 or 1.5) and never less time than
    there is."""
    halves = math.ceil(max(0.0, seconds) / 30 - 1e-9)  # 630.0 s is 21 halves, not 22
    return f"{halves // 2}.5" if halves % 2 else str(halves // 2)


def time_left_text(seconds: float, lang: str) -> str:
    """ "Time left: 43 min" (``minutes_text``: the half minute, rounded up, as the instructions
    say it), or "1:35" in the last two minutes.

    Seconds are rounded up to the refresh step, so the clock never shows less time than is
    left.
    """
    seconds = max(0.0, seconds)
    if seconds >= SECONDS_FROM:
        return text("time_left_minutes", lang, minutes=minutes_text(seconds))
    shown = int(math.ceil(seconds / REFRESH_SECONDS) * REFRESH_SECONDS)
    return text("time_left_seconds", lang, clock=f"{shown // 60}:{shown % 60:02d}")


def countdown(delivery: Delivery, session_id: str, lang: str) -> None:
    """Show the time left, redrawn every ``REFRESH_SECONDS`` seconds, and what happens at 0."""

    @st.fragment(run_every=REFRESH_SECONDS)
    def timer() -> None:
        clock = delivery.clock(session_id)
        if clock.deadline_at is None:
            return
        left = (clock.deadline_at - utcnow()).total_seconds()
        if clock.completed or left <= 0:
            st.rerun()  # the whole page: the server ends the test, nothing is submitted
        with st.container(key="countdown"):
            st.markdown(f":material/timer: **{time_left_text(left, lang)}**")
            st.caption(text("time_rule", lang))

    timer()
