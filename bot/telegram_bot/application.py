"""Build the python-telegram-bot Application: handlers, jobs, commands menu."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.config import Settings
from bot.i18n import SUPPORTED_LANGUAGES, translator
from bot.storage.engine import DbSession
from bot.telegram_bot import fallbacks, organiser, participant
from bot.telegram_bot.context import handler, log_unhandled_error
from bot.telegram_bot.dispatcher import Dispatcher, dispatch_job
from bot.telegram_bot.outbox import Outbox
from bot.telegram_bot.progress import INTERVAL_SECONDS as PROGRESS_INTERVAL_SECONDS
from bot.telegram_bot.progress import progress_job
from bot.telegram_bot.rate_limit import TelegramRateLimiter
from bot.telegram_bot.routes import route_callback
from bot.telegram_bot.services import SERVICES_KEY, Services

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]

PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS
NEW_MESSAGE = filters.UpdateType.MESSAGE

PARTICIPANT_COMMANDS = {
    "start": participant.start,
    "language": participant.language_command,
    "forget": participant.forget_command,
    "reminders": participant.reminders_command,
    "help": organiser.help_command,
}
ORGANISER_COMMANDS = {
    "new": organiser.new_workshop,
}
# Results commands also work in an organisers' group (only for the workshop's organisers).
GROUP_COMMANDS = {
    "close": organiser.close,
    "stats": organiser.stats,
    "report": organiser.report,
    "export": organiser.export,
    "link": organiser.link,
    "remind": organiser.remind,
    "followup": organiser.followup,
    "timezone": organiser.timezone_command,
}


def build_application(
    settings: Settings,
    session_factory: Callable[[], DbSession],
    *,
    rate_limiter: bool = True,
) -> Application[Any, Any, Any, Any, Any, Any]:
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.bot_base_url)
        .base_file_url(settings.file_base_url)
        .post_init(_post_init)
    )
    if rate_limiter:
        builder = builder.rate_limiter(TelegramRateLimiter(max_retries=3))
    application = builder.build()
    outbox = Outbox(session_factory, retry_backoff=settings.retry_backoff)
    application.bot_data[SERVICES_KEY] = Services(
        settings=settings, session_factory=session_factory, outbox=outbox,
        dispatcher=Dispatcher(settings, session_factory, outbox),
    )

    for name, callback in {**PARTICIPANT_COMMANDS, **ORGANISER_COMMANDS}.items():
        application.add_handler(CommandHandler(name, handler(callback), filters=PRIVATE & NEW_MESSAGE))
    for name, callback in GROUP_COMMANDS.items():
        application.add_handler(CommandHandler(name, handler(callback), filters=(PRIVATE | GROUPS) & NEW_MESSAGE))
    application.add_handler(CallbackQueryHandler(handler(route_callback)))
    application.add_handler(MessageHandler(filters.COMMAND & GROUPS & NEW_MESSAGE,
                                           handler(fallbacks.command_in_group)))
    application.add_handler(MessageHandler(filters.COMMAND & PRIVATE & NEW_MESSAGE, handler(fallbacks.unknown_command)))
    application.add_handler(MessageHandler(filters.TEXT & PRIVATE & NEW_MESSAGE, handler(participant.on_text)))
    application.add_handler(MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE, handler(fallbacks.edited_message)))
    application.add_handler(MessageHandler(PRIVATE & NEW_MESSAGE, handler(fallbacks.unsupported_content)))
    application.add_handler(ChatMemberHandler(handler(fallbacks.membership_changed), ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_error_handler(log_unhandled_error)

    if application.job_queue is not None:
        application.job_queue.run_repeating(dispatch_job, interval=settings.dispatch_interval, first=0.5,
                                            name="dispatcher")
        application.job_queue.run_repeating(progress_job, interval=PROGRESS_INTERVAL_SECONDS, first=5, name="progress")
    return application


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Publish the command menu in each language (participants see only theirs)."""
    for language in SUPPORTED_LANGUAGES:
        tr = translator(language)
        commands = [
            BotCommand("start", tr.gettext("Continue an unfinished questionnaire")),
            BotCommand("language", tr.gettext("Change the language")),
            BotCommand("forget", tr.gettext("Delete my data")),
            BotCommand("reminders", tr.gettext("Turn reminders on or off")),
            BotCommand("help", tr.gettext("What this bot can do")),
        ]
        await application.bot.set_my_commands(commands, language_code=language)
    log.info("bot @%s ready", application.bot.username)
