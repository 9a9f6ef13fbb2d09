"""The bot's HTTP client for the Bot API: python-telegram-bot's requests sent with aiohttp.

A tap costs two Bot API requests (``answerCallbackQuery``, then the edit into the next
question) and a share of a ``getUpdates``. PTB's default ``HTTPXRequest`` spends about
four times the CPU of aiohttp on each (``bench/http_client.py`` measures both against the
same local server: ~3.0 ms against ~0.7 ms a call on the 2-core benchmark machine), which
made HTTP the largest part of the bot's CPU per update. PTB's documented way to
change the network backend is a ``BaseRequest`` subclass; the PTB team's ptbcontrib has an
aiohttp one (``ptbcontrib/aiohttp_request``, not published on PyPI), which this follows,
behaving as ``HTTPXRequest`` does where callers can tell:

* the same wire format: parameters as an ``application/x-www-form-urlencoded`` body,
  ``multipart/form-data`` when files go up; the same ``User-Agent``;
* the same timeouts, per request: ``read_timeout`` (``getUpdates`` adds its long-poll
  time to it), ``connect_timeout``, ``pool_timeout`` (waiting for a free connection);
  aiohttp has no write timeout, so ``write_timeout`` bounds the whole request instead,
  together with the others;
* the same errors: ``TimedOut`` on any timeout, ``NetworkError``
  with the aiohttp class name otherwise, chained to aiohttp's error so that
  ``startup.describe_failure`` still finds a refused connection or a name that does not
  resolve.
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = ["AiohttpRequest"]

_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class AiohttpRequest(BaseRequest):
    """``BaseRequest`` over one ``aiohttp.ClientSession`` with a pool of keep-alive connections."""

    __slots__ = ("_connect_timeout", "_media_write_timeout", "_pool_size", "_pool_timeout",
                 "_read_timeout", "_session", "_write_timeout")

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None  # made on the event loop that uses it

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds ``getUpdates``'s long-poll time to it)."""
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                timeout=aiohttp.ClientTimeout(total=None),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; return its HTTP status and body (PTB parses both)."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data is not None else None
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write = self._media_write_timeout if files else self._write_timeout
        else:
            write = write_timeout
        timeout = aiohttp.ClientTimeout(
            total=_sum(read, write, connect, pool),
            # aiohttp's "connect" is waiting for a pooled connection plus opening a new one
            connect=_sum(pool, connect),
            sock_connect=connect,
            sock_read=read,
        )
        data: aiohttp.FormData | bytes | None = None
        headers = None
        if files:
            form = aiohttp.FormData(quote_fields=False)
            for name, value in request_data.json_parameters.items():  # type: ignore[union-attr]
                form.add_field(name, value)
            for name, (filename, content, mime_type) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime_type)
            data = form
        elif request_data is not None and request_data.json_parameters:
            data, headers = request_data.url_encoded_parameters().encode("utf-8"), _FORM
        try:
            async with session.request(method, url, data=data, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's timeouts (pool, connect, read, total) are all one
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _sum(*seconds: float | None) -> float | None:
    """None (no limit) when any part is unlimited."""
    if any(part is None for part in seconds):
        return None
    return sum(part for part in seconds if part is not None)
