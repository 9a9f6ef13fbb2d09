"""Planned pages → A4 ``Figure``s: shaped text, rules, boxes and charts, all vector.

Text is placed by the charts' ``ShapedText`` (lines measured with ``bot.charts.text``,
laid out by matplotlib's libraqm path), so Arabic is joined and ordered right to left
in the report exactly as in the charts. A right-to-left document is mirrored here: the
items were planned left to right, and each is flipped about the middle of the page.

On the PDF renderer each line is then written as PDF text (``pdf_text.write_text``: the
same libraqm layout, glyphs of embedded TrueType fonts, each standing for the characters
a reader copies) rather than as outlines:
``ShapedText`` draws every glyph as a path, which is right for the Agg PNGs but makes a
PDF page of comments weigh ~500 KB (a 400-answer report ~10 MB) and its text
impossible to select or search. Written as text, the same page is a few KB, and
organisers can copy participants' words into their own report. Positions, sizes and
line breaks are still ``ShapedText``'s, so what was measured is what is drawn; on any
other renderer the outlines are drawn as before.

Charts are not pictures: ``ChartInset`` draws the artists of the very ``Figure`` that
``bot.charts.build_figure`` returns straight onto the page's renderer, after pointing
that figure's inch→pixel transform at the chart's place on the page. Every chart
artist is positioned through that transform (``draw.build_figure`` places everything in
inches), so the chart lands on the page as vectors, identical to its PNG. A chart taller
than a page is drawn smaller through ``_ScaledRenderer``, which scales what
``ShapedText`` reads from the renderer (its dpi and points→pixels) along with the
transform, so text shrinks with the bars.
"""

from __future__ import annotations

from typing import Any

from matplotlib import colors as mcolors
from matplotlib.artist import Artist
from matplotlib.backends.backend_pdf import PdfFile
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from bot.charts.draw import ShapedText
from bot.charts.fonts import font_properties
from bot.reports.layout import (
    PAGE_H,
    PAGE_W,
    ChartItem,
    Page,
    RectItem,
    RuleItem,
    TextItem,
)
from bot.reports.pdf_text import write_text

_MIRROR_HA = {"left": "right", "right": "left", "center": "center"}


class _ScaledRenderer:
    """A renderer seen through a magnifying glass: dpi and points→pixels times *scale*."""

    def __init__(self, renderer: Any, scale: float) -> None:
        self._renderer = renderer
        self._scale = scale

    @property
    def dpi(self) -> float:
        return self._renderer.dpi * self._scale

    def points_to_pixels(self, points: float) -> float:
        return self._renderer.points_to_pixels(points) * self._scale

    def __getattr__(self, name: str) -> Any:
        return getattr(self._renderer, name)


def _is_pdf(renderer: Any) -> bool:
    return isinstance(getattr(renderer, "file", None), PdfFile)


def draw_shaped_text(text: ShapedText, renderer: Any) -> None:
    """Draw *text* (a ``ShapedText``) where and as ``ShapedText.draw`` would, as PDF text
    on a PDF renderer, as outlines anywhere else."""
    if not _is_pdf(renderer):
        text.draw(renderer)
        return
    if not text.get_visible() or not text.get_text():
        return
    prop = text.get_fontproperties()
    size, bold = prop.get_size_in_points(), prop.get_weight() in ("bold", 700)
    drawn = font_properties(size * renderer.points_to_pixels(1.0), bold)
    width, height, placed = text._block(renderer.dpi)
    left, top = text._origin(width, height, placed[0][2])
    renderer.open_group("text", text.get_gid())
    gc = renderer.new_gc()
    gc.set_foreground(mcolors.to_rgba(text.get_color(), text.get_alpha()), isRGBA=True)
    font = renderer._get_font_ttf(drawn)
    for line, shift, baseline in placed:
        if line.strip():
            write_text(renderer, gc, left + shift, top - baseline, line, font, drawn.get_size_in_points())
    gc.restore()
    renderer.close_group("text")
    text.stale = False


class ReportText(ShapedText):
    """``ShapedText`` that writes PDF text on a PDF renderer (see ``draw_shaped_text``)."""

    def draw(self, renderer: Any) -> None:
        if _is_pdf(renderer):
            draw_shaped_text(self, renderer)
        else:
            super().draw(renderer)


class ChartInset(Artist):
    """The content of a chart ``Figure`` drawn on a page, bottom-left corner at
    (*left*, *bottom*) inches from the page's bottom-left, scaled by *scale*."""

    def __init__(self, chart: Figure, left: float, bottom: float, scale: float = 1.0) -> None:
        super().__init__()
        self._chart = chart
        self._left = left
        self._bottom = bottom
        self._scale = scale
        self._artists = sorted(
            (a for a in chart.get_children() if a is not chart.patch), key=lambda a: a.get_zorder()
        )

    def draw(self, renderer: Any) -> None:
        if not self.get_visible():
            return
        dpi = renderer.dpi
        # Every chart artist is placed through this transform (inches → pixels).
        self._chart.dpi_scale_trans.clear().scale(dpi * self._scale).translate(
            self._left * dpi, self._bottom * dpi)
        target = renderer if self._scale == 1.0 else _ScaledRenderer(renderer, self._scale)
        renderer.open_group("chart", self.get_gid())
        for artist in self._artists:
            if isinstance(artist, ShapedText):
                draw_shaped_text(artist, target)
            else:
                artist.draw(target)
        renderer.close_group("chart")
        self.stale = False


def page_figure(page: Page, rtl: bool) -> Figure:
    """One A4 page (a ``Figure`` in inches, 72 dpi) with the items of *page*."""
    fig = Figure(figsize=(PAGE_W, PAGE_H), dpi=72, facecolor="white")
    inches = fig.dpi_scale_trans

    def fx(x: float, w: float = 0.0) -> float:
        return PAGE_W - x - w if rtl else x

    for item in page.items:
        if isinstance(item, RectItem):
            fig.add_artist(Rectangle((fx(item.x, item.w), PAGE_H - item.y - item.h), item.w, item.h,
                                     transform=inches, facecolor=item.color, edgecolor="none"))
        elif isinstance(item, RuleItem):
            x0, x1 = sorted((fx(item.x0), fx(item.x1)))
            fig.add_artist(Line2D([x0, x1], [PAGE_H - item.y] * 2, transform=inches,
                                  color=item.color, linewidth=item.width, solid_capstyle="butt"))
        elif isinstance(item, ChartItem):
            height = item.figure.get_figheight() * item.scale
            fig.add_artist(ChartInset(item.figure, fx(item.x, item.width), PAGE_H - item.y - height,
                                      item.scale))
        elif isinstance(item, TextItem):
            if not item.text:
                continue
            align = _MIRROR_HA[item.ha] if rtl else item.ha
            text = ReportText(fx(item.x), PAGE_H - item.y, item.text, transform=inches,
                              fontproperties=font_properties(item.size, item.bold),
                              ha=align, va="top", multialignment=align, color=item.color,
                              parse_math=False)
            text.set_figure(fig)
            fig.texts.append(text)
    return fig
