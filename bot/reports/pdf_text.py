"""Report text written as PDF text that copies and searches as the words it shows.

Three things stand between matplotlib's PDF text and words a reader can copy:

* **Type 3 fonts.** matplotlib embeds TrueType fonts as Type 3 (one drawing procedure per
  glyph) unless ``pdf.fonttype`` is 42. ``truetype_fonts()`` sets it (and ``ps.fonttype``,
  which sizes the font subsets of a ``PdfFile``) for the time a report is drawn *and
  written* — the fonts are embedded when the file closes — under a lock, so that two
  reports drawn at once never see each other's settings. The charts' PNGs (Agg) do not
  read these settings.
* **Glyph clusters.** matplotlib 3.11 lays text out with libraqm and writes a ToUnicode
  map from each glyph to the characters of its cluster. A cluster of several glyphs (an
  Arabic letter and its harakat: "أُ", "يّ") maps every glyph to the whole cluster, so
  "أُرسل" comes back as "ُأُأرسل". And a mark is raised above its letter: an extractor
  reads raised text as a word of its own ("أ ُرسل"). So a mark is drawn as its outline,
  where libraqm put it, and its character rides on a blank glyph on the baseline next to
  its letter, which stands for the letter alone.
* **Right-to-left ligatures.** One glyph for several letters (lam-alef "لا", "لأ", "لى")
  needs a multi-character map, in logical order as the PDF specification says; but
  extractors that rebuild the reading order by reversing the visual order character by
  character (poppler's ``pdftotext``; pdfminer, pypdf and PyMuPDF have the same open
  issue) turn it into "ال", so "الاستبيان" is copied as "االستبيان". Instead the ligature
  glyph maps to its first letter and each further letter rides on an empty, zero-width
  glyph (the font's U+200B) drawn at the same place, just before it in the content stream:
  every glyph then stands for one character, in visual order — the case every extractor
  handles. Latin ligatures ("fi", "ffi") keep their multi-character map: left to right,
  nobody reverses it.
* **No-break spaces.** Extractors read a lone space glyph as a gap between words and
  copy a plain space; a no-break space (French "60 %", "« oui »", "Date :") is written
  in a span whose ActualText is the space and the character after it.

Direction marks (RLM, LRM) and other invisible format characters are laid out (they steer
the bidi algorithm) but not written, so they never end up in copied text. What poppler
still does its own way: neutral characters where the direction changes (an Arabic comma
after a word, "25%" in an Arabic line) may come out on the other side of a space.

Positions are libraqm's, glyph by glyph, so the page looks exactly as
``renderer.draw_text`` (and ``ShapedText``'s outlines) would draw it.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
from fontTools import subset
from matplotlib.backends import _backend_pdf_ps
from matplotlib.font_manager import FontPath
from matplotlib.ft2font import FT2Font, LoadFlags
from matplotlib.path import Path
from matplotlib.transforms import Affine2D

_SETTINGS = {"pdf.fonttype": 42, "ps.fonttype": 42}
_LOCK = threading.RLock()
ZWSP = 0x200B  # zero width space: its glyph draws nothing and does not move the pen
NO_BREAK = frozenset("\u00a0\u202f")  # no-break space, narrow no-break space


def _glyphs_subset(fontfile: FontPath, glyphs: set[int]) -> AbstractContextManager[Any]:
    """matplotlib's ``get_glyphs_subset`` without the OpenType layout tables.

    The embedded font only ever draws glyphs chosen by number (the PDF's CIDToGIDMap):
    GSUB / GPOS / GDEF are never read by a PDF viewer, and computing their closure is
    two thirds of the time fontTools spends subsetting Noto Sans.
    """
    options = subset.Options(glyph_names=True, recommended_glyphs=True)
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "FFTM", "meta"]
    options.font_number = fontfile.face_index
    font = subset.load_font(fontfile, options)
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(gids=glyphs)
    subsetter.subset(font)
    return _backend_pdf_ps.SubsetResults(font, subsetter.glyph_index_map)._as_cm()


@contextmanager
def truetype_fonts() -> Iterator[None]:
    """While drawing and writing a report: TrueType (Type 42) fonts, not Type 3.

    Only the two font settings are changed and restored (``rc_context`` would restore
    every setting, including ones another thread might have changed meanwhile), and
    fonts are subset without their layout tables (``_glyphs_subset``).
    """
    with _LOCK:
        saved = {key: mpl.rcParams[key] for key in _SETTINGS}
        subsetting = _backend_pdf_ps.get_glyphs_subset
        mpl.rcParams.update(_SETTINGS)
        _backend_pdf_ps.get_glyphs_subset = _glyphs_subset
        try:
            yield
        finally:
            _backend_pdf_ps.get_glyphs_subset = subsetting
            mpl.rcParams.update(saved)


@dataclass(frozen=True)
class Unit:
    """One glyph to write, where, and the text it stands for (*outline*: drawn as a shape,
    standing for no text: a mark whose text rides on a blank glyph at the baseline)."""

    font: Any  # FT2Font
    glyph: int
    x: float  # points from the line's origin
    y: float
    chars: str
    outline: bool = False


def _rtl(chars: str) -> bool:
    return unicodedata.bidirectional(chars[0]) in ("R", "AL")


def _invisible(chars: str) -> bool:
    return all(unicodedata.category(ch) == "Cf" for ch in chars)


def _mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me")


def _advance(item: Any) -> float:
    """How far the glyph moves the pen, in points (the font is set to the line's size); 0
    for a mark."""
    return item.ft_object.load_glyph(item.glyph_index, flags=LoadFlags.NO_HINTING).horiAdvance / 64


def _clusters(run: list[Any]) -> list[list[Any]]:
    """Consecutive layout items with the same cluster text, cut into clusters: a cluster
    starts again when its first glyph comes back ("يّيّ" → two, "fifi" → two)."""
    clusters: list[list[Any]] = []
    for item in run:
        if not clusters or item.glyph_index == clusters[-1][0].glyph_index:
            clusters.append([item])
        else:
            clusters[-1].append(item)
    return clusters


def text_units(items: Sequence[Any]) -> list[Unit]:
    """libraqm's layout items (visual order) → the glyphs to write, each with its text."""
    runs: list[list[Any]] = []
    for item in items:
        if runs and item.char == runs[-1][0].char and item.ft_object is runs[-1][0].ft_object:
            runs[-1].append(item)
        else:
            runs.append([item])
    units: list[Unit] = []
    for run in runs:
        chars = run[0].char if isinstance(run[0].char, str) else chr(run[0].char)
        if _invisible(chars):
            continue
        if len(chars) == 1:
            units += [Unit(i.ft_object, i.glyph_index, i.x, i.y, chars) for i in run]
            continue
        for cluster in _clusters(run):
            units += _cluster_units(cluster, chars, _rtl(chars))
    return units


def _riders(base: Any, text: str, rtl: bool, x: float) -> list[Unit]:
    """Blank glyphs at the baseline carrying *text*, one character each, in visual order."""
    blank = base.ft_object.get_char_index(ZWSP)
    return [Unit(base.ft_object, blank, x, 0.0, ch) for ch in (reversed(text) if rtl else text)]


def _cluster_units(cluster: list[Any], chars: str, rtl: bool) -> list[Unit]:
    first = cluster[0]
    blank = first.ft_object.get_char_index(ZWSP)
    if len(cluster) == 1:  # a ligature
        if not rtl or not blank:
            return [Unit(first.ft_object, first.glyph_index, first.x, first.y, chars)]
        # the ligature stands for its first letter; the others ride on blank glyphs at the
        # same place, before it in the stream (visual order: further left)
        return [*_riders(first, chars[1:], rtl, first.x),
                Unit(first.ft_object, first.glyph_index, first.x, first.y, chars[0])]
    bases = [item for item in cluster if _advance(item)]
    letters = "".join(ch for ch in chars if not _mark(ch))
    marks = "".join(ch for ch in chars if _mark(ch))
    if blank and len(bases) == 1 and len(letters) == 1 and marks:
        # a letter and its marks: the marks are drawn as shapes where libraqm put them, and
        # their text rides on blank glyphs at the baseline (raised text would be read as
        # another line), after the letter in reading order
        (base,) = bases
        outlines = [Unit(i.ft_object, i.glyph_index, i.x, i.y, "", outline=True) for i in cluster if i is not base]
        letter = Unit(base.ft_object, base.glyph_index, base.x, base.y, letters)
        if rtl:  # the marks' text just before the letter in the stream, at its left edge
            return [*outlines, *_riders(base, marks, rtl, base.x), letter]
        return [*outlines, letter, *_riders(base, marks, rtl, base.x + _advance(base))]
    # anything else: one character a glyph, the last glyph taking what is left over
    pieces = list(reversed(chars)) if rtl else list(chars)
    shares = pieces[:len(cluster) - 1] + ["".join(pieces[len(cluster) - 1:])]
    if rtl:
        shares[-1] = shares[-1][::-1]
    return [Unit(item.ft_object, item.glyph_index, item.x, item.y, share)
            for item, share in zip(cluster, shares, strict=False) if share]


def _outline(unit: Unit) -> Path:
    unit.font.load_glyph(unit.glyph, flags=LoadFlags.NO_HINTING)
    vertices, codes = unit.font.get_path()
    return Path(vertices + (unit.x, unit.y), codes)


def _actual_text(text: str) -> bytes:
    """The opening of a marked-content span whose text is *text* (PDF 1.7, 14.9.4)."""
    return b"/Span <</ActualText <FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">>> BDC"


def _number(value: float) -> bytes:
    return (b"%.3f" % value).rstrip(b"0").rstrip(b".") or b"0"


def write_text(renderer: Any, gc: Any, x: float, y: float, line: str, font: FT2Font, size: float) -> None:
    """Write *line* (one line, laid out by libraqm with *font* at *size* points) as PDF
    text with its baseline origin at (*x*, *y*) on *renderer* (a ``RendererPdf``).

    Each glyph is placed where libraqm put it (see the module's docstring for what it
    stands for).
    """
    pdf = renderer.file
    width = 1 if mpl.rcParams["pdf.fonttype"] == 3 else 2
    units = text_units(list(font._layout(line, LoadFlags.NO_HINTING)))
    shapes = [_outline(unit) for unit in units if unit.outline]
    units = [unit for unit in units if not unit.outline]
    if not units and not shapes:
        return
    renderer.check_gc(gc, gc._rgb)
    out = [b"q 1 0 0 1 %s %s cm BT" % (_number(x), _number(y))]
    current = None
    span_ends = -1
    for index, unit in enumerate(units):
        if unit.chars in NO_BREAK and index + 1 < len(units) and index > span_ends:
            out.append(_actual_text(unit.chars + units[index + 1].chars))
            span_ends = index + 1
        subset, code = pdf._character_tracker.track_glyph(unit.font, unit.chars, unit.glyph)
        key = (unit.font.fname, unit.font.face_index, subset)
        if key != current:
            name = pdf.fontName(FontPath(unit.font.fname, unit.font.face_index), subset)
            out.append(b"%s %s Tf" % (name.pdfRepr(), _number(size)))
            current = key
        out.append(b"1 0 0 1 %s %s Tm <%s> Tj" % (_number(unit.x), _number(unit.y), code.to_bytes(width).hex().encode()))
        if index == span_ends:
            out.append(b"EMC")
    out.append(b"ET Q")
    pdf.write(b"\n".join(out) + b"\n")
    if shapes:
        gc.set_linewidth(0)
        for shape in shapes:
            renderer.draw_path(gc, shape, Affine2D().translate(x, y), gc._rgb)
