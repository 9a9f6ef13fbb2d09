"""What a send or an edit carries: checked text, caption and keyboard, as Message fields.

Sends and edits share Telegram's rules for these, so both take them from here: the
plain text the user reads, its entities, and the inline buttons the user can tap.
"""

from __future__ import annotations

from typing import Any

from telegram_sim.formatting import format_text
from telegram_sim.validation import check_reply_markup, check_text_length
from telegram_sim.views import Button


def text_fields(params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The text the user reads and the Message fields it fills ("text", "entities")."""
    return _formatted(params, "text", "entities", caption=False)


def caption_fields(params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The caption the user reads and the Message fields it fills (none without a caption)."""
    if "caption" not in params:
        return "", {}
    return _formatted(params, "caption", "caption_entities", caption=True)


def _formatted(
    params: dict[str, Any], key: str, entities_key: str, *, caption: bool
) -> tuple[str, dict[str, Any]]:
    shown, entities = format_text(
        str(params[key]),
        params.get("parse_mode"),
        params.get(entities_key),
        empty_error=None if caption else "message text is empty",
    )
    check_text_length(shown, caption=caption)
    fields: dict[str, Any] = {key: shown} if shown else {}
    if entities:
        fields[entities_key] = entities
    return shown, fields


def checked_markup(params: dict[str, Any], *, inline_only: bool) -> dict[str, Any] | None:
    """The checked reply_markup; for edits, None also when the inline keyboard is empty
    (how bots remove a keyboard)."""
    if "reply_markup" not in params:
        return None
    markup = check_reply_markup(params["reply_markup"], inline_only=inline_only)
    return inline_keyboard(markup) if inline_only else markup


def inline_keyboard(markup: Any) -> dict[str, Any] | None:
    """The markup if it is an inline keyboard with a button (Telegram drops empty ones)."""
    if isinstance(markup, dict) and any(markup.get("inline_keyboard") or []):
        return markup
    return None


def buttons(markup: dict[str, Any] | None) -> list[list[Button]]:
    """The inline buttons of a markup as the user sees them."""
    if not markup:
        return []
    return [
        [Button(b["text"], b.get("callback_data"), b.get("url")) for b in row]
        for row in markup.get("inline_keyboard", [])
    ]
