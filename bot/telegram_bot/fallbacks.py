"""Everything that is not a known command or an expected answer gets a short, kind reply."""

from __future__ import annotations

import logging

from telegram import ChatMember, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.domain.users import mark_blocked
from bot.domain.workshops import forget_group
from bot.i18n import translator
from bot.rendering import texts
from bot.telegram_bot.context import BotContext

log = logging.getLogger(__name__)


async def unknown_command(ctx: BotContext) -> None:
    await ctx.reply(texts.unknown_command(ctx.tr))


async def unsupported_content(ctx: BotContext) -> None:
    """Stickers, photos, voice notes…: nothing we can store as an answer."""
    await ctx.reply(texts.unsupported_content(ctx.tr))


async def edited_message(ctx: BotContext) -> None:
    await ctx.reply(texts.edits_not_read(ctx.tr))


async def command_in_group(ctx: BotContext) -> None:
    message = ctx.update.message
    if message is not None and addressed_to_another_bot(message, ctx.ptb.bot.username):
        return  # /stats@OtherBot in a group with several bots is not for us
    await ctx.reply(texts.private_chat_only(ctx.tr))


def addressed_to_another_bot(message: Message, our_username: str) -> bool:
    """``/command@SomeBot`` where SomeBot is not this bot."""
    words = (message.text or "").split(maxsplit=1)
    _, at, username = (words[0] if words else "").partition("@")
    return bool(at) and username.lower() != our_username.lower()


async def anonymous_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command in a group sent as the group (an anonymous admin: ``from`` is
    GroupAnonymousBot, ``sender_chat`` the group) or as a channel. Telegram does not say who
    sent it, so no organiser can be recognised and there is no user to answer in their
    language: say so in Arabic and French rather than stay silent. Not through the wrapper
    (there is no user); only Telegram errors can happen here, and they are logged."""
    message = update.message
    if message is None or message.is_automatic_forward or addressed_to_another_bot(message, context.bot.username):
        return
    text = "\n\n".join(texts.anonymous_sender(translator(language)) for language in ("ar", "fr"))
    try:
        await context.bot.send_message(message.chat_id, text, parse_mode=ParseMode.HTML)
    except TelegramError as error:
        log.info("could not answer an anonymous command in chat %s: %s", message.chat_id, error.message)


async def unknown_button(ctx: BotContext) -> None:
    """A button whose payload this bot never made (forged, or from a very old version)."""
    log.info("unknown callback data from %s: %r", ctx.user.id,
             ctx.update.callback_query.data if ctx.update.callback_query else None)
    await ctx.answer_callback(texts.stale_button(ctx.tr))


async def membership_changed(ctx: BotContext) -> None:
    """The user blocked or unblocked the bot; or the bot was removed from a group."""
    change = ctx.update.my_chat_member
    if change is None:
        return
    gone = change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT)
    if change.chat.type != "private":
        if gone:
            forget_group(ctx.db, change.chat.id)
        return
    blocked = gone
    mark_blocked(ctx.db, ctx.user.id, blocked)
    ctx.db.commit()
    if not blocked:
        ctx.services.outbox.kick(ctx.ptb.application)
