"""Logs for incidents: one JSON line per handled update, nothing for routine work, no secrets.

In-process tests configure logging as ``workshop-bot run`` does (``bot.logs``) around the
real application (``LiveBot``), then restore pytest's own logging. A last test runs the bot
as a real process whose DATABASE_URL carries a password (on PostgreSQL, which trusts local
connections here, so any password is accepted) and reads everything it wrote.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.logs import QUIET_LOGGERS, configure_logging
from bot.simulation.live_bot import LiveBot
from bot.storage.engine import DbSession
from telegram_sim import FakeBotApi
from tests.bot_process import BotProcesses

ORGANISER = 1
DISTINCTIVE = "Zanzibar-quokka-7431 مرحبا"  # a message nobody else would write


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """Logging as the bot configures it, into a string; pytest's logging put back after."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, {name: logging.getLogger(name).level for name in QUIET_LOGGERS})
    stream = io.StringIO()
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)


class Records(logging.Handler):
    """Every record that passed its logger's level, from the moment it is attached."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_a_quiet_bot_writes_nothing(
    log_stream: io.StringIO, session_factory: Callable[[], DbSession],
) -> None:
    """Long polling with nothing to fetch and the dispatcher ticking: no line at INFO or above."""
    configure_logging(logging.INFO, stream=log_stream)
    runs = 0
    enough = asyncio.Event()
    loop = asyncio.get_running_loop()

    def counted(event: JobExecutionEvent) -> None:
        nonlocal runs
        runs += 1
        if runs >= 8:
            loop.call_soon_threadsafe(enough.set)

    fake = FakeBotApi()
    settings = Settings(token=fake.token, organiser_ids=frozenset({ORGANISER}), dispatch_interval=0.1)
    async with LiveBot(session_factory, settings=settings) as live:  # wall-clock timers: the real JobQueue
        records = Records()
        logging.getLogger().addHandler(records)
        try:
            assert live.application is not None and live.application.job_queue is not None
            live.application.job_queue.scheduler.add_listener(counted, EVENT_JOB_EXECUTED)
            await asyncio.wait_for(enough.wait(), 30)
            polls = live.server.confirmed_offset, len([c for c in live.server.calls if c.method == "getUpdates"])
        finally:
            logging.getLogger().removeHandler(records)
    assert runs >= 8 and polls[1] >= 1
    loud = [f"{r.name} {r.levelname} {r.getMessage()}" for r in records.records if r.levelno > logging.DEBUG]
    assert loud == []


async def test_one_json_line_per_update_without_the_text(
    log_stream: io.StringIO, session_factory: Callable[[], DbSession],
) -> None:
    async with LiveBot(session_factory, organiser_ids=frozenset({ORGANISER})) as live:
        configure_logging(logging.INFO, stream=log_stream, secrets=live.settings.secrets)
        organiser = live.server.user(ORGANISER, "Firas", language_code="fr")
        await organiser.send("/new Atelier Rabat")
        await live.settle()
        participant = live.server.user(300, "Amal", language_code="ar")
        await participant.send(DISTINCTIVE)
        await live.settle()
        token = live.server.token
        with live.session() as db:
            code = db.execute(text("SELECT join_code FROM workshops ORDER BY id DESC LIMIT 1")).scalar_one()
    lines = log_stream.getvalue().splitlines()
    events = [json.loads(line) for line in lines]  # every line is one JSON object
    handled = [e for e in events if e["event"] == "update handled"]
    assert [(e["handler"], e["outcome"], e["workshop"]) for e in handled] == [
        ("new_workshop", "ok", code), ("on_text", "ok", None),
    ]
    for event in handled:
        assert isinstance(event["update_id"], int) and event["duration_ms"] >= 0
        assert event["level"] == "info" and event["logger"] == "bot.telegram_bot.context" and event["timestamp"]
    everything = log_stream.getvalue()
    assert DISTINCTIVE not in everything and "Zanzibar" not in everything and "Atelier Rabat" not in everything
    assert token not in everything and token.partition(":")[2] not in everything


async def test_text_format_is_for_people(log_stream: io.StringIO, session_factory: Callable[[], DbSession]) -> None:
    async with LiveBot(session_factory, organiser_ids=frozenset({ORGANISER})) as live:
        configure_logging(logging.INFO, log_format="text", stream=log_stream)
        await live.server.user(301, "Karim", language_code="fr").send("/whoami")
        await live.settle()
    [line] = [line for line in log_stream.getvalue().splitlines() if "update handled" in line]
    assert " INFO bot.telegram_bot.context: update handled update_id=" in line
    assert " handler=whoami_command " in line and " outcome=ok" in line and "workshop=" not in line


def test_secrets_are_redacted_whoever_logs_them(log_stream: io.StringIO) -> None:
    settings = Settings(token="123456:AAH-very-secret-token",
                        database_url="postgresql+psycopg://bot:Pg-S3cret-pw@db/workshop",
                        webhook_secret="w" * 40)
    configure_logging(logging.INFO, stream=log_stream, secrets=settings.secrets)
    logging.getLogger("httpx").warning("POST https://api.telegram.org/bot123456:AAH-very-secret-token/getMe")
    logging.getLogger("sqlalchemy").error("cannot connect to postgresql://bot:Pg-S3cret-pw@db")
    logging.getLogger("tornado.application").error("request %r", {"X-Telegram-Bot-Api-Secret-Token": "w" * 40})
    written = log_stream.getvalue()
    assert written.count("<redacted>") == 3
    assert "AAH-very-secret-token" not in written and "Pg-S3cret-pw" not in written and "w" * 40 not in written


# --- a real process ---------------------------------------------------------------------------


@pytest.fixture
async def bots(
    server: FakeBotApi, database_url: str, engine: Engine, tmp_path: Path,
    session_factory: Callable[[], DbSession],  # its teardown empties the tables the processes wrote
) -> AsyncIterator[BotProcesses]:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        url = url.set(password="Pg-S3cret-pw-1234")  # local connections are trusted: any password passes
    processes = BotProcesses(server, url.render_as_string(hide_password=False), tmp_path / "bots",
                             {"ORGANISER_IDS": str(ORGANISER)})
    try:
        yield processes
    finally:
        await processes.kill_all()


async def test_the_process_logs_json_without_text_token_or_password(server: FakeBotApi, bots: BotProcesses) -> None:
    bot = await bots.start_ready()
    participant = server.user(302, "Nour", language_code="fr")
    await participant.send(DISTINCTIVE)
    await participant.send("/whoami")
    await bots.wait_for(lambda: bot.stderr.count('"update handled"') >= 2, "both updates are logged")
    lines = bot.stderr.splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["handler"] for e in events if e["event"] == "update handled"] == ["on_text", "whoami_command"]
    assert DISTINCTIVE not in bot.stderr and "Zanzibar" not in bot.stderr
    assert server.token not in bot.stderr and server.token.partition(":")[2] not in bot.stderr
    assert "Pg-S3cret-pw-1234" not in bot.stderr


def test_log_format_is_json_or_text() -> None:
    from bot.config import ConfigError, load_settings

    token = {"TELEGRAM_BOT_TOKEN": "123:abc"}
    assert load_settings(environ=token).log_format == "json"
    assert load_settings(environ={**token, "LOG_FORMAT": "Text"}).log_format == "text"
    with pytest.raises(ConfigError, match="LOG_FORMAT: 'xml' is not json or text"):
        load_settings(environ={**token, "LOG_FORMAT": "xml"})
