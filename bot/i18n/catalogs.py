"""Load the ``.po`` catalogs and compile them in memory at start-up.

Compiling at start (Babel's ``read_po`` + ``write_mo`` into a buffer) means there is no
build step to forget and no stale ``.mo`` file can ever be served.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from importlib.resources import files
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from bot.i18n.figures import round_half_up, share
from bot.i18n.languages import DEFAULT_LANGUAGE, RTL_LANGUAGES, SUPPORTED_LANGUAGES

LOCALES_DIR = Path(str(files("bot") / "locales"))  # package data: ships inside the wheel
# Number formats follow the Maghreb: 4,2 in Arabic as in French (Latin digits).
NUMBER_LOCALES: dict[str, str] = {"ar": "ar_MA", "fr": "fr", "en": "en"}
# Month names are the workshop's country's, told by its time zone: Morocco says غشت and
# دجنبر (ar_MA), Tunisia and Algeria أوت and جانفي (ar_TN, ar_DZ); elsewhere plain ``ar``.
ARABIC_DATE_LOCALES: dict[str, str] = {
    "Africa/Casablanca": "ar_MA",
    "Africa/El_Aaiun": "ar_MA",
    "Africa/Tunis": "ar_TN",
    "Africa/Algiers": "ar_DZ",
}
DEFAULT_ARABIC_DATE_LOCALE = "ar"
# "1 décembre 2026 à 09:00": no Latin comma inside an Arabic date.
MOMENT_PATTERNS: dict[str, str] = {"ar": "{date}، على الساعة {time}", "fr": "{date} à {time}",
                                   "en": "{date} at {time}"}
# Between several dates, which contain spaces and (in English) commas themselves.
LIST_SEPARATORS: dict[str, str] = {"ar": "؛ ", "fr": "\u202f; ", "en": "; "}
DOMAIN = "messages"


class Translator:
    """The interface strings of one language.

    Call sites use ``tr.gettext("…")`` and ``tr.ngettext("…", "…", n)`` so Babel's
    extractor finds every message; ``%(name)s`` placeholders are filled by the caller.
    """

    def __init__(self, language: str, translations: gettext.NullTranslations) -> None:
        self.language = language
        self._translations = translations

    def gettext(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._translations.ngettext(singular, plural, n)

    def decimal(self, value: float, places: int = 1) -> str:
        """``4.25`` → ``"4,3"`` in French and Arabic, ``"4.3"`` in English (rounded half up)."""
        pattern = "0." + "0" * places if places else "0"
        return format_decimal(round_half_up(value, places), pattern, locale=NUMBER_LOCALES.get(self.language, "en"),
                              decimal_quantization=False)

    def share(self, count: int, total: int) -> str:
        """``count`` of ``total`` as a percentage, written as everywhere else ("60 %")."""
        return share(count, total, self.language)

    def date_locale(self, timezone: str) -> str:
        """The Babel locale of dates: in Arabic, the month names of the time zone's country."""
        if self.language == "ar":
            return ARABIC_DATE_LOCALES.get(timezone, DEFAULT_ARABIC_DATE_LOCALE)
        return NUMBER_LOCALES.get(self.language, "en")

    def date(self, value: datetime, timezone: str = "Africa/Casablanca") -> str:
        """A day in words, in the reader's language and the workshop's time zone and country."""
        return format_date(value.astimezone(ZoneInfo(timezone)).date(), format="long",
                           locale=self.date_locale(timezone))

    def moment(self, value: datetime, timezone: str = "Africa/Casablanca") -> str:
        """A day and time in words (``1 décembre 2026 à 09:00``, ``1 دجنبر 2026، على الساعة 09:00``)."""
        local = value.astimezone(ZoneInfo(timezone))
        return MOMENT_PATTERNS.get(self.language, MOMENT_PATTERNS["en"]).format(
            date=format_date(local.date(), format="long", locale=self.date_locale(timezone)),
            time=local.strftime("%H:%M"))

    def dates(self, values: Iterable[datetime], timezone: str = "Africa/Casablanca") -> str:
        """Several days, in order, each once, separated unambiguously (« ; », «؛»)."""
        zone = ZoneInfo(timezone)
        days = sorted({value.astimezone(zone).date() for value in values})
        locale = self.date_locale(timezone)
        return self.listing(format_date(day, format="long", locale=locale) for day in days)

    def moments(self, values: Iterable[datetime], timezone: str = "Africa/Casablanca") -> str:
        """Several days and times, separated unambiguously."""
        return self.listing(self.moment(value, timezone) for value in values)

    def listing(self, items: Iterable[str]) -> str:
        """Items that contain spaces or commas themselves: ``a ; b`` / ``a؛ b`` / ``a; b``."""
        return LIST_SEPARATORS.get(self.language, LIST_SEPARATORS["en"]).join(items)

    def out_of(self, value: str, scale_max: int) -> str:
        """A figure on a scale, in words and never with a slash (which the bidi algorithm
        reverses in Arabic): ``4,2 sur 5``, ``4,2 من 5``, ``4.2 out of 5``."""
        return self.gettext("%(value)s out of %(max)d") % {"value": value, "max": scale_max}

    @property
    def rtl(self) -> bool:
        return self.language in RTL_LANGUAGES


def compile_catalog(po_path: Path) -> gettext.GNUTranslations:
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def load_translators(locales_dir: Path = LOCALES_DIR) -> dict[str, Translator]:
    translators: dict[str, Translator] = {}
    for language in SUPPORTED_LANGUAGES:
        po_path = locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        translations: gettext.NullTranslations = (
            compile_catalog(po_path) if po_path.is_file() else gettext.NullTranslations()
        )
        translators[language] = Translator(language, translations)
    return translators


def translator(language: str | None) -> Translator:
    translators = load_translators()
    return translators.get(language or DEFAULT_LANGUAGE, translators[DEFAULT_LANGUAGE])
