"""Fonts, colours and paragraph styles of the reports, in one place.

Latin text uses the PDF core fonts (Helvetica, not embedded). Chinese text uses WenQuanYi Zen Hei,
embedded as a TrueType subset (reportlab subsets TrueType fonts automatically), so text extraction
and display work on any reader. Characters the base font cannot show (Chinese in an English
report, Arabic, Hebrew, symbols) are routed to a font that has them by ``ReportStyles.markup``;
DejaVu Sans, when installed, covers scripts Zen Hei lacks. Fonts and styles are built lazily
once per process and cached; they are never changed afterwards.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from reports.errors import FontNotFoundError
from reports.profile import Language

# --- colours -------------------------------------------------------------------------------------
INK = colors.HexColor("#1D2733")
MUTED = colors.HexColor("#5A6675")
PRIMARY = colors.HexColor("#1F4E79")
ACCENT = colors.HexColor("#2B7A8C")
RULE = colors.HexColor("#C8D2DC")
PANEL = colors.HexColor("#F3F6F9")
NORM_BAND = colors.HexColor("#DCE6EF")
GRID = colors.HexColor("#B9C5D1")
BAND_COLOURS = {
    "low": colors.HexColor("#B4561B"),
    "typical": colors.HexColor("#1F4E79"),
    "high": colors.HexColor("#17766A"),
}
"""Marker colour per competency band."""
OVERALL_COLOURS = {
    "recommended": (colors.HexColor("#17766A"), colors.HexColor("#E7F3F0")),
    "with_care": (colors.HexColor("#A8641A"), colors.HexColor("#FBF1E3")),
    "not_a_match": (colors.HexColor("#5A6675"), colors.HexColor("#EEF1F4")),
}
"""(accent, background) of the overall summary panel per overall band."""

# --- fonts ---------------------------------------------------------------------------------------
CJK_FONT = "WQYZenHei"
CJK_FONT_PACKAGE = "fonts-wqy-zenhei"
CJK_FONT_PATHS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),  # Debian, Ubuntu
    Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"),  # Fedora, Arch
)
EXTRA_FONT = "DejaVuSans"
EXTRA_FONT_PATHS = {
    EXTRA_FONT: Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    f"{EXTRA_FONT}-Bold": Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
}
LATIN_FONTS = ("Helvetica", "Helvetica-Bold", "Helvetica-Oblique")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FORMAT = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]"
)
"""Unicode format characters (category Cf): invisible controls such as bidi overrides."""
_RTL = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff"
_RTL_RUN = re.compile(f"[{_RTL}](?:[{_RTL}\\s.,'’-]*[{_RTL}])?")
"""A run of right-to-left letters with the spaces and punctuation between them."""
_UNSHOWABLE = "\ufffd"


@dataclass(frozen=True)
class FontSet:
    """Names of the registered fonts; ``extra`` is None when DejaVu Sans is not installed."""

    cjk: str
    extra: str | None
    extra_bold: str | None


@functools.cache
def register_fonts() -> FontSet:
    """Register the embedded fonts with reportlab (once per process).

    Raises
    ------
    FontNotFoundError
        WenQuanYi Zen Hei is not installed; the message names the package.
    """
    path = next((p for p in CJK_FONT_PATHS if p.is_file()), None)
    if path is None:
        raise FontNotFoundError(
            "the Chinese report font WenQuanYi Zen Hei is missing: install the Debian package "
            f"{CJK_FONT_PACKAGE!r} (apt-get install -y {CJK_FONT_PACKAGE}); looked in "
            + ", ".join(str(p) for p in CJK_FONT_PATHS)
        )
    pdfmetrics.registerFont(TTFont(CJK_FONT, str(path), subfontIndex=0))
    pdfmetrics.registerFontFamily(
        CJK_FONT, normal=CJK_FONT, bold=CJK_FONT, italic=CJK_FONT, boldItalic=CJK_FONT
    )
    extra = extra_bold = None
    if EXTRA_FONT_PATHS[EXTRA_FONT].is_file():
        extra = EXTRA_FONT
        pdfmetrics.registerFont(TTFont(extra, str(EXTRA_FONT_PATHS[extra])))
        extra_bold = extra
        if EXTRA_FONT_PATHS[f"{EXTRA_FONT}-Bold"].is_file():
            extra_bold = f"{EXTRA_FONT}-Bold"
            pdfmetrics.registerFont(TTFont(extra_bold, str(EXTRA_FONT_PATHS[extra_bold])))
        pdfmetrics.registerFontFamily(
            extra, normal=extra, bold=extra_bold, italic=extra, boldItalic=extra_bold
        )
    return FontSet(CJK_FONT, extra, extra_bold)


@functools.cache
def _covers(font_name: str, char: str) -> bool:
    """Whether ``font_name`` has a glyph for ``char``."""
    if font_name in LATIN_FONTS:
        try:
            char.encode("cp1252")
        except UnicodeEncodeError:
            return False
        return True
    face = pdfmetrics.getFont(font_name).face  # type: ignore[attr-defined]
    return ord(char) in face.charToGlyph


@functools.cache
def _font_for(chain: tuple[str, ...], char: str) -> str | None:
    """The first font of ``chain`` that can show ``char``; None if none can.

    Characters outside the Basic Multilingual Plane (most emoji) count as not showable:
    reportlab cannot map them back to text in the PDF, so they would extract as garbage.
    """
    if char.isspace():
        return chain[0]
    if ord(char) > 0xFFFF:
        return None
    return next((name for name in chain if _covers(name, char)), None)


def visual_order(text: str) -> str:
    """``text`` with right-to-left runs (Hebrew, Arabic) reversed into visual order.

    A minimal bidi step for single-line names: PDF text is drawn left to right, so a
    right-to-left run must be stored reversed to read correctly (Arabic letters stay unjoined).
    """
    return _RTL_RUN.sub(lambda match: match.group(0)[::-1], text)


def clean_text(text: object, max_chars: int | None = None) -> str:
    """User text made safe to typeset: NFC, no control or format characters, single spaces,
    cut to ``max_chars`` characters with an ellipsis."""
    value = str(text)
    if not value.isascii():
        value = _FORMAT.sub("", unicodedata.normalize("NFC", value))
    value = " ".join(_CONTROL.sub(" ", value).split())
    if max_chars is not None and len(value) > max_chars:
        value = value[: max_chars - 1].rstrip() + "…"
    return value


@dataclass(frozen=True, eq=False)
class ReportStyles:
    """Fonts and paragraph styles of one report language (read-only after creation)."""

    language: Language
    font: str
    bold: str
    italic: str
    fonts: FontSet
    paragraph: dict[str, ParagraphStyle]

    def __getitem__(self, name: str) -> ParagraphStyle:
        return self.paragraph[name]

    def chain(self, base: str | None = None) -> tuple[str, ...]:
        """Fonts tried in order for a character: the base font, Zen Hei, DejaVu Sans."""
        extra = (self.fonts.extra,) if self.fonts.extra else ()
        return (base or self.font, self.fonts.cjk, *extra)

    def font_for(self, char: str, base: str | None = None) -> str | None:
        """The first font of the fallback chain that can show ``char`` (None if none can)."""
        return _font_for(self.chain(base), char)

    def markup(self, text: object, max_chars: int | None = None, base: str | None = None) -> str:
        """Paragraph markup for plain text: cleaned, XML-escaped, and runs the base font
        cannot show wrapped in ``<font name=...>`` tags of a font that can.

        Characters no font can show become one U+FFFD per run; right-to-left runs are put in
        visual order.
        """
        value = clean_text(text, max_chars)
        chain = self.chain(base)
        if chain[0] in LATIN_FONTS and value.isascii():
            return escape(value)
        fallback = _font_for(chain, _UNSHOWABLE) or chain[-1]
        parts = []
        fonts = functools.partial(_font_for, chain)
        for font, run in itertools.groupby(visual_order(value), key=fonts):
            chars = "".join(run)
            if font is None:
                font, chars = fallback, _UNSHOWABLE
            escaped = escape(chars)
            parts.append(escaped if font == chain[0] else f'<font name="{font}">{escaped}</font>')
        return "".join(parts)

    def canvas_font(self, text: str) -> str:
        """One font that can show all of ``text`` on a canvas (the base font if possible)."""
        chain = self.chain()
        for name in chain:
            if all(char.isspace() or _covers(name, char) for char in text):
                return name
        return chain[-1]

    def fit(self, text: str, font: str, size: float, width: float) -> str:
        """``text`` cut with an ellipsis so that it fits ``width`` points."""
        if pdfmetrics.stringWidth(text, font, size) <= width:
            return text
        while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
            text = text[:-1]
        return text.rstrip() + "…"


@functools.cache
def get_styles(language: Language) -> ReportStyles:
    """The cached styles of a report language ("en" or "zh")."""
    fonts = register_fonts()
    if language == "zh":
        font = bold = italic = fonts.cjk
        wrap = "CJK"
        scale = 1.12  # Chinese text needs a little more leading
    else:
        font, bold, italic = LATIN_FONTS
        wrap = None
        scale = 1.0

    def style(name: str, **kwargs: object) -> ParagraphStyle:
        base: dict[str, object] = {
            "fontName": font,
            "fontSize": 9.5,
            "leading": 13.5 * scale,
            "textColor": INK,
            "alignment": TA_LEFT,
            "splitLongWords": 1,
        }
        if wrap:
            base["wordWrap"] = wrap
        base.update(kwargs)
        if "leading" in kwargs:
            base["leading"] = float(kwargs["leading"]) * scale  # type: ignore[arg-type]
        return ParagraphStyle(name, **base)  # type: ignore[arg-type]

    def heading(
        name: str, pt: float, leading: float, before: float, after: float
    ) -> ParagraphStyle:
        """A bold heading in the primary colour, kept on the page of the text after it."""
        keep = {"spaceBefore": before, "spaceAfter": after, "keepWithNext": 1}
        return style(name, fontName=bold, fontSize=pt, leading=leading, textColor=PRIMARY, **keep)

    paragraph = {
        "title": style("title", fontName=bold, fontSize=20, leading=24, textColor=PRIMARY),
        "subtitle": style("subtitle", fontSize=10, leading=13, textColor=MUTED, spaceAfter=10),
        "section": heading("section", pt=12.5, leading=16, before=14, after=2),
        "heading": heading("heading", pt=10.5, leading=14, before=8, after=1),
        "body": style("body", spaceAfter=4),
        "definition": style(
            "definition", fontName=italic, fontSize=8.5, leading=12, textColor=MUTED, spaceAfter=3
        ),
        "small": style("small", fontSize=8, leading=11, textColor=MUTED),
        "label": style("label", fontSize=7.5, leading=10, textColor=MUTED),
        "list_label": style(
            "list_label", fontName=bold, fontSize=8, leading=11, textColor=MUTED, spaceBefore=1
        ),
        "value": style("value", fontName=bold, fontSize=10, leading=13),
        "bullet": style("bullet", leftIndent=12, bulletIndent=2, spaceAfter=1.5),
        "cell": style("cell", fontSize=8.5, leading=11),
        "cell_right": style("cell_right", fontSize=8.5, leading=11, alignment=TA_RIGHT),
        "cell_head": style("cell_head", fontName=bold, fontSize=8, leading=10.5, textColor=MUTED),
        "cell_head_right": style(
            "cell_head_right",
            fontName=bold,
            fontSize=8,
            leading=10.5,
            textColor=MUTED,
            alignment=TA_RIGHT,
        ),
        "banner_title": style("banner_title", fontName=bold, fontSize=14, leading=18),
        "banner_text": style("banner_text", fontSize=9.5, leading=13.5),
        "banner_note": style("banner_note", fontSize=8.5, leading=12, textColor=MUTED),
        "question_target": style(
            "question_target",
            fontName=bold,
            fontSize=8,
            leading=11,
            textColor=ACCENT,
            leftIndent=14,
        ),
        "question": style(
            "question", fontSize=9.5, leading=13.5, leftIndent=14, bulletIndent=0, spaceAfter=7
        ),
        "note": style("note", fontSize=8.5, leading=12, textColor=INK),
    }
    return ReportStyles(language, font, bold, italic, fonts, paragraph)
