"""What a one-line text a person types (a name, a setting, a reference sample's name) may hold.

Such texts are printed in lists, e-mails and PDF reports. A line break or control character
breaks those layouts, and the bidirectional overrides (U+202A–U+202E, U+2066–U+2069) can make
a name read backwards; both are refused wherever such a text is accepted, by this one rule.
"""

from __future__ import annotations

import re

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""Control characters, line and paragraph separators and bidirectional overrides."""


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds a character of ``CONTROL_CHARACTERS``."""
    return CONTROL_CHARACTERS.search(text) is not None


def one_line_problem(what: str, text: str, limit: int) -> str | None:
    """Why ``text`` is not a usable one-line ``what`` of at most ``limit`` characters (or
    None): empty, too long, or holding control characters."""
    if not text.strip():
        return f"{what} is empty"
    if len(text) > limit:
        return f"{what} is longer than {limit} characters ({len(text)})"
    if has_control_characters(text):
        return f"{what} contains line breaks or control characters"
    return None


__all__ = ["CONTROL_CHARACTERS", "has_control_characters", "one_line_problem"]
