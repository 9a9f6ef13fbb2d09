"""Lines of text for the report: direction, cleaning, wrapping, measuring (in inches).

Built on the charts' text functions (``bot.charts.text``): the same shaping, the same
measurements, the same ``wrap``, so a line measured here is exactly the line drawn. What
this adds for running text: participants' paragraphs keep their own direction, and
control characters typed in a chat never reach the page.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from matplotlib.ft2font import FT2Font

from bot.charts.draw import WRAP_SLACK
from bot.charts.fonts import font_paths
from bot.charts.text import LRM, RLM, block_height, text_width, wrap

_NO_BREAK = frozenset("\u00a0\u2007\u202f")  # no-break space, figure space, narrow no-break space


def first_strong_rtl(text: str) -> bool | None:
    """Direction of *text* from its first strong character (None: no strong character)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return False
        if kind in ("R", "AL"):
            return True
    return None


def marked(line: str, rtl: bool) -> str:
    """*line* ready to draw: a right-to-left line starts with an RLM (see ``text.directional``).

    A left-to-right line gets no mark: its first strong character already makes it one,
    and a leading LRM throws off matplotlib's PDF text placement (the line is drawn
    shifted by about a space and a ligature comes apart), while a leading RLM does not.
    """
    if not rtl or line.startswith((RLM, LRM)):
        return line
    return RLM + line


@lru_cache(maxsize=1)
def _covered() -> frozenset[int]:
    """Every code point some font of the charts' chain has a glyph for."""
    covered: set[int] = set()
    for path in font_paths() + font_paths(bold=True):
        covered.update(FT2Font(path).get_charmap())
    return frozenset(covered)


def _drawable(ch: str) -> bool:
    # Format characters (direction marks, joiners) are handled by the shaping, not drawn.
    return ord(ch) in _covered() or unicodedata.category(ch) == "Cf"


def clean(text: str) -> str:
    """*text* as it can be set: line breaks normalised to "\n", other white space
    (tabs...) made spaces, control characters removed, and characters no font of ours
    can draw (emoji typed in a chat) left out rather than drawn as empty boxes."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    dropped = False
    for ch in text:
        if ch == "\n" or ch == " ":
            out.append(ch)
        elif ch.isspace() and ch not in _NO_BREAK:
            out.append(" ")
        elif dropped and unicodedata.category(ch) in ("Mn", "Me", "Cf", "Sk"):
            continue  # what modifies a dropped emoji (variation selector, joiner, skin tone) goes too
        elif unicodedata.category(ch) != "Cc" and (ch in _NO_BREAK or _drawable(ch)):
            out.append(ch)
        else:
            dropped = True
            continue
        dropped = False
    return "".join(out)


def visible(text: str) -> bool:
    """Whether *text* draws anything at all."""
    return any(not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf") for ch in clean(text))


def wrap_paragraph(paragraph: str, width: float, size: float, bold: bool = False) -> list[str]:
    """``text.wrap`` of one paragraph to *width* inches (French spacing kept by ``wrap``)."""
    return wrap(paragraph, width * 72.0 * WRAP_SLACK, size, bold)


def wrap_lines(text: str, width: float, size: float, bold: bool = False) -> list[list[str]]:
    """*text* as paragraphs of lines wrapped to *width* inches.

    Blank paragraphs at either end are dropped and runs of blank ones become one.
    """
    paragraphs: list[list[str]] = []
    for paragraph in clean(text).split("\n"):
        if not paragraph.strip():
            if paragraphs and paragraphs[-1]:
                paragraphs.append([])
            continue
        paragraphs.append(wrap_paragraph(paragraph, width, size, bold))
    while paragraphs and not paragraphs[-1]:
        paragraphs.pop()
    return paragraphs


def height_of(lines: Sequence[str], size: float, bold: bool = False) -> float:
    """Height in inches of *lines* set one under the other."""
    return block_height(list(lines), size, bold) / 72.0


def width_of(line: str, size: float, bold: bool = False) -> float:
    return text_width(line, size, bold) / 72.0


def fit_line(text: str, width: float, size: float, bold: bool = False) -> str:
    """*text* on one line of at most *width* inches, shortened with "…" if needed."""
    text = " ".join(clean(text).split())
    if width_of(text, size, bold) <= width * WRAP_SLACK:
        return text
    words = text.split(" ")
    while len(words) > 1 and width_of(" ".join(words) + "…", size, bold) > width * WRAP_SLACK:
        words.pop()
    short = " ".join(words)
    while len(short) > 1 and width_of(short + "…", size, bold) > width * WRAP_SLACK:
        short = short[:-1]
    return short.rstrip(" ,;:·-") + "…"
