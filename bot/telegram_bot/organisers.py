"""Co-organisers: /organisers CODE (the list, a one-time invite link, removal), /start org_…

Only the private chat: an invite link posted in a group would make anyone there an organiser.
"""

from __future__ import annotations

import logging
import re

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.domain.organisers import (
    INVITE_PREFIX,
    LastOrganiser,
    NotAnOrganiserOfIt,
    accept_invite,
    create_invite,
    language_of,
    organised_workshop,
    organiser_list,
    organises_any,
    remove_organiser,
)
from bot.i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, translator
from bot.rendering import keyboards, texts
from bot.rendering.callback_data import Payload
from bot.rendering.qr import join_link
from bot.results.organisers import AcceptStatus
from bot.storage.models import Workshop
from bot.telegram_bot.context import BotContext
from bot.telegram_bot.fallbacks import unknown_button
from bot.telegram_bot.organiser import _workshop_and_rest

log = logging.getLogger(__name__)

REMOVE_WORDS = frozenset({"remove", "retirer", "supprimer", "حذف", "إزالة"})
_TELEGRAM_ID = re.compile(r"[0-9]{1,18}")
_BUTTON_VALUE = re.compile(r"([0-9]{1,10})_([0-9]{1,13})")
MENU_LANGUAGES = (*SUPPORTED_LANGUAGES, "")  # as application.py: "" is every other language


async def organisers_command(ctx: BotContext) -> None:
    """``/organisers CODE``: the list and a new invite link; ``… remove ID``: remove one."""
    found = await _workshop_and_rest(ctx, lambda word: word.lower() in REMOVE_WORDS)
    if found is None:
        return
    workshop, rest = found
    if not rest:
        listed = organiser_list(ctx.db, workshop)
        await ctx.reply(texts.organisers_list(ctx.tr, listed, ctx.user.id),
                        keyboards.organisers_keyboard(ctx.tr, listed, ctx.user.id))
        invite = create_invite(ctx.db, workshop, ctx.user.id)
        link = join_link(ctx.ptb.bot.username, INVITE_PREFIX + invite.token)
        await ctx.reply(texts.invite_link_text(ctx.tr, workshop.title, link))
        return
    if len(rest) != 2 or rest[0].lower() not in REMOVE_WORDS or not _TELEGRAM_ID.fullmatch(rest[1]):
        await ctx.reply(texts.organisers_usage(ctx.tr))
        return
    await _remove(ctx, workshop, int(rest[1]), list_message_id=None)


async def on_remove_button(ctx: BotContext, payload: Payload) -> None:
    """A remove button under the list: the list message is redrawn without them."""
    match = _BUTTON_VALUE.fullmatch(payload.value)
    workshop = organised_workshop(ctx.db, ctx.user.id, int(match.group(1))) if match else None
    query = ctx.update.callback_query
    if match is None or workshop is None or query is None or query.message is None:
        await unknown_button(ctx)  # forged, or the tapper no longer organises it
        return
    ctx.workshop_code = workshop.join_code
    await ctx.answer_callback()
    await _remove(ctx, workshop, int(match.group(2)), list_message_id=query.message.message_id)


async def _remove(ctx: BotContext, workshop: Workshop, user_id: int, list_message_id: int | None) -> None:
    me = ctx.user.id
    try:
        listed = remove_organiser(ctx.db, workshop, user_id)
    except NotAnOrganiserOfIt:
        await ctx.reply(texts.not_an_organiser_of_it(ctx.tr, user_id, workshop.title))
        return
    except LastOrganiser:
        await ctx.reply(texts.last_organiser(ctx.tr, workshop.title, workshop.join_code))
        return
    still_organises = organises_any(ctx.db, user_id) or ctx.services.settings.is_organiser(user_id)
    removed_language = language_of(ctx.db, user_id)
    if list_message_id is not None:
        if user_id == me:
            await ctx.edit(list_message_id, texts.organiser_removed(ctx.tr, user_id, workshop.title, me))
        else:
            await ctx.edit(list_message_id, texts.organisers_list(ctx.tr, listed, me),
                           keyboards.organisers_keyboard(ctx.tr, listed, me))
    await ctx.reply(texts.organiser_removed(ctx.tr, user_id, workshop.title, me))
    bot = ctx.ptb.bot
    if user_id != me:
        await _tell(bot, user_id, texts.you_were_removed(translator(removed_language), me, workshop.title))
    if not still_organises:
        await withdraw_organiser_menu(bot, user_id)


async def accept(ctx: BotContext, token: str) -> None:
    """``/start org_<token>``: become an organiser of that workshop, once; the inviter is told."""
    result = accept_invite(ctx.db, ctx.user, token)
    if result.join_code:
        ctx.workshop_code = result.join_code
    if result.status is AcceptStatus.NOT_FOUND:
        await ctx.reply(texts.invite_not_found(ctx.tr))
    elif result.status is AcceptStatus.EXPIRED:
        await ctx.reply(texts.invite_expired(ctx.tr))
    elif result.status is AcceptStatus.USED:
        await ctx.reply(texts.invite_used(ctx.tr))
    elif result.status is AcceptStatus.ALREADY:
        await ctx.reply(texts.invite_already_organiser(ctx.tr, result.title))
    else:
        await ctx.reply(texts.invite_accepted(ctx.tr, result.title, result.join_code))
        if result.inviter_id is not None:
            await _tell(ctx.ptb.bot, result.inviter_id,
                        texts.organiser_joined(translator(result.inviter_language), ctx.user.id, result.title))
        await publish_organiser_menu(ctx.ptb.bot, ctx.user.id)


async def _tell(bot: Bot, chat_id: int, text: str) -> None:
    """A message to another organiser: one who blocked the bot must not fail the handler
    (the wrapper would take it for the sender blocking us)."""
    try:
        await bot.send_message(chat_id, text, parse_mode="HTML")
    except (BadRequest, Forbidden) as error:
        log.info("organiser %s not told: %s", chat_id, error.message)


async def publish_organiser_menu(bot: Bot, chat_id: int) -> None:
    """The organiser menu in this person's chat (as application.py does for ORGANISER_IDS at start)."""
    scope = BotCommandScopeChat(chat_id)
    try:
        for language in MENU_LANGUAGES:
            tr = translator(language or DEFAULT_LANGUAGE)
            await bot.set_my_commands([BotCommand(c, d) for c, d in texts.command_menu(tr, organiser=True)],
                                      scope=scope, language_code=language or None)
    except TelegramError as error:
        log.info("organiser menu not set for %s: %s", chat_id, error.message)


async def withdraw_organiser_menu(bot: Bot, chat_id: int) -> None:
    """Back to everybody's menu once they organise nothing (and are not in ORGANISER_IDS)."""
    scope = BotCommandScopeChat(chat_id)
    try:
        for language in MENU_LANGUAGES:
            await bot.delete_my_commands(scope=scope, language_code=language or None)
    except TelegramError as error:
        log.info("organiser menu not withdrawn for %s: %s", chat_id, error.message)
