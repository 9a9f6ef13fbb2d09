"""Participant commands and answers: /start, /language, /forget, buttons, typed text."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from bot.clock import utcnow
from bot.domain import answering
from bot.domain.errors import InvalidAnswer, NothingSelected, StaleQuestion
from bot.domain.participation import (
    JoinStatus,
    in_progress_responses_of,
    join_workshop,
    owner_of_response,
    pending_responses_of,
    workshop_of_response,
)
from bot.domain.organisers import invite_token, workshops_organised
from bot.domain.personal_data import personal_data
from bot.domain.users import forget_user, set_language, set_reminders
from bot.i18n import SUPPORTED_LANGUAGES
from bot.questionnaires.model import QuestionnaireKind
from bot.rendering import keyboards, texts
from bot.rendering.callback_data import Payload
from bot.rendering.personal_data import personal_data_json
from bot.results.questions import Progress, QuestionView
from bot.results.statuses import ResponseStatus
from bot.storage.models import Response
from bot.telegram_bot import organisers
from bot.telegram_bot.context import BotContext
from bot.telegram_bot.questionnaire_flow import (
    deliver,
    edit_message,
    resend_current,
    show_progress,
)

Shown = TypeVar("Shown", Progress, QuestionView)  # what a tap leads to: the next step, or a redrawn question

MAX_TYPED_TEXT = 5000  # beyond this we do not even try (Telegram itself stops at 4096)


async def start(ctx: BotContext) -> None:
    """``/start CODE`` joins a workshop; plain ``/start`` resumes what is unfinished."""
    code = (ctx.ptb.args or [""])[0]
    if (token := invite_token(code)) is not None:  # org_…: an organiser invite, never a join code
        await organisers.accept(ctx, token)
        return
    if code:
        await _join(ctx, code)
        return
    if ctx.user.language is None:
        await ctx.reply(texts.choose_language(), keyboards.language_keyboard())
        return
    if not await _continue_unfinished(ctx):
        await ctx.reply(texts.start_without_code(ctx.tr) + "\n\n" + texts.help_text(ctx.tr, is_organiser=ctx.is_organiser))


async def _join(ctx: BotContext, code: str) -> None:
    result = join_workshop(ctx.db, ctx.user, code)
    if result.status is JoinStatus.NOT_FOUND:
        await ctx.reply(texts.join_not_found(ctx.tr))
        return
    assert result.workshop is not None
    ctx.workshop_code = result.workshop.join_code
    if result.status is JoinStatus.EXPIRED:
        await ctx.reply(texts.join_expired(ctx.tr, result.workshop.title))
        return
    if result.status is JoinStatus.ALREADY_JOINED:
        await ctx.reply(texts.already_joined(ctx.tr, result.workshop.title))
        await _continue_unfinished(ctx)
        return
    if ctx.user.language is None:
        # The welcome and the profile questions follow once the language is chosen.
        await ctx.reply(texts.choose_language(), keyboards.language_keyboard())
        return
    await ctx.reply(texts.joined(ctx.tr, result.workshop.title))
    await _deliver_pending(ctx)


async def _deliver_pending(ctx: BotContext) -> bool:
    """Send this user's queued questionnaires; True if there was any."""
    pending = pending_responses_of(ctx.db, ctx.user.id)
    for response in pending:
        await deliver(ctx.ptb.bot, ctx.db, response, ctx.user)
    return bool(pending)


async def _continue_unfinished(ctx: BotContext) -> bool:
    """Queued questionnaires first, then show every open question again."""
    sent = await _deliver_pending(ctx)
    open_responses = in_progress_responses_of(ctx.db, ctx.user.id)
    for response in reversed(open_responses):
        if not sent or response.question_message_id is None:
            await resend_current(ctx.ptb.bot, ctx.db, response, ctx.user)
    return sent or bool(open_responses)


async def language_command(ctx: BotContext) -> None:
    await ctx.reply(texts.choose_language(), keyboards.language_keyboard())


async def on_language(ctx: BotContext, payload: Payload) -> None:
    if payload.value not in SUPPORTED_LANGUAGES:
        await ctx.answer_callback(texts.stale_button(ctx.tr))
        return
    first_choice = ctx.user.language is None
    set_language(ctx.db, ctx.user, payload.value)
    await ctx.answer_callback()
    message = ctx.update.callback_query.message if ctx.update.callback_query else None
    if message is not None:
        await ctx.edit(message.message_id, texts.language_set(ctx.tr))
    if first_choice:
        for response in pending_responses_of(ctx.db, ctx.user.id):
            if response.kind == QuestionnaireKind.PROFILE.value:
                await ctx.reply(texts.joined(ctx.tr, workshop_of_response(ctx.db, response).title))
                break
    await _deliver_pending(ctx)
    # Open questions are redrawn in the new language.
    for response in in_progress_responses_of(ctx.db, ctx.user.id):
        view = answering.current_view(ctx.db, response)
        if view is not None and response.question_message_id is not None:
            await edit_message(ctx.ptb.bot, ctx.user.id, response.question_message_id,
                               texts.question_text(ctx.tr, view), view, ctx.tr)


async def forget_command(ctx: BotContext) -> None:
    await ctx.reply(texts.forget_confirm(ctx.tr), keyboards.forget_keyboard(ctx.tr))


async def on_forget(ctx: BotContext, payload: Payload) -> None:
    query = ctx.update.callback_query
    assert query is not None and query.message is not None
    tr = ctx.tr  # keep the language: the user row may be gone afterwards
    if payload.value not in ("yes", "no"):
        await ctx.answer_callback(texts.stale_button(tr))
        return
    if payload.value == "yes":
        user_id = ctx.user.id
        count = forget_user(ctx.db, user_id)
        await ctx.edit(query.message.message_id, texts.forget_done(tr, count))
        # Organiser roles stay (a workshop never loses its last organiser silently): say so.
        organised = [(w.title, w.join_code) for w in workshops_organised(ctx.db, user_id)]
        if organised:
            await ctx.reply(texts.still_organiser(tr, organised, user_id))
    else:
        await ctx.edit(query.message.message_id, texts.forget_cancelled(tr))


# --- privacy ----------------------------------------------------------------------------


async def privacy_command(ctx: BotContext) -> None:
    """What is stored, why, who sees it, how long, and the operator's declaration."""
    settings = ctx.services.settings
    await ctx.reply(texts.privacy_text(ctx.tr, operator_name=settings.operator_name,
                                       declaration=settings.data_protection_declaration,
                                       retention_seconds=settings.retention))


async def mydata_command(ctx: BotContext) -> None:
    """Everything stored about the sender, as a JSON file in this private chat."""
    data = personal_data(ctx.db, ctx.user.id, timedelta(seconds=ctx.services.settings.retention))
    if data is None:  # the wrapper has just created the user row: never in practice
        await ctx.reply(texts.forget_done(ctx.tr, 0))
        return
    content = personal_data_json(ctx.tr, data, generated_at=utcnow(), about=texts.mydata_about(ctx.tr))
    await ctx.send_document(ctx.user.id, content, f"my-data-{ctx.user.id}.json", texts.mydata_caption(ctx.tr))


# --- reminders --------------------------------------------------------------------------


async def reminders_command(ctx: BotContext) -> None:
    """``/reminders on|off``; without an argument, says which it is."""
    choice = (ctx.ptb.args or [""])[0].lower()
    if choice in ("on", "off"):
        set_reminders(ctx.db, ctx.user, choice == "on")
        await ctx.reply(texts.reminders_on(ctx.tr) if choice == "on" else texts.reminders_off(ctx.tr))
        return
    await ctx.reply(texts.reminders_usage(ctx.tr, ctx.user.reminders_enabled))


async def on_reminders_button(ctx: BotContext, payload: Payload) -> None:
    """The 🔕 button under a reminder: no more reminders, said in place of the buttons."""
    if payload.value not in ("on", "off"):
        await ctx.answer_callback(texts.stale_button(ctx.tr))
        return
    enabled = payload.value == "on"
    set_reminders(ctx.db, ctx.user, enabled)
    await ctx.answer_callback()
    await ctx.reply(texts.reminders_on(ctx.tr) if enabled else texts.reminders_off(ctx.tr))


async def on_resume(ctx: BotContext, payload: Payload) -> None:
    """The ▶ button under a reminder: the question where they stopped, asked again."""
    response = _own_response(ctx, int(payload.value)) if payload.value.isdigit() and len(payload.value) <= 18 else None
    if response is None:
        await ctx.answer_callback(texts.stale_button(ctx.tr))
        return
    await ctx.answer_callback()
    if response.status is ResponseStatus.IN_PROGRESS:
        await resend_current(ctx.ptb.bot, ctx.db, response, ctx.user)
    elif response.status is ResponseStatus.PENDING:
        await deliver(ctx.ptb.bot, ctx.db, response, ctx.user)
    elif response.status is ResponseStatus.COMPLETED:
        await ctx.reply(texts.already_finished(ctx.tr))
    else:
        await ctx.reply(texts.stale_button(ctx.tr))


# --- answering ----------------------------------------------------------------------------


def _own_response(ctx: BotContext, response_id: int) -> Response | None:
    """The response a button refers to, if it is this user's; forged ids get None."""
    found = owner_of_response(ctx.db, response_id)
    if found is None or found[1] != ctx.user.id:
        return None
    return found[0]


# Every button under a question: parse (routes) → ONE domain call → render. The domain reads
# the response, its owner and its answers in one locked statement, stores the answer, moves
# on and records which message shows the question; the handler answers the tap and makes
# ONE chat-bound call (the edit).


def _tapped(ctx: BotContext) -> int:
    query = ctx.update.callback_query
    assert query is not None and query.message is not None  # routes: our own private chat
    return query.message.message_id


async def _refused(ctx: BotContext, error: Exception, payload: Payload, message_id: int) -> None:
    if isinstance(error, NothingSelected):
        await ctx.answer_callback(texts.choose_at_least_one(ctx.tr), alert=True)
        return
    if isinstance(error, answering.TooManyChoices):  # the tap's own answer: no chat-bound call
        await ctx.answer_callback(texts.too_many_choices(ctx.tr, error.limit), alert=True)
        return
    # an old keyboard, a forged payload, someone else's response
    await ctx.answer_callback(texts.stale_button(ctx.tr))
    if isinstance(error, StaleQuestion):
        view = answering.shown_but_stale(ctx.db, ctx.identity.id, payload.response_id, message_id)
        if view is not None:  # this message should show the current question: show it (again)
            await _redrawn(ctx, view, message_id)


async def _moved_on(ctx: BotContext, progress: Progress, message_id: int) -> None:
    await ctx.answer_callback()  # commits first: the answer is stored
    await show_progress(ctx.ptb.bot, ctx.db, ctx.user, ctx.tr, progress, message_id)


async def _redrawn(ctx: BotContext, view: QuestionView, message_id: int) -> None:
    # Rendered before the move is committed (by answering the tap): a text that cannot be
    # made leaves the participant where they were. The edit itself falls back to plain text
    # if Telegram refuses the HTML (edit_message).
    text = texts.question_text(ctx.tr, view)
    await ctx.answer_callback()
    await edit_message(ctx.ptb.bot, ctx.identity.id, message_id, text, view, ctx.tr)


async def _on_tap(ctx: BotContext, payload: Payload, step: Callable[[int], Shown],
                  show: Callable[[BotContext, Shown, int], Awaitable[None]]) -> None:
    """One tap: the domain ``step`` on the tapped message, then ``show`` its result there; a
    stale, invalid or empty tap is refused (and a lost edit repaired, see ``_refused``)."""
    message_id = _tapped(ctx)
    try:
        result = step(message_id)
    except (StaleQuestion, InvalidAnswer, NothingSelected) as error:
        await _refused(ctx, error, payload, message_id)
        return
    await show(ctx, result, message_id)


async def on_answer(ctx: BotContext, payload: Payload) -> None:
    """A rating, a choice or yes / no."""
    await _on_tap(ctx, payload, lambda message_id: answering.tap_answer(
        ctx.db, ctx.identity.id, payload.response_id, payload.index, payload.value, message_id), _moved_on)


async def on_confirm(ctx: BotContext, payload: Payload) -> None:
    """✓ Confirm under a multi-select."""
    await _on_tap(ctx, payload, lambda message_id: answering.tap_confirm(
        ctx.db, ctx.identity.id, payload.response_id, payload.index, message_id), _moved_on)


async def on_skip(ctx: BotContext, payload: Payload) -> None:
    await _on_tap(ctx, payload, lambda message_id: answering.tap_skip(
        ctx.db, ctx.identity.id, payload.response_id, payload.index, message_id), _moved_on)


async def on_keep(ctx: BotContext, payload: Payload) -> None:
    """After ◀ Back: keep the stored answer and move on."""
    await _on_tap(ctx, payload, lambda message_id: answering.tap_keep(
        ctx.db, ctx.identity.id, payload.response_id, payload.index, message_id), _moved_on)


async def on_toggle(ctx: BotContext, payload: Payload) -> None:
    """A tick on a multi-select: the same message, redrawn."""
    await _on_tap(ctx, payload, lambda _message_id: answering.tap_toggle(
        ctx.db, ctx.identity.id, payload.response_id, payload.index, payload.value), _redrawn)


async def on_back(ctx: BotContext, payload: Payload) -> None:
    """◀ Back: the same message shows the previous question, its answer ticked."""
    await _on_tap(ctx, payload, lambda message_id: answering.tap_back(
        ctx.db, ctx.identity.id, payload.response_id, payload.index, message_id), _redrawn)


async def on_text(ctx: BotContext) -> None:
    """A typed message: the answer to an open text question, or a gentle pointer."""
    message = ctx.update.message
    assert message is not None and message.text is not None
    if ctx.user.language is None:
        await ctx.reply(texts.choose_language(), keyboards.language_keyboard())
        return
    open_responses = in_progress_responses_of(ctx.db, ctx.user.id)
    awaiting = answering.text_response_awaiting(ctx.db, open_responses)
    if awaiting is None:
        await ctx.reply(texts.use_the_buttons(ctx.tr) if open_responses else texts.nothing_to_answer(ctx.tr))
        return
    response, view = awaiting
    try:
        progress = answering.answer_text(ctx.db, response, view.index, message.text[:MAX_TYPED_TEXT])
    except answering.TextTooLong as error:  # nothing stored: the question still waits for a shorter one
        await ctx.reply(texts.text_too_long(ctx.tr, error.limit, error.length))
        return
    except answering.TooManyItems as error:  # a commitments question already full (after ◀ Back)
        await ctx.reply(texts.commitments_full(ctx.tr))
        return
    except InvalidAnswer:
        await ctx.reply(texts.empty_text(ctx.tr))
        return
    except StaleQuestion:  # a tap on this question won the race (another replica): it moved on
        await ctx.reply(texts.use_the_buttons(ctx.tr))
        return
    # Below the participant's own message: the next question comes as a new message (one call).
    await show_progress(ctx.ptb.bot, ctx.db, ctx.user, ctx.tr, progress, None)
