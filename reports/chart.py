"""The profile chart: five T-scores with 90% confidence bars over the shaded norm band."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.attrmap import AttrMap, AttrMapValue
from reportlab.lib.validators import isAnything

from reports.formatting import fmt_interval, fmt_percentile, fmt_t
from reports.profile import BandCuts, CompetencyScore
from reports.styles import BAND_COLOURS, GRID, INK, MUTED, NORM_BAND, RULE, ReportStyles
from reports.wording import ChartWording

T_MIN, T_MAX = 20.0, 80.0
"""The T-score axis of the chart; values beyond it are drawn at the edge with an arrow."""


def _bold(styles: ReportStyles, text: str) -> str:
    """The bold font if it can show ``text``, else a fallback font that can."""
    font = styles.canvas_font(text)
    return styles.bold if font == styles.font else font


class ProfileChart(Drawing):
    """A drawing of the profile: one row per competency, T-score axis from 20 to 80.

    ``rows`` holds (competency name, score, band name) in display order.
    """

    _attrMap = AttrMap(  # noqa: N815 (reportlab name)
        BASE=Drawing, rows=AttrMapValue(isAnything, desc="rows drawn")
    )
    ROW = 24.0
    HEAD = 18.0
    FOOT = 30.0

    def __init__(
        self,
        width: float,
        rows: Sequence[tuple[str, CompetencyScore, str]],
        cuts: BandCuts,
        labels: ChartWording,
        styles: ReportStyles,
    ) -> None:
        height = self.HEAD + self.ROW * len(rows) + self.FOOT
        super().__init__(width, height)
        self.rows = tuple(rows)
        font, bold = styles.font, styles.bold
        name_w = 0.215 * width
        x0, x1 = name_w + 8, name_w + 8 + 0.385 * width
        col_t = x1 + 0.065 * width
        col_ci = col_t + 0.08 * width
        col_pct = col_ci + 0.125 * width
        col_level = col_pct + 0.025 * width

        def x_of(t: float) -> float:
            return x0 + (min(max(t, T_MIN), T_MAX) - T_MIN) / (T_MAX - T_MIN) * (x1 - x0)

        top = height - self.HEAD
        bottom = self.FOOT
        # column headings
        head_y = height - 11
        for x, text, anchor in (
            (0, labels.competency, "start"),
            ((x0 + x1) / 2, labels.axis, "middle"),
            (col_t, labels.t, "end"),
            (col_ci, labels.interval, "middle"),
            (col_pct, labels.percentile, "end"),
            (col_level, labels.level, "start"),
        ):
            self._text((x, head_y), text, (_bold(styles, text), 7.5), MUTED, anchor=anchor)
        self.add(Line(0, top + 2, width, top + 2, strokeColor=RULE, strokeWidth=0.6))
        # norm band and grid
        band_x0, band_x1 = x_of(cuts.low_below), x_of(cuts.high_above)
        self.add(
            Rect(
                band_x0,
                bottom,
                band_x1 - band_x0,
                top - bottom,
                fillColor=NORM_BAND,
                strokeColor=None,
            )
        )
        for tick in range(int(T_MIN), int(T_MAX) + 1, 10):
            x = x_of(tick)
            self.add(
                Line(
                    x,
                    bottom,
                    x,
                    top,
                    strokeColor=GRID,
                    strokeWidth=0.8 if tick == 50 else 0.35,
                    strokeDashArray=None if tick == 50 else [1.5, 2],
                )
            )
            self._text((x, bottom - 10), str(tick), (font, 7), MUTED, anchor="middle")
        self.add(Line(x0, bottom, x1, bottom, strokeColor=MUTED, strokeWidth=0.6))
        # rows
        for index, (name, score, band_name) in enumerate(self.rows):
            y = top - self.ROW * (index + 0.5)
            colour = BAND_COLOURS[score.band]
            light = colors.Color(colour.red, colour.green, colour.blue, alpha=0.55)
            if index:
                self.add(
                    Line(
                        0,
                        y + self.ROW / 2,
                        x0 - 4,
                        y + self.ROW / 2,
                        strokeColor=RULE,
                        strokeWidth=0.4,
                    )
                )
                self.add(
                    Line(
                        x1 + 4,
                        y + self.ROW / 2,
                        width,
                        y + self.ROW / 2,
                        strokeColor=RULE,
                        strokeWidth=0.4,
                    )
                )
            label = styles.fit(name, styles.canvas_font(name), 8.5, name_w)
            self._text((0, y - 3), label, (styles.canvas_font(label), 8.5), INK)
            lo, hi = x_of(score.t_low), x_of(score.t_high)
            self.add(Line(lo, y, hi, y, strokeColor=light, strokeWidth=2.2))
            for x, t in ((lo, score.t_low), (hi, score.t_high)):
                if T_MIN <= t <= T_MAX:
                    self.add(Line(x, y - 4, x, y + 4, strokeColor=light, strokeWidth=1.2))
            x = x_of(score.t_score)
            if score.t_score < T_MIN or score.t_score > T_MAX:
                d = -1 if score.t_score < T_MIN else 1
                self.add(
                    Polygon(
                        [x + 5 * d, y, x - 2 * d, y + 4.5, x - 2 * d, y - 4.5],
                        fillColor=colour,
                        strokeColor=None,
                    )
                )
            else:
                self.add(
                    Circle(x, y, 4.2, fillColor=colour, strokeColor=colors.white, strokeWidth=1)
                )
            self._text((col_t, y - 3), fmt_t(score.t_score), (bold, 9), INK, anchor="end")
            self._text(
                (col_ci, y - 3),
                fmt_interval(score.t_low, score.t_high),
                (font, 8.5),
                MUTED,
                anchor="middle",
            )
            self._text(
                (col_pct, y - 3), fmt_percentile(score.percentile), (font, 8.5), MUTED, anchor="end"
            )
            self._text((col_level, y - 3), band_name, (_bold(styles, band_name), 8.5), colour)

    def _text(
        self,
        at: tuple[float, float],
        text: str,
        font: tuple[str, float],
        colour: colors.Color,
        anchor: str = "start",
    ) -> None:
        """Draw ``text`` at ``at`` in ``font`` (name, size) and ``colour``."""
        x, y = at
        name, size = font
        self.add(
            String(x, y, text, fontName=name, fontSize=size, fillColor=colour, textAnchor=anchor)
        )

    def texts(self) -> list[str]:
        """Every text string drawn in the chart (for tests)."""
        return [shape.text for shape in self.contents if isinstance(shape, String) and shape.text]
