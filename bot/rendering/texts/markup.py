"""HTML markup and Telegram's limits: escaping, cutting, questionnaire wording in the reader's language."""

from __future__ import annotations

import re
from html import escape

from bot.i18n import Translator
from bot.questionnaires.model import (
    Question,
    QuestionType,
    Text,
)
from bot.results.questions import QuestionView

TAG = re.compile(r"<[^>]+>")


MESSAGE_LIMIT = 4096


CAPTION_LIMIT = 1024


# Left-to-right isolate (U+2066 LRI … U+2069 PDI): a command, a join code, a link, a time
# zone or a duration inside an Arabic sentence keeps the order it is typed in, whatever the
# bidi algorithm of the reader's client does with the Arabic around it. Telegram still makes
# "/close" a tappable bot_command after LRI: the entity parser (tdlib/td,
# td/telegram/MessageEntity.cpp, find_bot_commands) only refuses a "/" that follows a word
# character or "/", and LRI is a format character (Cf), not a word character. This is read
# from the source, not measured on a live client. telegram_sim is unchanged: it marks
# bot_command entities in what users send (from offset 0, its _COMMAND_RE in client.py),
# and what users type or tap ("/close", "/close K7P2QX") carries no isolate.
LRI = "\u2066"
PDI = "\u2069"
LRM = "\u200e"


def ltr(tr: Translator, text: str) -> str:
    """A Latin run (command, code, link, zone, duration) isolated left-to-right in RTL languages."""
    return f"{LRI}{text}{PDI}" if tr.rtl and text else text


def local(text: Text, tr: Translator) -> str:
    """Questionnaire wording in the reader's language, escaped for HTML."""
    return escape(text.get(tr.language))


def yesno_label(tr: Translator, option_id: str) -> str:
    labels = {"yes": tr.gettext("Yes"), "no": tr.gettext("No"), "maybe": tr.gettext("Maybe")}
    return labels[option_id]


def option_label(tr: Translator, view: QuestionView, option_id: str) -> str:
    """The plain (unescaped) label of an option: for buttons and, escaped, for messages."""
    if view.question.type is QuestionType.YESNO:
        return yesno_label(tr, option_id)
    option = view.question.option(option_id)
    return option.text.get(tr.language) if option else option_id


def scale_anchors(tr: Translator, question: Question) -> str:
    """A rating's anchors, plain text: "1 = Very poor · 5 = Excellent" ("" without labels)."""
    if question.type is not QuestionType.RATING or not (question.low_label and question.high_label):
        return ""
    return (f"{question.scale_min} = {question.low_label.get(tr.language)} · "
            f"{question.scale_max} = {question.high_label.get(tr.language)}")


def split_blocks(blocks: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pack paragraphs into as few messages as fit; a lone oversized block is cut."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        block = _fit(block, limit)
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = block
    if current:
        messages.append(current)
    return messages


def _fit(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Cut text that would exceed Telegram's limit (never inside an HTML entity or tag)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    for opener, closer in (("&", ";"), ("<", ">")):
        start = cut.rfind(opener)
        if start > cut.rfind(closer):
            cut = cut[:start]
    return cut + "…"
