"""What people type, made storable: control characters out.

Telegram passes a NUL byte or other C0 controls through in a message, and PostgreSQL
refuses NUL in a text column (the whole transaction fails). None of them carries meaning
in a title or an answer, so they go before anything is stored; line breaks and tabs stay.
"""

from __future__ import annotations

import unicodedata

_KEPT = frozenset("\n\t")


def without_controls(text: str) -> str:
    """``text`` without control characters (category Cc) other than line breaks and tabs."""
    if text.isprintable():  # the usual case, one C-level pass
        return text
    return "".join(c for c in text if c in _KEPT or unicodedata.category(c) != "Cc")
