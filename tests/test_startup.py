"""Start-up failures: one clear line on stderr, an exit code, never a traceback or the token.

Each test runs ``workshop-bot run`` as a real OS process (see ``tests/bot_process.py``)
and waits for it to exit: against the fake Bot API with a token it does not know (it
answers as Telegram does, ``401 {"ok":false,"error_code":401,"description":"Unauthorized"}``,
or 404 for a malformed token), against a loopback port nobody listens on, against a host
name that cannot resolve (``.invalid`` never does), against a port that accepts the
connection but never answers, against a web server that is not a Bot API; in webhook mode,
a refused setWebhook and a port already taken. The bot's own log lines (``… INFO …``) may
come before; the rest of stderr must be exactly the expected line. Exit codes: 2 for a
setting to fix (``EXIT_CONFIG``), 1 when the Bot API cannot be reached (``EXIT_UNREACHABLE``).
The last test starts the bot for real and reads the command menus it published.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.cli import EXIT_CONFIG, EXIT_UNREACHABLE
from telegram_sim import FakeBotApi
from tests.bot_process import BotProcess, BotProcesses, free_port, webhook_args

ORGANISER = 1
LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?P<level>[A-Z]+) \S+: "  # LOG_FORMAT=text
                        r'|^\{.*"level": "(?P<json_level>[a-z]+)".*\}$')  # LOG_FORMAT=json (the default)
WRONG_TOKEN = "123456:WRONG-token-from-an-old-bot"  # well formed, unknown to the server: 401
MALFORMED_TOKEN = "bot-one:AAH-malformed-secret"  # Telegram answers 404 Not Found to such a token


@pytest.fixture
async def bots(server: FakeBotApi, database_url: str, engine: Engine, tmp_path: Path) -> AsyncIterator[BotProcesses]:
    processes = BotProcesses(server, database_url, tmp_path / "bots", {"ORGANISER_IDS": str(ORGANISER)})
    try:
        yield processes
    finally:
        await processes.kill_all()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections (the kernel's backlog) but never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


async def fails_with(bot: BotProcess, exit_code: int, line: str, *secrets: str) -> None:
    """``bot`` exits with ``exit_code`` and says ``line`` once: no traceback, no secret."""
    assert await bot.wait_exit() == exit_code, bot.tail()
    stderr, stdout = bot.stderr, bot.stdout
    said = [text for text in stderr.splitlines() if not LOG_RECORD.match(text)]
    assert said == [line], bot.tail()
    levels = {(match["level"] or match["json_level"]).upper()
              for text in stderr.splitlines() if (match := LOG_RECORD.match(text))}
    assert levels <= {"INFO"}, bot.tail()  # PTB did not log the same failure (or anything worse)
    assert "Traceback" not in stderr and stdout == ""
    for secret in secrets:
        assert secret not in stderr


# --- the token ------------------------------------------------------------------------------


@pytest.mark.parametrize(("token", "answer"), [(WRONG_TOKEN, "Unauthorized"), (MALFORMED_TOKEN, "Not Found")])
async def test_a_rejected_token_is_named_without_showing_it(
    server: FakeBotApi, bots: BotProcesses, token: str, answer: str
) -> None:
    bot = await bots.start(env={"TELEGRAM_BOT_TOKEN": token})
    await fails_with(
        bot, EXIT_CONFIG,
        f"workshop-bot: the Bot API at {server.url} rejected TELEGRAM_BOT_TOKEN (getMe: {answer}): "
        "copy the token again from @BotFather",
        token, token.partition(":")[2],
    )
    assert [(call.method, call.status) for call in server.calls] == [("getMe", 401 if answer == "Unauthorized" else 404)]


async def test_a_rejected_token_in_webhook_mode(server: FakeBotApi, bots: BotProcesses) -> None:
    port = free_port()
    bot = await bots.start(*webhook_args(port), env={"TELEGRAM_BOT_TOKEN": WRONG_TOKEN})
    await fails_with(
        bot, EXIT_CONFIG,
        f"workshop-bot: the Bot API at {server.url} rejected TELEGRAM_BOT_TOKEN (getMe: Unauthorized): "
        "copy the token again from @BotFather",
        WRONG_TOKEN,
    )
    assert [call.method for call in server.calls] == ["getMe"]  # no setWebhook with a bad token


# --- the network ----------------------------------------------------------------------------


async def test_nobody_listening_at_the_api_url(server: FakeBotApi, bots: BotProcesses) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    bot = await bots.start(env={"TELEGRAM_API_URL": url})
    await fails_with(
        bot, EXIT_UNREACHABLE,
        f"workshop-bot: cannot reach the Bot API at {url}: connection refused "
        "(check TELEGRAM_API_URL, and that its server is running)",
        server.token,
    )


async def test_a_host_name_that_does_not_resolve(server: FakeBotApi, bots: BotProcesses) -> None:
    """What a machine without network sees first: the name of the Bot API host does not resolve."""
    bot = await bots.start(env={"TELEGRAM_API_URL": "http://nonexistent.invalid"})
    await fails_with(
        bot, EXIT_UNREACHABLE,
        "workshop-bot: cannot reach the Bot API at http://nonexistent.invalid: the host name nonexistent.invalid "
        "does not resolve (no network, or a typo in TELEGRAM_API_URL)",
        server.token,
    )


async def test_an_api_url_that_never_answers(server: FakeBotApi, bots: BotProcesses, silent_port: int) -> None:
    """A black-holed network: PTB gives up on getMe after its timeout (5 s), the bot says so."""
    url = f"http://127.0.0.1:{silent_port}"
    bot = await bots.start(env={"TELEGRAM_API_URL": url})
    await fails_with(
        bot, EXIT_UNREACHABLE,
        f"workshop-bot: cannot reach the Bot API at {url}: no answer in time (no network, or a wrong TELEGRAM_API_URL)",
        server.token,
    )


async def test_an_api_url_that_is_not_a_bot_api(server: FakeBotApi, bots: BotProcesses) -> None:
    """A web server that answers every path with an HTML 404 (a wrong TELEGRAM_API_URL)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        body = b"<html><body>Not Found</body></html>"
        writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nConnection: close\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    website = await asyncio.start_server(answer, "127.0.0.1", 0)
    async with website:
        url = f"http://127.0.0.1:{website.sockets[0].getsockname()[1]}"
        bot = await bots.start(env={"TELEGRAM_API_URL": url})
        await fails_with(
            bot, EXIT_CONFIG,
            f"workshop-bot: {url} does not answer like a Bot API server (getMe: HTTP 404, not JSON); "
            "check TELEGRAM_API_URL",
            server.token,
        )


# --- webhook mode -----------------------------------------------------------------------------


async def test_a_refused_webhook(server: FakeBotApi, bots: BotProcesses) -> None:
    server.fail_next("setWebhook", 400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    bot = await bots.start(*webhook_args(free_port()))
    await fails_with(
        bot, EXIT_CONFIG,
        f"workshop-bot: the Bot API at {server.url} refused setWebhook: "
        "Bad webhook: an https url must be provided for webhook",
        server.token,
    )


async def test_a_webhook_port_already_taken(server: FakeBotApi, bots: BotProcesses) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = int(taken.getsockname()[1])
        bot = await bots.start(*webhook_args(port))
        await fails_with(
            bot, EXIT_CONFIG,
            f"workshop-bot: cannot listen on 127.0.0.1:{port} for the webhook: Address already in use",
            server.token,
        )


# --- and when all is well: the command menus ------------------------------------------------------


async def test_a_good_start_publishes_the_command_menus(server: FakeBotApi, bots: BotProcesses) -> None:
    bot = await bots.start_ready()
    assert bot.returncode is None

    def menu(language: str, scope: dict[str, object] | None = None) -> list[str]:
        return [f"/{c['command']} {c['description']}" for c in server.commands(scope, language)]

    assert menu("fr") == [
        "/start Reprendre un questionnaire inachevé",
        "/language Changer de langue",
        "/privacy Comment mes données sont utilisées",
        "/mydata Obtenir une copie de mes données",
        "/forget Supprimer mes données",
        "/reminders Activer ou désactiver les rappels",
        "/whoami Afficher mon identifiant Telegram",
        "/help Ce que ce bot sait faire",
    ]
    assert "/whoami عرض معرّفي على تيليغرام" in menu("ar")
    assert "/privacy كيف تُستخدم بياناتي" in menu("ar")
    assert menu("") == menu("en")  # other Telegram languages: the English menu
    assert "/whoami Show my Telegram id" in menu("")
    organiser_menu = menu("fr", {"chat_id": ORGANISER, "type": "chat"})
    assert organiser_menu[:4] == ["/new Créer un atelier", "/close Clôturer la session et envoyer le questionnaire",
                                  "/session Les sessions d’un atelier\u202f: les lister ou ajouter la suivante",
                                  "/stats Voir les résultats"]
    assert organiser_menu[-len(menu("fr")):] == menu("fr")
    assert "Traceback" not in bot.stderr
