"""The one wrapper every handler goes through.

It gives the handler its user (created on first contact, language detected), a database
session, the user's translator and safe ways to talk back. Every send commits the session
first, so an answer is durable before anything can fail on the network; any unexpected
error is logged, rolled back and answered with a short apology instead of silence.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from telegram import CallbackQuery, InlineKeyboardMarkup, InputMediaPhoto, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.domain.organisers import organises_any
from bot.domain.updates import claim_update
from bot.domain.users import TelegramIdentity, get_or_create_user, mark_blocked
from bot.i18n import Translator, translator
from bot.i18n.languages import language_from_telegram
from bot.rendering import texts
from bot.storage.engine import DbSession, is_unavailable, unavailable_reason
from bot.storage.models import User
from bot.telegram_bot.services import Services, services_of

log = logging.getLogger(__name__)
T = TypeVar("T")

ALBUM_MAX = 10


@dataclass
class BotContext:
    update: Update
    ptb: ContextTypes.DEFAULT_TYPE
    db: DbSession
    identity: TelegramIdentity
    services: Services
    _callback_answered: bool = field(default=False, repr=False)
    workshop_code: str | None = None  # set by handlers once they know the workshop: for the log line
    _user: User | None = field(default=None, repr=False)
    known_language: str | None = None  # the stored language once read: a plain str, for apologies
    _organises: bool | None = field(default=None, repr=False)
    _acknowledging: asyncio.Future[None] | None = field(default=None, repr=False)

    @property
    def user(self) -> User:
        """The sender's row, read (or created, on first contact) when first needed: a tap on an
        answer reads it with the response, in the same statement, so here it costs nothing."""
        if self._user is None:
            self._user = get_or_create_user(self.db, self.identity)
            self.known_language = self._user.language
        return self._user

    @property
    def tr(self) -> Translator:
        return translator(self.user.language)

    @property
    def may_create(self) -> bool:
        """In ORGANISER_IDS: may create workshops (/new) and store questionnaire files."""
        return self.services.settings.is_organiser(self.user.id)

    @property
    def is_organiser(self) -> bool:
        """May use organiser commands at all: in ORGANISER_IDS, or an organiser of some
        workshop (invited). Each command still checks the workshop it names."""
        if self._organises is None:
            self._organises = self.may_create or organises_any(self.db, self.user.id)
        return self._organises

    @property
    def chat_id(self) -> int:
        chat = self.update.effective_chat
        return chat.id if chat else self.user.id

    async def in_thread(self, work: Callable[..., T], *args: object) -> T:
        """Slow work (charts, a PDF, a workbook, reading a sent file) off the event loop, after
        committing: the handler's transaction holds SQLite's write lock from its first write
        (the update's claim), and the jobs that run on the loop meanwhile (live progress, the
        dispatcher) would wait for that lock with the loop blocked — the bot frozen until the
        busy timeout, and the handler's own work never resumed."""
        self.db.commit()
        return await asyncio.to_thread(work, *args)

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
        """Answer the tap (stops its spinner); commits first, so what it did is stored.

        A silent answer is sent alongside whatever the handler does next (the edit into the
        next question) rather than before it: updates are handled one at a time, so the two
        round trips one after the other were the time a tap holds up the next person's. The
        wrapper waits for it before the update is done (``acknowledged``)."""
        query = self.update.callback_query
        if query is None or self._callback_answered:
            return
        self.db.commit()  # may fail (database down): then the wrapper's apology answers the tap
        self._callback_answered = True
        if text is None and not alert:
            self._acknowledging = asyncio.ensure_future(_answer(query, None, False))
            return
        await _answer(query, text[:200] if text else None, alert)

    async def acknowledged(self) -> None:
        """Once the silent answer sent by ``answer_callback`` has its reply."""
        if self._acknowledging is not None:
            await self._acknowledging


Handler = Callable[[BotContext], Awaitable[None]]


async def _answer(query: CallbackQuery, text: str | None, alert: bool) -> None:
    try:
        await query.answer(text=text, show_alert=alert)
    except BadRequest as error:  # too old: the user waited more than Telegram allows
        log.info("callback answer failed: %s", error.message)
    except TelegramError as error:  # the answer is stored: the spinner stops by itself
        log.warning("callback answer failed: %s", error)


def identity_of(update: Update) -> TelegramIdentity | None:
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    return TelegramIdentity(id=user.id, language_code=user.language_code)


def handler(fn: Handler) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]:
    """Turn ``fn(ctx)`` into a PTB callback with user, session and error handling.

    Everything that touches the database is inside the ``try``, the claim and the user too:
    when the database is down, whoever tapped or typed still hears "try again in a moment"
    (in their client's language, as the stored one is out of reach), and the transaction,
    claim included, is rolled back, so the repeated tap is a new update handled normally."""

    @functools.wraps(fn)
    async def wrapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        identity = identity_of(update)
        if identity is None:
            return
        services = services_of(context.application)
        started, outcome, problem = time.perf_counter(), "ok", None
        language = language_from_telegram(identity.language_code)
        ctx: BotContext | None = None
        answered = False
        with services.session_factory() as db:
            try:
                if not claim_update(db, update.update_id):  # redelivered, or another replica has it
                    log.info("update %s already handled: skipped", update.update_id)
                    outcome = "skipped"
                    return
                ctx = BotContext(update=update, ptb=context, db=db, identity=identity, services=services)
                await fn(ctx)
                ctx.user  # noqa: B018 - first contact is recorded even if the handler never needed the row
                db.commit()
            except Forbidden as error:
                outcome = "blocked"
                _rollback(db)
                log.info("user %s blocked the bot: %s", identity.id, error.message)
                try:
                    mark_blocked(db, identity.id, True)
                    db.commit()
                except Exception as failure:  # the database went too: the next update marks it
                    _rollback(db)
                    problem = unavailable_reason(failure)
            except Exception as error:
                _rollback(db)
                language = (ctx.known_language if ctx else None) or language  # read before the rollback
                if is_unavailable(error):  # down, cut, or a lock wait over: not a bug, say "again"
                    outcome, problem = "database unavailable", unavailable_reason(error)
                    answered = await _apologise(update, context, ctx, language, texts.temporarily_unavailable)
                else:
                    outcome = "error"
                    log.exception("handler %s failed on update %s", fn.__name__, update.update_id)
                    answered = await _apologise(update, context, ctx, language, texts.something_went_wrong)
            finally:
                if ctx is not None:
                    await ctx.acknowledged()
                if outcome == "ok" and ctx is not None:
                    await ctx.answer_callback()
                elif outcome != "skipped" and not answered and not (ctx and ctx._callback_answered):
                    await _answer_query(update)  # no commit first: the session may have no database
                if outcome != "skipped":
                    _log_update(update, ctx.workshop_code if ctx else None, fn.__name__, outcome, started,
                                problem)

    return wrapped


def _rollback(db: DbSession) -> None:
    """Roll back; on a connection already gone the rollback itself may fail, which is fine:
    the server drops an unfinished transaction with its connection."""
    try:
        db.rollback()
    except Exception as error:
        log.debug("rollback failed: %s", unavailable_reason(error))


def _log_update(update: Update, workshop: str | None, handler_name: str, outcome: str, started: float,
                problem: str | None = None) -> None:
    """One line per handled update, for incidents: ids, timing, outcome; never message text.
    A database outage is this same line at WARNING, with the driver's reason (no SQL)."""
    fields = {
        "update_id": update.update_id, "handler": handler_name, "workshop": workshop,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1), "outcome": outcome,
    }
    if problem is not None:
        fields["problem"] = problem
    log.log(logging.WARNING if problem else logging.INFO, "update handled", extra=fields)


async def _apologise(update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext | None,
                     language: str | None, wording: Callable[[Translator], str]) -> bool:
    """Tell the person in ``language`` (no database needed): an alert on their tap, or a
    message if the tap was answered already or they typed. True once the tap is answered."""
    text = wording(translator(language))
    try:
        if update.callback_query is not None and not (ctx and ctx._callback_answered):
            await update.callback_query.answer(text=text[:200], show_alert=True)
            return True
        chat = update.effective_chat
        await context.bot.send_message(chat.id if chat else update.effective_user.id,  # type: ignore[union-attr]
                                       text, parse_mode=ParseMode.HTML)
    except TelegramError:
        log.exception("could not even apologise on update %s", update.update_id)
    return False


async def _answer_query(update: Update) -> None:
    """Stop the spinner of a tap whose handler never got its context."""
    if update.callback_query is None:
        return
    try:
        await update.callback_query.answer()
    except TelegramError as error:
        log.info("callback answer failed: %s", error)


async def log_unhandled_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """PTB's error handler: network hiccups while polling, errors outside our wrapper."""
    log.error("unhandled error (update %r)", getattr(update, "update_id", None), exc_info=context.error)
