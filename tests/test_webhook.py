"""Webhook mode is safe by default: a secret is required, checked on every request, and
``/healthz`` tells a load balancer whether the database answers.

The first tests run ``workshop-bot run --webhook-url …`` as a real process (see
``tests/bot_process.py``) against the fake Bot API, which delivers updates to the webhook
with the ``secret_token`` given to setWebhook, as Telegram does. The health check's
failure is tested in this process, against a database that refuses connections.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import tornado.httpserver
from sqlalchemy import Engine, select
from telegram.ext import ApplicationBuilder

from bot.cli import EXIT_CONFIG
from bot.storage.engine import DbSession, database_answers, make_engine, make_session_factory
from bot.storage.models import User
from bot.telegram_bot.webhook import SECRET_HEADER, webhook_app
from telegram_sim import FakeBotApi
from tests.bot_process import WEBHOOK_SECRET, BotProcess, BotProcesses, free_port, webhook_args

ORGANISER = 1
INTRUDER = 666
FORGED_TEXT = "/export"


@pytest.fixture
async def bots(
    server: FakeBotApi, database_url: str, engine: Engine, tmp_path: Path,
    session_factory: Callable[[], DbSession],  # its teardown empties the tables the processes wrote
) -> AsyncIterator[BotProcesses]:
    processes = BotProcesses(server, database_url, tmp_path / "bots", {"ORGANISER_IDS": str(ORGANISER)})
    try:
        yield processes
    finally:
        await processes.kill_all()


def forged_update(update_id: int, user_id: int) -> dict[str, Any]:
    """What an attacker who reached the port would post: an organiser's command."""
    person = {"id": user_id, "is_bot": False, "first_name": "Mallory", "language_code": "fr"}
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": 1_700_000_000, "chat": {"id": user_id, "type": "private", "first_name": "Mallory"},
        "from": person, "text": FORGED_TEXT, "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
    }}


async def started(bots: BotProcesses) -> tuple[BotProcess, str]:
    port = free_port()
    bot = await bots.start_ready(*webhook_args(port))
    return bot, f"http://127.0.0.1:{port}"


async def test_requests_without_the_secret_are_refused_and_not_processed(
    server: FakeBotApi, bots: BotProcesses, session_factory: Callable[[], DbSession],
) -> None:
    bot, base = await started(bots)
    assert server.webhook_url == f"{base}/hook"
    assert server.webhook_secret == WEBHOOK_SECRET  # setWebhook carried it to Telegram
    async with httpx.AsyncClient() as client:
        missing = await client.post(f"{base}/hook", json=forged_update(10_001, INTRUDER))
        wrong = await client.post(f"{base}/hook", json=forged_update(10_002, INTRUDER),
                                  headers={SECRET_HEADER: WEBHOOK_SECRET[:-1] + "x"})
        # the organiser's own id does not help either
        as_organiser = await client.post(f"{base}/hook", json=forged_update(10_003, ORGANISER),
                                         headers={SECRET_HEADER: ""})
    assert (missing.status_code, wrong.status_code, as_organiser.status_code) == (403, 403, 403)

    # A real update, delivered by "Telegram" with the secret, is processed. The bot handles
    # updates in order: had a forged one been queued, it would have been handled before.
    participant = server.user(200, "Salma", language_code="fr")
    await participant.send("/start")
    await bots.wait_for(lambda: bool(participant.messages), "the participant gets an answer")
    assert server.webhook_statuses and set(server.webhook_statuses) == {200}

    assert server.calls_to(INTRUDER) == [] and server.calls_to(ORGANISER) == []  # nobody answered the forgeries
    with session_factory() as db:
        known = set(db.scalars(select(User.id)))
    assert INTRUDER not in known and ORGANISER not in known and 200 in known
    assert "Mallory" not in bot.stderr and FORGED_TEXT not in bot.stderr


async def test_healthz_answers_200_while_the_database_answers(server: FakeBotApi, bots: BotProcesses) -> None:
    _, base = await started(bots)
    async with httpx.AsyncClient() as client:
        health = await client.get(f"{base}/healthz")
    assert (health.status_code, health.text) == (200, "ok\n")


@pytest.fixture
def closed_port() -> int:
    """A loopback port where nothing listens: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def serve(database_ok: Callable[[], bool]) -> tuple[tornado.httpserver.HTTPServer, str]:
    application = ApplicationBuilder().token("123:test").updater(None).build()
    server = tornado.httpserver.HTTPServer(
        webhook_app(application, secret=WEBHOOK_SECRET, url_path="hook", database_answers=database_ok)
    )
    port = free_port()
    server.listen(port, address="127.0.0.1")
    return server, f"http://127.0.0.1:{port}"


async def test_healthz_answers_503_when_the_database_does_not(closed_port: int, engine: Engine) -> None:
    unreachable = make_engine(f"postgresql+psycopg://workshop:pw@127.0.0.1:{closed_port}/workshop")
    down = make_session_factory(unreachable)
    up = make_session_factory(engine)  # the test database: SQLite or PostgreSQL
    servers = [await serve(lambda: database_answers(down)), await serve(lambda: database_answers(up))]
    try:
        async with httpx.AsyncClient() as client:
            sick = await client.get(f"{servers[0][1]}/healthz")
            well = await client.get(f"{servers[1][1]}/healthz")
    finally:
        for server, _ in servers:
            server.stop()
        unreachable.dispose()
    assert (sick.status_code, sick.text) == (503, "database unavailable\n")
    assert well.status_code == 200


@pytest.mark.parametrize(("secret", "state"), [
    (None, "is not set"),
    ("short-secret", "has 12 characters"),
])
async def test_webhook_mode_refuses_to_start_without_a_long_secret(
    server: FakeBotApi, bots: BotProcesses, secret: str | None, state: str,
) -> None:
    env = {"WEBHOOK_SECRET": secret or ""}
    bot = await bots.start(*webhook_args(free_port()), env=env)
    assert await bot.wait_exit() == EXIT_CONFIG
    assert bot.stderr.splitlines() == [
        f"workshop-bot: WEBHOOK_SECRET {state}: webhook mode needs at least 32 characters of "
        "A-Z a-z 0-9 _ -; make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
    ], bot.tail()
    assert server.calls == []  # not even getMe


async def test_a_secret_telegram_would_refuse_is_refused(server: FakeBotApi, bots: BotProcesses) -> None:
    bot = await bots.start(env={"WEBHOOK_SECRET": "x" * 40 + " é"})
    assert await bot.wait_exit() == EXIT_CONFIG
    assert bot.stderr.splitlines() == [
        "workshop-bot: WEBHOOK_SECRET: Telegram accepts only A-Z, a-z, 0-9, _ and - (1 to 256 characters)"
    ]
