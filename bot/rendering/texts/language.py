"""Choosing and changing the language."""

from __future__ import annotations

from bot.i18n import Translator
from bot.i18n.catalogs import load_translators
from bot.i18n.languages import SUPPORTED_LANGUAGES


def choose_language() -> str:
    """Asked before we know the language: the question in all three languages."""
    translators = load_translators()
    return "\n".join(translators[lang].gettext("Please choose your language:") for lang in SUPPORTED_LANGUAGES)


def language_set(tr: Translator) -> str:
    return tr.gettext("From now on I will write to you in English.")
