"""The bot's messages: sending, editing and deleting them, as Telegram allows.

Each sent message exists twice: the Message JSON Telegram returns (and later puts in
callback queries), and the ``BotMessage`` view the simulated user reads. Both change
together on edits and deletions, and every change lands in the transcript.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from telegram_sim.calls import MethodHandler, UploadedFile
from telegram_sim.chats import ChatDirectory
from telegram_sim.client import FakeChat, FakeGroup, FakeUser
from telegram_sim.content import (
    buttons,
    caption_fields,
    checked_markup,
    inline_keyboard,
    text_fields,
)
from telegram_sim.errors import ApiError, bad_request
from telegram_sim.files import FileStore, StoredFile
from telegram_sim.transcript import TranscriptEntry
from telegram_sim.views import BotMessage, Button

if TYPE_CHECKING:
    from telegram_sim.server import FakeBotApi

_CHAT_ACTIONS = frozenset(
    """typing upload_photo record_video upload_video record_voice upload_voice upload_document
    choose_sticker find_location record_video_note upload_video_note""".split()
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)


class BotMessages:
    """Sends, edits and deletes; ``ids`` is the server's shared counter (media group ids)."""

    def __init__(
        self, server: FakeBotApi, chats: ChatDirectory, files: FileStore, ids: Iterator[int]
    ) -> None:
        self._server = server  # the bot's identity and the transcript
        self._chats = chats
        self._files = files
        self._ids = ids

    def handlers(self) -> dict[str, MethodHandler]:
        """The Bot API methods answered here (other send* methods: ``send_generic``)."""
        return {
            "sendMessage": self._send_message,
            "sendPhoto": lambda p, f: self._send_file("photo", p, f),
            "sendDocument": lambda p, f: self._send_file("document", p, f),
            "sendMediaGroup": self._send_media_group,
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
        }

    # ------------------------------------------------------------------ sending

    def _deliver(
        self,
        chat: FakeChat,
        kind: str,
        content: dict[str, Any],
        params: dict[str, Any],
        shown: str,
        *,
        stored: StoredFile | None = None,
        media_group_id: str | None = None,
    ) -> dict[str, Any]:
        """Create a bot message in ``chat`` and record it; returns the Message object."""
        markup = params.get("reply_markup")
        raw: dict[str, Any] = {
            "message_id": 0,
            "from": self._server.bot_user,
            "chat": chat.chat_json,
            "date": int(time.time()),
        }
        reply = self._reply_target(chat, params)
        if reply is not None:
            raw["reply_to_message"] = reply
        raw.update(content)
        if media_group_id:
            raw["media_group_id"] = media_group_id
        if inline_keyboard(markup) is not None:
            raw["reply_markup"] = markup
        raw["message_id"] = chat.allocate_message_id()
        view = BotMessage(
            chat_id=chat.chat_id,
            message_id=raw["message_id"],
            kind=kind,
            text=shown,
            buttons=buttons(raw.get("reply_markup")),
            file_bytes=stored.data if stored else None,
            file_name=stored.file_name if stored else None,
            mime_type=stored.mime_type if stored else None,
            media_group_id=media_group_id,
            raw=raw,
        )
        if isinstance(markup, dict) and "keyboard" in markup:
            view.reply_keyboard = chat.reply_keyboard = [
                [b["text"] if isinstance(b, dict) else str(b) for b in row]
                for row in markup["keyboard"]
            ]
        elif isinstance(markup, dict) and markup.get("remove_keyboard"):
            chat.reply_keyboard = None
        chat.store(raw, view)
        label = f"{view.file_name or kind} {shown}".strip() if stored else shown
        self._bot_event(chat, kind, label, view.message_id, view.buttons)
        return raw

    def _reply_target(self, chat: FakeChat, params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        if not isinstance(reply, dict) or "message_id" not in reply:
            return None
        target = chat.raw_message(int(reply["message_id"]))
        if target is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return {k: v for k, v in target.items() if k != "reply_to_message"}

    def _bot_event(
        self, chat: FakeChat, kind: str, text: str, message_id: int, buttons: list[list[Button]]
    ) -> None:
        self._server.record(
            TranscriptEntry(
                direction="bot",
                kind=kind,
                chat_id=chat.chat_id,
                user_id=chat.chat_id if isinstance(chat, FakeUser) else None,
                name=chat.display_name,
                text=text,
                buttons=tuple(tuple(b.text for b in row) for row in buttons),
                message_id=message_id,
            )
        )

    def _send_message(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        chat = self._chats.writable(params)
        text, content = text_fields(params)
        checked_markup(params, inline_only=False)
        return self._deliver(chat, "text", content, params, text)

    def _send_file(
        self, kind: str, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        """sendPhoto and sendDocument: the ``kind`` parameter names the file."""
        chat = self._chats.writable(params)
        caption, content = caption_fields(params)
        checked_markup(params, inline_only=False)
        stored, media = self._files.input_media(params.get(kind), kind, files, kind)
        return self._deliver(chat, kind, {**media, **content}, params, caption, stored=stored)

    def _send_media_group(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> list[dict[str, Any]]:
        chat = self._chats.writable(params)
        media = params["media"]
        if not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media")
        if not all(isinstance(item, dict) for item in media):
            raise bad_request("can't parse InputMedia JSON object")
        kinds = {item.get("type") for item in media}
        if not kinds <= {"photo", "document"}:
            unsupported = sorted(str(k) for k in kinds - {"photo", "document"})
            raise ApiError(
                501,
                "Not Implemented: the fake Bot API server only models photo and document albums, "
                f"got {unsupported}",
            )
        if kinds == {"photo", "document"}:
            raise bad_request("document can't be mixed with other media types")
        prepared: list[tuple[str, StoredFile, str, dict[str, Any]]] = []
        for item in media:
            caption, content = caption_fields(item)
            stored, media_json = self._files.input_media(
                item.get("media"), "media", files, item["type"]
            )
            prepared.append((item["type"], stored, caption, {**media_json, **content}))
        group_id = str(10_000_000_000_000 + next(self._ids))
        return [
            self._deliver(
                chat, kind, content, params, caption, stored=stored, media_group_id=group_id
            )
            for kind, stored, caption, content in prepared
        ]

    def send_generic(
        self, method: str, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        """Other send* methods: a real Message carrying no media object (not modelled)."""
        chat = self._chats.writable(params)
        caption, content = caption_fields(params)
        checked_markup(params, inline_only=False)
        kind = method[len("send") :].lower()
        stored: StoredFile | None = None
        upload = next(iter(files.values()), None)
        if upload is not None:
            stored = self._files.store_upload(upload, kind)
        return self._deliver(chat, kind, content, params, caption, stored=stored)

    def _send_chat_action(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self._chats.writable(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    # ------------------------------------------------------------------ edits and deletes

    def _edit_target(self, params: dict[str, Any]) -> tuple[FakeChat, BotMessage, dict[str, Any]]:
        if "inline_message_id" in params:
            raise bad_request("MESSAGE_ID_INVALID")  # no inline mode here, so no inline messages
        if "chat_id" not in params:
            raise bad_request("chat_id is empty")
        if "message_id" not in params:
            raise bad_request("message identifier is not specified")
        chat = self._chats.writable(params)
        raw = chat.raw_message(int(params["message_id"]))
        if raw is None:
            raise bad_request("message to edit not found")
        view = chat.bot_message(int(params["message_id"]))
        if view is None:
            raise bad_request("message can't be edited")
        return chat, view, raw

    def _apply_edit(
        self,
        chat: FakeChat,
        view: BotMessage,
        raw: dict[str, Any],
        fields: dict[str, Any],
        markup: dict[str, Any] | None,
        shown: str,
    ) -> dict[str, Any]:
        """Replace ``fields`` (absent ones removed) and the inline keyboard, or refuse a no-op."""
        unchanged = (
            all(raw.get(k) == (v or None) for k, v in fields.items())
            and raw.get("reply_markup") == markup
        )
        if unchanged:
            raise bad_request(_NOT_MODIFIED)
        for key, value in fields.items():
            if value:
                raw[key] = value
            else:
                raw.pop(key, None)
        if markup is None:
            raw.pop("reply_markup", None)
        else:
            raw["reply_markup"] = markup
        raw["edit_date"] = int(time.time())
        if shown != view.text:
            view.history.append(view.text)
        view.text, view.buttons, view.edited = shown, buttons(markup), True
        self._bot_event(chat, "edit", shown, view.message_id, view.buttons)
        return raw

    def _edit_message_text(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        chat, view, raw = self._edit_target(params)
        if "text" not in params:
            raise bad_request("message text is empty")
        text, content = text_fields(params)
        markup = checked_markup(params, inline_only=True)
        if "text" not in raw:
            raise bad_request("there is no text in the message to edit")
        fields = {key: content.get(key) for key in ("text", "entities")}
        return self._apply_edit(chat, view, raw, fields, markup, text)

    def _edit_message_caption(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        chat, view, raw = self._edit_target(params)
        caption, content = caption_fields(params)
        markup = checked_markup(params, inline_only=True)
        if "text" in raw:
            raise bad_request("there is no caption in the message to edit")
        fields = {key: content.get(key) for key in ("caption", "caption_entities")}
        return self._apply_edit(chat, view, raw, fields, markup, caption)

    def _edit_message_reply_markup(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        chat, view, raw = self._edit_target(params)
        markup = checked_markup(params, inline_only=True)
        return self._apply_edit(chat, view, raw, {}, markup, view.text)

    def _delete_message(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        chat = self._chats.writable(params)
        message_id = int(params["message_id"])
        raw = chat.raw_message(message_id)
        if raw is None:
            raise bad_request("message to delete not found")
        if isinstance(chat, FakeGroup) and chat.bot_message(message_id) is None:
            raise bad_request("message can't be deleted")
        chat.mark_deleted(message_id)
        view = chat.bot_message(message_id)
        self._bot_event(chat, "delete", _shorten(view.text) if view else "", message_id, [])
        return True

    def _delete_messages(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        chat = self._chats.writable(params)
        for message_id in params["message_ids"]:
            if chat.raw_message(int(message_id)) is not None:
                chat.mark_deleted(int(message_id))
        return True


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
