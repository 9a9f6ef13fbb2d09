"""The one table that routes button payloads to their handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.rendering.callback_data import Action, Payload, parse
from bot.telegram_bot import commitments, organisers, participant, questionnaires
from bot.telegram_bot.context import BotContext
from bot.telegram_bot.fallbacks import unknown_button

CallbackHandler = Callable[[BotContext, Payload], Awaitable[None]]

CALLBACK_ROUTES: dict[Action, CallbackHandler] = {
    Action.ANSWER: participant.on_answer,
    Action.TOGGLE: participant.on_toggle,
    Action.CONFIRM: participant.on_confirm,
    Action.SKIP: participant.on_skip,
    Action.BACK: participant.on_back,
    Action.KEEP: participant.on_keep,
    Action.LANGUAGE: participant.on_language,
    Action.FORGET: participant.on_forget,
    Action.RESUME: participant.on_resume,
    Action.REMINDERS: participant.on_reminders_button,
    Action.PREVIEW: questionnaires.on_preview_language,
    Action.COMMITMENT: commitments.on_commitment,
    Action.REMOVE_ORGANISER: organisers.on_remove_button,
}


async def route_callback(ctx: BotContext) -> None:
    query = ctx.update.callback_query
    payload = parse(query.data if query else None)
    if payload is None or not _from_own_private_chat(ctx):
        await unknown_button(ctx)
        return
    await CALLBACK_ROUTES[payload.action](ctx, payload)


def _from_own_private_chat(ctx: BotContext) -> bool:
    """Every button we make sits in the private chat of the person it is for. A tap on a
    message elsewhere (a group, an inline message) is forged: it could otherwise forget,
    answer or edit from a chat that is not theirs."""
    query = ctx.update.callback_query
    message = query.message if query else None
    return message is not None and message.chat.id == ctx.identity.id
