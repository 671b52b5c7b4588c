"""Line breaking of Chinese text by the rules of Chinese typesetting (禁则, "kinsoku").

reportlab's CJK wrapping (``wordWrap="CJK"``) breaks after any character and knows only some
closing punctuation: a full-width "？", "，", "：", "；", "！" or a closing quote "”" can start a
line. ``KinsokuParagraph`` breaks lines so that

* closing punctuation (``NO_LINE_START``) never starts a line and opening brackets and quotes
  (``NO_LINE_END``) never end one: the character before is carried to the next line with it
  (Chinese "push-out" line breaking, 推出), so nothing hangs into the margin;
* runs of Latin letters and digits (names, ids, numbers such as "0.91" or "40–60") are not
  split, unless one alone is wider than the line (and in a column too narrow for any of this,
  a closing mark hangs past the edge rather than start a line);
* spaces at a break are dropped.

Paragraphs in other styles (``wordWrap`` not "CJK") wrap exactly as reportlab's ``Paragraph``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from reportlab.lib.textsplit import ALL_CANNOT_END, ALL_CANNOT_START
from reportlab.pdfbase.pdfmetrics import getAscentDescent, stringWidth
from reportlab.platypus.paragraph import (
    FragLine,
    Paragraph,
    ParaLines,
    _handleBulletWidth,
    cjkU,
    makeCJKParaLine,
)
from reportlab.rl_config import _FUZZ

NO_LINE_START = frozenset(
    ALL_CANNOT_START + "，。、；：？！）》〉」』】〕〗〙〛｝］”’…‥·・％‰℃" + ",.;:?!)]}%"
)
"""Characters that must not begin a line: closing punctuation and brackets (both widths)."""
NO_LINE_END = frozenset(ALL_CANNOT_END + "（《〈「『【〔〖〘〚｛［“‘([{")
"""Characters that must not end a line: opening brackets and quotes."""
_CJK_START = 0x2E80  # CJK radicals; everything from here on breaks between characters


def _in_word(char: str) -> bool:
    """Part of a run that is not split: any visible character outside the CJK blocks."""
    return not char.isspace() and ord(char) < _CJK_START


def can_break_before(text: Sequence[str], index: int) -> bool:
    """Whether a line may end before ``text[index]`` (0 < index < len(text))."""
    before, after = text[index - 1], text[index]
    if after.isspace() or before.isspace():
        return True
    if after in NO_LINE_START or before in NO_LINE_END:
        return False
    return not (_in_word(before) and _in_word(after))


def _break_at(text: Sequence[str], start: int, end: int) -> int:
    """Where a line from ``start`` that can hold ``text[start:end]`` ends: at the latest
    allowed break; in a narrow column where there is none, inside a Latin run; failing that,
    a closing mark hangs past the edge rather than start the next line."""
    for allowed in (can_break_before, _punctuation_allows):
        found = next((b for b in range(end, start, -1) if allowed(text, b)), None)
        if found is not None:
            return found
    while end < len(text) and text[end] in NO_LINE_START:
        end += 1
    return end


def _punctuation_allows(text: Sequence[str], index: int) -> bool:
    return text[index] not in NO_LINE_START and text[index - 1] not in NO_LINE_END


@functools.cache
def _char_width(char: str, font: str, size: float) -> float:
    return float(stringWidth(char, font, size))


def _glyphs(frags: Sequence[Any]) -> tuple[list[str], list[Any], list[float]]:
    """Characters of the fragments, the fragment of each and its width."""
    chars: list[str] = []
    owners: list[Any] = []
    widths: list[float] = []
    for frag in frags:
        text = frag.text.decode("utf8") if isinstance(frag.text, bytes) else frag.text
        if hasattr(frag, "cbDefn"):  # an inline image or anchor: one glyph of its width
            chars.append(text or "")
            owners.append(frag)
            widths.append(float(getattr(frag.cbDefn, "width", 0) or 0))
            continue
        for char in text or "":
            chars.append(char)
            owners.append(frag)
            widths.append(_char_width(char, frag.fontName, frag.fontSize))
        if not text and hasattr(frag, "lineBreak"):
            chars.append("")
            owners.append(frag)
            widths.append(0.0)
    return chars, owners, widths


def _line(
    chars: list[str], owners: list[Any], max_width: float, used: float, line_break: bool
) -> Any:
    """One line as reportlab draws it: the runs of each fragment, with the line's extent."""
    words = []
    size = ascent = descent = 0.0
    index = 0
    while index < len(chars):
        frag = owners[index]
        stop = index
        while stop < len(chars) and owners[stop] is frag:
            stop += 1
        up, down = getAscentDescent(frag.fontName, frag.fontSize)
        size, ascent, descent = max(size, frag.fontSize), max(ascent, up), min(descent, down)
        words.append(frag.clone(text="".join(chars[index:stop])))
        index = stop
    return FragLine(
        kind=1, extraSpace=max_width - used, wordCount=1, words=words, fontSize=size,
        ascent=ascent, descent=descent, maxWidth=max_width, currentWidth=used,
        lineBreak=line_break,
    )  # fmt: skip


def kinsoku_split(frags: Sequence[Any], max_widths: Sequence[float], calc_bounds: bool) -> Any:
    """Break paragraph fragments into lines (a reportlab ``ParaLines`` of kind 1)."""
    chars, owners, widths = _glyphs(frags)
    lines: list[Any] = []
    n = len(chars)
    start = 0
    while start < n and chars[start].isspace():
        start += 1
    while start < n:
        max_width = max_widths[min(len(lines), len(max_widths) - 1)]
        used = 0.0
        end = start
        line_break = False
        while end < n:
            if used + widths[end] > max_width + _FUZZ and end > start:
                break  # chars[end] does not fit: the line ends before it at the latest
            used += widths[end]
            end += 1
            if hasattr(owners[end - 1], "lineBreak"):
                line_break = True
                break
        if end < n and not line_break:
            end = _break_at(chars, start, end)
        stop = end
        while stop > start + 1 and chars[stop - 1].isspace():
            stop -= 1
        used = sum(widths[start:stop])
        if calc_bounds:  # heights from inline images too: reportlab's own line maker
            glyphs = [cjkU(chars[i], owners[i], "utf8") for i in range(start, stop)]
            line = makeCJKParaLine(glyphs, max_width, used, max_width - used, line_break, True)
        else:
            line = _line(chars[start:stop], owners[start:stop], max_width, used, line_break)
        lines.append(line)
        start = end
        while start < n and chars[start].isspace():
            start += 1
    return ParaLines(kind=1, lines=lines)


class KinsokuParagraph(Paragraph):
    """A ``Paragraph`` whose CJK wrapping follows the rules above (same constructor)."""

    def breakLinesCJK(self, maxWidths: Any) -> Any:  # noqa: N802 (reportlab's names)
        if not isinstance(maxWidths, list | tuple):
            maxWidths = [maxWidths]
        style = self.style
        self.height = 0
        _handleBulletWidth(self.bulletText, style, maxWidths)
        if hasattr(self, "blPara") and getattr(self, "_splitpara", False):
            return self.blPara  # the first part of a split paragraph keeps its lines
        if not self.frags:
            return ParaLines(
                kind=0, fontSize=style.fontSize, fontName=style.fontName,
                textColor=style.textColor, lines=[], ascent=style.fontSize,
                descent=-0.2 * style.fontSize,
            )  # fmt: skip
        auto_leading = getattr(self, "autoLeading", getattr(style, "autoLeading", ""))
        return kinsoku_split(self.frags, maxWidths, auto_leading not in ("", "off"))


__all__ = ["NO_LINE_END", "NO_LINE_START", "KinsokuParagraph", "can_break_before", "kinsoku_split"]
