"""The chats the server knows, and the Bot API methods that describe them.

Telegram only finds a chat the bot may see: a user who started it, or a group it is in.
Every call aimed at a chat goes through ``known`` or ``writable`` here, so "chat not
found" and "Forbidden" come out the same way for every method.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram_sim.calls import MethodHandler, UploadedFile
from telegram_sim.client import FakeChat, FakeGroup, FakeUser
from telegram_sim.errors import bad_request

if TYPE_CHECKING:
    from telegram_sim.server import FakeBotApi


class ChatDirectory:
    """Every simulated person and group by chat id."""

    def __init__(self, server: FakeBotApi) -> None:
        self._server = server  # chats talk back to it; getChatMember needs the bot's identity
        self._chats: dict[int, FakeChat] = {}

    def handlers(self) -> dict[str, MethodHandler]:
        """The Bot API methods answered here."""
        return {
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatMemberCount": self._get_chat_member_count,
        }

    # ------------------------------------------------------------------ user side

    def user(
        self, user_id: int, first_name: str, language_code: str | None, username: str | None
    ) -> FakeUser:
        """A simulated person (and their private chat); the same object for the same id."""
        existing = self._chats.get(user_id)
        if isinstance(existing, FakeUser):
            return existing
        if user_id <= 0:
            raise ValueError("user ids are positive in Telegram")
        person = FakeUser(self._server, user_id, first_name, language_code, username)
        self._chats[user_id] = person
        return person

    def group(self, chat_id: int, title: str) -> FakeGroup:
        """A group chat the bot is already a member of; the same object for the same id."""
        existing = self._chats.get(chat_id)
        if isinstance(existing, FakeGroup):
            return existing
        chat = FakeGroup(self._server, chat_id, title)
        self._chats[chat_id] = chat
        return chat

    def chat(self, chat_id: int) -> FakeChat:
        """The chat with this id; KeyError if unknown."""
        return self._chats[chat_id]

    def get(self, chat_id: int) -> FakeChat | None:
        """The chat with this id, whether or not the bot may see it."""
        return self._chats.get(chat_id)

    # ------------------------------------------------------------------ bot side

    def known(self, params: dict[str, Any]) -> FakeChat:
        """The chat ``chat_id`` names, or Telegram's refusal when the bot can't see it."""
        chat_id = params.get("chat_id")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None or not chat.is_known_to_bot():
            if isinstance(chat, FakeUser):
                chat.check_bot_can_write()  # 403 when the bot saw the user but was never started
            raise bad_request("chat not found")
        return chat

    def writable(self, params: dict[str, Any]) -> FakeChat:
        """The chat ``chat_id`` names, or Telegram's refusal when the bot may not post there."""
        chat = self.known(params)
        chat.check_bot_can_write()
        return chat

    def _get_chat(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        chat = self.known(params)
        gifts = dict.fromkeys(
            (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ),
            False,
        )
        return {
            **chat.chat_json,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    def _get_chat_member(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        chat = self.known(params)
        user_id = int(params["user_id"])
        if user_id == self._server.bot_id:
            return {"user": self._server.bot_user, "status": "member"}
        person = self._chats.get(user_id)
        if not isinstance(person, FakeUser):
            raise bad_request("PARTICIPANT_ID_INVALID")
        member = chat is person or (isinstance(chat, FakeGroup) and user_id in chat.members)
        return {"user": person.user_json, "status": "member" if member else "left"}

    def _get_chat_member_count(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> int:
        chat = self.known(params)
        return len(chat.members) + 1 if isinstance(chat, FakeGroup) else 2
