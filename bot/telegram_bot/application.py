"""Build the python-telegram-bot Application: handlers, jobs, commands menu."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import BadRequest, Forbidden, TelegramError
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
from bot.domain.workshops import new_join_code
from bot.i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, translator
from bot.rendering import texts
from bot.storage.engine import DbSession
from bot.telegram_bot import (
    fallbacks, organiser, organisers, participant, pre_survey, programmes, questionnaires, sessions,
)
from bot.telegram_bot.context import handler, log_unhandled_error
from bot.telegram_bot.dispatcher import Dispatcher, dispatch_job
from bot.telegram_bot.http_client import AiohttpRequest
from bot.telegram_bot.polling import HandledFirstBot
from bot.telegram_bot.outbox import Outbox
from bot.telegram_bot.progress import INTERVAL_SECONDS as PROGRESS_INTERVAL_SECONDS
from bot.telegram_bot.progress import progress_job
from bot.telegram_bot.rate_limit import TelegramRateLimiter
from bot.telegram_bot.routes import route_callback
from bot.telegram_bot.services import SERVICES_KEY, Services, services_of

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
    "privacy": participant.privacy_command,
    "mydata": participant.mydata_command,
    "whoami": organiser.whoami_command,
    "help": organiser.help_command,
}
ORGANISER_COMMANDS = {
    "new": organiser.new_workshop,
    "organisers": organisers.organisers_command,  # private only: an invite link in a group is anyone's
    "programme": programmes.programme,
    "questionnaires": questionnaires.questionnaires_command,
    "questionnaire": questionnaires.questionnaire_command,
}
# Results commands also work in an organisers' group (only for the workshop's organisers).
GROUP_COMMANDS = {
    "close": organiser.close,
    "session": sessions.session_command,
    "stats": organiser.stats,
    "report": organiser.report,
    "export": organiser.export,
    "link": organiser.link,
    "remind": organiser.remind,
    "followup": organiser.followup,
    "timezone": organiser.timezone_command,
    "pre": pre_survey.pre_command,
}


def build_application(
    settings: Settings,
    session_factory: Callable[[], DbSession],
    *,
    rate_limiter: bool | TelegramRateLimiter = True,
    periodic_jobs: bool = True,
    join_codes: Callable[[], str] = new_join_code,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot, as production runs it.

    ``periodic_jobs=False`` leaves out the JobQueue's timers (the dispatcher's and live
    progress's ticks): the demo and tests that drive a ``ManualClock`` run them themselves
    (``LiveBot.advance``), so nothing happens behind their back at a wall-clock moment.
    ``join_codes`` makes workshops' join codes (seeded in the demo).
    """
    if isinstance(rate_limiter, TelegramRateLimiter):  # one a test holds on to
        limiter: TelegramRateLimiter | None = rate_limiter
    else:
        limiter = TelegramRateLimiter(max_retries=3) if rate_limiter else None
    update_queue: asyncio.Queue[object] = asyncio.Queue()
    bot = HandledFirstBot(
        settings.token, base_url=settings.bot_base_url, base_file_url=settings.file_base_url,
        request=AiohttpRequest(), get_updates_request=AiohttpRequest(connection_pool_size=1),
        rate_limiter=limiter, update_queue=update_queue,
    )
    builder = ApplicationBuilder().bot(bot).update_queue(update_queue).post_init(_post_init)
    application = builder.build()
    outbox = Outbox(session_factory, retry_backoff=settings.retry_backoff)
    application.bot_data[SERVICES_KEY] = Services(
        settings=settings, session_factory=session_factory, outbox=outbox,
        dispatcher=Dispatcher(settings, session_factory, outbox, timers=periodic_jobs), join_codes=join_codes,
    )

    # First: a command sent as the group (an anonymous admin) or as a channel names no person.
    application.add_handler(MessageHandler(filters.COMMAND & GROUPS & NEW_MESSAGE & filters.SenderChat.ALL,
                                           fallbacks.anonymous_command))
    for name, callback in {**PARTICIPANT_COMMANDS, **ORGANISER_COMMANDS}.items():
        application.add_handler(CommandHandler(name, handler(callback), filters=PRIVATE & NEW_MESSAGE))
    for name, callback in GROUP_COMMANDS.items():
        application.add_handler(CommandHandler(name, handler(callback), filters=(PRIVATE | GROUPS) & NEW_MESSAGE))
    application.add_handler(CallbackQueryHandler(handler(route_callback)))
    application.add_handler(MessageHandler(filters.COMMAND & GROUPS & NEW_MESSAGE,
                                           handler(fallbacks.command_in_group)))
    application.add_handler(MessageHandler(filters.COMMAND & PRIVATE & NEW_MESSAGE, handler(fallbacks.unknown_command)))
    application.add_handler(MessageHandler(filters.TEXT & PRIVATE & NEW_MESSAGE, handler(participant.on_text)))
    application.add_handler(MessageHandler(filters.Document.ALL & PRIVATE & NEW_MESSAGE, handler(questionnaires.on_document)))
    application.add_handler(MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE, handler(fallbacks.edited_message)))
    application.add_handler(MessageHandler(PRIVATE & NEW_MESSAGE, handler(fallbacks.unsupported_content)))
    application.add_handler(ChatMemberHandler(handler(fallbacks.membership_changed), ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_error_handler(log_unhandled_error)

    if periodic_jobs and application.job_queue is not None:
        application.job_queue.run_repeating(dispatch_job, interval=settings.dispatch_interval, first=0.5,
                                            name="dispatcher")
        application.job_queue.run_repeating(progress_job, interval=PROGRESS_INTERVAL_SECONDS, first=5, name="progress")
    return application


# Menus per Telegram app language; "" is the menu of every other language (in English).
MENU_LANGUAGES = (*SUPPORTED_LANGUAGES, "")


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Publish the command menus: everybody's, and each organiser's in their private chat.
    A menu Telegram refuses is logged, never a reason not to start."""
    bot = application.bot
    try:
        for language in MENU_LANGUAGES:
            await bot.set_my_commands(_menu(language, organiser=False), language_code=language or None)
    except TelegramError as error:
        log.warning("command menu not published: %s", error.message)
    for organiser_id in sorted(services_of(application).settings.organiser_ids):
        scope = BotCommandScopeChat(organiser_id)
        try:
            for language in MENU_LANGUAGES:
                await bot.set_my_commands(_menu(language, organiser=True), scope=scope, language_code=language or None)
        except (BadRequest, Forbidden) as error:  # never wrote to the bot yet, or blocked it
            log.info("organiser %s keeps the everybody menu until the next start (%s)", organiser_id, error.message)
        except TelegramError as error:
            log.warning("organiser %s: command menu not published: %s", organiser_id, error.message)
    log.info("bot @%s ready", bot.username)


def _menu(language: str, *, organiser: bool) -> list[BotCommand]:
    tr = translator(language or DEFAULT_LANGUAGE)
    return [BotCommand(command, description) for command, description in texts.command_menu(tr, organiser=organiser)]
