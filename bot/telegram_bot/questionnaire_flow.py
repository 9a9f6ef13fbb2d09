"""Showing questions and moving through a questionnaire in the chat.

Shared by the button handlers, the typed-answer handler, the join conversation and the
outbox. One answer costs ONE call that counts against Telegram's per-bot limit (~30 chat
messages a second): a tap edits the question message into the next question, its answer
recalled in one line above it ("✓ question — answer"), and ``answerCallbackQuery`` (not
counted: no chat) confirms the tap; the last answer turns the same message into the thanks
with one summary of every answer. A typed answer sits BELOW the question, so editing the
message above would put the next question above the participant's own text: the next
question (or the thanks) is sent as a new message instead, and the old one is left as it
is: its Skip / ◀ buttons now carry a past index, so a tap on them is stale and harmless.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from bot.domain import answering, commitments
from bot.domain.participation import claim_pending, workshop_of_response
from bot.domain.questionnaire_store import questionnaire_by_id
from bot.domain.sessions import session_title_for
from bot.domain.users import mark_blocked
from bot.i18n import Translator, translator
from bot.questionnaires.model import QuestionnaireKind
from bot.rendering import keyboards, texts
from bot.results.questions import Progress, QuestionView
from bot.results.statuses import ResponseStatus
from bot.storage.engine import DbSession
from bot.storage.models import Response, User
from bot.telegram_bot.commitments import send_prompt

log = logging.getLogger(__name__)


def refused_markup(error: BadRequest) -> bool:
    """Telegram refused the text itself (its HTML or its length), not the chat or the message."""
    message = error.message.lower()  # PTB capitalises Telegram's description
    return "can't parse entities" in message or "too long" in message


async def send_question(bot: Bot, chat_id: int, tr: Translator, view: QuestionView, notice: str | None = None) -> int:
    text, keyboard = texts.question_text(tr, view, notice), keyboards.question_keyboard(tr, view)
    try:
        message = await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    except BadRequest as error:
        if not refused_markup(error):
            raise
        # A question must always reach the participant, or they are stuck at it (even /start
        # shows it again): without the markup, a refusal cannot repeat itself.
        log.error("question refused by Telegram (%s); sent without markup", error.message)
        message = await bot.send_message(chat_id, texts.plain_fallback(text), reply_markup=keyboard)
    return message.message_id


async def edit_message(
    bot: Bot, chat_id: int, message_id: int, text: str, view: QuestionView | None, tr: Translator,
    *, html: bool = True,
) -> bool:
    """Show ``text`` (and the keyboard of ``view``) in place; False if the message is gone.

    If Telegram refuses the HTML or the length, the same edit is made once more as plain
    text (``html=False``): a refusal cannot repeat itself then."""
    try:
        await bot.edit_message_text(
            text,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML if html else None,
            reply_markup=keyboards.question_keyboard(tr, view) if view else None,
        )
    except BadRequest as error:
        if "not modified" in error.message:
            return True
        if "not found" in error.message or "can't be edited" in error.message:
            return False
        if not (html and refused_markup(error)):
            raise
        log.error("edit refused by Telegram (%s); made without markup", error.message)
        return await edit_message(bot, chat_id, message_id, texts.plain_fallback(text), view, tr, html=False)
    return True


async def deliver(bot: Bot, db: DbSession, response: Response, user: User) -> bool:
    """Send a queued questionnaire: its introduction, then its first question.

    The response becomes ``IN_PROGRESS`` only after Telegram accepted the question, and the
    session is committed right away, so neither a crash nor a retry sends it twice.
    Returns False if the participant blocked the bot.
    """
    tr = translator(user.language)
    if response.status is not ResponseStatus.PENDING or claim_pending(db, response.id) is None:
        return True  # sent already, or being sent by the outbox or another handler right now
    questionnaire = questionnaire_by_id(db, response.questionnaire_id)
    workshop = workshop_of_response(db, response)
    session = session_title_for(db, workshop, response.session_number) if response.session_number else None
    title = texts.session_heading(tr, workshop.title, session) if session else workshop.title  # which day's
    try:
        await bot.send_message(
            user.id, texts.questionnaire_intro(tr, questionnaire, title), parse_mode=ParseMode.HTML
        )
        view = answering.opening_view(db, response)  # the notes before it shown above it
        # A follow-up to someone who wrote commitments: those come back first, one by one.
        prompt = commitments.current_prompt(db, response)
        if prompt is None:
            message_id = await send_question(bot, user.id, tr, view)
        else:
            message_id = await send_prompt(bot, user.id, tr, prompt)
    except Forbidden:
        log.info("user %s blocked the bot; questionnaire %s not delivered", user.id, response.id)
        answering.mark_undeliverable(response)
        mark_blocked(db, user.id, True)
        db.commit()
        return False
    answering.mark_started(response, message_id, view.index)
    if prompt is not None:
        commitments.shown_in(db, response, prompt, message_id)
    db.commit()
    return True


async def resend_current(bot: Bot, db: DbSession, response: Response, user: User) -> None:
    """Show the current question again as a fresh message (after /start, or a restart);
    in a follow-up, the commitment being asked about comes first."""
    view = answering.current_view(db, response)
    if view is None:
        return
    tr = translator(user.language)
    prompt = commitments.current_prompt(db, response)
    if prompt is not None:
        commitments.shown_in(db, response, prompt, await send_prompt(bot, user.id, tr, prompt))
        db.commit()
        return
    if response.question_message_id is not None:  # retire the old keyboard (a second call: rare)
        await edit_message(bot, user.id, response.question_message_id, texts.question_text(tr, view), None, tr)
    answering.shown_in(db, response.id, await send_question(bot, user.id, tr, view))
    db.commit()


async def show_progress(
    bot: Bot, db: DbSession, user: User, tr: Translator, progress: Progress, message_id: int | None
) -> None:
    """After an answer, in ONE chat-bound call: the message ``message_id`` (the tapped one)
    becomes the next question, or the thanks with the summary; without it (a typed answer)
    that text comes as a new message. Then the questionnaires now owed go out, as new messages."""
    db.commit()  # the answer is stored before anything goes over the network
    notice = texts.text_truncated(tr, answering.TEXT_ANSWER_MAX) if progress.truncated else None
    view = progress.next
    if view is None:
        head = (texts.profile_done(tr, session_closed=progress.session_closed)
                if progress.answered.questionnaire.kind is QuestionnaireKind.PROFILE else texts.thank_you(tr))
        text = texts.completed_text(tr, head, progress.answers, notice, progress.closing_notes)
        if message_id is None or not await edit_message(bot, user.id, message_id, text, None, tr):
            await bot.send_message(user.id, text, parse_mode=ParseMode.HTML)
        for owed_id in progress.queued_response_ids:
            owed = db.get(Response, owed_id)
            if owed is not None:
                await deliver(bot, db, owed, user)
        return
    if message_id is not None and await edit_message(bot, user.id, message_id, texts.question_text(tr, view, notice),
                                                     view, tr):
        return
    # A typed answer, or the tapped message is gone: the next question comes as a new message.
    answering.shown_in(db, view.response_id, await send_question(bot, user.id, tr, view, notice))
    db.commit()
