"""Chart text: shaped lines, direction marks, measuring and wrapping, number formats.

Shaping and bidi reordering are matplotlib's: since 3.11 ``FT2Font`` lays every string
out with libraqm (SheenBidi for the Unicode bidi algorithm, HarfBuzz for shaping and
the joined initial/medial/final forms). Strings stay in logical order all the way to
matplotlib; pre-shaping them (arabic-reshaper) or pre-reordering them (python-bidi)
would reverse them a second time, so neither is used.

What this module adds:

* ``shape_line``: one line laid out through matplotlib's own layout path
  (``TextToPath.get_glyphs_with_font`` → ``FT2Font._layout``, the call
  ``RendererAgg.draw_text`` makes) and kept, cached, as glyph outlines with its metrics.
  The charts draw these outlines (``draw.ShapedText``); measuring and wrapping use the
  same object, so what is measured is exactly what is drawn.

* the paragraph direction. libraqm takes it from the first strong character of each
  line, so an Arabic chart line that starts with a Latin word or a number ("Open Data
  في الرباط", "3 · 60%") would be laid out as a left-to-right paragraph. Every line of
  an Arabic chart is therefore prefixed with U+200F RIGHT-TO-LEFT MARK (invisible,
  zero width), which makes it a right-to-left paragraph.
* wrapping in logical order to a width in points, measured with the very fonts (and
  the same libraqm layout) that draw the text, so a wrapped line never overflows and a
  long label is wrapped, never cut. Each line is then laid out on its own, which is how
  the bidi algorithm treats lines anyway.
"""

from __future__ import annotations

import re
import unicodedata
import urllib.parse
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matplotlib.path import Path
from matplotlib.textpath import TextToPath

from bot.charts.fonts import font_properties, ft2font
from bot.i18n.figures import format_percent, percent

RLM = "\u200f"  # RIGHT-TO-LEFT MARK
LRM = "\u200e"  # LEFT-TO-RIGHT MARK
_MARKS = {RLM, LRM, "\u061c"}  # ... and ARABIC LETTER MARK


def strip_marks(text: str) -> str:
    """*text* without the invisible direction marks (for tests and logs)."""
    return "".join(ch for ch in text if ch not in _MARKS)


def directional(text: str, rtl: bool) -> str:
    """*text* ready to draw: for a right-to-left chart every line starts with an RLM."""
    if not rtl:
        return text
    return "\n".join(line if line.startswith(RLM) else RLM + line for line in text.split("\n"))


@dataclass(frozen=True)
class ShapedLine:
    """One line of text shaped and ordered by matplotlib/libraqm, as glyph outlines.

    ``path`` is in points for the requested size, the origin on the baseline at the
    left end of the line (visual order: for Arabic the first letter is at the right).
    """

    text: str
    glyphs: tuple[tuple[str, int, float], ...]  # (font PostScript name, glyph index, x in points)
    path: Path
    width: float  # points, left origin to the right edge of the ink
    left: float  # points, left origin to the left edge of the ink
    ascent: float  # points above the baseline reached by the ink
    descent: float  # points below the baseline reached by the ink


_TO_PATH = TextToPath()
_OUTLINES: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # glyph repr → outline at FONT_SCALE


@lru_cache(maxsize=2048)
def shape_line(text: str, size: float, bold: bool = False) -> ShapedLine:
    """*text* (one line) laid out exactly as matplotlib lays text out (libraqm), cached.

    ``TextToPath.get_glyphs_with_font`` runs matplotlib's own layout (the one
    ``RendererAgg.draw_text`` uses): bidi reordering and HarfBuzz shaping happen there.
    Outlines are shared between lines and sizes, so drawing a label again costs nothing.
    """
    font = ft2font(font_properties(size, bold))
    font.set_size(TextToPath.FONT_SCALE, TextToPath.DPI)
    glyph_info, _new, _rects = _TO_PATH.get_glyphs_with_font(font, text, glyph_map=_OUTLINES)
    scale = size / TextToPath.FONT_SCALE
    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    glyphs: list[tuple[str, int, float]] = []
    for glyph_repr, x, y, glyph_scale in glyph_info:
        outline_verts, outline_codes = _OUTLINES[glyph_repr]
        font_name, _, index = urllib.parse.unquote(glyph_repr).rpartition("-")
        glyphs.append((font_name, int(index, 16), x * scale))
        if len(outline_codes):
            verts.append((outline_verts * glyph_scale + [x, y]) * scale)
            codes.append(outline_codes)
    if verts:
        path = Path(np.concatenate(verts), np.concatenate(codes))
        (x0, y0), (x1, y1) = path.vertices.min(axis=0), path.vertices.max(axis=0)
        width, left = max(float(x1), 0.0), min(max(float(x0), 0.0), max(float(x1), 0.0))
        ascent, descent = max(float(y1), 0.0), max(float(-y0), 0.0)
    else:
        path = Path(np.empty((0, 2)))
        width = left = ascent = descent = 0.0
    return ShapedLine(text, tuple(glyphs), path, width, left, ascent, descent)


def line_metrics(text: str, size: float, bold: bool = False) -> tuple[float, float, float]:
    """(width, ascent, descent) in points of one line of *text*, as it will be drawn."""
    if not text:
        return 0.0, 0.0, 0.0
    line = shape_line(text, size, bold)
    return line.width, line.ascent, line.descent


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in points of one line of *text* (shaped, with font fallbacks)."""
    return line_metrics(text, size, bold)[0]


@lru_cache(maxsize=64)
def _font_extent(size: float, bold: bool) -> tuple[float, float]:
    """Ascent and descent (points) of the first font of the chain, as ``Text`` uses them."""
    font = ft2font(font_properties(size, bold))
    table = font.get_sfnt_table("OS/2") or font.get_sfnt_table("hhea")
    scale = size / font.get_sfnt_table("head")["unitsPerEm"]
    if "sTypoAscender" in table:
        return table["sTypoAscender"] * scale, -table["sTypoDescender"] * scale
    return table["ascent"] * scale, -table["descent"] * scale


def line_box(text: str, size: float, bold: bool = False) -> tuple[float, float]:
    """(ascent, descent) in points of the line box: the font's, or the ink's when taller.

    The same rule as matplotlib's 'normal' line spacing (``Text._get_layout``).
    """
    min_ascent, min_descent = _font_extent(size, bold)
    _w, ascent, descent = line_metrics(text, size, bold)
    return max(ascent, min_ascent), max(descent, min_descent)


def block_height(lines: list[str] | tuple[str, ...], size: float, bold: bool = False) -> float:
    """Height in points of a block of *lines*, one line box under the other."""
    return sum(sum(line_box(line, size, bold)) for line in lines)


def _clusters(word: str) -> list[str]:
    """*word* cut into characters, each with its combining marks (Arabic harakat stay on)."""
    out: list[str] = []
    for ch in word:
        if out and (unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf")):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _split_long_word(word: str, width: float, size: float, bold: bool) -> list[str]:
    pieces: list[str] = []
    current = ""
    for cluster in _clusters(word):
        if current and text_width(current + cluster, size, bold) > width:
            pieces.append(current)
            current = cluster
        else:
            current += cluster
    if current:
        pieces.append(current)
    return pieces


def _ink_span(text: str, size: float, bold: bool) -> float:
    """Width of the ink of *text* from its leftmost to its rightmost point, in points."""
    line = shape_line(text, size, bold)
    return line.width - line.left


@lru_cache(maxsize=64)
def _word_gap(size: float, bold: bool) -> float:
    """Blank between the inks of two words separated by one space, in points."""
    return _ink_span("n n", size, bold) - 2 * _ink_span("n", size, bold)


def _fits(words: list[str], width: float, size: float, bold: bool) -> bool:
    return text_width(" ".join(words), size, bold) <= width


BREAKABLE_SPACE = re.compile(r"[ \t]+")
"""Where a line may break: plain spaces only; no-break spaces ("25\u202f%") hold."""
GLUED_TO_PREVIOUS = frozenset("?!:;»%)]}؟؛،.,…")  # "formateurs ?": never alone at a line start
GLUED_TO_NEXT = frozenset("«([{")  # "« Oui": never alone at a line end


def _glued(token: str, signs: frozenset[str]) -> bool:
    return bool(token) and all(ch in signs for ch in token)


def breakable_units(paragraph: str) -> list[str]:
    """The pieces a line may break between: words, with French spacing signs attached."""
    units: list[str] = []
    for token in BREAKABLE_SPACE.split(paragraph.strip()):
        if not token:
            continue
        if units and (_glued(token, GLUED_TO_PREVIOUS) or _glued(units[-1].split(" ")[-1], GLUED_TO_NEXT)):
            units[-1] = f"{units[-1]} {token}"
        else:
            units.append(token)
    return units


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Greedy word wrap of *text* (logical order) into lines of at most *width* points.

    Explicit newlines are kept; lines break only at plain spaces, never before a sign
    such as "?" or after "«"; a word wider than a line is split between characters;
    nothing is ever dropped. Lines are planned from the widths of single words (each word
    is shaped once: Arabic joining never crosses a space) and every finished line is then
    measured whole, moving its last words down if it does not fit.
    """
    lines: list[str] = []
    gap = _word_gap(size, bold)
    for paragraph in text.split("\n"):
        words: list[str] = []
        for word in breakable_units(paragraph):
            if text_width(word, size, bold) <= width:
                words.append(word)
            else:
                words.extend(_split_long_word(word, width, size, bold))
        if not words:
            lines.append("")
            continue
        while words:
            taken, span = 1, _ink_span(words[0], size, bold)
            while taken < len(words):
                span_next = span + gap + _ink_span(words[taken], size, bold)
                if span_next > width:
                    break
                span, taken = span_next, taken + 1
            while taken > 1 and not _fits(words[:taken], width, size, bold):
                taken -= 1
            lines.append(" ".join(words[:taken]))
            words = words[taken:]
    return lines


def value_label(count: int, total: int, language: str) -> str:
    """The text at the end of a bar: "3 · 60 %" (count, then percent of the series)."""
    return f"{count} · {format_percent(percent(count, total), language)}"
