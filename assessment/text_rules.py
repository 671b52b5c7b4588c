"""What a one-line text a person types (a name, a setting, a reference sample's name) may hold.

Such texts are printed in lists, e-mails and PDF reports. A line break or control character
breaks those layouts, and the bidirectional overrides (U+202A–U+202E, U+2066–U+2069) can make
a name read backwards; both are refused wherever such a text is accepted, by this one rule.
Characters that show no glyph at all (zero-width spaces, a byte-order mark) are told apart
here too: an e-mail address may hold none, a name must hold something else as well.
"""

from __future__ import annotations

import re
import unicodedata

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""Control characters, line and paragraph separators and bidirectional overrides."""
INVISIBLE_CATEGORIES = ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp", "Zs")
"""Unicode categories of characters that show no glyph: control, format (zero-width, bidi),
private-use, surrogate, unassigned, separators and spaces."""


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds a character of ``CONTROL_CHARACTERS``."""
    return CONTROL_CHARACTERS.search(text) is not None


def has_invisible_characters(text: str) -> bool:
    """Whether ``text`` holds a character that shows no glyph (``INVISIBLE_CATEGORIES``)."""
    return any(unicodedata.category(ch) in INVISIBLE_CATEGORIES for ch in text)


def has_visible_characters(text: str) -> bool:
    """Whether ``text`` shows anything: zero-width spaces, word joiners or a byte-order mark
    pass ``strip`` yet show nothing."""
    return any(unicodedata.category(ch) not in INVISIBLE_CATEGORIES for ch in text)


def one_line_problem(what: str, text: str, limit: int) -> str | None:
    """Why ``text`` is not a usable one-line ``what`` of at most ``limit`` characters (or
    None): too long, or holding control characters. An empty text is the caller's to refuse,
    each with its own advice."""
    if len(text) > limit:
        return f"{what} is longer than {limit} characters ({len(text)})"
    if has_control_characters(text):
        return f"{what} contains line breaks or control characters"
    return None


__all__ = [
    "CONTROL_CHARACTERS",
    "INVISIBLE_CATEGORIES",
    "has_control_characters",
    "has_invisible_characters",
    "has_visible_characters",
    "one_line_problem",
]
