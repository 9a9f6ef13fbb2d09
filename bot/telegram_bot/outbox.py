"""Sends the questionnaires queued in the database (``PENDING`` responses).

``/close`` only queues; this drains the queue in the background so a 40-person workshop
does not hold up other participants' buttons, and a periodic job drains whatever a
restart or a crash left behind. PTB's rate limiter paces the sends (30 a second overall)
and retries after a 429.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.domain.participation import pending_outbox
from bot.domain.delivery import delivery_counts
from bot.domain.progress import track
from bot.i18n import translator
from bot.rendering import texts
from bot.storage.engine import DbSession
from bot.storage.models import Workshop
from bot.telegram_bot.questionnaire_flow import deliver
from bot.telegram_bot.services import services_of

log = logging.getLogger(__name__)

BATCH = 50


@dataclass(frozen=True)
class CloseNotice:
    """Who to tell how /close went once the questionnaires are out."""

    chat_id: int
    language: str | None
    workshop_id: int


class Outbox:
    def __init__(self, session_factory: Callable[[], DbSession]) -> None:
        self._session_factory = session_factory
        self._lock = asyncio.Lock()
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def kick(self, application: Application[Any, Any, Any, Any, Any, Any], notice: CloseNotice | None = None) -> None:
        """Start draining now, in the background."""
        self._running += 1
        self._idle.clear()
        application.create_task(self._run(application.bot, notice), name="outbox")

    async def wait_idle(self) -> None:
        """Wait until every kicked drain has finished (tests and the demo use this)."""
        await self._idle.wait()

    async def _run(self, bot: Bot, notice: CloseNotice | None) -> None:
        try:
            async with self._lock:
                await self.drain(bot)
                if notice is not None:
                    await self._report(bot, notice)
        except Exception:
            log.exception("outbox drain failed; the periodic job will retry")
        finally:
            self._running -= 1
            if self._running == 0:
                self._idle.set()

    async def drain(self, bot: Bot) -> int:
        """Deliver every pending questionnaire; returns how many went out."""
        delivered = 0
        while True:
            with self._session_factory() as db:
                batch = pending_outbox(db, BATCH)
                if not batch:
                    return delivered
                for response, user in batch:
                    try:
                        if await deliver(bot, db, response, user):
                            delivered += 1
                    except TelegramError:
                        # Not the participant's fault (network, 5xx): leave it queued.
                        log.exception("could not deliver response %s; will retry", response.id)
                        db.rollback()
                        return delivered

    async def _report(self, bot: Bot, notice: CloseNotice) -> None:
        """Tell the organisers how /close went, in the message live progress will edit."""
        with self._session_factory() as db:
            workshop = db.get(Workshop, notice.workshop_id)
            if workshop is None:
                return
            figures = delivery_counts(db, workshop)
            text = texts.live_progress(translator(notice.language), figures, final=False)
            message = await bot.send_message(notice.chat_id, text, parse_mode=ParseMode.HTML)
            track(db, workshop, notice.chat_id, message.message_id, notice.language, text)
            db.commit()


async def drain_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """JobQueue callback: pick up what a restart or a network failure left queued."""
    services_of(context.application).outbox.kick(context.application)
