"""Organiser commands: /new, /close, /stats. Each takes the join code as first argument."""

from __future__ import annotations

from bot.domain.errors import WorkshopNotFound
from bot.domain.stats import workshop_stats
from bot.domain.workshops import close_workshop, create_workshop, workshop_for_organiser
from bot.rendering import texts
from bot.rendering.qr import join_link, qr_png
from bot.storage.models import Workshop
from bot.telegram_bot.context import BotContext
from bot.telegram_bot.outbox import CloseNotice


async def _organiser_workshop(ctx: BotContext) -> Workshop | None:
    """The workshop named by the first argument (or the latest), or None after saying why."""
    if not ctx.is_organiser:
        await ctx.reply(texts.not_organiser(ctx.tr))
        return None
    code = (ctx.ptb.args or [""])[0]
    try:
        return workshop_for_organiser(ctx.db, ctx.user.id, code or None)
    except WorkshopNotFound:
        await ctx.reply(texts.workshop_not_found(ctx.tr, code))
        return None


async def new_workshop(ctx: BotContext) -> None:
    if not ctx.is_organiser:
        await ctx.reply(texts.not_organiser(ctx.tr))
        return
    title = " ".join(ctx.ptb.args or [])
    if not title.strip():
        await ctx.reply(texts.new_usage(ctx.tr))
        return
    workshop = create_workshop(ctx.db, ctx.user, title)
    link = join_link(ctx.ptb.bot.username, workshop.join_code)
    await ctx.reply(texts.workshop_created(ctx.tr, workshop.title, link, workshop.join_code))
    await ctx.reply_photo(qr_png(link), texts.qr_caption(ctx.tr, workshop.title, link), f"qr-{workshop.join_code}.png")


async def close(ctx: BotContext) -> None:
    workshop = await _organiser_workshop(ctx)
    if workshop is None:
        return
    result = close_workshop(ctx.db, workshop)
    await ctx.reply(texts.close_sending(ctx.tr, result))
    if result.queued:
        notice = CloseNotice(chat_id=ctx.chat_id, language=ctx.user.language, workshop_id=workshop.id)
        ctx.services.outbox.kick(ctx.ptb.application, notice)


async def stats(ctx: BotContext) -> None:
    workshop = await _organiser_workshop(ctx)
    if workshop is None:
        return
    for chunk in texts.stats_summary(ctx.tr, workshop_stats(ctx.db, workshop)):
        await ctx.reply(chunk)


async def help_command(ctx: BotContext) -> None:
    await ctx.reply(texts.help_text(ctx.tr, is_organiser=ctx.is_organiser))
