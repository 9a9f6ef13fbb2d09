"""Button taps: the callback queries users make and the bot's answers to them.

Telegram accepts one answer per query, within limits; the answer (a toast or an alert)
is what the user sees, so it is kept per query and written to the transcript.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from telegram_sim.calls import MethodHandler, UploadedFile
from telegram_sim.chats import ChatDirectory
from telegram_sim.errors import bad_request
from telegram_sim.formatting import utf16_len
from telegram_sim.transcript import TranscriptEntry
from telegram_sim.updates import UpdateQueue
from telegram_sim.validation import MAX_CALLBACK_ANSWER_LENGTH
from telegram_sim.views import CallbackAnswer, CallbackQueryRecord

if TYPE_CHECKING:
    from telegram_sim.client import FakeChat, FakeUser
    from telegram_sim.server import FakeBotApi


class CallbackQueries:
    """Every query issued, by id, and every answer given, in order.

    ``ids`` is the server's shared counter, so query ids number like before.
    """

    def __init__(
        self, server: FakeBotApi, chats: ChatDirectory, updates: UpdateQueue, ids: Iterator[int]
    ) -> None:
        self._server = server  # the bot's identity and the transcript
        self._chats = chats
        self._updates = updates
        self._ids = ids
        self.queries: dict[str, CallbackQueryRecord] = {}
        self.answers: list[CallbackAnswer] = []

    def handlers(self) -> dict[str, MethodHandler]:
        """The Bot API methods answered here."""
        return {"answerCallbackQuery": self._answer_callback_query}

    def issue(
        self, user: FakeUser, chat: FakeChat, message_id: int, data: str, label: str | None
    ) -> str:
        """Create a callback query for a tap and queue it as an update; returns its id."""
        query_id = str(4_000_000_000_000_000_000 + next(self._ids))
        raw = chat.raw_message(message_id)
        if raw is None:
            view = chat.bot_message(message_id)
            raw = view.raw if view is not None else None
        self.queries[query_id] = CallbackQueryRecord(
            query_id, user.user_id, chat.chat_id, message_id, data, label, time.monotonic()
        )
        payload: dict[str, Any] = {
            "id": query_id,
            "from": user.user_json,
            "chat_instance": str(abs(chat.chat_id) * 7919 + self._server.bot_id),
            "data": data,
        }
        if raw:
            payload["message"] = raw
        self._updates.inject("callback_query", payload)
        return query_id

    def _answer_callback_query(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> bool:
        query = self.queries.get(str(params["callback_query_id"]))
        if query is None or query.answer is not None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if text is not None and utf16_len(str(text)) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        answer = CallbackAnswer(
            query.query_id,
            query.user_id,
            query.chat_id,
            query.data,
            None if text is None else str(text),
            bool(params.get("show_alert", False)),
            params.get("url"),
        )
        query.answer = answer
        self.answers.append(answer)
        person = self._chats.get(query.user_id)
        shown = f"{'(alert) ' if answer.show_alert else ''}{answer.text or ''}".strip()
        self._server.record(
            TranscriptEntry(
                "bot",
                "callback_answer",
                query.chat_id,
                query.user_id,
                person.display_name if person else str(query.user_id),
                shown,
            )
        )
        return True
