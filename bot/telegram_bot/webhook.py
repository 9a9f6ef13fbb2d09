"""Webhook mode: our own small tornado server in front of the application's update queue.

PTB's built-in webhook server (``run_webhook``) has no health route and logs every update's
JSON at DEBUG; this one, as in PTB's "custom webhook" examples, feeds
``application.update_queue`` itself. It refuses (403, nothing processed) any request whose
``X-Telegram-Bot-Api-Secret-Token`` is not the ``secret_token`` given to setWebhook
(Telegram sends it with every update), and answers ``GET /healthz`` with 200 only while
the database answers a ``SELECT 1``, else 503.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.web
from telegram import Update
from telegram.ext import Application, ExtBot

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"
HEALTH_TIMEOUT = 5.0  # seconds: a database that does not answer in time is as bad as one that refuses

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class _Quiet(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """No access log: one line per update comes from the handler wrapper, not from here."""


class _UpdateHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)  # type: ignore[assignment]

    def initialize(self, ptb: AnyApplication, secret: str) -> None:  # tornado's own "application" is taken
        self.ptb = ptb
        self.secret = secret.encode()

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            log.warning("webhook request refused: wrong or missing secret token (from %s)", self.request.remote_ip)
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        try:
            data = json.loads(self.request.body)
            update = Update.de_json(data, self.ptb.bot)
        except Exception:  # noqa: BLE001 (never log the body: it holds people's messages)
            log.warning("webhook request refused: not an update")
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        bot = self.ptb.bot
        if isinstance(bot, ExtBot):
            bot.insert_callback_data(update)
        await self.ptb.update_queue.put(update)


class _HealthHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("GET",)  # type: ignore[assignment]

    def initialize(self, database_answers: Callable[[], bool]) -> None:
        self.database_answers = database_answers

    async def get(self) -> None:
        loop = asyncio.get_running_loop()
        try:  # in a thread: a slow database must not stop the bot's event loop
            healthy = await asyncio.wait_for(loop.run_in_executor(None, self.database_answers), HEALTH_TIMEOUT)
        except TimeoutError:
            healthy = False
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        if not healthy:
            self.set_status(HTTPStatus.SERVICE_UNAVAILABLE)
        self.finish("ok\n" if healthy else "database unavailable\n")


def webhook_app(
    application: AnyApplication, *, secret: str, url_path: str, database_answers: Callable[[], bool]
) -> tornado.web.Application:
    """The tornado app: POST ``/<url_path>`` (updates) and GET ``/healthz``."""
    path = "/" + url_path.strip("/")
    return _Quiet([
        (HEALTH_PATH, _HealthHandler, {"database_answers": database_answers}),
        (rf"{path.rstrip('/')}/?", _UpdateHandler, {"ptb": application, "secret": secret}),
    ])


async def serve_webhook(
    application: AnyApplication, *, listen: str, port: int, url_path: str, webhook_url: str, secret: str,
    allowed_updates: Sequence[str], database_answers: Callable[[], bool],
) -> None:
    """Listen, set the webhook, run until SIGINT/SIGTERM, then stop cleanly.

    ``application`` is already initialised (getMe). A taken port raises ``OSError`` and a
    refused setWebhook ``TelegramError``, both before anything runs: the caller prints one line.
    """
    server = tornado.httpserver.HTTPServer(
        webhook_app(application, secret=secret, url_path=url_path, database_answers=database_answers)
    )
    try:
        server.listen(port, address=listen)
        if application.post_init is not None:
            await application.post_init(application)  # what run_polling does: the command menus
        await application.bot.set_webhook(webhook_url, allowed_updates=list(allowed_updates), secret_token=secret)
        await application.start()
        await _until_signalled()
        await application.stop()
    finally:
        server.stop()
        await server.close_all_connections()
        if application.running:
            await application.stop()
        await application.shutdown()


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
