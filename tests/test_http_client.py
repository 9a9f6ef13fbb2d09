"""The bot's HTTP client (``AiohttpRequest``) behaves as python-telegram-bot's default one.

Each call goes through PTB's real ``Bot`` to the fake Bot API server, once with PTB's
``HTTPXRequest`` and once with ours: the server must receive the same parameters and files,
and the caller must see the same errors (a refused connection and a timeout are what
``startup.describe_failure`` reads; a held call is what a read timeout looks like).
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest

from bot.telegram_bot.http_client import AiohttpRequest
from telegram_sim import FakeBotApi

CLIENTS: dict[str, Callable[..., BaseRequest]] = {"httpx": HTTPXRequest, "aiohttp": AiohttpRequest}
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("٤ — Très bien", callback_data="a:1:2:4")]])


def bot_on(server: FakeBotApi, request: BaseRequest) -> Bot:
    return Bot(server.token, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot",
               request=request)


@pytest.fixture
async def started(server: FakeBotApi) -> AsyncIterator[FakeBotApi]:
    person = server.user(1001, "Amina", language_code="ar")
    await person.send("/start")
    yield server


async def test_the_server_receives_the_same_call_from_both_clients(started: FakeBotApi) -> None:
    received = {}
    for name, make in CLIENTS.items():
        async with bot_on(started, make()) as bot:
            sent = await bot.send_message(1001, "« Clarté » <b>٤/٥</b> & co", parse_mode="HTML",
                                          reply_markup=KEYBOARD)
            assert sent.text == "« Clarté » ٤/٥ & co"
            call = started.calls[-1]
            assert call.method == "sendMessage" and call.ok
            received[name] = call.params
    assert received["aiohttp"] == received["httpx"]


async def test_a_file_arrives_with_its_name_type_and_bytes(started: FakeBotApi) -> None:
    content = "id;note\n1;٤\n".encode()
    received = {}
    for name, make in CLIENTS.items():
        async with bot_on(started, make()) as bot:
            await bot.send_document(1001, content, filename="atelier-fr.csv", caption="Export — ٤")
        call = started.calls[-1]
        assert call.ok and call.params["caption"] == "Export — ٤"
        upload = call.files["document"]
        received[name] = (upload.file_name, upload.content_type, upload.data)
    assert received["aiohttp"] == received["httpx"]
    assert received["aiohttp"][0] == "atelier-fr.csv" and received["aiohttp"][2] == content


async def test_a_download_reads_the_file_back(started: FakeBotApi) -> None:
    async with bot_on(started, AiohttpRequest()) as bot:
        sent = await bot.send_document(1001, b"title: Atelier\n", filename="q.yaml")
        assert sent.document is not None
        file = await bot.get_file(sent.document.file_id)
        assert bytes(await file.download_as_bytearray()) == b"title: Atelier\n"


async def test_a_refused_connection_is_a_network_error_caused_by_the_refusal() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as raised:
            await request.post(f"http://127.0.0.1:{port}/bot1:x/getMe")
    finally:
        await request.shutdown()
    causes, error = [], raised.value.__cause__
    while error is not None:
        causes.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(cause, ConnectionRefusedError) for cause in causes)
    assert "aiohttp.ClientConnectorError" in raised.value.message


async def test_no_answer_within_the_read_timeout_is_timed_out(started: FakeBotApi) -> None:
    started.hold("sendMessage")  # the server keeps the call unanswered
    try:
        async with bot_on(started, AiohttpRequest(read_timeout=0.2)) as bot:
            with pytest.raises(TimedOut):
                await bot.send_message(1001, "…")
    finally:
        started.release_held()


async def test_it_is_usable_again_after_a_shutdown(started: FakeBotApi) -> None:
    request = AiohttpRequest()
    for _ in range(2):  # PTB shuts the bot's requests down and may initialize them again
        async with bot_on(started, request) as bot:
            assert (await bot.get_me()).username
    with pytest.raises(NetworkError, match="not initialized"):  # as PTB's own client says it
        await request.post(f"{started.url}/bot{started.token}/getMe")
