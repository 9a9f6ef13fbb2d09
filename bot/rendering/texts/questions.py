"""A question as a participant sees it, and what they answered."""

from __future__ import annotations

from html import escape

from bot.i18n import Translator
from bot.questionnaires.model import (
    Question,
    Questionnaire,
    QuestionType,
)
from bot.rendering.texts.markup import SLOT, _fit, cut, echo, local, ltr, option_label, scale_anchors
from bot.results.questions import QuestionView

RECAP_QUESTION = 60
"""UTF-16 units of a question's wording kept in a one-line recap: the start of it is enough
to recognise it on a phone, and the line stays one or two lines long."""
RECAP_ANSWER = 80  # and of the answer in the recap above the next question
SUMMARY_ANSWER = 300  # and of each answer in the summary at the end (a typed text, mostly)
COMMITMENT_CHARS = 280  # what one message of a commitments question may carry (the domain refuses more)


def commitment_items(view: QuestionView) -> list[str]:
    """A commitments question's items written so far (the answer keeps one per line)."""
    return [] if view.skipped else [item for item in (view.text or "").split("\n") if item]


def questionnaire_intro(tr: Translator, questionnaire: Questionnaire, workshop_title: str) -> str:
    parts = [f"<b>{escape(workshop_title)}</b>", f"<b>{local(questionnaire.title, tr)}</b>"]
    if questionnaire.intro:
        parts.append(local(questionnaire.intro, tr))
    return "\n\n".join(parts)


def _header(tr: Translator, view: QuestionView) -> str:
    header = tr.gettext("Question %(current)d of %(total)d") % {"current": view.position, "total": view.total}
    if view.question.optional:
        header += " · " + tr.gettext("optional")
    return f"<b>{header}</b>"


def question_text(tr: Translator, view: QuestionView, notice: str | None = None) -> str:
    """A question with its buttons' explanation; above it, ``notice`` (plain text) and the
    previous question's answer in one line, as one message shows one question after the other."""
    question = view.question
    parts = [_header(tr, view), local(question.text, tr)]
    if view.notes:  # notes before it: read first, in the same message
        parts[0:0] = [local(note.text, tr) for note in view.notes]
    if view.previous is not None:
        parts.insert(0, recap_line(tr, view.previous, RECAP_ANSWER))
    if notice:
        parts.insert(0, escape(notice))
    if question.type is QuestionType.RATING:
        scale = escape(scale_anchors(tr, question)) or f"{question.scale_min} – {question.scale_max}"
        parts.append(f"<i>{scale}</i>")
    elif question.type is QuestionType.MULTI:
        hint = (tr.gettext("Tick every answer that applies, then tap Confirm.") if question.max_choices is None
                else tr.ngettext("Tick up to %(n)d answer, then tap Confirm.",
                                 "Tick up to %(n)d answers, then tap Confirm.",
                                 question.max_choices) % {"n": question.max_choices})
        parts.append("<i>" + hint + "</i>")
    elif question.type is QuestionType.TEXT:
        hint = tr.gettext("Type your answer as a message.")
        if question.max_length is not None:
            hint += " " + tr.ngettext("At most %(n)d character.", "At most %(n)d characters.",
                                      question.max_length) % {"n": question.max_length}
        if view.text is not None:
            hint += "\n" + tr.gettext("Your current answer: %(answer)s") % {"answer": SLOT}
        parts.append("<i>" + hint + "</i>")
        if view.text is not None:  # the participant's own text: cut to the room left, then escaped
            return _fit(echo("\n\n".join(parts), view.text))
    elif question.type is QuestionType.COMMITMENTS:
        parts.extend(_commitments_hint(tr, view))
    return _fit("\n\n".join(parts))


def _commitments_hint(tr: Translator, view: QuestionView) -> list[str]:
    """How to answer a commitments question, and what is written so far ("1. …"), each
    item the participant's own words, cut and escaped."""
    limit = view.question.max_choices or 3
    items = commitment_items(view)
    if not items:
        return ["<i>" + tr.ngettext(
            "Type one thing per message (at most %(chars)d characters): up to %(n)d thing.",
            "Type one thing per message (at most %(chars)d characters): up to %(n)d things.",
            limit) % {"n": limit, "chars": COMMITMENT_CHARS} + "</i>"]
    written = "\n".join(f"{number}. {escape(cut(item, COMMITMENT_CHARS))}" for number, item in enumerate(items, 1))
    left = limit - len(items)
    hint = (tr.ngettext("You can write %(n)d more, or tap “That’s all”.",
                        "You can write %(n)d more, or tap “That’s all”.", left) % {"n": left}
            if left > 0 else tr.gettext("Tap “That’s all” to go on."))
    return [written, "<i>" + hint + "</i>"]


def _answer(tr: Translator, view: QuestionView, room: int) -> str:
    """A stored answer as escaped HTML on one line ("4/5", "Yes", "A, B", a typed text cut to ``room``)."""
    if view.skipped:
        return tr.gettext("skipped")
    if view.rating is not None:
        return ltr(tr, f"{view.rating}/{view.question.scale_max}")
    if view.question.type is QuestionType.COMMITMENTS:
        numbered = " · ".join(f"{number}. {item}" for number, item in enumerate(commitment_items(view), 1))
        return escape(cut(numbered, room))
    if view.text is not None:
        folded = " ".join(view.text.replace(SLOT, "").split())  # one line; SLOT is ours alone
        return escape(cut(folded, room))
    return escape(cut(", ".join(option_label(tr, view, o) for o in view.selected), room))


def recap_line(tr: Translator, view: QuestionView, room: int) -> str:
    """"✓ question — answer" in one line: the start of the wording, then what was answered."""
    wording = escape(cut(view.question.text.get(tr.language), RECAP_QUESTION))
    return f"✓ <i>{wording}</i> — {_answer(tr, view, room)}"  # a dash: no colon to space by language


def completed_text(tr: Translator, head: str, answers: tuple[QuestionView, ...], notice: str | None = None,
                   notes: tuple[Question, ...] = ()) -> str:
    """What the question message becomes at the end: the notes after the last question, the
    thanks (``head``), then ONE summary of every answer, each cut, the whole within Telegram's
    limit."""
    lines = [recap_line(tr, view, SUMMARY_ANSWER) for view in answers if view.has_answer or view.skipped]
    parts = [escape(notice)] if notice else []
    parts.extend(local(note.text, tr) for note in notes)
    parts.append(head)
    if lines:
        heading = tr.gettext("Your answers")
        parts.append(f"<b>{heading}</b>\n" + "\n".join(lines))
    return _fit("\n\n".join(parts))


def thank_you(tr: Translator) -> str:
    return tr.gettext("Thank you, your answers are saved! They help the organisers "
                      "improve the next workshops.")


def too_many_choices(tr: Translator, limit: int) -> str:
    """The alert on one tick too many (plain text: a tap's alert is not HTML)."""
    return tr.ngettext("You can tick at most %(n)d answer here. Untick one to choose another.",
                       "You can tick at most %(n)d answers here. Untick one to choose another.",
                       limit) % {"n": limit}


def text_too_long(tr: Translator, limit: int, length: int) -> str:
    """A typed answer over the question's limit: nothing was kept, the question still waits."""
    return (tr.ngettext("Your answer is %(n)d character long.", "Your answer is %(n)d characters long.",
                        length) % {"n": length}
            + " " + tr.ngettext("This question takes at most %(n)d character: please shorten it and send it again.",
                                "This question takes at most %(n)d characters: please shorten it and send it again.",
                                limit) % {"n": limit})
