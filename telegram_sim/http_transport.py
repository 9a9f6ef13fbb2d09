"""The HTTP side of the fake: a loopback tornado server, request decoding, JSON answers.

Telegram takes parameters from the query string, form fields, multipart parts or a JSON
body, and always answers JSON with its own status codes. This module does that
translation and nothing else: every call goes to a ``BotApiEndpoint`` (the server).
"""

from __future__ import annotations

import asyncio
import json
import time
from http import HTTPStatus
from typing import Any, Protocol

import tornado.httpserver
import tornado.netutil
import tornado.web

from telegram_sim.calls import UploadedFile
from telegram_sim.errors import bad_request

_MAX_BODY_BYTES = 60 * 1024 * 1024
_NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}


class BotApiEndpoint(Protocol):
    """What the routes hand requests to."""

    async def serve_api(
        self, handler: tornado.web.RequestHandler, token: str, method_name: str
    ) -> None: ...

    def serve_file(
        self, handler: tornado.web.RequestHandler, token: str, file_path: str
    ) -> None: ...

    def abandon(self, handler: tornado.web.RequestHandler) -> None: ...


class LoopbackHttpServer:
    """Tornado on 127.0.0.1 on a free port, listening as soon as it is created."""

    def __init__(self, endpoint: BotApiEndpoint) -> None:
        self.endpoint = endpoint
        self.inflight = 0  # API calls being answered, so closing can let them finish
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        app = tornado.web.Application(
            [
                (r"/bot([^/]*)/([A-Za-z0-9_]+)/?", _ApiHandler, {"front": self}),
                (r"/file/bot([^/]*)/(.+)", _FileHandler, {"front": self}),
                (r".*", _NotFoundHandler),
            ],
            log_function=lambda handler: None,
        )
        self._http = tornado.httpserver.HTTPServer(app, max_body_size=_MAX_BODY_BYTES)
        self._http.add_sockets(sockets)
        self.port: int = int(sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stop listening, give calls in flight up to a second, then drop every connection."""
        self._http.stop()
        deadline = time.monotonic() + 1.0
        while self.inflight and time.monotonic() < deadline:
            await asyncio.sleep(0.001)
        await self._http.close_all_connections()


class _ApiHandler(tornado.web.RequestHandler):
    """Routes ``/bot<token>/<method>`` (GET or POST, as Telegram allows) to the endpoint."""

    def initialize(self, front: LoopbackHttpServer) -> None:
        self.front = front

    async def get(self, token: str, method: str) -> None:
        await self._serve(token, method)

    async def post(self, token: str, method: str) -> None:
        await self._serve(token, method)

    async def _serve(self, token: str, method: str) -> None:
        self.front.inflight += 1
        try:
            await self.front.endpoint.serve_api(self, token, method)
        finally:
            self.front.inflight -= 1

    def on_connection_close(self) -> None:
        self.front.endpoint.abandon(self)

    def compute_etag(self) -> None:
        return None


class _FileHandler(tornado.web.RequestHandler):
    """Serves downloads at ``/file/bot<token>/<file_path>``."""

    def initialize(self, front: LoopbackHttpServer) -> None:
        self.front = front

    def get(self, token: str, file_path: str) -> None:
        self.front.endpoint.serve_file(self, token, file_path)

    def compute_etag(self) -> None:
        return None


class _NotFoundHandler(tornado.web.RequestHandler):
    """Anything else gets Telegram's JSON 404 rather than Tornado's HTML page."""

    def prepare(self) -> None:
        write_not_found(self)


def read_request(request: Any) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
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


def write_json(handler: tornado.web.RequestHandler, status: int, body: dict[str, Any]) -> None:
    """Answer with ``body`` as UTF-8 JSON and the standard reason phrase of ``status``."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    handler.set_status(status, reason)
    handler.set_header("Content-Type", "application/json")
    handler.finish(json.dumps(body, ensure_ascii=False).encode("utf-8"))


def write_not_found(handler: tornado.web.RequestHandler) -> None:
    """Telegram's 404 for an unknown path, method, token or file."""
    write_json(handler, 404, _NOT_FOUND)


def write_download(handler: tornado.web.RequestHandler, data: bytes, mime_type: str | None) -> None:
    """Answer a file download with its bytes."""
    handler.set_header("Content-Type", mime_type or "application/octet-stream")
    handler.finish(data)
