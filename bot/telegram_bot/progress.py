"""The job that keeps each "k / N answered" message up to date after /close."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from bot.clock import utcnow
from bot.domain.delivery import delivery_counts
from bot.domain.progress import active, should_stop
from bot.i18n import translator
from bot.rendering import texts
from bot.storage.engine import DbSession, log_background_failure, on_loop
from bot.telegram_bot.rate_limit import background_args
from bot.telegram_bot.services import services_of

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 20


async def progress_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """JobQueue callback: nothing escapes it; a failed pass is simply redone next tick."""
    try:
        await refresh_progress(context.bot, services_of(context.application).session_factory)
    except Exception as error:
        log_background_failure(log, "progress refresh", error)


async def refresh_progress(bot: Bot, session_factory: Callable[[], DbSession], now: datetime | None = None) -> None:
    """Edit a message only when its figures changed; stop when done or after a day."""
    with on_loop(session_factory)() as db:  # on the event loop: a short lock wait
        for message, workshop in active(db):
            figures = delivery_counts(db, workshop)
            final = should_stop(message, figures, now)
            text = texts.live_progress(translator(message.language), figures, final=final)
            if final:
                message.finished_at = utcnow()
            if text != message.text:
                message.text = text
                db.commit()
                try:
                    await bot.edit_message_text(
                        text, chat_id=message.chat_id, message_id=message.message_id, parse_mode=ParseMode.HTML,
                        rate_limit_args=background_args(bot),  # waits behind participants' replies
                    )
                except (BadRequest, Forbidden) as error:  # deleted, or the bot left the group
                    log.info("progress message %s stopped: %s", message.id, error.message)
                    message.finished_at = utcnow()
            db.commit()
