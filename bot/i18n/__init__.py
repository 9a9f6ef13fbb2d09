"""Interface languages: gettext catalogs in ``locales/`` and the language a user gets."""

from bot.i18n.catalogs import Translator, load_translators, translator
from bot.i18n.languages import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    SUPPORTED_LANGUAGES,
    language_from_telegram,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGE_NAMES",
    "SUPPORTED_LANGUAGES",
    "Translator",
    "language_from_telegram",
    "load_translators",
    "translator",
]
