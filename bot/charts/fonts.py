"""The fonts of the charts: Noto Sans (Latin) + Noto Sans Arabic, shipped in ``fonts/``.

They are registered with matplotlib's font manager when this module is imported, and
text uses a family *list*: matplotlib (>= 3.6) picks, per glyph, the first font of the
list that has it, and matplotlib 3.11 lays each string out with libraqm (FriBidi/
SheenBidi + HarfBuzz), so Arabic comes out joined and in right-to-left order with no
help from us. DejaVu Sans (bundled with matplotlib) is the last resort for symbols.

Nothing is fetched at run time. ``fonts/OFL.txt`` is the licence of the font files.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font

FONT_DIR = Path(__file__).resolve().with_name("fonts")
FONT_FILES: tuple[str, ...] = (
    "NotoSans-Regular.ttf",
    "NotoSans-Bold.ttf",
    "NotoSansArabic-Regular.ttf",
    "NotoSansArabic-Bold.ttf",
)
LATIN_FAMILY = "Noto Sans"
ARABIC_FAMILY = "Noto Sans Arabic"
FAMILIES: tuple[str, ...] = (LATIN_FAMILY, ARABIC_FAMILY, "DejaVu Sans")


def _register() -> None:
    known = {Path(entry.fname).resolve() for entry in font_manager.fontManager.ttflist}
    for name in FONT_FILES:
        path = FONT_DIR / name
        if path.resolve() not in known:
            font_manager.fontManager.addfont(str(path))


_register()


@lru_cache(maxsize=None)
def font_properties(size: float, bold: bool = False) -> FontProperties:
    """The (cached, never mutated) properties for chart text of *size* points.

    Callers must not modify the returned object; matplotlib's ``Text`` copies it.
    """
    return FontProperties(family=list(FAMILIES), size=size, weight="bold" if bold else "normal")


def font_paths(bold: bool = False) -> tuple[str, ...]:
    """The font files matplotlib resolves our family list to, in fallback order."""
    found = font_manager.fontManager._find_fonts_by_props(font_properties(10.0, bold))
    return tuple(str(p) for p in found)


def ft2font(prop: FontProperties) -> FT2Font:
    """The FT2Font (with its fallback chain) that matplotlib draws *prop* with.

    ``font_manager.get_font`` caches these per thread, so this reuses font objects and is
    safe to call from the worker threads the bot renders in. The object is stateful (size,
    last laid-out text): use it straight away, do not keep it.
    """
    paths = font_manager.fontManager._find_fonts_by_props(prop)
    return font_manager.get_font(paths)
