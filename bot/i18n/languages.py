"""Which languages the bot speaks and how a Telegram client's language maps onto them."""

from __future__ import annotations

SUPPORTED_LANGUAGES: tuple[str, ...] = ("ar", "fr", "en")
DEFAULT_LANGUAGE = "en"

# Shown on the language buttons, each in its own language so everyone finds theirs.
LANGUAGE_NAMES: dict[str, str] = {"ar": "العربية", "fr": "Français", "en": "English"}

RTL_LANGUAGES: frozenset[str] = frozenset({"ar"})


def language_from_telegram(language_code: str | None) -> str | None:
    """``"ar"``, ``"ar-MA"``, ``"fr-FR"`` → the supported language; anything else → None.

    None means "ask the user": a Moroccan user whose phone is set to Spanish should not be
    guessed into English.
    """
    if not language_code:
        return None
    base = language_code.strip().lower().replace("_", "-").split("-")[0]
    return base if base in SUPPORTED_LANGUAGES else None
