"""Telegram's limits on what a bot sends: text and caption lengths, inline keyboards.

Each check refuses with Telegram's own wording, so the bot's error handling is
exercised by the same exceptions as in production.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from telegram_sim.errors import bad_request

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_CALLBACK_DATA_BYTES = 64
MAX_KEYBOARD_BUTTONS = 100

INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


# --------------------------------------------------------------------------- text


def text_length(text: str) -> int:
    """How Telegram measures a text against its limits: Unicode scalars (code points).

    Measured live (FerroxLabs/wayland#934, 2026-08-29): 4,096 × U+1F600 (8,192 UTF-16
    units) were accepted by sendMessage and 4,097 refused with "message is too long"; TDLib
    checks the length with utf8_length (code points) after parsing entities and trimming.
    Entity offsets and lengths, in contrast, are UTF-16 units (``utf16_len``).
    """
    return len(text)


def check_text_length(text: str, *, caption: bool) -> None:
    """Refuse texts over 4096 and captions over 1024 scalars, after entity parsing."""
    if caption and text_length(text) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    if not caption and text_length(text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")


# --------------------------------------------------------------------------- keyboards


def is_valid_button_url(url: str) -> bool:
    """http(s) with a dotted host (Telegram refuses ``localhost``), tg://, or a bare domain."""
    if not url or any(c.isspace() for c in url):
        return False
    parts = urlsplit(url if "://" in url else f"http://{url}")
    scheme = parts.scheme.lower()
    if scheme == "tg":
        return bool(parts.netloc or parts.path)
    if scheme not in ("http", "https"):
        return False
    try:
        host = parts.hostname or ""
        _ = parts.port
    except ValueError:
        return False
    return "." in host.strip(".") and host != "localhost"


def check_reply_markup(markup: Any, *, inline_only: bool) -> dict[str, Any]:
    """Validate a reply_markup like Telegram and return it unchanged.

    Inline buttons need a text and exactly one action; callback_data must be 1-64 bytes
    of UTF-8 (the limit a bot hits when it packs too much into a button) and URLs must be
    ones Telegram can open.
    """
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
        return markup
    if inline_only:
        raise bad_request("can't parse inline keyboard markup JSON object")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                label = button.get("text") if isinstance(button, dict) else button
                if not isinstance(label, str) or not label:
                    raise bad_request(
                        'can\'t parse keyboard button: Field "text" must be of type String'
                    )
        return markup
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    if sum(len(row) for row in rows) > MAX_KEYBOARD_BUTTONS:
        raise bad_request("reply markup is too long")
    for row in rows:
        for button in row:
            _check_inline_button(button)


def _check_inline_button(button: Any) -> None:
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad_request(prefix + "InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise bad_request(prefix + 'Field "text" must be of type String')
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [name for name in INLINE_BUTTON_ACTIONS if name in button]
    if not actions:
        raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request(
            prefix + f"exactly one of the optional fields must be used, got {', '.join(actions)}"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if (
            not isinstance(data, str)
            or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
        ):
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not (
        isinstance(button["url"], str) and is_valid_button_url(button["url"])
    ):
        raise bad_request("BUTTON_URL_INVALID")
    if "web_app" in button:
        web_app = button["web_app"]
        url = web_app.get("url") if isinstance(web_app, dict) else None
        if (
            not isinstance(url, str)
            or not url.startswith("https://")
            or not is_valid_button_url(url)
        ):
            raise bad_request("BUTTON_URL_INVALID")
