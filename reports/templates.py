"""Page furniture and document template: running header, footer, "page x of y", confidential mark.

The canvas keeps every finished page until the document is saved, so the footer can print the
total page count in a single layout pass. Section headings (``SectionHeading``) become PDF
bookmarks.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from reports.linebreak import KinsokuParagraph
from reports.styles import ACCENT, MUTED, PRIMARY, RULE, ReportStyles, clean_text

PAGE_SIZE = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 20 * mm
FRAME_WIDTH = PAGE_SIZE[0] - 2 * MARGIN_X


class SectionHeading(KinsokuParagraph):
    """A section title; ``key`` names the section (e.g. "chart") for bookmarks and tests."""

    def __init__(self, text: str, style: Any, key: str) -> None:
        super().__init__(text, style)
        self.key = key
        self.title = ""  # plain text for the bookmark, set by the story


@dataclass(frozen=True)
class PageFurniture:
    """What every page shows around the content.

    Attributes
    ----------
    running_header : str
        Report name at the top left (e.g. "Candidate profile").
    candidate_id : str
        Printed at the top right.
    confidential : str
        The confidential mark next to it.
    footer : str
        Note at the bottom left.
    page : str
        Template with ``{page}`` and ``{pages}``.
    """

    running_header: str
    candidate_id: str
    confidential: str
    footer: str
    page: str
    styles: ReportStyles

    def _text(
        self,
        canvas: Canvas,
        x: float,
        y: float,
        text: str,
        size: float,
        *,
        max_width: float,
        align: str = "left",
    ) -> None:
        """Draw one line of plain text, in a font that can show it, cut to ``max_width``."""
        text = clean_text(text)
        font = self.styles.canvas_font(text)
        text = self.styles.fit(text, font, size, max_width)
        canvas.setFont(font, size)
        if align == "right":
            canvas.drawRightString(x, y, text)
        else:
            canvas.drawString(x, y, text)

    def draw(self, canvas: Canvas, page: int, pages: int) -> None:
        """Draw header and footer on the current page."""
        width, height = PAGE_SIZE
        left, right = MARGIN_X, width - MARGIN_X
        top = height - 12 * mm
        canvas.saveState()
        canvas.setFillColor(PRIMARY)
        canvas.rect(0, height - 4 * mm, width, 4 * mm, stroke=0, fill=1)
        canvas.setFillColor(MUTED)
        self._text(canvas, left, top, self.running_header, 8.5, max_width=FRAME_WIDTH * 0.45)
        mark = self.confidential
        mark_font = self.styles.bold
        mark_width = canvas.stringWidth(mark, mark_font, 7.5) + 8
        canvas.setFillColor(ACCENT)
        canvas.roundRect(right - mark_width, top - 2.5, mark_width, 11, 2, stroke=0, fill=1)
        canvas.setFillColor("#FFFFFF")
        canvas.setFont(mark_font, 7.5)
        canvas.drawCentredString(right - mark_width / 2, top + 0.3, mark)
        canvas.setFillColor(MUTED)
        self._text(
            canvas,
            right - mark_width - 8,
            top,
            self.candidate_id,
            8.5,
            align="right",
            max_width=FRAME_WIDTH * 0.4,
        )
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(left, top - 5, right, top - 5)
        bottom = 11 * mm
        canvas.line(left, bottom + 9, right, bottom + 9)
        self._text(canvas, left, bottom, self.footer, 7.5, max_width=FRAME_WIDTH * 0.7)
        self._text(
            canvas,
            right,
            bottom,
            self.page.format(page=page, pages=pages),
            7.5,
            align="right",
            max_width=FRAME_WIDTH * 0.3,
        )
        canvas.restoreState()


class FurnitureCanvas(Canvas):
    """A canvas that draws the page furniture on every page once the page count is known."""

    def __init__(self, *args: Any, furniture: PageFurniture, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._furniture = furniture
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._furniture.draw(self, self._pageNumber, total)
            super().showPage()
        super().save()


class ReportDocTemplate(BaseDocTemplate):
    """A4, one frame per page; section headings become bookmarks."""

    def __init__(self, file: Any, *, invariant: bool, **kwargs: Any) -> None:
        super().__init__(
            file,
            pagesize=PAGE_SIZE,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            invariant=int(invariant),
            pageCompression=1,
            **kwargs,
        )
        frame = Frame(
            MARGIN_X,
            MARGIN_BOTTOM,
            FRAME_WIDTH,
            PAGE_SIZE[1] - MARGIN_TOP - MARGIN_BOTTOM,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="content",
        )
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (reportlab's name)
        if isinstance(flowable, SectionHeading):
            key = f"section-{flowable.key}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.title or flowable.key, key, level=0)


def build_pdf(
    story: list[Flowable], furniture: PageFurniture, *, title: str, invariant: bool
) -> bytes:
    """Lay out ``story`` on A4 pages with ``furniture`` and return the PDF bytes."""
    buffer = io.BytesIO()
    doc = ReportDocTemplate(
        buffer,
        invariant=invariant,
        title=title,
        author="SJT service",
        subject=furniture.running_header,
        creator="sjt-service reports",
    )
    doc.build(story, canvasmaker=functools.partial(FurnitureCanvas, furniture=furniture))
    return buffer.getvalue()
