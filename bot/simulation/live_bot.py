"""Run the real application against the fake Bot API server on loopback.

The application is built exactly as in production (``build_application``); only the Bot
API address differs. ``settle()`` waits until the bot has processed every update a
simulated user produced and every background send has finished, which makes
conversations deterministic without sleeping.

Given a ``ManualClock``, the bot runs on that clock and without its wall-clock timers:
time passes only through ``advance()``, which then does what the timers would have done
(look at the schedule, refresh live progress) and settles. A day of reminders takes a
call, and the result is the same on every run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from datetime import timedelta
from typing import Any

from telegram.ext import Application

from bot.clock import ManualClock, using
from bot.config import Settings
from bot.domain.workshops import new_join_code
from bot.storage.engine import DbSession
from bot.telegram_bot.application import ALLOWED_UPDATES, build_application
from bot.telegram_bot.progress import refresh_progress
from bot.telegram_bot.rate_limit import TelegramRateLimiter
from bot.telegram_bot.services import services_of
from telegram_sim import FakeBotApi

SETTLE_TIMEOUT = 30.0


class LiveBot:
    def __init__(
        self,
        session_factory: Callable[[], DbSession],
        *,
        organiser_ids: frozenset[int] = frozenset(),
        rate_limiter: bool | TelegramRateLimiter = False,
        settings: Settings | None = None,
        clock: ManualClock | None = None,
        join_codes: Callable[[], str] = new_join_code,
    ) -> None:
        self._join_codes = join_codes
        self.server = FakeBotApi()
        self.clock = clock
        self._clock_in_use = ExitStack()
        self._session_factory = session_factory
        self._rate_limiter = rate_limiter
        self._settings = settings or Settings(token=self.server.token, organiser_ids=organiser_ids)
        self.application: Application[Any, Any, Any, Any, Any, Any] | None = None

    def session(self) -> DbSession:
        """A session on the bot's own database, to check what it stored."""
        return self._session_factory()

    @property
    def settings(self) -> Settings:
        return replace(self._settings, token=self.server.token, api_url=self.server.url)

    async def start(self) -> None:
        if self.clock is not None:
            self._clock_in_use.enter_context(using(self.clock))
        await self.server.start()
        await self.start_bot()

    async def start_bot(self) -> None:
        application = build_application(self.settings, self._session_factory, rate_limiter=self._rate_limiter,
                                        periodic_jobs=self.clock is None, join_codes=self._join_codes)
        await application.initialize()
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
        self.application = application

    async def stop_bot(self) -> None:
        """Stop the application as a deployment would (the database stays)."""
        application, self.application = self.application, None
        if application is None:
            return
        assert application.updater is not None
        await application.updater.stop()
        await application.stop()
        await application.shutdown()

    async def restart(self) -> None:
        await self.settle()
        await self.stop_bot()
        await self.start_bot()

    async def settle(self) -> None:
        """Return once every injected update is processed and background sends are done."""
        application = self.application
        assert application is not None, "the bot is not running"
        for _ in range(2):  # a send may be kicked off by the last update processed
            await self.server.wait_consumed(timeout=SETTLE_TIMEOUT)
            await asyncio.wait_for(application.update_queue.join(), SETTLE_TIMEOUT)
            services = services_of(application)
            await asyncio.wait_for(services.outbox.wait_idle(), SETTLE_TIMEOUT)
            await asyncio.wait_for(services.dispatcher.wait_idle(), SETTLE_TIMEOUT)

    def pass_time(self, delta: timedelta) -> None:
        """Move the manual clock on a little, between two taps: nothing falls due in seconds."""
        assert self.clock is not None, "pass_time() needs a LiveBot made with a ManualClock"
        self.clock.advance(delta)

    async def advance(self, delta: timedelta) -> None:
        """Move the manual clock on, then do what the bot's timers would have done by then."""
        assert self.clock is not None, "advance() needs a LiveBot made with a ManualClock"
        application = self.application
        assert application is not None, "the bot is not running"
        await self.settle()
        self.clock.advance(delta)
        services = services_of(application)
        services.dispatcher.kick(application)
        await self.settle()
        await refresh_progress(application.bot, services.session_factory)
        await self.settle()

    async def close(self) -> None:
        try:
            await self.stop_bot()
            await self.server.stop()
        finally:
            self._clock_in_use.close()

    async def __aenter__(self) -> LiveBot:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()
