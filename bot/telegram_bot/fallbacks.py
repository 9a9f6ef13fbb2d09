"""Everything that is not a known command or an expected answer gets a short, kind reply."""

from __future__ import annotations

import logging

from telegram import ChatMember

from bot.domain.users import mark_blocked
from bot.domain.workshops import forget_group
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
    await ctx.reply(texts.private_chat_only(ctx.tr))


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
