"""Streamlit's colon shortcodes never act on user text (issue 11, finding 11).

Streamlit's Markdown renderer (frontend ``StreamlitMarkdown.tsx``, 1.67) replaces
``:material/<name>:`` icons, ``:<emoji>:`` shortcodes and ``:streamlit:`` in the *text nodes*,
after backslash escapes are resolved, and ``:<colour>[…]`` directives while parsing. These
tests apply the same steps to what ``md_escape`` returns.
"""

from __future__ import annotations

import re

import pytest

from app_pages.markup import md_escape

HOSTILE_NAMES = [
    ":material/flag: Ada",
    "Ada :material/warning:",
    ":red[**Ada**]",
    ":blue-background[big]",
    "Bob :smile: :+1:",
    ":streamlit: Ltd",
    "a:material/check:b",
]


def rendered_text(source: str) -> str:
    """The text nodes Streamlit's renderer would see for ``source`` (escapes resolved)."""
    processed = source.replace(":material/", ":material_")  # the renderer's own first step
    return re.sub(r"\\(.)", r"\1", processed)


def active_shortcodes(text: str) -> list[str]:
    """Shortcodes the renderer would replace in a text node."""
    patterns = [
        r":material_(\w+):",  # icons
        r":(?!material/|streamlit:)[\w+-][\w_+-]*:",  # emoji (remark-emoji)
        r":streamlit:",  # logo
    ]
    return [m.group(0) for pattern in patterns for m in re.finditer(pattern, text)]


def directives(source: str) -> list[str]:
    """Text directives (``:name[``) that remark-directive would parse: colon not escaped."""
    return re.findall(r"(?<!\\):[a-z][a-z0-9-]*\[", source)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_no_icon_emoji_logo_or_colour_survives_escaping(name: str) -> None:
    escaped = md_escape(name)
    assert not active_shortcodes(rendered_text(escaped)), escaped
    assert not directives(escaped), escaped
    assert rendered_text(escaped).replace("\u200b", "").replace(":material_", ":material/") == name


def test_the_check_catches_a_colon_that_is_only_backslash_escaped() -> None:
    """The old escaping (backslash only) still produced an icon: the check must see that."""
    only_backslashed = re.sub(r"([:\[\]*])", r"\\\1", ":material/flag: Ada")
    assert ":material_flag:" in active_shortcodes(rendered_text(only_backslashed))
