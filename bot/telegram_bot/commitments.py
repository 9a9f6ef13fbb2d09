"""The follow-up's commitments loop in the chat: each commitment sent back, one tap at a time.

As under a question, one tap is ONE domain call (``domain.commitments.tap``) and ONE
chat-bound call: the tapped message is edited into the next step (the barriers, the next
commitment, or after the last one the follow-up's first question). A stale tap (an old
message, a forged id, a commitment answered already) changes nothing.
"""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.domain import commitments
from bot.domain.errors import InvalidAnswer, StaleQuestion
from bot.i18n import Translator
from bot.rendering import keyboards, texts
from bot.rendering.callback_data import Payload
from bot.results.commitments import CommitmentPrompt, CommitmentStep
from bot.telegram_bot.context import BotContext

log = logging.getLogger(__name__)

_ID_LENGTH = 18  # as the parser's response ids: int() never reads a forged giant


async def send_prompt(bot: Bot, chat_id: int, tr: Translator, prompt: CommitmentPrompt) -> int:
    """A commitment sent back as a new message (the follow-up's delivery, /start, ▶)."""
    message = await bot.send_message(chat_id, texts.commitment_prompt_text(tr, prompt), parse_mode=ParseMode.HTML,
                                     reply_markup=keyboards.commitment_keyboard(tr, prompt))
    return message.message_id


def _rendered(tr: Translator, step: CommitmentStep) -> tuple[str, InlineKeyboardMarkup | None]:
    if step.prompt is not None:
        return (texts.commitment_prompt_text(tr, step.prompt, step.recap),
                keyboards.commitment_keyboard(tr, step.prompt))
    if step.question is not None and step.recap is not None:
        return (texts.commitment_after_last_text(tr, step.recap, texts.question_text(tr, step.question)),
                keyboards.question_keyboard(tr, step.question))
    return texts.thank_you(tr), None


async def on_commitment(ctx: BotContext, payload: Payload) -> None:
    """An outcome, a barrier ticked or ✓ Confirm under a commitment sent back."""
    query = ctx.update.callback_query
    assert query is not None and query.message is not None  # routes: our own private chat
    message_id = query.message.message_id
    commitment_id, _, code = payload.value.partition("_")
    if not (commitment_id.isdigit() and len(commitment_id) <= _ID_LENGTH and code):
        await ctx.answer_callback(texts.stale_button(ctx.tr))
        return
    try:
        step = commitments.tap(ctx.db, ctx.identity.id, int(commitment_id), code, message_id)
    except (StaleQuestion, InvalidAnswer):
        await ctx.answer_callback(texts.stale_button(ctx.tr))
        return
    text, keyboard = _rendered(ctx.tr, step)  # made before the tap is answered (which commits)
    await ctx.answer_callback()
    try:
        await ctx.ptb.bot.edit_message_text(text, chat_id=ctx.identity.id, message_id=message_id,
                                            parse_mode=ParseMode.HTML, reply_markup=keyboard)
    except BadRequest as error:
        if "not modified" in error.message:
            return
        if "not found" not in error.message and "can't be edited" not in error.message:
            raise
        # The tapped message is gone: what comes next arrives as a new message.
        message = await ctx.ptb.bot.send_message(ctx.identity.id, text, parse_mode=ParseMode.HTML,
                                                 reply_markup=keyboard)
        commitments.moved_to(ctx.db, step, message.message_id)
        ctx.db.commit()
