"""``/pre CODE on|off|KEY``: the pre-survey participants answer when they join (thin)."""

from __future__ import annotations

from bot.domain.pre_survey import (
    NoSuchPreSurvey,
    NotAPreSurvey,
    PreSurveyTooLate,
    set_pre_survey,
    state,
)
from bot.rendering import texts
from bot.telegram_bot.context import BotContext
from bot.telegram_bot.organiser import _workshop_and_rest


def _looks_like_choice(word: str) -> bool:
    return word.lower() in ("on", "off")


async def pre_command(ctx: BotContext) -> None:
    """``/pre CODE`` shows the pre-survey; ``on`` the built-in one, ``KEY`` the organiser's
    own (kind ``pre``), ``off`` none."""
    found = await _workshop_and_rest(ctx, _looks_like_choice)
    if found is None:
        return
    workshop, rest = found
    if len(rest) > 1:
        await ctx.reply(texts.pre_usage(ctx.tr))
        return
    try:
        current = set_pre_survey(ctx.db, workshop, ctx.user.id, rest[0]) if rest else state(ctx.db, workshop)
    except PreSurveyTooLate:
        await ctx.reply(texts.pre_too_late(ctx.tr, workshop.title))
        return
    except NoSuchPreSurvey:
        await ctx.reply(texts.unknown_questionnaire(ctx.tr, rest[0]))
        return
    except NotAPreSurvey:
        await ctx.reply(texts.not_a_pre_survey(ctx.tr, rest[0]))
        return
    await ctx.reply(texts.pre_state(ctx.tr, current))
