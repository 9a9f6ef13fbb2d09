"""``/session CODE title`` adds the workshop's next session; ``/session CODE`` lists them."""

from __future__ import annotations

import re

from bot.domain.sessions import add_session, session_figures
from bot.domain.workshops import clean_title
from bot.rendering import texts
from bot.telegram_bot.context import BotContext
from bot.telegram_bot.organiser import _workshop_and_rest

_JOIN_CODE_LIKE = re.compile(r"[A-Za-z0-9_-]{12}")


def _looks_like_title(word: str) -> bool:
    """The first word starts the title unless it looks like a join code (12 URL-safe
    characters with a digit, a dash or an inner capital): a mistyped code is reported,
    not turned into a session of the latest workshop."""
    code_like = _JOIN_CODE_LIKE.fullmatch(word) is not None and (
        any(c.isdigit() or c in "_-" for c in word) or any(c.isupper() for c in word[1:]))
    return not code_like


async def session_command(ctx: BotContext) -> None:
    found = await _workshop_and_rest(ctx, _looks_like_title)
    if found is None:
        return
    workshop, rest = found
    title = clean_title(" ".join(rest))
    if not title:
        await ctx.reply(texts.sessions_list(ctx.tr, workshop.title, workshop.join_code,
                                            session_figures(ctx.db, workshop)))
        return
    added = add_session(ctx.db, workshop, title)
    await ctx.reply(texts.session_added(ctx.tr, workshop.title, workshop.join_code, added))
