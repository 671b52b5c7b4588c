"""User text is cleaned, escaped and routed to a font that can show it; fonts fail clearly."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pytest

from reports import styles as styles_module
from reports.errors import FontNotFoundError
from reports.styles import clean_text, get_styles, visual_order


def test_markup_escapes_reportlab_paragraph_markup() -> None:
    styles = get_styles("en")
    assert styles.markup("<b>bold</b> & <script>") == (
        "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;"
    )
    assert styles.markup("&amp;") == "&amp;amp;"


def test_characters_missing_from_the_base_font_get_a_font_that_has_them() -> None:
    en, zh = get_styles("en"), get_styles("zh")
    assert en.markup("Chen 陈") == 'Chen <font name="WQYZenHei">陈</font>'
    assert en.markup("Zoë") == "Zoë"  # in the core fonts' encoding
    assert zh.markup("陈美玲 Chen") == "陈美玲 Chen"
    assert "<font" in en.markup("θ")


def test_unshowable_characters_become_one_replacement_character() -> None:
    markup = get_styles("en").markup("Ana 😀👩\u200d💻 Lee")
    assert "\ufffd" in markup
    assert markup.count("\ufffd") == 1
    assert "Ana" in markup
    assert "Lee" in markup


def test_clean_text_drops_controls_and_format_characters_and_truncates() -> None:
    assert clean_text("Bob\x00\x07 \u202eevil\u202c\n\tx") == "Bob evil x"
    assert clean_text("A" * 300, 120) == "A" * 119 + "…"
    assert clean_text("e\u0301") == "é"  # NFC


def test_format_character_pattern_covers_every_unicode_format_character() -> None:
    missed = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) == "Cf"
        and not styles_module._FORMAT.fullmatch(chr(code))
    ]
    assert not missed


def test_right_to_left_runs_are_put_in_visual_order() -> None:
    assert visual_order("Dr. שלום עליכם MD") == "Dr. םכילע םולש MD"
    assert visual_order("plain") == "plain"


def test_missing_cjk_font_names_the_package_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(styles_module, "CJK_FONT_PATHS", (Path("/nonexistent/wqy.ttc"),))
    with pytest.raises(FontNotFoundError, match="fonts-wqy-zenhei"):
        styles_module.register_fonts.__wrapped__()


def test_long_text_is_fitted_to_a_width_with_an_ellipsis() -> None:
    styles = get_styles("en")
    fitted = styles.fit("x" * 500, "Helvetica", 8, 100)
    assert fitted.endswith("…")
    assert len(fitted) < 500
    assert styles.fit("short", "Helvetica", 8, 100) == "short"
