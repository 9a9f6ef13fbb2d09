"""A question as a participant sees it, and what they answered."""

from __future__ import annotations

from html import escape

from bot.i18n import Translator
from bot.questionnaires.model import (
    Questionnaire,
    QuestionType,
)
from bot.rendering.texts.markup import SLOT, _fit, echo, local, option_label, scale_anchors
from bot.results.questions import QuestionView


def questionnaire_intro(tr: Translator, questionnaire: Questionnaire, workshop_title: str) -> str:
    parts = [f"<b>{escape(workshop_title)}</b>", f"<b>{local(questionnaire.title, tr)}</b>"]
    if questionnaire.intro:
        parts.append(local(questionnaire.intro, tr))
    return "\n\n".join(parts)


def _header(tr: Translator, view: QuestionView) -> str:
    header = tr.gettext("Question %(current)d of %(total)d") % {"current": view.index + 1, "total": view.total}
    if view.question.optional:
        header += " · " + tr.gettext("optional")
    return f"<b>{header}</b>"


def question_text(tr: Translator, view: QuestionView) -> str:
    question = view.question
    parts = [_header(tr, view), local(question.text, tr)]
    if question.type is QuestionType.RATING:
        scale = escape(scale_anchors(tr, question)) or f"{question.scale_min} – {question.scale_max}"
        parts.append(f"<i>{scale}</i>")
    elif question.type is QuestionType.MULTI:
        parts.append("<i>" + tr.gettext("Tick every answer that applies, then tap Confirm.") + "</i>")
    elif question.type is QuestionType.TEXT:
        hint = tr.gettext("Type your answer as a message.")
        if view.text is not None:
            hint += "\n" + tr.gettext("Your current answer: %(answer)s") % {"answer": SLOT}
        parts.append("<i>" + hint + "</i>")
        if view.text is not None:  # the participant's own text: cut to the room left, then escaped
            return _fit(echo("\n\n".join(parts), view.text))
    return _fit("\n\n".join(parts))


def answer_summary(tr: Translator, view: QuestionView) -> str:
    """The stored answer of a question, as one line ("4", "Yes", "A, B"); a typed text is
    ``SLOT``, which ``echo`` fills once the room left in the message is known."""
    if view.skipped:
        return tr.gettext("skipped")
    if view.rating is not None:
        return f"{view.rating}/{view.question.scale_max}"
    if view.text is not None:
        return SLOT  # the typed text goes in last, cut to the room the message leaves
    return escape(", ".join(option_label(tr, view, o) for o in view.selected))


def answered_text(tr: Translator, view: QuestionView) -> str:
    """What a question message becomes once answered: question and answer, no buttons."""
    html = f"{_header(tr, view)}\n{local(view.question.text, tr)}\n\n✓ {answer_summary(tr, view)}"
    return _fit(echo(html, view.text) if view.text is not None and not view.skipped else html)


def thank_you(tr: Translator) -> str:
    return tr.gettext("Thank you, your answers are saved! They help the organisers "
                      "improve the next workshops.")
