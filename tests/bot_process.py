"""Real bot processes for tests: ``python -m bot.cli run`` against the fake Bot API.

``BotProcesses`` starts ``workshop-bot run`` as an OS process (``sys.executable``, so
the same virtual environment), with the fake server's URL and token and the test
database in its environment. Each process writes its stdout and stderr to files in a
folder of its own; waits that time out quote the end of those logs. Whatever is still
running when the test ends is killed (SIGKILL), so no process outlives its test.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from telegram_sim import FakeBotApi

READY = "Application started"  # python-telegram-bot logs it once polling/webhook and jobs run
STARTUP_TIMEOUT = 120.0  # seconds; a start takes 2–4 s (imports, migrations check), 30 s on a box
# with both cores busy; a process that exits during start-up fails the wait at once
# Seconds to wait for something that must happen; only a failing test waits that long.
EVENT_TIMEOUT = 60.0
# Settings the bot reads from the environment: never inherited from the test's own shell.
_BOT_VARIABLES = (
    "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "DATABASE_URL", "ORGANISER_IDS", "REMINDER_DELAYS",
    "FOLLOWUP_DELAY", "TIMEZONE", "QUIET_HOURS", "WEBHOOK_SECRET", "DELIVERY_LEASE", "RETRY_BACKOFF",
    "DISPATCH_INTERVAL",
)


# Webhook mode refuses to start without a secret of 32+ characters: every process gets this one
# (a test that wants another, or none, passes WEBHOOK_SECRET in ``env``).
WEBHOOK_SECRET = "test-webhook-secret_0123456789abcdefABCDEF"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for a webhook server)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BotProcess:
    """One ``workshop-bot run`` process and its logs."""

    def __init__(self, name: str, process: asyncio.subprocess.Process, folder: Path) -> None:
        self.name = name
        self.process = process
        self.folder = folder

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    @property
    def stdout(self) -> str:
        return (self.folder / "stdout.txt").read_text(errors="replace")

    @property
    def stderr(self) -> str:
        return (self.folder / "stderr.txt").read_text(errors="replace")

    def tail(self, lines: int = 25) -> str:
        text = (self.stdout + self.stderr).splitlines()[-lines:]
        return f"--- {self.name} (pid {self.pid}, exit {self.returncode}), {self.folder}\n" + "\n".join(text)

    async def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Until the bot logs that it runs (updates are fetched, the dispatcher ticks)."""
        deadline = time.monotonic() + timeout
        while READY not in self.stderr:
            if self.process.returncode is not None:
                raise AssertionError(f"{self.name} exited during start-up\n{self.tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} not ready after {timeout:.0f}s\n{self.tail()}")
            await asyncio.sleep(0.05)

    async def wait_exit(self, timeout: float = STARTUP_TIMEOUT) -> int:
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"{self.name} still running after {timeout:.0f}s\n{self.tail()}") from None

    async def kill(self) -> None:
        """``kill -9``: no shutdown code runs; the kernel closes its sockets and files."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()


class BotProcesses:
    """Starts bot processes for one test and kills the ones left at the end."""

    def __init__(self, server: FakeBotApi, database_url: str, folder: Path,
                 settings: Mapping[str, str] | None = None) -> None:
        self.server = server
        self.database_url = database_url
        self.folder = folder
        self.settings = dict(settings or {})
        self.started: list[BotProcess] = []

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _BOT_VARIABLES}
        env.update({
            "TELEGRAM_API_URL": self.server.url,
            "TELEGRAM_BOT_TOKEN": self.server.token,
            "DATABASE_URL": self.database_url,
            "PYTHONUNBUFFERED": "1",
            "WEBHOOK_SECRET": WEBHOOK_SECRET,
            **self.settings,
            **(extra or {}),
        })
        return env

    async def start(self, *args: str, env: Mapping[str, str] | None = None) -> BotProcess:
        """Start ``workshop-bot run <args>``; returns at once (see ``BotProcess.wait_ready``)."""
        name = f"bot{len(self.started) + 1}"
        folder = self.folder / name
        folder.mkdir(parents=True)
        with (folder / "stdout.txt").open("wb") as out, (folder / "stderr.txt").open("wb") as err:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run", *args,
                stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=err,
                env=self.environment(env), cwd=folder,  # cwd: no stray .env is read
            )
        bot = BotProcess(name, process, folder)
        self.started.append(bot)
        return bot

    async def start_ready(self, *args: str, env: Mapping[str, str] | None = None) -> BotProcess:
        bot = await self.start(*args, env=env)
        await bot.wait_ready()
        return bot

    def logs(self) -> str:
        return "\n".join(bot.tail() for bot in self.started)

    async def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = EVENT_TIMEOUT) -> None:
        """Poll ``condition`` (the event loop keeps serving the fake API meanwhile)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f}s waiting until {what}\n{self.logs()}")
            await asyncio.sleep(0.05)

    async def kill_all(self) -> None:
        for bot in self.started:
            await bot.kill()


def webhook_args(port: int) -> Sequence[str]:
    """``run`` arguments for webhook mode on 127.0.0.1:<port>/hook (no long polling)."""
    return ("--webhook-url", f"http://127.0.0.1:{port}/hook", "--listen", "127.0.0.1",
            "--port", str(port), "--url-path", "hook")
