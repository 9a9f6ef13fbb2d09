"""/programme: several workshops under one name and code, for a programme's /stats and /report.

``/programme new TITLE`` (ORGANISER_IDS), ``/programme add PCODE CODE…``,
``/programme remove PCODE CODE``, ``/programme`` alone lists the caller's programmes.
"""

from __future__ import annotations

from bot.domain.errors import WorkshopNotFound
from bot.domain.programmes import (
    MAX_WORKSHOPS,
    ProgrammeNotFound,
    TooManyWorkshops,
    add_workshops,
    create_programme,
    programmes_of,
    remove_workshop,
)
from bot.domain.workshops import clean_title
from bot.rendering import texts
from bot.telegram_bot.context import BotContext

NEW_WORDS = frozenset({"new", "nouveau", "جديد"})
ADD_WORDS = frozenset({"add", "ajouter", "أضف"})
REMOVE_WORDS = frozenset({"remove", "retirer", "احذف"})


async def programme(ctx: BotContext) -> None:
    if not ctx.is_organiser:
        await ctx.reply(texts.not_organiser(ctx.tr))
        return
    args = list(ctx.ptb.args or [])
    verb = args[0].lower() if args else ""
    try:
        if not args:
            await ctx.reply(texts.programme_list(ctx.tr, programmes_of(ctx.db, ctx.user.id)))
        elif verb in NEW_WORDS:
            await _new(ctx, " ".join(args[1:]))
        elif verb in ADD_WORDS and len(args) >= 3:
            change = add_workshops(ctx.db, ctx.user.id, args[1], args[2:])
            await ctx.reply(texts.programme_changed(ctx.tr, change, added=True))
        elif verb in REMOVE_WORDS and len(args) == 3:
            change = remove_workshop(ctx.db, ctx.user.id, args[1], args[2])
            await ctx.reply(texts.programme_changed(ctx.tr, change, added=False))
        else:
            await ctx.reply(texts.programme_usage(ctx.tr))
    except ProgrammeNotFound:
        await ctx.reply(texts.programme_not_found(ctx.tr, args[1]))
    except WorkshopNotFound as missing:  # not theirs, or no such code: answered alike
        await ctx.reply(texts.workshop_not_found(ctx.tr, str(missing.args[0]) if missing.args else ""))
    except TooManyWorkshops:
        await ctx.reply(texts.too_many_workshops(ctx.tr, MAX_WORKSHOPS))


async def _new(ctx: BotContext, title: str) -> None:
    if not ctx.may_create:  # invited co-organisers organise workshops; creating is ORGANISER_IDS'
        await ctx.reply(texts.not_organiser_new(ctx.tr, ctx.user.id))
        return
    if not clean_title(title):
        await ctx.reply(texts.programme_usage(ctx.tr))
        return
    created = create_programme(ctx.db, ctx.user.id, title)
    await ctx.reply(texts.programme_created(ctx.tr, created.title, created.code))
