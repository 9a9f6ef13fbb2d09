"""Sends the questionnaires queued in the database (``PENDING`` responses).

``/close`` only queues; this drains the queue in the background so a 40-person workshop
does not hold up other participants' buttons, and the dispatcher drains whatever a
restart, a crash or a failed attempt left behind (and the follow-up surveys it queues).
The rate limiter paces the sends and retries after a 429; they are background requests
(``background_sending``), so a participant's reply overtakes them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application

from bot.clock import utcnow
from bot.domain.delivery import delivery_counts
from bot.domain.dispatch import record_questionnaire_failure
from bot.domain.organisers import results_recipients
from bot.domain.participation import pending_outbox
from bot.domain.progress import stop_tracking, track
from bot.i18n import translator
from bot.rendering import texts
from bot.results.organisers import Recipient
from bot.storage.engine import DbSession, log_background_failure, on_loop
from bot.storage.models import Workshop
from bot.telegram_bot.questionnaire_flow import deliver
from bot.telegram_bot.rate_limit import background_args, background_sending

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CloseNotice:
    """Who to tell how /close went once the questionnaires are out."""

    chat_id: int
    language: str | None
    workshop_id: int


class Outbox:
    def __init__(self, session_factory: Callable[[], DbSession], retry_backoff: float = 30.0) -> None:
        self._session_factory = session_factory
        self._on_loop = on_loop(session_factory)  # passes on the event loop: a short lock wait
        self._retry_backoff = retry_backoff
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

    async def drain_locked(self, bot: Bot) -> int:
        """Drain once any drain under way has finished (one drain at a time per process)."""
        async with self._lock:
            return await self.drain(bot)

    async def _run(self, bot: Bot, notice: CloseNotice | None) -> None:
        try:
            async with self._lock:
                await self.drain(bot)
                if notice is not None:
                    await self._report(bot, notice)
        except Exception as error:
            log_background_failure(log, "outbox drain", error)
        finally:
            self._running -= 1
            if self._running == 0:
                self._idle.set()

    async def drain(self, bot: Bot) -> int:
        """Deliver every pending questionnaire; returns how many went out.

        One row per transaction, locked while it is sent (``FOR UPDATE SKIP LOCKED``): a
        second bot process skips it, and a crash rolls the lock back so it is sent again.
        Sent as background requests: ``deliver`` is shared with a participant's own /start,
        which is a reply, so the mark comes from here rather than from its calls.
        """
        with background_sending():
            return await self._drain(bot)

    async def _drain(self, bot: Bot) -> int:
        delivered = 0
        while True:
            with self._on_loop() as db:
                batch = pending_outbox(db, utcnow(), limit=1)
                if not batch:
                    return delivered
                response, user = batch[0]
                try:
                    if await deliver(bot, db, response, user):
                        delivered += 1
                except TelegramError as error:
                    # Not the participant's fault (network, 5xx, flood): try again later.
                    db.rollback()
                    retried = record_questionnaire_failure(
                        db, response.id, f"{type(error).__name__}: {error}", utcnow(),
                        retry=not isinstance(error, BadRequest), backoff_seconds=self._retry_backoff,
                    )
                    db.commit()
                    log.warning("could not deliver questionnaire %s (%s)%s", response.id, error,
                                "; will retry" if retried else "; giving up")

    async def _report(self, bot: Bot, notice: CloseNotice) -> None:
        """Tell the organisers how /close went, in the messages live progress will edit: the
        chat /close came from, then the linked group or else every organiser, each in their
        language (``results_recipients``); one who cannot be reached does not stop the others."""
        with self._on_loop() as db:
            workshop = db.get(Workshop, notice.workshop_id)
            if workshop is None:
                return
            figures = delivery_counts(db, workshop)
            recipients = results_recipients(db, workshop, Recipient(notice.chat_id, notice.language))
            stop_tracking(db, workshop)
            db.commit()
            for recipient in recipients:
                text = texts.live_progress(translator(recipient.language), figures, final=False)
                try:
                    message = await bot.send_message(recipient.chat_id, text, parse_mode=ParseMode.HTML,
                                                     rate_limit_args=background_args(bot))
                except (BadRequest, Forbidden) as error:  # blocked, or a group the bot left
                    log.info("close report to %s not delivered: %s", recipient.chat_id, error.message)
                    continue
                track(db, workshop, recipient.chat_id, message.message_id, recipient.language, text,
                      stop_earlier=False)
                db.commit()
