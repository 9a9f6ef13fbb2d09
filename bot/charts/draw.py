"""Drawing: ``ChartSpec`` → matplotlib ``Figure`` → PNG bytes.

Only ``matplotlib.figure.Figure`` and the Agg canvas are used (never pyplot): nothing is
registered globally, a figure is garbage once its PNG is written, and charts can be
drawn from worker threads.

Layout (everything is placed in inches, the figure is exactly as tall as its content):

    title (the question, wrapped)
    scale anchors and mean line (rating) / percent note (multi)
    legend (several series; a hidden series: "<name> — <hidden note>", no swatch fill)
    for each category, in questionnaire order, top to bottom:
        label — beside the bars when all labels are short ("1".."5", "Oui"),
                above them otherwise (long labels wrap over the full width)
        one horizontal bar per visible series, on a light 0–100 % track,
        "count · percent" written at the end of the bar; a bar of 0 keeps a thin
        tick of its series' colour, so every bar can be matched to its legend entry
    ─────────
    n line · no-answer note (footer)

Bar length is the percentage of the series' respondents, so series of different sizes
compare fairly. Arabic charts are mirrored: text is right-aligned and bars grow from
the right edge towards the left; every line gets a right-to-left mark (see text.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from matplotlib import colors as mcolors
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Affine2D, Bbox
from PIL import Image

from bot.charts.data import ChartSpec
from bot.charts.fonts import font_properties
from bot.charts.text import (
    block_height,
    directional,
    line_box,
    shape_line,
    text_width,
    value_label,
    wrap,
)

DPI = 200
WIDTH = 6.0  # inches: 1200 px at 200 dpi
MARGIN = 0.28
TOP = 0.22
BOTTOM = 0.16

TITLE_SIZE = 14.0
NOTE_SIZE = 11.0
LABEL_SIZE = 12.0
VALUE_SIZE = 11.0
LEGEND_SIZE = 11.0
FOOTER_SIZE = 10.5

SLOT = 0.30  # inches per bar (bar + gap)
BAR = 0.22
SIDE_LABELS_MAX = 1.6  # inches: labels this narrow go beside the bars
CATEGORY_GAP = 0.16
SWATCH = 0.15
ZERO_TICK = 0.025  # inches: the coloured tick that stands for a bar of length 0
WRAP_SLACK = 0.97  # wrap a little short of the width: hinting may widen text slightly

INK = "#1b1f24"
SOFT_INK = "#4a525c"
FOOTER_INK = "#5c6570"
TRACK = "#edf0f4"
RULE = "#c9ced6"
HIDDEN_EDGE = "#8a929c"
PALETTE = (
    "#2f6db5",  # blue
    "#e08e0b",  # orange
    "#1b9e77",  # green
    "#c2528b",  # magenta
    "#56a6d9",  # sky
    "#b5532f",  # brick
    "#7a6fb0",  # violet
    "#6b7280",  # grey
)


def series_color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _pt(inches: float) -> float:
    return inches * 72.0


def _in(points: float) -> float:
    return points / 72.0


@dataclass
class _Layout:
    """What to draw, in inches from the top-left corner of the figure (LTR coordinates)."""

    texts: list[tuple[float, float, str, float, bool, str, str, str]] = field(default_factory=list)
    rects: list[tuple[float, float, float, float, dict[str, object]]] = field(default_factory=list)
    rules: list[tuple[float, float, float]] = field(default_factory=list)
    height: float = 0.0

    def text(self, x: float, y: float, s: str, size: float, *, bold: bool = False,
             ha: str = "left", va: str = "top", color: str = INK) -> None:
        self.texts.append((x, y, s, size, bold, ha, va, color))

    def rect(self, x: float, y: float, w: float, h: float, **style: object) -> None:
        self.rects.append((x, y, w, h, style))


def _wrapped_block(layout: _Layout, text: str, y: float, width: float, size: float, *,
                   bold: bool = False, color: str = INK, x: float = MARGIN) -> float:
    """Wrap *text* into *width* inches at (x, y) top-left; return the y below it."""
    if not text.strip():
        return y
    lines = wrap(text, _pt(width) * WRAP_SLACK, size, bold)
    layout.text(x, y, "\n".join(lines), size, bold=bold, color=color)
    return y + _in(block_height(lines, size, bold))


def _legend(layout: _Layout, spec: ChartSpec, y: float) -> float:
    entries = []
    for index, series in enumerate(spec.series):
        name = series.name or "—"
        note = series.hidden_note or spec.labels.hidden_note
        label = f"{name} — {note}" if series.hidden and note else name
        entries.append((index, series.hidden, label))
    content = WIDTH - 2 * MARGIN
    gap_after_swatch = 0.07
    gap_between = 0.28
    text_room = content - SWATCH - gap_after_swatch
    line_h = _in(block_height(["Ag"], LEGEND_SIZE))
    row_h = max(line_h, SWATCH) + 0.06
    x = MARGIN
    for index, hidden, label in entries:
        lines = wrap(label, _pt(text_room) * WRAP_SLACK, LEGEND_SIZE)
        text_w = max(_in(text_width(line, LEGEND_SIZE)) for line in lines)
        entry_w = SWATCH + gap_after_swatch + text_w
        entry_h = max(_in(block_height(lines, LEGEND_SIZE)), SWATCH) + 0.06
        if x > MARGIN and (x + entry_w > WIDTH - MARGIN or len(lines) > 1):
            x = MARGIN
            y += row_h
            row_h = max(line_h, SWATCH) + 0.06
        row_h = max(row_h, entry_h)
        swatch_y = y + (max(line_h, SWATCH) - SWATCH) / 2
        if hidden:
            layout.rect(x, swatch_y, SWATCH, SWATCH, facecolor="white", edgecolor=HIDDEN_EDGE,
                        linestyle=(0, (2, 1.5)), linewidth=1.0, gid=f"legend:{index}")
        else:
            layout.rect(x, swatch_y, SWATCH, SWATCH, facecolor=series_color(index), edgecolor="none",
                        gid=f"legend:{index}")
        layout.text(x + SWATCH + gap_after_swatch, y, "\n".join(lines), LEGEND_SIZE,
                    color=SOFT_INK if hidden else INK)
        x += entry_w + gap_between
        if len(lines) > 1:
            x = WIDTH  # a wrapped entry has its row to itself
    return y + row_h


def _plan(spec: ChartSpec) -> _Layout:
    layout = _Layout()
    content = WIDTH - 2 * MARGIN
    y = TOP

    y = _wrapped_block(layout, spec.title, y, content, TITLE_SIZE, bold=True)
    notes = [spec.labels.scale_line if spec.kind == "rating" else "",
             spec.labels.mean_line if spec.kind == "rating" else "",
             spec.labels.percent_note if spec.kind == "multi" else ""]
    notes = [note for note in notes if note.strip()]
    if notes:
        y += 0.06
        for note in notes:
            y = _wrapped_block(layout, note, y, content, NOTE_SIZE, color=SOFT_INK)
    y += 0.2

    single = len(spec.series) == 1 and not spec.series[0].name and not spec.series[0].hidden
    if not single:
        y = _legend(layout, spec, y) + 0.08

    visible = [(i, s) for i, s in enumerate(spec.series) if not s.hidden]
    values = {
        (i, c): value_label(s.counts[c], s.respondents, spec.language)
        for i, s in visible for c in range(len(spec.categories))
    }
    value_gap = 0.06
    value_w = max((_in(text_width(v, VALUE_SIZE)) for v in values.values()), default=0.0) + value_gap + 0.04

    label_widths = [_in(text_width(c, LABEL_SIZE)) for c in spec.categories]
    side = max(label_widths, default=0.0) <= SIDE_LABELS_MAX
    if side:
        label_col = max(label_widths, default=0.0) + 0.16
        bars_x = MARGIN + label_col
    else:
        bars_x = MARGIN
    bars_w = max(WIDTH - MARGIN - value_w - bars_x, 1.0)

    group_h = SLOT * len(visible)
    for c, category in enumerate(spec.categories):
        if side:
            lines = wrap(category, _pt(label_col - 0.16) + 1.0, LABEL_SIZE)
            label_h = _in(block_height(lines, LABEL_SIZE))
            row_h = max(group_h, label_h)
            layout.text(MARGIN, y + row_h / 2, "\n".join(lines), LABEL_SIZE, va="center")
            bars_top = y + (row_h - group_h) / 2
            y += row_h
        else:
            y = _wrapped_block(layout, category, y, content, LABEL_SIZE)
            y += 0.04
            bars_top = y
            y += group_h
        for slot, (i, series) in enumerate(visible):
            bar_y = bars_top + slot * SLOT + (SLOT - BAR) / 2
            share = series.counts[c] / series.respondents if series.respondents > 0 else 0.0
            bar_w = bars_w * min(share, 1.0)
            layout.rect(bars_x, bar_y, bars_w, BAR, facecolor=TRACK, edgecolor="none", gid=f"track:{i}:{c}")
            layout.rect(bars_x, bar_y, bar_w, BAR, facecolor=series_color(i), edgecolor="none", gid=f"bar:{i}:{c}")
            if bar_w <= 0:
                layout.rect(bars_x, bar_y, ZERO_TICK, BAR, facecolor=series_color(i), edgecolor="none",
                            gid=f"zero:{i}:{c}")
            layout.text(bars_x + bar_w + value_gap, bar_y + BAR / 2, values[(i, c)], VALUE_SIZE, va="center")
        y += CATEGORY_GAP

    y += 0.06
    layout.rules.append((MARGIN, WIDTH - MARGIN, y))
    y += 0.08
    footer = " · ".join(part for part in (spec.labels.n_line, spec.labels.no_answer_note) if part.strip())
    y = _wrapped_block(layout, footer, y, content, FOOTER_SIZE, color=FOOTER_INK)
    layout.height = y + BOTTOM
    return layout


class ShapedText(Text):
    """A ``Text`` drawn from the cached outlines of ``text.shape_line``.

    Same layout engine as a plain ``Text`` (matplotlib's libraqm layout, through
    ``TextToPath``), but each distinct line is laid out once per process instead of twice
    per drawing, and is drawn as one filled path: matplotlib 3.11 otherwise lays a
    string out again and renders it glyph by glyph in Python on every draw, which made
    a set of 14 charts take ~1.8 s. Supports what the charts use: no rotation, any
    ha / va / multialignment, 'normal' line spacing. Mathtext is never parsed.
    """

    def _lines(self) -> list[str]:
        return self.get_text().split("\n")

    def _block(self, dpi: float) -> tuple[float, float, list[tuple[str, float, float]]]:
        """Block width and height in pixels, and for each line (text, x offset, baseline
        offset below the top), all in pixels."""
        prop = self.get_fontproperties()
        size, bold = prop.get_size_in_points(), prop.get_weight() in ("bold", 700)
        px = dpi / 72.0
        placed: list[tuple[str, float, float]] = []
        widths = [shape_line(line, size, bold).width * px if line else 0.0 for line in self._lines()]
        width = max(widths, default=0.0)
        align = self._multialignment or self.get_horizontalalignment()
        top = 0.0
        for line, line_w in zip(self._lines(), widths):
            ascent, descent = line_box(line, size, bold)
            shift = {"left": 0.0, "center": (width - line_w) / 2, "right": width - line_w}[align]
            placed.append((line, shift, top + ascent * px))
            top += (ascent + descent) * px
        return width, top, placed

    def _origin(self, width: float, height: float, first_baseline: float) -> tuple[float, float]:
        """Top-left corner of the block in display pixels (y up)."""
        x, y = self.get_transform().transform(self.get_unitless_position())
        ha, va = self.get_horizontalalignment(), self.get_verticalalignment()
        left = {"left": x, "center": x - width / 2, "right": x - width}[ha]
        top = {
            "top": y, "center": y + height / 2, "bottom": y + height,
            "baseline": y + first_baseline, "center_baseline": y + first_baseline,
        }[va]
        return left, top

    def get_window_extent(self, renderer=None, dpi=None):  # noqa: ANN001 - matplotlib signature
        figure = self.get_figure(root=True)
        dpi = dpi if dpi is not None else figure.dpi
        if not self.get_visible() or not self.get_text():
            return Bbox.unit()
        width, height, placed = self._block(dpi)
        left, top = self._origin(width, height, placed[0][2])
        return Bbox.from_bounds(left, top - height, width, height)

    def draw(self, renderer) -> None:  # noqa: ANN001 - matplotlib signature
        if not self.get_visible() or not self.get_text():
            return
        renderer.open_group("text", self.get_gid())
        prop = self.get_fontproperties()
        size, bold = prop.get_size_in_points(), prop.get_weight() in ("bold", 700)
        px = renderer.points_to_pixels(1.0)
        width, height, placed = self._block(renderer.dpi)
        left, top = self._origin(width, height, placed[0][2])
        gc = renderer.new_gc()
        color = mcolors.to_rgba(self.get_color(), self.get_alpha())
        gc.set_foreground(color, isRGBA=True)
        gc.set_linewidth(0)
        gc.set_antialiased(True)
        for line, shift, baseline in placed:
            shaped = shape_line(line, size, bold) if line else None
            if shaped is None or not len(shaped.path.vertices):
                continue
            transform = Affine2D().scale(px).translate(left + shift, top - baseline)
            renderer.draw_path(gc, shaped.path, transform, color)
        gc.restore()
        renderer.close_group("text")
        self.stale = False


_MIRROR_HA = {"left": "right", "right": "left", "center": "center"}


def build_figure(spec: ChartSpec) -> Figure:
    """The chart of *spec* as a matplotlib ``Figure`` (not yet rendered), 1200 px wide."""
    layout = _plan(spec)
    rtl = spec.rtl
    height = layout.height
    fig = Figure(figsize=(WIDTH, height), dpi=DPI, facecolor="white")
    inches = fig.dpi_scale_trans

    def fx(x: float, w: float = 0.0) -> float:
        """Left edge in figure inches of a box drawn at x..x+w in LTR coordinates."""
        return WIDTH - x - w if rtl else x

    for x, y, w, h, style in layout.rects:
        fig.add_artist(Rectangle((fx(x, w), height - y - h), w, h, transform=inches, **style))
    for x0, x1, y in layout.rules:
        fig.add_artist(Line2D([x0, x1], [height - y, height - y], transform=inches, color=RULE, linewidth=0.8))
    for x, y, s, size, bold, ha, va, color in layout.texts:
        align = _MIRROR_HA[ha] if rtl else ha
        text = ShapedText(
            fx(x), height - y, directional(s, rtl),
            transform=inches, fontproperties=font_properties(size, bold),
            ha=align, va=va, multialignment=align, color=color, parse_math=False,
        )
        text.set_figure(fig)
        fig.texts.append(text)  # as Figure.text() does: tests and callers find them in fig.texts
    return fig


def figure_png(fig: Figure) -> bytes:
    """PNG bytes of *fig*: drawn with Agg, reduced to a palette, deflated.

    A chart is a handful of flat colours and their anti-aliasing ramps, so a palette
    image is visually lossless here, ~3 times smaller than RGBA, and much faster to encode
    (Pillow's adaptive row filters, used for RGB(A), cost more than the drawing itself).
    """
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgba = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    palette = rgba.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG", compress_level=3, dpi=(DPI, DPI))
    return buffer.getvalue()


def render_chart(spec: ChartSpec) -> bytes:
    """One chart as PNG bytes."""
    return figure_png(build_figure(spec))


def render_charts(specs: Iterable[ChartSpec]) -> list[bytes]:
    """Several charts as PNG bytes, in order."""
    return [render_chart(spec) for spec in specs]


__all__: Sequence[str] = ("ShapedText", "build_figure", "figure_png", "render_chart", "render_charts", "series_color")
