"""The user side of the fake Telegram: people and chats that talk to the bot.

Tests should read like a conversation: ``await amina.send("/start abc")``, then
``amina.last.text``, ``await amina.tap("4")``. Each ``FakeUser`` is both a person and
their private chat with the bot; a ``FakeGroup`` is a group chat. Both keep a live view
of what the bot sent them (``BotMessage`` objects, see ``views``, are updated in place
when the bot edits or deletes them) and everything that happens lands in the server's
transcript (see ``transcript``).
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from telegram_sim.errors import ApiError, bad_request
from telegram_sim.formatting import utf16_len
from telegram_sim.images import tiny_png
from telegram_sim.transcript import TranscriptEntry
from telegram_sim.views import BotMessage, CallbackAnswer

if TYPE_CHECKING:
    from telegram_sim.server import FakeBotApi

_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")


# --------------------------------------------------------------------------- chats


class FakeChat:
    """State of one chat as both sides see it: every message's current JSON, the bot's
    messages as ``BotMessage`` views, and the reply keyboard currently shown."""

    def __init__(self, server: FakeBotApi, chat_json: dict[str, Any]) -> None:
        self._server = server
        self.chat_id: int = int(chat_json["id"])
        self.chat_json: dict[str, Any] = chat_json
        self.reply_keyboard: list[list[str]] | None = None
        self._next_message_id = 1
        self._raw: dict[int, dict[str, Any]] = {}
        self._deleted: set[int] = set()
        self._bot_messages: dict[int, BotMessage] = {}
        self._returned = 0

    @property
    def display_name(self) -> str:
        """How the transcript names this chat."""
        return str(self.chat_json.get("title") or self.chat_json.get("first_name") or self.chat_id)

    # -- views ------------------------------------------------------------------

    @property
    def messages(self) -> list[BotMessage]:
        """Every message the bot sent here, in order, deleted ones included (flagged)."""
        return list(self._bot_messages.values())

    @property
    def last(self) -> BotMessage:
        """The latest bot message still visible; AssertionError if the bot sent nothing."""
        visible = [m for m in self._bot_messages.values() if not m.deleted]
        if not visible:
            raise AssertionError(f"the bot has sent nothing (visible) to {self.display_name}")
        return visible[-1]

    def new_messages(self) -> list[BotMessage]:
        """Bot messages sent since the previous call (or since the start)."""
        every = list(self._bot_messages.values())
        fresh = every[self._returned :]
        self._returned = len(every)
        return fresh

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """Answers to taps on messages of this chat, in the order the bot gave them."""
        return [a for a in self._server.callback_answers if a.chat_id == self.chat_id]

    # -- server side ------------------------------------------------------------

    def allocate_message_id(self) -> int:
        """Message ids count up per chat, shared by the bot's and the users' messages."""
        message_id = self._next_message_id
        self._next_message_id += 1
        return message_id

    def store(self, raw: dict[str, Any], view: BotMessage | None = None) -> None:
        """Keep a message's JSON (and its view when the bot sent it)."""
        self._raw[int(raw["message_id"])] = raw
        if view is not None:
            self._bot_messages[view.message_id] = view

    def raw_message(self, message_id: int) -> dict[str, Any] | None:
        """The current JSON of a message that exists (not deleted) in this chat."""
        return None if message_id in self._deleted else self._raw.get(message_id)

    def bot_message(self, message_id: int) -> BotMessage | None:
        """The view of a bot message, deleted or not."""
        return self._bot_messages.get(message_id)

    def mark_deleted(self, message_id: int) -> None:
        """Remember the deletion; the bot's view keeps its content with ``deleted=True``."""
        self._deleted.add(message_id)
        view = self._bot_messages.get(message_id)
        if view is not None:
            view.deleted = True

    def check_bot_can_write(self) -> None:
        """Raise the ApiError Telegram gives when the bot may not post here (groups: never)."""

    def is_known_to_bot(self) -> bool:
        """Whether Telegram would find this chat for the bot at all."""
        return True

    def _incoming(self, sender: FakeUser, content: dict[str, Any]) -> dict[str, Any]:
        """Create a message from ``sender`` in this chat, store it and make it an update."""
        raw: dict[str, Any] = {
            "message_id": self.allocate_message_id(),
            "from": sender.user_json,
            "chat": self.chat_json,
            "date": int(time.time()),
            **content,
        }
        self.store(raw)
        sender.seen = True
        self._server.inject_update("message", raw)
        return raw


class FakeUser(FakeChat):
    """A person, and their private chat with the bot.

    Telegram only lets a bot write to a user who has started a conversation with it;
    before that the chat is "not found" (or, if the bot has seen the user elsewhere,
    "bot can't initiate conversation"). A user who blocked the bot gets 403 for everything.
    """

    def __init__(
        self,
        server: FakeBotApi,
        user_id: int,
        first_name: str,
        language_code: str | None = "fr",
        username: str | None = None,
    ) -> None:
        chat_json: dict[str, Any] = {"id": user_id, "type": "private", "first_name": first_name}
        if username:
            chat_json["username"] = username
        super().__init__(server, chat_json)
        self.user_id: int = user_id
        self.first_name: str = first_name
        self.language_code: str | None = language_code
        self.username: str | None = username
        self.started: bool = False
        self.seen: bool = False
        self.blocked: bool = False

    @property
    def user_json(self) -> dict[str, Any]:
        """The Telegram User object sent in ``from``."""
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """Answers to this user's taps, wherever they tapped."""
        return [a for a in self._server.callback_answers if a.user_id == self.user_id]

    def is_known_to_bot(self) -> bool:
        return self.started

    def check_bot_can_write(self) -> None:
        if not self.started:
            if self.seen:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        if self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    # -- acting -------------------------------------------------------------------

    def _private(self, content: dict[str, Any], kind: str, shown: str) -> int:
        if self.blocked:
            raise AssertionError(f"{self.first_name} blocked the bot; call unblock() first")
        self.started = True
        raw = self._incoming(self, content)
        self._record(kind, shown, self, raw["message_id"])
        return int(raw["message_id"])

    def _record(self, kind: str, text: str, chat: FakeChat, message_id: int | None) -> None:
        self._server.record(
            TranscriptEntry(
                direction="user",
                kind=kind,
                chat_id=chat.chat_id,
                user_id=self.user_id,
                name=self.first_name,
                text=text,
                chat_title=None if chat is self else chat.display_name,
                message_id=message_id,
            )
        )

    async def send(self, text: str) -> int:
        """Send a text (a command when it starts with "/"); returns its message_id."""
        return self._private(
            _text_content(text), "command" if text.startswith("/") else "text", text
        )

    async def send_sticker(self, emoji: str = "👍") -> int:
        """Send a sticker, the classic input a bot must not choke on."""
        sticker = self._server.store_sticker(_TINY_WEBP, emoji)
        return self._private({"sticker": sticker}, "sticker", emoji)

    async def send_photo(self, data: bytes | None = None, caption: str | None = None) -> int:
        """Send a photo (a small generated PNG by default); it can be fetched with getFile."""
        sizes = self._server.store_photo(data if data is not None else tiny_png(), validate=False)
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        return self._private(content, "photo", caption or "")

    async def send_contact(self, phone_number: str = "+212600000000", first_name: str = "Contact") -> int:
        """Share a contact card: a message with no text at all."""
        contact = {"phone_number": phone_number, "first_name": first_name}
        return self._private({"contact": contact}, "contact", phone_number)

    async def send_document(
        self,
        file_name: str,
        data: bytes,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> int:
        """Send a file; it is registered so the bot can getFile and download it."""
        document = self._server.store_document(data, file_name, mime_type)
        content: dict[str, Any] = {"document": document}
        if caption:
            content["caption"] = caption
        return self._private(content, "document", f"{file_name} {caption or ''}".strip())

    async def edit(self, message_id: int, new_text: str) -> None:
        """Edit one of this user's own text messages (an ``edited_message`` update)."""
        raw = self.raw_message(message_id)
        if raw is None or raw.get("from", {}).get("id") != self.user_id or "text" not in raw:
            raise AssertionError(f"{self.first_name} has no text message {message_id} to edit")
        raw.pop("entities", None)
        raw.update(_text_content(new_text))
        raw["edit_date"] = int(time.time())
        self._server.inject_update("edited_message", raw)
        self._record("edit", new_text, self, message_id)

    async def tap(self, button: str, message: BotMessage | None = None) -> str:
        """Tap an inline button, by label (exact, then callback_data, then substring).

        ``message`` defaults to the latest visible bot message in this private chat that
        has an inline keyboard. Returns the callback query id the server issued.
        """
        target = message if message is not None else self._latest_with_keyboard()
        chat = self._server.chat(target.chat_id)
        current = chat.bot_message(target.message_id) or target
        if current.deleted:
            raise AssertionError(
                f"message {current.message_id} was deleted by the bot; it can't be tapped"
            )
        chosen = current.find_button(button)
        if chosen.callback_data is None:
            raise AssertionError(f"«{chosen.text}» is not a callback button (url={chosen.url!r})")
        return self._callback(chat, current.message_id, chosen.callback_data, chosen.text)

    async def tap_data(self, message_id: int, data: str, group: FakeGroup | None = None) -> str:
        """Send a callback query with arbitrary ``data`` for a message: forged or stale buttons."""
        chat: FakeChat = group if group is not None else self
        if chat.raw_message(message_id) is None and chat.bot_message(message_id) is None:
            raise AssertionError(f"no message {message_id} in {chat.display_name}")
        return self._callback(chat, message_id, data, None)

    def _latest_with_keyboard(self) -> BotMessage:
        for candidate in reversed(self.messages):
            if candidate.buttons and not candidate.deleted:
                return candidate
        raise AssertionError(
            f"no bot message with an inline keyboard in the chat with {self.first_name}"
        )

    def _callback(self, chat: FakeChat, message_id: int, data: str, label: str | None) -> str:
        if self.blocked:
            raise AssertionError(f"{self.first_name} blocked the bot; call unblock() first")
        self.seen = True
        query_id = self._server.issue_callback_query(self, chat, message_id, data, label)
        self._record("tap", label if label is not None else f"data={data}", chat, message_id)
        return query_id

    async def block(self) -> None:
        """Block the bot: every call to this chat now gets 403, and the bot is told."""
        self.blocked = True
        self._member_update("member", "kicked")
        self._record("block", "", self, None)

    async def unblock(self) -> None:
        """Unblock (Telegram's "Restart"); the bot is told it is a member again."""
        self.blocked = False
        self.started = True
        self._member_update("kicked", "member")
        self._record("unblock", "", self, None)

    def _member_update(self, old: str, new: str) -> None:
        bot = self._server.bot_user
        old_member: dict[str, Any] = {"user": bot, "status": old}
        new_member: dict[str, Any] = {"user": bot, "status": new}
        for member in (old_member, new_member):
            if member["status"] == "kicked":
                member["until_date"] = 0
        self.seen = True
        self._server.inject_update(
            "my_chat_member",
            {
                "chat": self.chat_json,
                "from": self.user_json,
                "date": int(time.time()),
                "old_chat_member": old_member,
                "new_chat_member": new_member,
            },
        )

    async def send_in(self, group: FakeGroup, text: str) -> int:
        """Say something in a group chat the bot is in; returns the message_id."""
        group.members.add(self.user_id)
        raw = group._incoming(self, _text_content(text))
        self._record("command" if text.startswith("/") else "text", text, group, raw["message_id"])
        return int(raw["message_id"])


class FakeGroup(FakeChat):
    """A group chat the bot is a member of (a supergroup when the id is -100…)."""

    def __init__(self, server: FakeBotApi, chat_id: int, title: str) -> None:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative in Telegram")
        kind = "supergroup" if chat_id <= -1_000_000_000_000 else "group"
        super().__init__(server, {"id": chat_id, "type": kind, "title": title})
        self.title: str = title
        self.members: set[int] = set()

    async def send_anonymously(self, text: str, channel: dict[str, Any] | None = None) -> int:
        """An anonymous admin writes: ``from`` is GroupAnonymousBot and ``sender_chat`` this
        group (Bot API, Message.sender_chat). With ``channel`` (a Chat object of type
        "channel"), someone writes as that channel: ``from`` is Channel_Bot, ``sender_chat``
        the channel. Either way the bot cannot tell which person it was."""
        sender = CHANNEL_BOT if channel is not None else GROUP_ANONYMOUS_BOT
        raw: dict[str, Any] = {
            "message_id": self.allocate_message_id(),
            "from": sender,
            "sender_chat": channel if channel is not None else self.chat_json,
            "chat": self.chat_json,
            "date": int(time.time()),
            **_text_content(text),
        }
        self.store(raw)
        self._server.inject_update("message", raw)
        self._server.record(TranscriptEntry(
            direction="user", kind="command" if text.startswith("/") else "text", chat_id=self.chat_id,
            user_id=int(sender["id"]), name=str(sender["first_name"]), text=text,
            chat_title=self.display_name, message_id=int(raw["message_id"]),
        ))
        return int(raw["message_id"])


# Telegram's stand-ins for senders it hides (ids as the Bot API really sends them).
GROUP_ANONYMOUS_BOT: dict[str, Any] = {
    "id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"
}
CHANNEL_BOT: dict[str, Any] = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}


def channel_post(chat_id: int, title: str, message_id: int, text: str) -> dict[str, Any]:
    """A post in a channel (an Update's ``channel_post``): no ``from``, the channel as ``sender_chat``.
    Inject it with ``server.inject_update("channel_post", …)``."""
    channel = {"id": chat_id, "type": "channel", "title": title}
    return {"message_id": message_id, "sender_chat": channel, "chat": channel, "date": int(time.time()),
            **_text_content(text)}


# --------------------------------------------------------------------------- content


def _text_content(text: str) -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    match = _COMMAND_RE.match(text)
    if match:
        content["entities"] = [
            {"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}
        ]
    return content


_TINY_WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00\xff\x01\x00\xff\x01\x00"
