"""The retention job: warn organisers a week ahead, then delete old workshops' participant data.

Woken by the dispatcher (every ``dispatch_interval``, and by ``LiveBot.advance`` on a
``ManualClock``); it looks at the database at most every ``CHECK_EVERY`` of the bot's clock,
since deletion dates are days apart. The domain (``bot.domain.retention``) decides and
claims in the database, so several processes warn once and delete once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.clock import utcnow
from bot.config import Settings
from bot.domain import retention
from bot.i18n import translator
from bot.rendering import texts
from bot.storage.engine import DbSession, on_loop
from bot.telegram_bot.rate_limit import background_args

log = logging.getLogger(__name__)

CHECK_EVERY = timedelta(minutes=10)


class RetentionJob:
    def __init__(self, settings: Settings, session_factory: Callable[[], DbSession]) -> None:
        self._retention = timedelta(seconds=settings.retention)
        self._timezone = settings.timezone
        self._session_factory = session_factory
        self._on_loop = on_loop(session_factory)  # passes on the event loop: a short lock wait
        self._checked_at: datetime | None = None

    async def run(self, bot: Bot) -> None:
        now = utcnow()
        if self._checked_at is not None and now - self._checked_at < CHECK_EVERY:
            return
        self._checked_at = now
        with self._on_loop() as db:
            notices = retention.claim_notices(db, now, self._retention, self._timezone)
            db.commit()
        for notice in notices:
            try:
                await bot.send_message(notice.chat_id, texts.retention_notice(translator(notice.language), notice),
                                       parse_mode=ParseMode.HTML, rate_limit_args=background_args(bot))
            except TelegramError as error:  # blocked or gone: the deletion still waits the week
                log.warning("retention notice to %s not delivered: %s", notice.chat_id, error)
        with self._on_loop() as db:
            purged = retention.purge_due(db, now, self._retention)
            db.commit()
        for workshop_id in purged:
            log.info("retention: participant data of workshop %s deleted", workshop_id)
