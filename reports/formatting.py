"""How numbers and dates are printed in reports: one place, so tests and story agree.

Pure functions of plain values (no reportlab). The story prints every number through these,
and the tests compare the extracted text with the same functions applied to values they
compute themselves.
"""

from __future__ import annotations

import datetime as dt
import math

from reports.profile import Language, printed_t

_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _half_up(value: float, digits: int = 0) -> float:
    """Round half away from zero (what readers expect; Python's round() is half-to-even)."""
    scale = 10.0**digits
    return math.copysign(math.floor(abs(value) * scale + 0.5) / scale, value)


def fmt_t(value: float) -> str:
    """A T-score as printed: a whole number (e.g. ``"57"``)."""
    text = f"{printed_t(value):.0f}"
    return "0" if text == "-0" else text


def fmt_interval(low: float, high: float) -> str:
    """A T-score interval as printed, with an en dash (e.g. ``"51–63"``)."""
    return f"{fmt_t(low)}–{fmt_t(high)}"


def fmt_percentile(value: float) -> str:
    """A percentile rank as printed: a whole number kept within 1–99."""
    return f"{min(99.0, max(1.0, _half_up(value))):.0f}"


def fmt_reliability(value: float) -> str:
    """A reliability coefficient as printed (two decimals, e.g. ``"0.81"``)."""
    return f"{_half_up(value, 2):.2f}"


def fmt_sem(value: float) -> str:
    """A standard error of measurement in T units (one decimal, e.g. ``"4.2"``)."""
    return f"{_half_up(value, 1):.1f}"


def fmt_theta(value: float) -> str:
    """A theta or its SE (two decimals; ``"-0.00"`` is printed as ``"0.00"``)."""
    text = f"{_half_up(value, 2):.2f}"
    return "0.00" if text == "-0.00" else text


def fmt_date(date: dt.date, language: Language) -> str:
    """A test date: ``"23 November 2026"`` in English, ``"2026年11月23日"`` in Chinese."""
    if language == "zh":
        return f"{date.year}年{date.month}月{date.day}日"
    return f"{date.day} {_MONTHS_EN[date.month - 1]} {date.year}"
