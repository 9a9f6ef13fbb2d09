"""Organisers' own questionnaires in the chat: a file sent as a document (previewed, or its
problems listed), the preview in another language, /questionnaires and /questionnaire.

A file is downloaded only once its announced size fits, and read off the event loop (an
XLSForm workbook takes a moment to open); nothing is stored unless the whole file is usable.
"""

from __future__ import annotations

import logging
import re

from telegram.error import BadRequest, NetworkError, TimedOut

from bot.domain.errors import FollowupAlreadySent, WorkshopNotFound
from bot.domain.questionnaire_library import (
    ReservedKey,
    UnknownQuestionnaire,
    WorkshopClosed,
    add_upload,
    library,
    preview_of,
    set_questionnaire,
)
from bot.domain.workshops import workshop_for_organiser
from bot.i18n import SUPPORTED_LANGUAGES
from bot.questionnaires.files import MAX_UPLOAD_BYTES, read_questionnaire_file, too_big
from bot.questionnaires.model import Questionnaire
from bot.questionnaires.problems import QuestionnaireProblems
from bot.rendering import keyboards, texts
from bot.rendering.callback_data import Payload
from bot.results.questionnaire_library import Slot
from bot.telegram_bot.context import BotContext
from bot.telegram_bot.fallbacks import unknown_button
from bot.telegram_bot.organiser import _may_organise

log = logging.getLogger(__name__)

FOLLOWUP_WORDS = frozenset({"followup", "follow-up", "suivi", "متابعة"})
_PREVIEW_VALUE = re.compile(r"([0-9]{1,18})_([a-z]{2})")
DEFAULT_FILE_NAME = "questionnaire"


async def on_document(ctx: BotContext) -> None:
    """A document in the private chat: an organiser's questionnaire file."""
    message = ctx.update.message
    document = message.document if message is not None else None
    if document is None:
        return
    if not ctx.may_create:  # ORGANISER_IDS store files; invited co-organisers use /questionnaire
        await ctx.reply(texts.co_organiser_no_files(ctx.tr) if ctx.is_organiser
                        else texts.only_organisers_send_files(ctx.tr))
        return
    name = document.file_name or DEFAULT_FILE_NAME
    if document.file_size is not None and document.file_size > MAX_UPLOAD_BYTES:  # refused unread
        await _reply_all(ctx, texts.questionnaire_problems(ctx.tr, too_big(name, document.file_size)))
        return
    ctx.db.commit()  # no transaction (nor SQLite's write lock) held while the file comes in
    try:
        data = bytes(await (await ctx.ptb.bot.get_file(document.file_id)).download_as_bytearray())
    except (BadRequest, NetworkError, TimedOut) as error:
        log.info("questionnaire file not downloaded: %s", error.message)
        await ctx.reply(texts.file_download_failed(ctx.tr))
        return
    try:
        questionnaire = await ctx.in_thread(read_questionnaire_file, data, name)
    except QuestionnaireProblems as problems:
        await _reply_all(ctx, texts.questionnaire_problems(ctx.tr, problems))
        return
    try:
        upload = add_upload(ctx.db, ctx.user.id, questionnaire)
    except ReservedKey:
        await ctx.reply(texts.reserved_key(ctx.tr, questionnaire.key))
        return
    await _send_preview(ctx, upload.row_id, questionnaire, upload.version,
                        texts.preview_language(questionnaire, ctx.tr.language), new=upload.new)


async def on_preview_language(ctx: BotContext, payload: Payload) -> None:
    """The language button under a preview: the same preview, in that language."""
    match = _PREVIEW_VALUE.fullmatch(payload.value)
    found = preview_of(ctx.db, ctx.user.id, int(match.group(1))) if match and ctx.may_create else None
    if match is None or found is None or match.group(2) not in SUPPORTED_LANGUAGES \
            or match.group(2) not in found[0].languages:
        await unknown_button(ctx)  # stale, forged, or another organiser's questionnaire
        return
    await ctx.answer_callback()
    questionnaire, version = found
    await _send_preview(ctx, int(match.group(1)), questionnaire, version, match.group(2), new=None)


async def questionnaires_command(ctx: BotContext) -> None:
    """/questionnaires: the built-in ones and the organiser's own."""
    if not await _may_organise(ctx):
        return
    await _reply_all(ctx, texts.library_text(ctx.tr, library(ctx.db, ctx.user.id)))


async def questionnaire_command(ctx: BotContext) -> None:
    """``/questionnaire CODE KEY [followup]``; without CODE, the latest workshop."""
    if not await _may_organise(ctx):
        return
    args = list(ctx.ptb.args or [])
    slot = Slot.EVALUATION
    if args and args[-1].lower() in FOLLOWUP_WORDS:
        slot, args = Slot.FOLLOWUP, args[:-1]
    if len(args) not in (1, 2):
        await ctx.reply(texts.questionnaire_usage(ctx.tr))
        return
    code, key = (args[0], args[1]) if len(args) == 2 else (None, args[0])
    try:
        workshop = workshop_for_organiser(ctx.db, ctx.user.id, code)
    except WorkshopNotFound:
        await ctx.reply(texts.workshop_not_found(ctx.tr, code or ""))
        return
    ctx.workshop_code = workshop.join_code
    try:
        result = set_questionnaire(ctx.db, workshop, ctx.user.id, key.lower(), slot)
    except UnknownQuestionnaire:
        await ctx.reply(texts.unknown_questionnaire(ctx.tr, key))
    except WorkshopClosed:
        await ctx.reply(texts.questionnaire_workshop_closed(ctx.tr, workshop.title))
    except FollowupAlreadySent:
        await ctx.reply(texts.questionnaire_followup_sent(ctx.tr, workshop.title))
    else:
        await ctx.reply(texts.questionnaire_set(ctx.tr, result))


async def _send_preview(ctx: BotContext, row_id: int, questionnaire: Questionnaire, version: int,
                        language: str, *, new: bool | None) -> None:
    """The preview's messages, the other languages' buttons under the last one."""
    messages = texts.questionnaire_preview(ctx.tr, questionnaire, version, language, new=new)
    others = [lang for lang in questionnaire.languages if lang != language]
    keyboard = keyboards.preview_languages_keyboard(row_id, others)
    for number, text in enumerate(messages, start=1):
        await ctx.reply(text, keyboard if number == len(messages) else None)


async def _reply_all(ctx: BotContext, messages: list[str]) -> None:
    for text in messages:
        await ctx.reply(text)
