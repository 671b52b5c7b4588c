"""User text shown through Streamlit Markdown is literal: no markup, links, directives or maths."""

from __future__ import annotations

import re

import pytest

from app_pages.markup import error_text, md_escape

HOSTILE = "**Zoë** [click](http://evil.example) :red[alert] <b>x</b> $x^2$ `code` # h"


def unescaped(text: str) -> str:
    """The characters a Markdown reader would show (backslash escapes resolved)."""
    return re.sub(r"\\(.)", r"\1", text).replace("\u200b", "")


def test_every_markdown_character_is_escaped() -> None:
    escaped = md_escape(HOSTILE)
    assert unescaped(escaped) == HOSTILE
    bare = re.sub(r"\\.", "", escaped)
    assert not set(bare) & set("*[]():<>$`#_\\")


@pytest.mark.parametrize(
    "text", ["see http://evil.example", "HTTPS://x.org", "www.evil.example", "mail a@b.org"]
)
def test_links_and_email_addresses_are_not_linkified(text: str) -> None:
    escaped = md_escape(text)
    assert "\u200b" in escaped
    assert not re.search(r"https?:|www\.|\w@", re.sub(r"\\", "", escaped), flags=re.IGNORECASE)


def test_control_characters_and_length_are_tamed() -> None:
    assert md_escape("Ana\nLee\x00\u2028!") == "Ana Lee \\!"
    assert md_escape("W" * 500, max_chars=10) == "W" * 9 + "…"
    assert md_escape(None) == ""


def test_an_error_reads_as_a_sentence_and_stays_literal() -> None:
    shown = error_text(ValueError("no model version 'v2_SE' *yet*"))
    assert unescaped(shown) == "No model version 'v2_SE' *yet*"  # names keep their case
    assert "\\*yet\\*" in shown
