"""Figures written one way everywhere: percentages and rounded means.

Messages, charts and the PDF report all call these, so "60 %" in a French chart is
"60 %" in the summary and in the report too, and 3.25 is 3,3 everywhere (rounded half up,
as a spreadsheet does, not to the nearest even digit as Python's ``round`` does).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

NNBSP = "\u202f"  # narrow no-break space: French typography puts one before "%"
NO_FIGURE = "–"  # a share of nobody


def percent(count: int, total: int) -> int:
    """Whole percent, rounded half up (2 of 5 → 40; 1 of 8 → 13); 0 when *total* is 0."""
    if total <= 0:
        return 0
    return (200 * count + total) // (2 * total)


def format_percent(value: int, language: str) -> str:
    """60 → "60 %" in French (narrow no-break space), "60%" in English and Arabic."""
    return f"{value}{NNBSP}%" if language == "fr" else f"{value}%"


def share(count: int, total: int, language: str) -> str:
    """``count`` of ``total`` as a formatted percentage; "–" when there is nobody to count."""
    return format_percent(percent(count, total), language) if total > 0 else NO_FIGURE


def round_half_up(value: float, places: int = 1) -> Decimal:
    """3.25 → 3.3 and 3.35 → 3.4, like a spreadsheet (``round`` would give 3.2 and 3.4)."""
    exponent = Decimal(1).scaleb(-places)
    return Decimal(repr(value)).quantize(exponent, rounding=ROUND_HALF_UP)
