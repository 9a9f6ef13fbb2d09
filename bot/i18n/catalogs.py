"""Load the ``.po`` catalogs and compile them in memory at start-up.

Compiling at start (Babel's ``read_po`` + ``write_mo`` into a buffer) means there is no
build step to forget and no stale ``.mo`` file can ever be served.
"""

from __future__ import annotations

import gettext
from datetime import datetime
from functools import cache
from importlib.resources import files
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from bot.i18n.figures import round_half_up, share
from bot.i18n.languages import DEFAULT_LANGUAGE, RTL_LANGUAGES, SUPPORTED_LANGUAGES

LOCALES_DIR = Path(str(files("bot") / "locales"))  # package data: ships inside the wheel
# Number formats follow the Maghreb: 4,2 in Arabic as in French (Latin digits).
NUMBER_LOCALES: dict[str, str] = {"ar": "ar_MA", "fr": "fr", "en": "en"}
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

    def date(self, value: datetime, timezone: str = "Africa/Casablanca") -> str:
        """A day in words, in the reader's language and the programme's time zone."""
        return format_date(value.astimezone(ZoneInfo(timezone)).date(), format="long",
                           locale=NUMBER_LOCALES.get(self.language, "en"))

    def moment(self, value: datetime, timezone: str = "Africa/Casablanca") -> str:
        """A day and time in words (``1 décembre 2026 à 09:00``), in the given time zone."""
        locale = NUMBER_LOCALES.get(self.language, "en")
        local = value.astimezone(ZoneInfo(timezone))
        return (format_date(local.date(), format="long", locale=locale) + ", "
                + format_datetime(local, "HH:mm", locale=locale))

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
