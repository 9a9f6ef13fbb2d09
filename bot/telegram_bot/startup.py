"""Start-up against the Bot API: one clear line instead of a traceback.

Before polling or the webhook starts, ``check_bot_api`` initialises the application itself
(python-telegram-bot's ``initialize`` calls getMe). A rejected token, a
``TELEGRAM_API_URL`` that refuses connections, does not resolve or does not answer, a
server that is not a Bot API: each becomes a ``StartupFailure``, one line that names the
URL, never the token, and says whether a setting is wrong (``settings_problem``: exit 2)
or the network is (exit 1). Nothing of PTB's own logging of the same failure is printed.
"""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from telegram.error import (
    BadRequest,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application

from bot.config import Settings

# PTB's network retry loop logs an aborted bootstrap (deleteWebhook, setWebhook) with its
# traceback on this logger, then raises the same error: the caller reports it once.
_RETRY_LOOP_LOGGER = "telegram.ext"
_BOOTSTRAP = "(Bootstrap "
_HTTP_STATUS = re.compile(r"\((\d{3})\)")


@dataclass(frozen=True)
class StartupFailure:
    """Why the bot cannot start, in one line (without the ``workshop-bot:`` prefix)."""

    line: str
    settings_problem: bool  # True: a setting is wrong, fix it; False: the network, try again


async def check_bot_api(application: Application[Any, Any, Any, Any, Any, Any], settings: Settings) -> StartupFailure | None:
    """Initialise ``application`` (getMe); None if the Bot API knows the token, else why not."""
    with _telegram_logs_muted():
        try:
            await application.initialize()
        except TelegramError as error:
            await application.bot.shutdown()  # the HTTP clients opened before getMe failed
            return describe_failure(error, settings, "getMe")
    return None


def describe_failure(error: TelegramError, settings: Settings, method: str | None = None) -> StartupFailure:
    """A Bot API error at start-up as one line, without the token."""
    url = _redact(settings.api_url, settings.token)
    call = f"{method}: " if method else ""
    if isinstance(error, InvalidToken):
        # Bot.initialize wraps the server's answer ("Unauthorized", "Not Found") in a
        # message quoting the token: read the answer, never print the wrapper.
        answer = error.__cause__ if isinstance(error.__cause__, InvalidToken) else error
        if answer.__cause__ is not None:  # PTB could not parse the body: not a Bot API
            status = _HTTP_STATUS.search(answer.message)
            code = f"HTTP {status.group(1)}" if status else "an HTTP error"
            return StartupFailure(
                f"{url} does not answer like a Bot API server ({call}{code}, not JSON); check TELEGRAM_API_URL",
                settings_problem=True,
            )
        return StartupFailure(
            f"the Bot API at {url} rejected TELEGRAM_BOT_TOKEN ({call}{_redact(answer.message, settings.token)}): "
            "copy the token again from @BotFather",
            settings_problem=True,
        )
    if isinstance(error, TimedOut):
        return StartupFailure(
            f"cannot reach the Bot API at {url}: no answer in time (no network, or a wrong TELEGRAM_API_URL)",
            settings_problem=False,
        )
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):  # PTB: BadRequest is one
        causes = list(_causes(error))
        if any(isinstance(cause, socket.gaierror) for cause in causes):
            host = urlsplit(settings.api_url).hostname or url
            return StartupFailure(
                f"cannot reach the Bot API at {url}: the host name {_redact(host, settings.token)} does not resolve "
                "(no network, or a typo in TELEGRAM_API_URL)",
                settings_problem=False,
            )
        if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
            return StartupFailure(
                f"cannot reach the Bot API at {url}: connection refused "
                "(check TELEGRAM_API_URL, and that its server is running)",
                settings_problem=False,
            )
        return StartupFailure(
            f"cannot reach the Bot API at {url}: {_redact(error.message, settings.token)}", settings_problem=False
        )
    return StartupFailure(  # a 400 (a webhook URL Telegram does not take), 403, 409; a 429 passes
        f"the Bot API at {url} refused {call}{_redact(error.message, settings.token)}",
        settings_problem=not isinstance(error, RetryAfter),
    )


@contextmanager
def bootstrap_errors_reported_by_caller() -> Iterator[None]:
    """While ``run_polling`` / ``run_webhook`` start: drop PTB's traceback of an aborted
    bootstrap call; the error itself still reaches the caller, who reports it in one line."""
    logger = logging.getLogger(_RETRY_LOOP_LOGGER)
    logger.addFilter(_drop_bootstrap_aborts)
    try:
        yield
    finally:
        logger.removeFilter(_drop_bootstrap_aborts)


def _drop_bootstrap_aborts(record: logging.LogRecord) -> bool:
    return not (record.levelno >= logging.ERROR and _BOOTSTRAP in record.getMessage())


@contextmanager
def _telegram_logs_muted() -> Iterator[None]:
    """PTB logs some failures of getMe itself (a body that is not JSON, with a traceback)."""
    logger = logging.getLogger("telegram")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def _causes(error: BaseException) -> Iterator[BaseException]:
    """``error``, its causes and contexts, and the members of exception groups among them."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack += [current.__cause__, current.__context__, *getattr(current, "exceptions", ())]


def _redact(text: str, token: str) -> str:
    return text.replace(token, "<token>") if token else text
