"""Durations as organisers type them, in English, French or Arabic.

``14d``, ``4w``, ``2h``, ``30min`` (pytimeparse), and the same in the organiser's words:
``14j``, ``4sem``, ``14 jours``, ``14 يوم``, ``4 أسابيع``, ``3 أيام``, ``ساعتان``. One parser
for the settings (``REMINDER_DELAYS``, ``FOLLOWUP_DELAY``) and ``/followup CODE 14j``.
"""

from __future__ import annotations

import re
import unicodedata

from pytimeparse import parse as parse_timespan

MINUTE, HOUR, DAY, WEEK = 60, 3600, 86_400, 7 * 86_400
MAX_LENGTH = 40  # longer is not a duration anybody types

# A unit word (lower case, Arabic without diacritics, tatweel or hamza on alif) → seconds.
_UNITS: dict[str, int] = {
    # French
    **dict.fromkeys(("s", "sec", "seconde", "secondes"), 1),
    **dict.fromkeys(("m", "mn", "min", "mins", "minute", "minutes"), MINUTE),
    **dict.fromkeys(("h", "hr", "hrs", "heure", "heures", "hour", "hours"), HOUR),
    **dict.fromkeys(("j", "jr", "jrs", "jour", "jours", "d", "day", "days"), DAY),
    **dict.fromkeys(("sem", "sems", "semaine", "semaines", "w", "wk", "week", "weeks"), WEEK),
    # Arabic: singular (after 1, 11–99, 100…), plural (3–10), accusative tanween written with alif
    **dict.fromkeys(("ثانيه", "ثانية", "ثوان", "ثواني", "ثانيا"), 1),
    **dict.fromkeys(("دقيقه", "دقيقة", "دقائق", "دقايق", "دقيقا"), MINUTE),
    **dict.fromkeys(("ساعه", "ساعة", "ساعات", "ساعا"), HOUR),
    **dict.fromkeys(("يوم", "ايام", "يوما"), DAY),
    **dict.fromkeys(("اسبوع", "اسابيع", "اسبوعا"), WEEK),
}
# Arabic duals carry their number: ساعتان = 2 hours.
_DUALS: dict[str, int] = {
    **dict.fromkeys(("ثانيتان", "ثانيتين"), 2),
    **dict.fromkeys(("دقيقتان", "دقيقتين"), 2 * MINUTE),
    **dict.fromkeys(("ساعتان", "ساعتين"), 2 * HOUR),
    **dict.fromkeys(("يومان", "يومين"), 2 * DAY),
    **dict.fromkeys(("اسبوعان", "اسبوعين"), 2 * WEEK),
}
_CONNECTORS = frozenset(("و", "et", "and"))
_PART = re.compile(r"(\d+)?\s*([^\W\d_]+)")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_ALIFS = str.maketrans("أإآٱ", "اااا")


def _normalise(text: str) -> str:
    """Latin digits, lower case, Arabic without diacritics, tatweel nor hamza on alif."""
    text = unicodedata.normalize("NFKC", text).translate(_DIGITS).casefold()
    text = "".join(ch for ch in text if not ("\u064b" <= ch <= "\u0652" or ch in "\u0670\u0640"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")  # bidi marks
    return text.translate(_ALIFS).replace(",", " ").strip()


def _unit(word: str) -> tuple[int, bool] | None:
    """A unit word's seconds, and whether it is a dual (which carries its own number)."""
    for candidate in (word, word[1:] if word.startswith("و") and len(word) > 2 else None):
        if candidate in _UNITS:
            return _UNITS[candidate], False
        if candidate in _DUALS:
            return _DUALS[candidate], True
    return None


def _in_words(text: str) -> int | None:
    total, position = 0, 0
    for match in _PART.finditer(text):
        if text[position:match.start()].strip():
            return None
        position = match.end()
        number, word = match.group(1), match.group(2)
        if number is None and word in _CONNECTORS:
            continue
        unit = _unit(word)
        if unit is None:
            return None
        seconds, dual = unit
        if dual and number is not None:
            return None  # "2 ساعتان"
        total += seconds * (int(number) if number is not None else 1)
    if text[position:].strip():
        return None
    return total or None


def parse_duration_text(text: str) -> int | None:
    """``14d``, ``14j``, ``4sem``, ``14 يوم``, ``ساعتان`` → seconds; None when it is not a duration."""
    if not text or len(text) > MAX_LENGTH:
        return None
    seconds = parse_timespan(text.strip())
    if seconds is None:
        seconds = _in_words(_normalise(text))
    return int(seconds) if seconds is not None else None
