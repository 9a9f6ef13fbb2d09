"""The one wrapper every handler goes through.

It gives the handler its user (created on first contact, language detected), a database
session, the user's translator and safe ways to talk back. Every send commits the session
first, so an answer is durable before anything can fail on the network; any unexpected
error is logged, rolled back and answered with a short apology instead of silence.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from telegram import InlineKeyboardMarkup, InputMediaPhoto, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.domain.updates import claim_update
from bot.domain.users import TelegramIdentity, get_or_create_user, mark_blocked
from bot.i18n import Translator, translator
from bot.rendering import texts
from bot.storage.engine import DbSession
from bot.storage.models import User
from bot.telegram_bot.services import Services, services_of

log = logging.getLogger(__name__)

ALBUM_MAX = 10


@dataclass
class BotContext:
    update: Update
    ptb: ContextTypes.DEFAULT_TYPE
    db: DbSession
    user: User
    services: Services
    _callback_answered: bool = field(default=False, repr=False)
    workshop_code: str | None = None  # set by handlers once they know the workshop: for the log line

    @property
    def tr(self) -> Translator:
        return translator(self.user.language)

    @property
    def is_organiser(self) -> bool:
        return self.services.settings.is_organiser(self.user.id)

    @property
    def chat_id(self) -> int:
        chat = self.update.effective_chat
        return chat.id if chat else self.user.id

    async def reply(self, text: str, keyboard: InlineKeyboardMarkup | None = None) -> Message:
        return await self.send_text(self.chat_id, text, keyboard)

    async def reply_photo(self, photo: bytes, caption: str, filename: str) -> Message:
        self.db.commit()
        return await self.ptb.bot.send_photo(
            self.chat_id, photo=photo, caption=caption, parse_mode=ParseMode.HTML, filename=filename
        )

    async def send_text(self, chat_id: int, text: str, keyboard: InlineKeyboardMarkup | None = None) -> Message:
        self.db.commit()
        return await self.ptb.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard)

    async def send_document(self, chat_id: int, data: bytes, filename: str, caption: str) -> Message:
        self.db.commit()
        return await self.ptb.bot.send_document(
            chat_id, document=data, filename=filename, caption=caption, parse_mode=ParseMode.HTML
        )

    async def send_photos(self, chat_id: int, photos: list[bytes], names: list[str]) -> None:
        """Photos as albums of at most 10 (Telegram's limit); a lone photo is sent as such."""
        self.db.commit()
        for start in range(0, len(photos), ALBUM_MAX):
            chunk = list(zip(photos[start:start + ALBUM_MAX], names[start:start + ALBUM_MAX], strict=True))
            if len(chunk) == 1:
                await self.ptb.bot.send_photo(chat_id, photo=chunk[0][0], filename=chunk[0][1])
            else:
                await self.ptb.bot.send_media_group(
                    chat_id, media=[InputMediaPhoto(media=data, filename=name) for data, name in chunk]
                )

    async def edit(self, message_id: int, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
        """Edit a message of ours; an edit that changes nothing, or of a gone message, is fine."""
        self.db.commit()
        try:
            await self.ptb.bot.edit_message_text(
                text, chat_id=self.chat_id, message_id=message_id, parse_mode=ParseMode.HTML,
                reply_markup=keyboard,
            )
        except BadRequest as error:
            if "not modified" in error.message or "not found" in error.message:
                log.debug("edit of message %s skipped: %s", message_id, error.message)
                return
            raise

    async def answer_callback(self, text: str | None = None, *, alert: bool = False) -> None:
        query = self.update.callback_query
        if query is None or self._callback_answered:
            return
        self._callback_answered = True
        self.db.commit()
        try:
            await query.answer(text=text[:200] if text else None, show_alert=alert)
        except BadRequest as error:  # too old: the user waited more than Telegram allows
            log.info("callback answer failed: %s", error.message)


Handler = Callable[[BotContext], Awaitable[None]]


def identity_of(update: Update) -> TelegramIdentity | None:
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    return TelegramIdentity(id=user.id, language_code=user.language_code)


def handler(fn: Handler) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]:
    """Turn ``fn(ctx)`` into a PTB callback with user, session and error handling."""

    @functools.wraps(fn)
    async def wrapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        identity = identity_of(update)
        if identity is None:
            return
        services = services_of(context.application)
        with services.session_factory() as db:
            if not claim_update(db, update.update_id):  # redelivered, or another replica has it
                log.info("update %s already handled: skipped", update.update_id)
                return
            user = get_or_create_user(db, identity)
            ctx = BotContext(update=update, ptb=context, db=db, user=user, services=services)
            started, outcome = time.perf_counter(), "ok"
            try:
                await fn(ctx)
                db.commit()
            except Forbidden as error:
                outcome = "blocked"
                db.rollback()
                log.info("user %s blocked the bot: %s", identity.id, error.message)
                mark_blocked(db, identity.id, True)
                db.commit()
            except Exception:
                outcome = "error"
                db.rollback()
                log.exception("handler %s failed on update %s", fn.__name__, update.update_id)
                await _apologise(ctx)
            finally:
                await ctx.answer_callback()
                _log_update(ctx, fn.__name__, outcome, started)

    return wrapped


def _log_update(ctx: BotContext, handler_name: str, outcome: str, started: float) -> None:
    """One line per handled update, for incidents: ids, timing, outcome; never message text."""
    log.info("update handled", extra={
        "update_id": ctx.update.update_id, "handler": handler_name, "workshop": ctx.workshop_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1), "outcome": outcome,
    })


async def _apologise(ctx: BotContext) -> None:
    try:
        if ctx.update.callback_query is not None:
            await ctx.answer_callback(texts.something_went_wrong(ctx.tr), alert=True)
        else:
            await ctx.reply(texts.something_went_wrong(ctx.tr))
    except TelegramError:
        log.exception("could not even apologise to user %s", ctx.user.id)


async def log_unhandled_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """PTB's error handler: network hiccups while polling, errors outside our wrapper."""
    log.error("unhandled error (update %r)", getattr(update, "update_id", None), exc_info=context.error)
