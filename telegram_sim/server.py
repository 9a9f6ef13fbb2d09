"""A local fake of the Telegram Bot API, served over real HTTP on loopback.

The bot under test keeps its real network stack (python-telegram-bot's HTTPXRequest):
it only gets a different ``base_url``. Every call is decoded the way Telegram decodes
it, checked against the published method spec and Telegram's own limits, and answered
with Telegram's status codes and wording, so PTB raises the same exceptions it would
in production. The user side (see ``client``) injects updates that the bot fetches
with ordinary long polling.

``FakeBotApi`` is the facade: it owns the bot's identity, the call log and the
transcript, routes each call to the part of the server that answers it (``messages``,
``callbacks``, ``files``, ``updates``, ``chats``, ``bot_settings``) and offers the user
side and the tests one object to talk to.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import time
from types import TracebackType
from typing import Any

import tornado.web

from telegram_sim.bot_settings import BotSettings
from telegram_sim.callbacks import CallbackQueries
from telegram_sim.calls import ApiCall, MethodHandler, UploadedFile
from telegram_sim.chats import ChatDirectory
from telegram_sim.client import FakeChat, FakeGroup, FakeUser
from telegram_sim.errors import ApiError
from telegram_sim.faults import FaultPlan, HoldPlan
from telegram_sim.files import FileStore, StoredFile
from telegram_sim.flood import FloodControl
from telegram_sim.http_transport import (
    LoopbackHttpServer,
    read_request,
    write_download,
    write_json,
    write_not_found,
)
from telegram_sim.messages import BotMessages
from telegram_sim.spec import ApiSpec, decode_params, load_spec
from telegram_sim.transcript import TranscriptEntry
from telegram_sim.updates import UpdateQueue
from telegram_sim.views import CallbackAnswer, CallbackQueryRecord

__all__ = ["ApiCall", "FakeBotApi", "StoredFile", "UploadedFile"]

# send* methods that return True rather than a Message.
_TRUE_SENDS = frozenset("sendChatAction sendGift sendMessageDraft sendRichMessageDraft".split())
# Methods returning an object this fake does not model: answered 501 rather than a wrong True.
_OBJECT_RESULT_PREFIXES = tuple(
    "get copy forward export create revoke stop upload post repost save replace".split()
)
_OBJECT_RESULT_METHODS = frozenset(
    """editMessageMedia editMessageLiveLocation editMessageChecklist editChatInviteLink
    editChatSubscriptionInviteLink editStory answerWebAppQuery setGameScore""".split()
)


class FakeBotApi:
    """The fake Bot API server: HTTP front, Telegram's rules, and the state of every chat.

    Use ``async with FakeBotApi() as server:`` (or ``start``/``stop``), point a
    ``telegram.Bot`` at ``f"{server.url}/bot"`` / ``f"{server.url}/file/bot"``, create users
    with ``server.user(...)`` and let them talk.
    """

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "WorkshopTestBot",
        bot_id: int = 123456,
    ) -> None:
        self.token: str = token
        self.bot_username: str = bot_username
        self.bot_id: int = bot_id
        self.spec: ApiSpec = load_spec()
        self.calls: list[ApiCall] = []
        self.transcript: list[TranscriptEntry] = []
        # Exceptions raised by this fake itself (answered as 500); should stay empty.
        self.errors: list[Exception] = []
        # Held calls dropped unprocessed because their client hung up (see ``hold``).
        self.abandoned: list[ApiCall] = []
        ids = itertools.count(1)  # one counter for file, media group and callback query ids
        self._updates = UpdateQueue()
        self._files = FileStore(self, ids)
        self._chats = ChatDirectory(self)
        self._messages = BotMessages(self, self._chats, self._files, ids)
        self._callbacks = CallbackQueries(self, self._chats, self._updates, ids)
        self._settings = BotSettings(self._chats)
        self._faults = FaultPlan()
        self._holds = HoldPlan()
        self._flood = FloodControl()
        self._latency: float = 0.0
        self._http: LoopbackHttpServer | None = None
        self._handlers: dict[str, MethodHandler] = self._method_table()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port, on the running event loop."""
        if self._http is not None:
            raise RuntimeError("FakeBotApi is already running")
        self._http = LoopbackHttpServer(self)
        self._updates.resume_polling()

    async def stop(self) -> None:
        """Answer pending long polls at once (empty), then close the socket and all connections."""
        if self._http is None:
            return
        self._holds.release()
        self._updates.stop_polling()
        await self._http.close()
        self._http = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        if self._http is None:
            raise RuntimeError("FakeBotApi is not running; await start() first")
        return f"http://127.0.0.1:{self._http.port}"

    @property
    def bot_user(self) -> dict[str, Any]:
        """The bot's own User object, as getMe returns it."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_username,
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # ------------------------------------------------------------------ user side API

    def user(
        self,
        user_id: int,
        first_name: str,
        language_code: str | None = "fr",
        username: str | None = None,
    ) -> FakeUser:
        """A simulated person (and their private chat); the same object for the same id."""
        return self._chats.user(user_id, first_name, language_code, username)

    def group(self, chat_id: int, title: str) -> FakeGroup:
        """A group chat the bot is already a member of; the same object for the same id."""
        return self._chats.group(chat_id, title)

    def chat(self, chat_id: int) -> FakeChat:
        """The chat with this id (a FakeUser for private chats); KeyError if unknown."""
        return self._chats.chat(chat_id)

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id``, if given) fail with this
        error (429 always carries ``parameters.retry_after``, 1 second unless given)."""
        self._faults.fail_next(method, error_code, description, retry_after, times, chat_id)

    def hold(self, method: str, after: int = 0, text_prefix: str | None = None) -> None:
        """Let ``after`` more calls of ``method`` (whose ``text`` starts with ``text_prefix``,
        if given) through, then keep the following ones waiting, unprocessed, until
        ``release_held``. A held call whose client hangs up (a killed bot process) is never
        processed, as if the request had not reached Telegram: it lands in ``abandoned``."""
        self._holds.hold(method, after, text_prefix)

    @property
    def held(self) -> int:
        """Calls waiting now because of ``hold``."""
        return self._holds.waiting

    def release_held(self) -> None:
        """Stop holding: the waiting calls are processed now, in arrival order."""
        self._holds.release()

    def enforce_flood_limits(
        self, per_second: int = 30, per_chat_per_second: int | None = None, retry_after: int = 1
    ) -> None:
        """Answer 429 ``retry after <retry_after>`` to calls aimed at a chat beyond ``per_second``
        in any 1-second window (and ``per_chat_per_second`` per chat when given), counted at
        arrival; refused calls do not count. Off until called."""
        self._flood.configure(per_second, per_chat_per_second, retry_after)

    @property
    def flood_rejections(self) -> int:
        """429s answered by flood control (``enforce_flood_limits``)."""
        return self._flood.rejections

    def set_latency(self, seconds: float) -> None:
        """Delay every call but getUpdates by ``seconds`` before processing it (0: none)."""
        self._latency = seconds

    def inject_update(self, update_type: str, payload: dict[str, Any]) -> int:
        """Queue an update for getUpdates and wake a waiting long poll; returns its update_id."""
        return self._updates.inject(update_type, payload)

    async def wait_consumed(self, timeout: float = 5.0) -> None:
        """Return once every injected update was confirmed by a later getUpdates offset, which
        means PTB's updater has put it into the application's update_queue."""
        await self._updates.wait_consumed(timeout)

    def issue_callback_query(
        self, user: FakeUser, chat: FakeChat, message_id: int, data: str, label: str | None
    ) -> str:
        """Create a callback query for a tap and queue it as an update; returns its id."""
        return self._callbacks.issue(user, chat, message_id, data, label)

    def record(self, entry: TranscriptEntry) -> None:
        """Append to the transcript (called by both sides)."""
        self.transcript.append(entry)

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """What setMyCommands stored for this scope and language (what getMyCommands returns)."""
        return self._settings.commands(scope, language_code)

    def calls_to(self, chat_id: int, prefix: str = "send") -> list[ApiCall]:
        """Successful calls whose method starts with ``prefix`` aimed at ``chat_id``, in order."""
        return [
            c for c in self.calls if c.ok and c.method.startswith(prefix) and c.chat_id == chat_id
        ]

    @property
    def callback_queries(self) -> dict[str, CallbackQueryRecord]:
        """Every callback query issued for a tap, by query id."""
        return self._callbacks.queries

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """Every answerCallbackQuery the bot made, in order."""
        return self._callbacks.answers

    @property
    def webhook_url(self) -> str:
        """The URL setWebhook set ("" when none): getUpdates is refused while it is set."""
        return self._updates.webhook_url

    @webhook_url.setter
    def webhook_url(self, url: str) -> None:
        self._updates.webhook_url = url

    @property
    def webhook_secret(self) -> str:
        """The ``secret_token`` of the last setWebhook, sent with every webhook delivery."""
        return self._updates.webhook_secret

    @property
    def webhook_statuses(self) -> list[int]:
        """The HTTP status the webhook answered to each delivery, in order."""
        return list(self._updates.webhook_statuses)

    @property
    def confirmed_offset(self) -> int:
        """Highest getUpdates offset received: every update below it is consumed."""
        return self._updates.confirmed_offset

    @property
    def long_polls_waiting(self) -> int:
        """getUpdates calls currently held open waiting for an update."""
        return self._updates.long_polls_waiting

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot."""
        return self._updates.pending

    def store_photo(self, data: bytes, validate: bool = True) -> list[dict[str, Any]]:
        """Keep a photo and return its PhotoSize list (thumbnails share the original bytes)."""
        return self._files.store_photo(data, validate)

    def store_document(self, data: bytes, file_name: str, mime_type: str | None) -> dict[str, Any]:
        """Keep a document and return its Document object."""
        return self._files.store_document(data, file_name, mime_type)

    def store_sticker(self, data: bytes, emoji: str) -> dict[str, Any]:
        """Keep a sticker file and return a Sticker object."""
        return self._files.store_sticker(data, emoji)

    def file_by_path(self, file_path: str) -> StoredFile | None:
        """The stored file served at ``/file/bot<token>/<file_path>``."""
        return self._files.by_path(file_path)

    # ------------------------------------------------------------------ HTTP entry

    async def serve_api(
        self, handler: tornado.web.RequestHandler, token: str, method_name: str
    ) -> None:
        """Decode, check, execute and answer one Bot API call; log it in ``calls``."""
        arrived = time.monotonic()
        method = method_name
        params: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        try:
            self._check_token(token)
            spec = self.spec.lookup(method_name)
            if spec is None:
                raise ApiError(404, "Not Found")
            method = spec.name
            raw, files = read_request(handler.request)
            params = dict(raw)
            self._faults.raise_if_planned(method, raw.get("chat_id"))
            self._flood.admit(method, raw, arrived)
            if self._latency > 0 and method != "getUpdates":
                await asyncio.sleep(self._latency)
            params = decode_params(spec, raw, set(files))
            if not await self._holds.wait_if_held(method, params, handler):
                self.abandoned.append(ApiCall(method, params, files, 499, {
                    "ok": False, "error_code": 499,
                    "description": "the client hung up before the call was processed",
                }, arrived))
                return
            if method == "getUpdates":
                result: Any = await self._updates.get_updates(params, handler)
            else:
                result = self._handlers.get(method, self._default_handler(method))(params, files)
            status, body = 200, {"ok": True, "result": result}
        except ApiError as error:
            status, body = error.error_code, error.to_json()
        except Exception as exc:  # a bug of this fake: answer 500 and keep it for the test
            self.errors.append(exc)
            status, body = (
                500,
                {"ok": False, "error_code": 500, "description": f"Internal Server Error: {exc!r}"},
            )
        # the log keeps a snapshot: the Message objects in ``body`` change with later edits
        self.calls.append(ApiCall(method, params, files, status, copy.deepcopy(body), arrived))
        write_json(handler, status, body)

    def _check_token(self, token: str) -> None:
        if token == self.token:
            return
        head, _, tail = token.partition(":")
        if not head.isdigit() or not tail:
            raise ApiError(404, "Not Found")  # what Telegram answers for a malformed token
        raise ApiError(401, "Unauthorized")

    def abandon(self, handler: tornado.web.RequestHandler) -> None:
        """The client hung up (e.g. PTB cancelled its long poll on shutdown): stop waiting."""
        self._updates.abandon(handler)
        self._holds.hung_up(handler)

    def serve_file(self, handler: tornado.web.RequestHandler, token: str, file_path: str) -> None:
        """GET /file/bot<token>/<file_path>: the stored bytes, or Telegram's 404."""
        stored = self._files.by_path(file_path) if token == self.token else None
        if stored is None:
            write_not_found(handler)
            return
        write_download(handler, stored.data, stored.mime_type)

    # ------------------------------------------------------------------ method table

    def _method_table(self) -> dict[str, MethodHandler]:
        return {
            "getMe": lambda p, f: self.bot_user,
            "logOut": lambda p, f: True,
            "close": lambda p, f: True,
            **self._updates.handlers(),
            **self._messages.handlers(),
            **self._callbacks.handlers(),
            **self._files.handlers(),
            **self._chats.handlers(),
            **self._settings.handlers(),
        }

    def _default_handler(self, method: str) -> MethodHandler:
        """Methods without their own handler: chat checks, then True (or a generic message for
        sends, or 501 where Telegram returns an object we do not model)."""
        spec = self.spec.methods[method]

        def handle(params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
            if method.startswith("send") and method not in _TRUE_SENDS and "chat_id" in spec.fields:
                return self._messages.send_generic(method, params, files)
            if method.startswith(_OBJECT_RESULT_PREFIXES) or method in _OBJECT_RESULT_METHODS:
                raise ApiError(
                    501, f"Not Implemented: the fake Bot API server does not model {method}"
                )
            if "chat_id" in params:
                self._chats.writable(params)
            return True

        return handle
