"""Every inline keyboard the bot shows, in one place."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import LANGUAGE_NAMES, SUPPORTED_LANGUAGES, Translator
from bot.questionnaires.model import QuestionType
from bot.rendering import texts
from bot.rendering.callback_data import Action, question_payload, simple_payload
from bot.rendering.texts import option_label
from bot.results.commitments import CODE_OF, OUTCOMES, CommitmentPrompt
from bot.results.organisers import OrganiserList
from bot.results.questions import QuestionView

TICK = "✓"
BUTTON_LABEL_MAX = 64


def _button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label[:BUTTON_LABEL_MAX], callback_data=data)


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(LANGUAGE_NAMES[lang], simple_payload(Action.LANGUAGE, lang)) for lang in SUPPORTED_LANGUAGES]]
    )


def forget_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(tr.gettext("Yes, delete my data"), simple_payload(Action.FORGET, "yes"))],
            [_button(tr.gettext("Cancel"), simple_payload(Action.FORGET, "no"))],
        ]
    )


def reminder_keyboard(tr: Translator, response_id: int, started: bool) -> InlineKeyboardMarkup:
    """Under a reminder: resume where they stopped, or turn reminders off for good."""
    resume = tr.gettext("▶ Continue") if started else tr.gettext("▶ Start")
    return InlineKeyboardMarkup(
        [
            [_button(resume, simple_payload(Action.RESUME, str(response_id)))],
            [_button(tr.gettext("🔕 No more reminders"), simple_payload(Action.REMINDERS, "off"))],
        ]
    )


def preview_languages_keyboard(row_id: int, languages: list[str]) -> InlineKeyboardMarkup | None:
    """Under a questionnaire's preview: the same preview in each other language of the file."""
    if not languages:
        return None
    return InlineKeyboardMarkup(
        [[_button(LANGUAGE_NAMES.get(lang, lang), simple_payload(Action.PREVIEW, f"{row_id}_{lang}"))
          for lang in languages]]
    )


def organisers_keyboard(tr: Translator, found: OrganiserList, me: int) -> InlineKeyboardMarkup | None:
    """Under /organisers' list: one button per organiser to remove them (none when alone)."""
    if len(found.organiser_ids) < 2:
        return None
    return InlineKeyboardMarkup(
        [[_button(texts.remove_button(tr, user_id, me),
                  simple_payload(Action.REMOVE_ORGANISER, f"{found.workshop_id}_{user_id}"))]
         for user_id in found.organiser_ids]
    )


RATING_ROW_MAX = 7
"""Rating buttons in one row at most: a wider scale (0–10) would shrink them past reading on
a phone, so it takes two rows, the first one longer (6 + 5), in reading order."""


def _rating_rows(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    if len(buttons) <= RATING_ROW_MAX:
        return [buttons]
    first = (len(buttons) + 1) // 2
    return [buttons[:first], buttons[first:]]


def question_keyboard(tr: Translator, view: QuestionView) -> InlineKeyboardMarkup:
    """Answer buttons for the question type, then a row with Back / Skip / Keep."""
    question = view.question
    rid, index = view.response_id, view.index

    def marked(label: str, chosen: bool) -> str:
        return f"{TICK} {label}" if chosen else label

    rows: list[list[InlineKeyboardButton]] = []
    if question.type is QuestionType.RATING:
        buttons = [_button(marked(str(v), v == view.rating), question_payload(Action.ANSWER, rid, index, v))
                   for v in question.scale()]
        rows.extend(_rating_rows(buttons))
    elif question.type is QuestionType.YESNO:
        rows.append(
            [
                _button(marked(option_label(tr, view, o), o in view.selected), question_payload(Action.ANSWER, rid, index, o))
                for o in question.option_ids()
            ]
        )
    elif question.type is QuestionType.CHOICE:
        rows.extend(
            [_button(marked(option_label(tr, view, o), o in view.selected), question_payload(Action.ANSWER, rid, index, o))]
            for o in question.option_ids()
        )
    elif question.type is QuestionType.MULTI:
        rows.extend(
            [_button(marked(option_label(tr, view, o), o in view.selected), question_payload(Action.TOGGLE, rid, index, o))]
            for o in question.option_ids()
        )
        confirm = tr.gettext("Confirm")
        if view.selected:
            confirm = f"{confirm} ({len(view.selected)})"
        rows.append([_button(f"{TICK} {confirm}", question_payload(Action.CONFIRM, rid, index))])

    navigation: list[InlineKeyboardButton] = []
    if view.can_go_back:
        navigation.append(_button(tr.gettext("◀ Back"), question_payload(Action.BACK, rid, index)))
    if question.type is QuestionType.TEXT and view.text is not None:
        navigation.append(_button(tr.gettext("Keep my answer"), question_payload(Action.KEEP, rid, index)))
    written = question.type is QuestionType.COMMITMENTS and view.text is not None and not view.skipped
    if written:  # "That's all": keep what is written and move on (the Keep action)
        navigation.append(_button(tr.gettext("That’s all ✓"), question_payload(Action.KEEP, rid, index)))
    if question.optional and not written:
        navigation.append(_button(tr.gettext("Skip ▶"), question_payload(Action.SKIP, rid, index)))
    if navigation:
        rows.append(navigation)
    return InlineKeyboardMarkup(rows)


def commitment_keyboard(tr: Translator, prompt: CommitmentPrompt) -> InlineKeyboardMarkup:
    """Under a commitment sent back: Yes / Partly / Not yet / No longer relevant (two rows);
    once answered partly or not yet, the barrier options to tick, then Confirm."""
    cid = prompt.commitment_id
    if prompt.outcome is None:
        buttons = [_button(texts.commitment_outcome_button(tr, outcome),
                           simple_payload(Action.COMMITMENT, f"{cid}_{CODE_OF[outcome]}")) for outcome in OUTCOMES]
        return InlineKeyboardMarkup([buttons[:2], buttons[2:]])
    question = prompt.barrier_question
    options = question.option_ids() if question is not None else ()
    rows = [[_button(f"{TICK} {label}" if option_id in prompt.ticked else label,
                     simple_payload(Action.COMMITMENT, f"{cid}_t{number}"))]
            for number, option_id in enumerate(options)
            for label in [texts.commitment_barrier_label(tr, question, option_id)]]
    confirm = tr.gettext("Confirm")
    if prompt.ticked:
        confirm = f"{confirm} ({len(prompt.ticked)})"
    rows.append([_button(f"{TICK} {confirm}", simple_payload(Action.COMMITMENT, f"{cid}_ok"))])
    return InlineKeyboardMarkup(rows)
