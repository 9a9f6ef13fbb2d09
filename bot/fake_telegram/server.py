"""A local fake of the Telegram Bot API, served over real HTTP on loopback.

The bot under test keeps its real network stack (python-telegram-bot's HTTPXRequest):
it only gets a different ``base_url``. Every call is decoded the way Telegram decodes
it, checked against the published method spec and Telegram's own limits, and answered
with Telegram's status codes and wording, so PTB raises the same exceptions it would
in production. The user side (see ``client``) injects updates that the bot fetches
with ordinary long polling.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import itertools
import json
import mimetypes
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from bot.fake_telegram.client import (
    BotMessage,
    Button,
    CallbackAnswer,
    CallbackQueryRecord,
    FakeChat,
    FakeGroup,
    FakeUser,
    TranscriptEntry,
)
from bot.fake_telegram.spec import (
    MAX_CALLBACK_ANSWER_LENGTH,
    ApiError,
    ApiSpec,
    bad_request,
    check_photo,
    check_reply_markup,
    check_text_length,
    decode_params,
    format_text,
    load_spec,
    utf16_len,
)

Handler = Callable[[dict[str, Any], dict[str, "UploadedFile"]], Any]

# Telegram's default when allowed_updates is empty: everything but chat_member and reactions.
_DEFAULT_UPDATE_TYPES = frozenset(
    """message edited_message channel_post edited_channel_post business_connection
    business_message edited_business_message deleted_business_messages inline_query
    chosen_inline_result callback_query shipping_query pre_checkout_query purchased_paid_media
    poll poll_answer my_chat_member chat_join_request chat_boost removed_chat_boost""".split()
)
_CHAT_ACTIONS = frozenset(
    """typing upload_photo record_video upload_video record_voice upload_voice upload_document
    choose_sticker find_location record_video_note upload_video_note""".split()
)
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
_MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)


@dataclass(frozen=True)
class UploadedFile:
    """A multipart file part as received."""

    field_name: str
    file_name: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass
class StoredFile:
    """A file Telegram keeps: found by file_id via getFile, downloaded by file_path."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes = field(repr=False)
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None


@dataclass
class ApiCall:
    """One HTTP call to the Bot API, as received and as answered.

    ``timestamp`` is ``time.monotonic()`` at arrival: use it to check pacing (e.g. no chat
    gets more than about one message per second).
    """

    method: str
    params: dict[str, Any]
    files: dict[str, UploadedFile]
    status: int
    response: dict[str, Any]
    timestamp: float

    @property
    def ok(self) -> bool:
        """Whether Telegram accepted the call."""
        return bool(self.response.get("ok"))

    @property
    def chat_id(self) -> int | str | None:
        """The chat the call targeted, if any."""
        value = self.params.get("chat_id")
        return value if isinstance(value, (int, str)) else None


@dataclass
class _Fault:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    remaining: int


class _Poll:
    """A getUpdates call waiting for updates; released early by new updates, stop or conflict."""

    def __init__(self) -> None:
        self.future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.conflicted = False

    def release(self, conflicted: bool = False) -> None:
        if not self.future.done():
            self.conflicted = conflicted
            self.future.set_result(None)


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
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.webhook_url: str = ""
        # Exceptions raised by this fake itself (answered as 500); should stay empty.
        self.errors: list[Exception] = []
        self._chats: dict[int, FakeChat] = {}
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._photo_sets: dict[str, list[dict[str, Any]]] = {}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}
        self._menu_buttons: dict[int | None, dict[str, Any]] = {}
        self._faults: list[_Fault] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._confirmed_offset = 0
        self._allowed_updates: frozenset[str] = _DEFAULT_UPDATE_TYPES
        self._polls: set[_Poll] = set()
        self._consumed = asyncio.Event()
        self._ids = itertools.count(1)
        self._http: tornado.httpserver.HTTPServer | None = None
        self._port = 0
        self._inflight = 0
        self._stopping = False
        self._last_poll_at: float | None = None
        self._handlers: dict[str, Handler] = self._method_table()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port, on the running event loop."""
        if self._http is not None:
            raise RuntimeError("FakeBotApi is already running")
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        app = tornado.web.Application(
            [
                (r"/bot([^/]*)/([A-Za-z0-9_]+)/?", _ApiHandler, {"api": self}),
                (r"/file/bot([^/]*)/(.+)", _FileHandler, {"api": self}),
                (r".*", _NotFoundHandler),
            ],
            log_function=lambda handler: None,
        )
        self._http = tornado.httpserver.HTTPServer(app, max_body_size=60 * 1024 * 1024)
        self._http.add_sockets(sockets)
        self._port = int(sockets[0].getsockname()[1])
        self._stopping = False

    async def stop(self) -> None:
        """Answer pending long polls at once (empty), then close the socket and all connections."""
        if self._http is None:
            return
        self._stopping = True
        for poll in list(self._polls):
            poll.release()
        self._http.stop()
        deadline = time.monotonic() + 1.0
        while self._inflight and time.monotonic() < deadline:
            await asyncio.sleep(0.001)
        await self._http.close_all_connections()
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
        return f"http://127.0.0.1:{self._port}"

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
        existing = self._chats.get(user_id)
        if isinstance(existing, FakeUser):
            return existing
        if user_id <= 0:
            raise ValueError("user ids are positive in Telegram")
        person = FakeUser(self, user_id, first_name, language_code, username)
        self._chats[user_id] = person
        return person

    def group(self, chat_id: int, title: str) -> FakeGroup:
        """A group chat the bot is already a member of; the same object for the same id."""
        existing = self._chats.get(chat_id)
        if isinstance(existing, FakeGroup):
            return existing
        chat = FakeGroup(self, chat_id, title)
        self._chats[chat_id] = chat
        return chat

    def chat(self, chat_id: int) -> FakeChat:
        """The chat with this id (a FakeUser for private chats); KeyError if unknown."""
        return self._chats[chat_id]

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with this error (429 always carries
        ``parameters.retry_after``, 1 second unless given)."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        self._faults.append(_Fault(method.lower(), error_code, description, retry_after, times))

    def inject_update(self, update_type: str, payload: dict[str, Any]) -> int:
        """Queue an update for getUpdates and wake a waiting long poll; returns its update_id."""
        update_id = next(self._update_ids)
        # a snapshot: later edits of the same message must not change an update already queued
        self._updates.append({"update_id": update_id, update_type: copy.deepcopy(payload)})
        self._consumed.clear()
        for poll in list(self._polls):
            poll.release()
        return update_id

    async def wait_consumed(self, timeout: float = 5.0) -> None:
        """Return once every injected update was confirmed by a later getUpdates offset, which
        means PTB's updater has put it into the application's update_queue."""
        deadline = time.monotonic() + timeout
        while self._updates:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(self._not_consumed_report(timeout))
            try:
                await asyncio.wait_for(self._consumed.wait(), remaining)
            except TimeoutError:
                raise TimeoutError(self._not_consumed_report(timeout)) from None

    def _not_consumed_report(self, timeout: float) -> str:
        ids = [u["update_id"] for u in self._updates]
        if self._last_poll_at is None:
            polled = "no getUpdates call ever reached the server (is the updater polling this url?)"
        else:
            polled = f"last getUpdates {time.monotonic() - self._last_poll_at:.1f}s ago"
        return (
            f"{len(ids)} update(s) not consumed after {timeout}s: ids {ids[:10]}, kinds "
            f"{[_update_kind(u) for u in self._updates[:10]]}; confirmed offset "
            f"{self._confirmed_offset}; {polled}; webhook={self.webhook_url or 'none'}"
        )

    def issue_callback_query(
        self, user: FakeUser, chat: FakeChat, message_id: int, data: str, label: str | None
    ) -> str:
        """Create a callback query for a tap and queue it as an update; returns its id."""
        query_id = str(4_000_000_000_000_000_000 + next(self._ids))
        raw = chat.raw_message(message_id)
        if raw is None:
            view = chat.bot_message(message_id)
            raw = view.raw if view is not None else None
        self.callback_queries[query_id] = CallbackQueryRecord(
            query_id, user.user_id, chat.chat_id, message_id, data, label, time.monotonic()
        )
        payload: dict[str, Any] = {
            "id": query_id,
            "from": user.user_json,
            "chat_instance": str(abs(chat.chat_id) * 7919 + self.bot_id),
            "data": data,
        }
        if raw:
            payload["message"] = raw
        self.inject_update("callback_query", payload)
        return query_id

    def record(self, entry: TranscriptEntry) -> None:
        """Append to the transcript (called by both sides)."""
        self.transcript.append(entry)

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """What setMyCommands stored for this scope and language (what getMyCommands returns)."""
        return list(self._commands.get(_commands_key(scope, language_code), []))

    def calls_to(self, chat_id: int, prefix: str = "send") -> list[ApiCall]:
        """Successful calls whose method starts with ``prefix`` aimed at ``chat_id``, in order."""
        return [
            c for c in self.calls if c.ok and c.method.startswith(prefix) and c.chat_id == chat_id
        ]

    @property
    def confirmed_offset(self) -> int:
        """Highest getUpdates offset received: every update below it is consumed."""
        return self._confirmed_offset

    @property
    def long_polls_waiting(self) -> int:
        """getUpdates calls currently held open waiting for an update."""
        return len(self._polls)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot."""
        return list(self._updates)

    # ------------------------------------------------------------------ files

    def _store_file(
        self, data: bytes, kind: str, extension: str, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        n = next(self._ids)
        file_id = (
            base64.urlsafe_b64encode(f"{kind}:{n}:{self.bot_id}".encode()).decode().rstrip("=")
        )
        unique = base64.urlsafe_b64encode(f"u{n}".encode()).decode().rstrip("=")
        folder = "photos" if kind == "photo" else f"{kind}s"
        stored = StoredFile(
            f"AgAC{file_id}",
            f"AQAD{unique}",
            kind,
            data,
            f"{folder}/file_{n}{extension}",
            file_name,
            mime_type,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def store_photo(self, data: bytes, validate: bool = True) -> list[dict[str, Any]]:
        """Keep a photo and return its PhotoSize list (thumbnails share the original bytes)."""
        width, height = check_photo(data) if validate else _safe_photo_size(data)
        extension = mimetypes.guess_extension(_image_mime(data)) or ".jpg"
        sizes: list[dict[str, Any]] = []
        longest = max(width, height)
        targets = [t for t in (90, 320, 800, 1280) if t < longest] + [min(longest, 2560)]
        for target in targets:
            stored = self._store_file(data, "photo", extension, None, _image_mime(data))
            scale = target / longest
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                    "file_size": len(data),
                }
            )
        for size in sizes:
            self._photo_sets[size["file_id"]] = sizes
        return sizes

    def store_document(self, data: bytes, file_name: str, mime_type: str | None) -> dict[str, Any]:
        """Keep a document and return its Document object."""
        if not mime_type or mime_type == "application/octet-stream":
            mime_type = (
                mimetypes.guess_type(file_name, strict=False)[0] or "application/octet-stream"
            )
        extension = ("." + file_name.rsplit(".", 1)[1]) if "." in file_name else ""
        stored = self._store_file(data, "document", extension, file_name, mime_type)
        return _document_json(stored)

    def store_sticker(self, data: bytes, emoji: str) -> dict[str, Any]:
        """Keep a sticker file and return a Sticker object."""
        stored = self._store_file(data, "sticker", ".webp", None, "image/webp")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(data),
        }

    def file_by_path(self, file_path: str) -> StoredFile | None:
        """The stored file served at ``/file/bot<token>/<file_path>``."""
        return self._files_by_path.get(file_path)

    def _input_file(
        self, value: Any, field_name: str, files: dict[str, UploadedFile], kind: str
    ) -> tuple[StoredFile, UploadedFile | None]:
        """Resolve a file parameter: an upload part (by field name or attach://), or a file_id."""
        upload: UploadedFile | None = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
            if upload is None:
                raise bad_request(f'can\'t find attached file "{value}"')
        elif value is None:
            upload = files.get(field_name)
        if upload is None:
            if not isinstance(value, str):
                raise bad_request(f"there is no {field_name} in the request")
            if value.startswith(("http://", "https://")):
                raise bad_request("failed to get HTTP URL content")
            existing = self._files.get(value)
            if existing is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            if existing.kind != kind:
                raise bad_request("type of file mismatch")
            return existing, None
        if not upload.data:
            raise bad_request("file must be non-empty")
        if kind == "photo":
            sizes = self.store_photo(upload.data)
            return self._files[sizes[-1]["file_id"]], upload
        if kind == "document":
            document = self.store_document(upload.data, upload.file_name, upload.content_type)
            return self._files[document["file_id"]], upload
        extension = mimetypes.guess_extension(upload.content_type) or ""
        return self._store_file(
            upload.data, kind, extension, _real_file_name(upload), upload.content_type
        ), upload

    # ------------------------------------------------------------------ HTTP entry

    async def serve_api(
        self, handler: tornado.web.RequestHandler, token: str, method_name: str
    ) -> None:
        """Decode, check, execute and answer one Bot API call; log it in ``calls``."""
        self._inflight += 1
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
            raw, files = _read_request(handler.request)
            params = dict(raw)
            self._maybe_fail(method)
            params = decode_params(spec, raw, set(files))
            if method == "getUpdates":
                result: Any = await self._get_updates(params, handler)
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
        finally:
            self._inflight -= 1
        # the log keeps a snapshot: the Message objects in ``body`` change with later edits
        self.calls.append(ApiCall(method, params, files, status, copy.deepcopy(body), arrived))
        _write_json(handler, status, body)

    def _check_token(self, token: str) -> None:
        if token == self.token:
            return
        head, _, tail = token.partition(":")
        if not head.isdigit() or not tail:
            raise ApiError(404, "Not Found")  # what Telegram answers for a malformed token
        raise ApiError(401, "Unauthorized")

    def _maybe_fail(self, method: str) -> None:
        for fault in self._faults:
            if fault.method == method.lower() and fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                raise ApiError(fault.error_code, fault.description, fault.retry_after)

    def abandon(self, handler: tornado.web.RequestHandler) -> None:
        """The client hung up (e.g. PTB cancelled its long poll on shutdown): stop waiting."""
        poll = getattr(handler, "poll", None)
        if isinstance(poll, _Poll):
            poll.release()

    # ------------------------------------------------------------------ method table

    def _method_table(self) -> dict[str, Handler]:
        table: dict[str, Handler] = {
            "getMe": lambda p, f: self.bot_user,
            "logOut": lambda p, f: True,
            "close": lambda p, f: True,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": lambda p, f: {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            },
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendMediaGroup": self._send_media_group,
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda p, f: self.commands(p.get("scope"), p.get("language_code", "")),
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": lambda p, f: self._menu_buttons.get(
                p.get("chat_id"), self._menu_buttons.get(None, {"type": "default"})
            ),
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatMemberCount": self._get_chat_member_count,
        }
        for setter, getter, key in (
            ("setMyName", "getMyName", "name"),
            ("setMyDescription", "getMyDescription", "description"),
            ("setMyShortDescription", "getMyShortDescription", "short_description"),
        ):
            table[setter] = self._bot_text_setter(key)
            table[getter] = self._bot_text_getter(key)
        return table

    def _default_handler(self, method: str) -> Handler:
        """Methods without their own handler: chat checks, then True (or a generic message for
        sends, or 501 where Telegram returns an object we do not model)."""
        spec = self.spec.methods[method]

        def handle(params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
            if method.startswith("send") and method not in _TRUE_SENDS and "chat_id" in spec.fields:
                return self._send_generic(method, params, files)
            if method.startswith(_OBJECT_RESULT_PREFIXES) or method in _OBJECT_RESULT_METHODS:
                raise ApiError(
                    501, f"Not Implemented: the fake Bot API server does not model {method}"
                )
            if "chat_id" in params:
                self._writable_chat(params)
            return True

        return handle

    def _bot_text_setter(self, key: str) -> Handler:
        def handle(params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
            self._bot_texts[(key, str(params.get("language_code", "")))] = str(params.get(key, ""))
            return True

        return handle

    def _bot_text_getter(self, key: str) -> Handler:
        def handle(params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, str]:
            language = str(params.get("language_code", ""))
            return {key: self._bot_texts.get((key, language), self._bot_texts.get((key, ""), ""))}

        return handle

    # ------------------------------------------------------------------ updates

    async def _get_updates(
        self, params: dict[str, Any], handler: tornado.web.RequestHandler
    ) -> list[dict[str, Any]]:
        """Long polling: confirm up to ``offset``, answer at once if anything is pending, else wait
        up to ``timeout`` seconds. A newer call ends an older one with 409, like Telegram."""
        self._last_poll_at = time.monotonic()
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._confirm(int(params.get("offset", 0)))
        if "allowed_updates" in params:
            wanted = frozenset(str(kind) for kind in params["allowed_updates"])
            self._allowed_updates = wanted or _DEFAULT_UPDATE_TYPES
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        for other in list(self._polls):
            other.release(conflicted=True)
        ready = self._deliverable(limit)
        timeout = max(int(params.get("timeout", 0)), 0)
        if ready or timeout == 0 or self._stopping:
            return ready
        poll = _Poll()
        self._polls.add(poll)
        handler.poll = poll  # type: ignore[attr-defined]
        try:
            await asyncio.wait({poll.future}, timeout=timeout)
        finally:
            self._polls.discard(poll)
        if poll.conflicted:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        return self._deliverable(limit)

    def _confirm(self, offset: int) -> None:
        if offset < 0:  # the last -offset updates stay, everything before is forgotten
            keep = self._updates[offset:]
            offset = keep[0]["update_id"] if keep else next(self._update_ids)
        if offset > self._confirmed_offset:
            self._confirmed_offset = offset
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._consumed.set()

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        """Pending updates of allowed types; others are dropped, as Telegram never sends them."""
        self._updates = [
            u
            for u in self._updates
            if any(k in self._allowed_updates for k in u if k != "update_id")
        ]
        if not self._updates:
            self._consumed.set()
        return self._updates[:limit]

    def _set_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self.webhook_url = str(params["url"])
        return True

    def _delete_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
            self._consumed.set()
        return True

    # ------------------------------------------------------------------ chats and messages

    def _writable_chat(self, params: dict[str, Any]) -> FakeChat:
        chat = self._known_chat(params)
        chat.check_bot_can_write()
        return chat

    def _known_chat(self, params: dict[str, Any]) -> FakeChat:
        chat_id = params.get("chat_id")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None or not chat.is_known_to_bot():
            if isinstance(chat, FakeUser):
                chat.check_bot_can_write()  # 403 when the bot saw the user but was never started
            raise bad_request("chat not found")
        return chat

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
            "from": self.bot_user,
            "chat": chat.chat_json,
            "date": int(time.time()),
        }
        reply = self._reply_target(chat, params)
        if reply is not None:
            raw["reply_to_message"] = reply
        raw.update(content)
        if media_group_id:
            raw["media_group_id"] = media_group_id
        if _inline_keyboard(markup) is not None:
            raw["reply_markup"] = markup
        raw["message_id"] = chat.allocate_message_id()
        view = BotMessage(
            chat_id=chat.chat_id,
            message_id=raw["message_id"],
            kind=kind,
            text=shown,
            buttons=_buttons(raw.get("reply_markup")),
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
        self.record(
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

    def _markup(self, params: dict[str, Any], *, inline_only: bool) -> dict[str, Any] | None:
        """The checked reply_markup; for edits, None also when the inline keyboard is empty
        (how bots remove a keyboard)."""
        if "reply_markup" not in params:
            return None
        markup = check_reply_markup(params["reply_markup"], inline_only=inline_only)
        return _inline_keyboard(markup) if inline_only else markup

    def _caption(self, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Parsed caption and the Message fields it fills."""
        if "caption" not in params:
            return "", {}
        caption, entities = format_text(
            str(params["caption"]),
            params.get("parse_mode"),
            params.get("caption_entities"),
            empty_error=None,
        )
        check_text_length(caption, caption=True)
        content: dict[str, Any] = {"caption": caption} if caption else {}
        if entities:
            content["caption_entities"] = entities
        return caption, content

    def _send_message(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        chat = self._writable_chat(params)
        text, entities = format_text(
            str(params["text"]),
            params.get("parse_mode"),
            params.get("entities"),
            empty_error="message text is empty",
        )
        check_text_length(text, caption=False)
        self._markup(params, inline_only=False)
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        return self._deliver(chat, "text", content, params, text)

    def _send_photo(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        chat = self._writable_chat(params)
        caption, content = self._caption(params)
        self._markup(params, inline_only=False)
        stored, upload = self._input_file(params.get("photo"), "photo", files, "photo")
        if upload is not None:
            stored.file_name = _real_file_name(upload)
        return self._deliver(
            chat,
            "photo",
            {"photo": self._photo_sets[stored.file_id], **content},
            params,
            caption,
            stored=stored,
        )

    def _send_document(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        chat = self._writable_chat(params)
        caption, content = self._caption(params)
        self._markup(params, inline_only=False)
        stored, _ = self._input_file(params.get("document"), "document", files, "document")
        return self._deliver(
            chat,
            "document",
            {"document": _document_json(stored), **content},
            params,
            caption,
            stored=stored,
        )

    def _send_media_group(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> list[dict[str, Any]]:
        chat = self._writable_chat(params)
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
            caption, content = self._caption(item)
            stored, upload = self._input_file(item.get("media"), "media", files, item["type"])
            if item["type"] == "photo" and upload is not None:
                stored.file_name = _real_file_name(upload)
            media_json = (
                {"photo": self._photo_sets[stored.file_id]}
                if item["type"] == "photo"
                else {"document": _document_json(stored)}
            )
            prepared.append((item["type"], stored, caption, {**media_json, **content}))
        group_id = str(10_000_000_000_000 + next(self._ids))
        return [
            self._deliver(
                chat, kind, content, params, caption, stored=stored, media_group_id=group_id
            )
            for kind, stored, caption, content in prepared
        ]

    def _send_generic(
        self, method: str, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        """Other send* methods: a real Message carrying no media object (not modelled)."""
        chat = self._writable_chat(params)
        caption, content = self._caption(params)
        self._markup(params, inline_only=False)
        kind = method[len("send") :].lower()
        stored: StoredFile | None = None
        upload = next(iter(files.values()), None)
        if upload is not None:
            stored = self._store_file(
                upload.data, kind, "", _real_file_name(upload), upload.content_type
            )
        return self._deliver(chat, kind, content, params, caption, stored=stored)

    def _send_chat_action(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self._writable_chat(params)
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
        chat = self._writable_chat(params)
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
        view.text, view.buttons, view.edited = shown, _buttons(markup), True
        self._bot_event(chat, "edit", shown, view.message_id, view.buttons)
        return raw

    def _edit_message_text(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        chat, view, raw = self._edit_target(params)
        if "text" not in params:
            raise bad_request("message text is empty")
        text, entities = format_text(
            str(params["text"]),
            params.get("parse_mode"),
            params.get("entities"),
            empty_error="message text is empty",
        )
        check_text_length(text, caption=False)
        markup = self._markup(params, inline_only=True)
        if "text" not in raw:
            raise bad_request("there is no text in the message to edit")
        return self._apply_edit(chat, view, raw, {"text": text, "entities": entities}, markup, text)

    def _edit_message_caption(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        chat, view, raw = self._edit_target(params)
        caption, content = self._caption(params)
        markup = self._markup(params, inline_only=True)
        if "text" in raw:
            raise bad_request("there is no caption in the message to edit")
        fields = {
            "caption": content.get("caption"),
            "caption_entities": content.get("caption_entities"),
        }
        return self._apply_edit(chat, view, raw, fields, markup, caption)

    def _edit_message_reply_markup(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        chat, view, raw = self._edit_target(params)
        markup = self._markup(params, inline_only=True)
        return self._apply_edit(chat, view, raw, {}, markup, view.text)

    def _delete_message(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        chat = self._writable_chat(params)
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
        chat = self._writable_chat(params)
        for message_id in params["message_ids"]:
            if chat.raw_message(int(message_id)) is not None:
                chat.mark_deleted(int(message_id))
        return True

    # ------------------------------------------------------------------ callbacks and files

    def _answer_callback_query(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> bool:
        query = self.callback_queries.get(str(params["callback_query_id"]))
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
        self.callback_answers.append(answer)
        person = self._chats.get(query.user_id)
        shown = f"{'(alert) ' if answer.show_alert else ''}{answer.text or ''}".strip()
        self.record(
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

    def _get_file(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        stored = self._files.get(str(params["file_id"]))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.data) > _MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    # ------------------------------------------------------------------ bot settings and chats

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
            self._writable_chat(params)
        self._menu_buttons[chat_id if isinstance(chat_id, int) else None] = params.get(
            "menu_button", {"type": "default"}
        )
        return True

    def _get_chat(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        chat = self._known_chat(params)
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
        chat = self._known_chat(params)
        user_id = int(params["user_id"])
        if user_id == self.bot_id:
            return {"user": self.bot_user, "status": "member"}
        person = self._chats.get(user_id)
        if not isinstance(person, FakeUser):
            raise bad_request("PARTICIPANT_ID_INVALID")
        member = chat is person or (isinstance(chat, FakeGroup) and user_id in chat.members)
        return {"user": person.user_json, "status": "member" if member else "left"}

    def _get_chat_member_count(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> int:
        chat = self._known_chat(params)
        return len(chat.members) + 1 if isinstance(chat, FakeGroup) else 2

    # ------------------------------------------------------------------ downloads

    def serve_file(self, handler: tornado.web.RequestHandler, token: str, file_path: str) -> None:
        """GET /file/bot<token>/<file_path>: the stored bytes, or Telegram's 404."""
        stored = self._files_by_path.get(file_path) if token == self.token else None
        if stored is None:
            _write_json(handler, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        handler.set_header("Content-Type", stored.mime_type or "application/octet-stream")
        handler.finish(stored.data)


# ---------------------------------------------------------------------- tornado handlers


class _ApiHandler(tornado.web.RequestHandler):
    """Routes ``/bot<token>/<method>`` (GET or POST, as Telegram allows) to the server."""

    def initialize(self, api: FakeBotApi) -> None:
        self.api = api
        self.poll: _Poll | None = None

    async def get(self, token: str, method: str) -> None:
        await self.api.serve_api(self, token, method)

    async def post(self, token: str, method: str) -> None:
        await self.api.serve_api(self, token, method)

    def on_connection_close(self) -> None:
        self.api.abandon(self)

    def compute_etag(self) -> None:
        return None


class _FileHandler(tornado.web.RequestHandler):
    """Serves downloads at ``/file/bot<token>/<file_path>``."""

    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    def get(self, token: str, file_path: str) -> None:
        self.api.serve_file(self, token, file_path)

    def compute_etag(self) -> None:
        return None


class _NotFoundHandler(tornado.web.RequestHandler):
    """Anything else gets Telegram's JSON 404 rather than Tornado's HTML page."""

    def prepare(self) -> None:
        _write_json(self, 404, {"ok": False, "error_code": 404, "description": "Not Found"})


# ---------------------------------------------------------------------- helpers of this module


def _read_request(request: Any) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Query string plus body (form, multipart or JSON) as one dict, and the file parts."""
    raw: dict[str, Any] = {}
    files: dict[str, UploadedFile] = {}
    try:
        for name, values in request.query_arguments.items():
            raw[name] = values[-1].decode("utf-8")
        content_type = request.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            body = json.loads(request.body.decode("utf-8") or "{}")
            if not isinstance(body, dict):
                raise bad_request("parameters must be a JSON object")
            raw.update(body)
        else:
            for name, values in request.body_arguments.items():
                raw[name] = values[-1].decode("utf-8")
            for name, parts in request.files.items():
                part = parts[-1]
                files[name] = UploadedFile(
                    name, part.filename, part.content_type or "application/octet-stream", part.body
                )
    except UnicodeDecodeError as exc:
        raise bad_request("strings must be encoded in UTF-8") from exc
    except ValueError as exc:
        raise bad_request("can't parse JSON object") from exc
    return raw, files


def _write_json(handler: tornado.web.RequestHandler, status: int, body: dict[str, Any]) -> None:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    handler.set_status(status, reason)
    handler.set_header("Content-Type", "application/json")
    handler.finish(json.dumps(body, ensure_ascii=False).encode("utf-8"))


def _buttons(markup: dict[str, Any] | None) -> list[list[Button]]:
    if not markup:
        return []
    return [
        [Button(b["text"], b.get("callback_data"), b.get("url")) for b in row]
        for row in markup.get("inline_keyboard", [])
    ]


def _inline_keyboard(markup: Any) -> dict[str, Any] | None:
    """The markup if it is an inline keyboard with a button (Telegram drops empty ones)."""
    if isinstance(markup, dict) and any(markup.get("inline_keyboard") or []):
        return markup
    return None


def _document_json(stored: StoredFile) -> dict[str, Any]:
    document: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return document


def _commands_key(scope: dict[str, Any] | None, language_code: str) -> tuple[str, str]:
    return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""


def _is_command_name(name: str) -> bool:
    return 1 <= len(name) <= 32 and all(
        c.isascii() and (c.islower() or c.isdigit() or c == "_") for c in name
    )


def _image_mime(data: bytes) -> str:
    for magic, mime in (
        (b"\x89PNG", "image/png"),
        (b"GIF8", "image/gif"),
        (b"BM", "image/bmp"),
        (b"RIFF", "image/webp"),
    ):
        if data.startswith(magic):
            return mime
    return "image/jpeg"


def _safe_photo_size(data: bytes) -> tuple[int, int]:
    try:
        return check_photo(data)
    except ApiError:
        return 800, 600


def _real_file_name(upload: UploadedFile) -> str | None:
    """The uploaded file's name for views and transcript, or None when it is only PTB's
    placeholder (the MIME type with "/" replaced by ".")."""
    placeholder = upload.file_name == upload.content_type.replace("/", ".")
    return None if placeholder else upload.file_name


def _update_kind(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "?")


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
