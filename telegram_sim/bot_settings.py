"""The bot's own settings: command menus, name and descriptions, the chat menu button.

Bots set these at start-up and Telegram validates them strictly (command names, lengths,
language codes), so a bad command list fails in a test rather than in production.
"""

from __future__ import annotations

import json
from typing import Any

from telegram_sim.calls import MethodHandler, UploadedFile
from telegram_sim.chats import ChatDirectory
from telegram_sim.errors import bad_request

# set/get method pairs of the bot's texts, and the parameter each one carries.
_BOT_TEXTS = (
    ("setMyName", "getMyName", "name"),
    ("setMyDescription", "getMyDescription", "description"),
    ("setMyShortDescription", "getMyShortDescription", "short_description"),
)


class BotSettings:
    """Commands per scope and language, texts per language, menu buttons per chat."""

    def __init__(self, chats: ChatDirectory) -> None:
        self._chats = chats
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}
        self._menu_buttons: dict[int | None, dict[str, Any]] = {}

    def handlers(self) -> dict[str, MethodHandler]:
        """The Bot API methods answered here."""
        table: dict[str, MethodHandler] = {
            "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda p, f: self.commands(p.get("scope"), p.get("language_code", "")),
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": lambda p, f: self._menu_buttons.get(
                p.get("chat_id"), self._menu_buttons.get(None, {"type": "default"})
            ),
        }
        for setter, getter, key in _BOT_TEXTS:
            table[setter] = self._bot_text_setter(key)
            table[getter] = self._bot_text_getter(key)
        return table

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """What setMyCommands stored for this scope and language (what getMyCommands returns)."""
        return list(self._commands.get(_commands_key(scope, language_code), []))

    def _set_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        commands = params["commands"]
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            description = command.get("description") if isinstance(command, dict) else None
            if not isinstance(name, str) or not _is_command_name(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        language = str(params.get("language_code", ""))
        if language and not (len(language) == 2 and language.isalpha()):
            raise bad_request("LANG_CODE_INVALID")
        self._commands[_commands_key(params.get("scope"), language)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _delete_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self._commands.pop(
            _commands_key(params.get("scope"), str(params.get("language_code", ""))), None
        )
        return True

    def _set_chat_menu_button(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            self._chats.writable(params)
        self._menu_buttons[chat_id if isinstance(chat_id, int) else None] = params.get(
            "menu_button", {"type": "default"}
        )
        return True

    def _bot_text_setter(self, key: str) -> MethodHandler:
        def handle(params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
            self._bot_texts[(key, str(params.get("language_code", "")))] = str(params.get(key, ""))
            return True

        return handle

    def _bot_text_getter(self, key: str) -> MethodHandler:
        def handle(params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, str]:
            language = str(params.get("language_code", ""))
            return {key: self._bot_texts.get((key, language), self._bot_texts.get((key, ""), ""))}

        return handle


def _commands_key(scope: dict[str, Any] | None, language_code: str) -> tuple[str, str]:
    return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""


def _is_command_name(name: str) -> bool:
    return 1 <= len(name) <= 32 and all(
        c.isascii() and (c.islower() or c.isdigit() or c == "_") for c in name
    )
