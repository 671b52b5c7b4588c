"""Escaping of user-supplied text before it reaches Streamlit Markdown."""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&\"'])")
_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_AUTOLINK = re.compile(r"(?i)(?<=https)(?=:)|(?<=http)(?=:)|(?<=www)(?=\.)|(?=@)")
_ZWSP = "\u200b"
# Streamlit replaces icons (:material/…:), emoji (:smile:) and its logo (:streamlit:) in the
# text *after* Markdown has resolved backslash escapes, so escaping the colon is not enough:
# a zero-width space after every colon keeps those patterns from matching.
_COLON = re.compile(r"\\:")


def md_escape(text: str | None, max_chars: int = 300) -> str:
    """``text`` as literal Markdown.

    Every ASCII punctuation mark that Markdown, Streamlit's directives (``:blue[…]``,
    ``:material/…:``) or LaTeX could act on is backslash-escaped; a zero-width space keeps
    URLs and email addresses from being turned into links (GFM autolinks) and follows every
    colon, so that no icon, emoji or logo shortcode survives; control characters become spaces
    and long texts are cut with an ellipsis.
    """
    if not text:
        return ""
    flat = _BREAKS.sub(" ", str(text)).strip()
    if len(flat) > max_chars:
        flat = flat[: max_chars - 1] + "…"
    escaped = _SPECIAL.sub(r"\\\1", _AUTOLINK.sub(_ZWSP, flat))
    return _COLON.sub("\\\\:" + _ZWSP, escaped)


def error_text(error: BaseException, max_chars: int = 600) -> str:
    """An error's message as a sentence on the page: literal Markdown (``md_escape``) with
    its first letter capitalised. Messages start in lower case because the command line
    prints them after ``error:``; the rest of the message is kept as it is (names, codes)."""
    message = str(error).strip()
    return md_escape(message[:1].upper() + message[1:], max_chars)
