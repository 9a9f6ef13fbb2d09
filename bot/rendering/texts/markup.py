"""HTML markup and Telegram's limits: escaping, cutting, questionnaire wording in the reader's language."""

from __future__ import annotations

import re
from html import escape, unescape

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


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: at least what Telegram counts, whichever way it counts.

    Telegram's own count of a message is Unicode scalars after entity parsing (a live probe,
    FerroxLabs/wayland#934: 4096 × U+1F600 accepted, 4097 refused), while entity offsets are
    UTF-16; a text within the limit in UTF-16 units is within it in scalars too.
    """
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# What Telegram's HTML parser decodes (td/telegram/MessageEntity.cpp, parse_html): the four
# named entities and numeric ones, the ";" optional; any other "&" stays a literal "&".
_ENTITY = re.compile(r"&(?:#[xX][0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot);?")
_TOKEN = re.compile(r"<[^>]*>|&(?:#[xX][0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot);?|.", re.DOTALL)
# Never cut right before one of these: it belongs to the character before it (combining
# marks such as Arabic harakat, ZWJ inside 👩🏽‍💻, skin tones, variation selectors).
_JOINERS = re.compile("[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
                      "\u1ab0-\u1aff\u1dc0-\u1dff\u200c\u200d\u20d0-\u20ff\ufe00-\ufe0f"
                      "\ufe20-\ufe2f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")
ELLIPSIS = "…"
# Stands for a person's text inside a message until the room left for it is known.
SLOT = "\ue000"


def _shown(html_text: str) -> str:
    """What Telegram shows of an HTML text: tags dropped, entities decoded."""
    return _ENTITY.sub(lambda m: unescape(m.group()), TAG.sub("", html_text))


def visible_len(html_text: str) -> int:
    """UTF-16 length of what Telegram shows of an HTML text."""
    return utf16_len(_shown(html_text))


def cut(text: str, limit: int) -> str:
    """Plain text of at most ``limit`` UTF-16 units; a cut one ends with "…".

    Cut BEFORE escaping, so an entity or a tag can never be split; never between a
    character and what joins it (a combining mark, the rest of an emoji sequence).
    """
    if utf16_len(text) <= limit:
        return text
    budget, end = limit - 1, 0
    for end, char in enumerate(text):  # noqa: B007 (end is the first character left out)
        budget -= 2 if ord(char) > 0xFFFF else 1
        if budget < 0:
            break
    start = end
    while end > 0 and end > start - 32 and (_JOINERS.match(text, end) or text[end - 1] == "\u200d"):
        end -= 1
    if end == 0 or end == start - 32:
        end = start  # a pathological run of joiners: cut anywhere rather than lose everything
    return text[:end] + ELLIPSIS


def echo(html_text: str, text: str, limit: int = MESSAGE_LIMIT, at_most: int | None = None) -> str:
    """Put a person's ``text`` where ``SLOT`` stands in ``html_text``: cut to the room the
    rest of the message leaves (and to ``at_most``), then escaped."""
    room = limit - visible_len(html_text.replace(SLOT, ""))
    if at_most is not None:
        room = min(room, at_most)
    return html_text.replace(SLOT, escape(cut(text, max(room, 1))), 1)


def plain_fallback(html_text: str, limit: int = MESSAGE_LIMIT) -> str:
    """The text of an HTML message without its markup, within ``limit``: what is sent,
    without a parse mode, when Telegram refused the HTML (nobody is left without an answer)."""
    return cut(_shown(html_text), limit)


def split_blocks(blocks: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pack paragraphs into as few messages as fit; an oversized block is split at its lines
    (each line of ours closes the tags it opens), a lone oversized line cut."""
    pieces: list[tuple[str, str]] = []  # (separator before it, piece)
    for block in blocks:
        if visible_len(block) <= limit:
            pieces.append(("\n\n", block))
            continue
        for number, line in enumerate(block.split("\n")):
            pieces.append(("\n\n" if number == 0 else "\n", _fit(line, limit)))
    messages: list[str] = []
    current = ""
    for separator, piece in pieces:
        candidate = f"{current}{separator}{piece}" if current else piece
        if visible_len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = piece
    if current:
        messages.append(current)
    return messages


def _fit(html_text: str, limit: int = MESSAGE_LIMIT) -> str:
    """The last guard: an HTML text Telegram shows in at most ``limit`` units once parsed.

    A text that fits is returned as it is. Otherwise its visible text is cut (never inside
    an entity or a tag) with "…", and the tags still open are closed, so the message can
    never leave a tag open ("can't parse entities: can't find end tag").
    """
    if visible_len(html_text) <= limit:
        return html_text
    budget = limit - 1
    out: list[str] = []
    open_tags: list[str] = []
    for match in _TOKEN.finditer(html_text):
        token = match.group()
        if token.startswith("<"):
            if token.startswith("</"):
                if open_tags:
                    open_tags.pop()
            else:
                open_tags.append(token[1:-1].split(maxsplit=1)[0].lower() if len(token) > 2 else "")
            out.append(token)
            continue
        size = utf16_len(unescape(token) if token.startswith("&") else token)
        if size > budget:
            break
        budget -= size
        out.append(token)
    return "".join(out) + ELLIPSIS + "".join(f"</{tag}>" for tag in reversed(open_tags))
