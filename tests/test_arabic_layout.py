"""Arabic messages laid out as a phone shows them: commands, codes and Latin runs read as typed.

Every message of the Arabic catalog (every plural form too), its placeholders filled with
realistic values (a join code K7P2QX, numbers, a date, a link, a time zone) the way the
code fills them (``markup.ltr`` isolates codes, links and zones), is laid out line by line
with the Unicode bidirectional algorithm in a right-to-left paragraph, as a Telegram client
shows an Arabic message. We use ``bidi.get_display`` (python-bidi ≥ 0.5, Rust unicode-bidi,
which implements the isolates LRI/RLI/FSI…PDI); the legacy pure-Python
``bidi.algorithm.get_display`` predates isolates and fails on U+2066 ("LRI not allowed").

Checked on each displayed line:

* each ``/command``, with the Latin arguments typed after it (``/close K7P2QX``), and each
  join code reads left to right and contiguous, never ``close K7P2QX/``;
* each left-to-right isolate (a command with its arguments, ``/followup الرمز 14d``) shows as
  one unit, in the order it is typed;
* a help line ``/command … — explanation`` keeps the command right beside the dash and its
  explanation (the command at the line's start, on the right).

The visual text of every message is written to ``tests/arabic_layout.txt`` for review.
"""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bidi import get_display  # python-bidi ≥ 0.5: the Rust implementation, with isolates

from bot.i18n.catalogs import translator
from bot.rendering import texts
from bot.rendering.texts.markup import LRI, LRM, PDI

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "bot" / "locales" / "ar" / "LC_MESSAGES" / "messages.po"
LAYOUT = Path(__file__).with_name("arabic_layout.txt")

CODE = "K7P2QX"
FSI = "\u2068"
CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
TAG = re.compile(r"<[^>]+>")
ISOLATE = re.compile(f"{LRI}([^{LRI}{PDI}]*(?:{LRI}[^{LRI}{PDI}]*{PDI}[^{LRI}{PDI}]*)*){PDI}")
# A command with the Latin arguments typed after it: "/close K7P2QX", "/reminders on|off".
COMMAND = re.compile(r"(?<![\w/])/[a-z]+(?: [A-Za-z0-9|/_-]+(?:\.[A-Za-z0-9]+)*)*")
# A command as a reader sees it: "/" at the start or after a non-word character, then a name.
BOT_COMMAND = re.compile(r"(?<![\w/])/[a-z_]+(?![\w/])")
# A help line: a command (with its arguments) then " — " and what it does.
HELP_LINE = re.compile(f"^{LRI}/[a-z]+[^{PDI}]*{PDI} — ")

LTR_VALUES = {
    "code": CODE,
    "link": f"https://t.me/workshop_bot?start={CODE}",
    "zone": "Africa/Casablanca",
}
VALUES = {
    "title": "ورشة البيانات المفتوحة",
    "when": "1 دجنبر 2026 09:00",
    "date": "1 دجنبر 2026",
    "rate": "60 %",
    "mean": "4,2",
    "median": "4",
    "id": "123456789",
    "kind": "CSV",
    "a": "ورشة الرباط",
    "b": "ورشة تونس",
    "option": "ممتاز",
    "column": "نسبة الإجابات الإيجابية",
    "ratings": "4–5",
    "yes": "نعم",
    "answer": "نعم",
    "answered": 4,
    "done": 4,
    "missing": 2,
    "current": 3,
    "total": 13,
}
COUNTS = (0, 1, 2, 3, 11, 100)


def _visual(line: str) -> str:
    """One line as displayed in a right-to-left message, bidi controls removed."""
    return CONTROLS.sub("", get_display(line, base_dir="R"))


class _Values(dict[str, object]):
    def __missing__(self, name: str) -> object:
        return 12  # any other figure


def _values(n: int) -> dict[str, object]:
    values: dict[str, object] = _Values({name: f"{LRI}{value}{PDI}" for name, value in LTR_VALUES.items()})
    values.update(VALUES)
    values["n"] = n
    return values


def _rendered() -> list[tuple[str, list[str]]]:
    """(msgid, [every rendered form]) for every message of the Arabic catalog."""
    with CATALOG.open("rb") as po_file:
        catalog = read_po(po_file, locale="ar")
    tr = translator("ar")
    out: list[tuple[str, list[str]]] = []
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, (tuple, list)):
            singular, plural = message.id[0], message.id[1]
            forms = [tr.ngettext(singular, plural, n) % _values(n) for n in COUNTS]
            out.append((singular, list(dict.fromkeys(forms))))
        else:
            text = tr.gettext(message.id)
            out.append((message.id, [text % _values(5) if "%(" in message.id else text]))
    # Messages the code assembles around the catalog: the values inserted by the code itself.
    out.append(("help_text (organiser)", [texts.help_text(tr, is_organiser=True, user_id=123456789)]))
    return sorted(out)


RENDERED = _rendered()


def _problems(text: str) -> list[str]:
    problems = []
    for raw_line in TAG.sub("", text).split("\n"):
        if not raw_line.strip():
            continue
        shown = _visual(raw_line)
        logical = CONTROLS.sub("", raw_line)
        for command in COMMAND.findall(logical):
            if command not in shown:
                problems.append(f"{command!r} does not read as typed in {shown!r}")
        if CODE in logical and CODE not in shown:
            problems.append(f"the code does not read as typed in {shown!r}")
        for isolated in ISOLATE.findall(raw_line):
            unit = CONTROLS.sub("", get_display(isolated, base_dir="L"))
            if unit not in shown:
                problems.append(f"{CONTROLS.sub('', isolated)!r} is not shown as one unit in {shown!r}")
        if HELP_LINE.match(raw_line):
            usage = CONTROLS.sub("", get_display(ISOLATE.match(raw_line).group(1), base_dir="L"))
            if not shown.endswith(" — " + usage):
                problems.append(f"the command {usage!r} is not beside its explanation in {shown!r}")
        if re.search(r"(?<![\w/])/[a-z]", logical) and not (LRI in raw_line or logical.startswith("/")):
            problems.append(f"a command without isolation in {logical!r}")
    return problems


@pytest.mark.parametrize(("msgid", "forms"), RENDERED, ids=[m[:40] for m, _ in RENDERED])
def test_arabic_message_reads_as_typed(msgid: str, forms: list[str]) -> None:
    problems = [problem for form in forms for problem in _problems(form)]
    assert not problems, "\n".join(problems)


def _tdlib_word_character(char: str) -> bool:
    """tdlib's is_word_character: a letter, a digit or other number, or "_"."""
    return char == "_" or unicodedata.category(char)[0] in "LN"


def tdlib_bot_commands(text: str) -> list[str]:
    """The bot_command entities Telegram finds in ``text``: a port of ``match_bot_commands``
    (tdlib/td, td/telegram/MessageEntity.cpp, read at commit 000da35ad07abb99860e82bbb2d981e0f1cb396d):
    "/" not after a word character, "/", "<" or ">"; 1–64 of [A-Za-z0-9_]; an optional
    @botname; then no word character, "/", "<" or ">"."""
    found = []
    for start, char in enumerate(text):
        if char != "/":
            continue
        if start and (_tdlib_word_character(text[start - 1]) or text[start - 1] in "/<>"):
            continue
        end = start + 1
        while end < len(text) and (text[end].isascii() and (text[end].isalnum() or text[end] == "_")):
            end += 1
        if not 1 <= end - start - 1 <= 64:
            continue
        following = text[end] if end < len(text) else ""
        if following and (_tdlib_word_character(following) or following in "/<>"):
            continue
        found.append(text[start:end])
    return found


def test_tdlib_port_on_known_cases() -> None:
    assert tdlib_bot_commands("/close K7P2QX") == ["/close"]
    assert tdlib_bot_commands("أرسل /close") == ["/close"]
    assert tdlib_bot_commands(f"أرسل {LRI}/close K7P2QX{PDI}") == ["/close"]
    assert tdlib_bot_commands(f"{LRI}/stats{PDI}؛") == ["/stats"]
    assert tdlib_bot_commands("أرسل/close") == []  # right after an Arabic letter: a word character
    assert tdlib_bot_commands("https://t.me/workshop_bot?start=K7P2QX") == []
    assert tdlib_bot_commands("/close_all") == ["/close_all"]


def test_commands_stay_tappable() -> None:
    """Each command an Arabic message names is one Telegram makes tappable.

    LRI (U+2066) and PDI (U+2069) are format characters (category Cf), not word characters,
    so a command between them is still found by tdlib's rule (ported above). Read from
    tdlib's source, not measured on a live client: no public live measurement of commands
    after an isolate was found (searched the issues and pages corpora, 2026-11-30).
    """
    for _msgid, forms in RENDERED:
        for form in forms:
            shown = html.unescape(TAG.sub("", form))
            named = [m.group() for m in BOT_COMMAND.finditer(shown)]
            detected = tdlib_bot_commands(shown)
            assert named == [c for c in detected if BOT_COMMAND.fullmatch(c)], (shown, named, detected)
    assert unicodedata.category(LRI) == "Cf" and unicodedata.category(PDI) == "Cf"
    assert unicodedata.category(LRM) == "Cf" and unicodedata.category(FSI) == "Cf"


def test_layout_file_for_review() -> None:
    """tests/arabic_layout.txt: each Arabic message as displayed (visual order, left to right)."""
    lines = ["# Arabic messages in visual order (python-bidi get_display, RTL paragraph), per line.",
             "# Regenerated by tests/test_arabic_layout.py: review the diff when Arabic texts change.", ""]
    for msgid, forms in RENDERED:
        lines.append(f"## {msgid.splitlines()[0]}")
        for form in forms:
            for raw_line in TAG.sub("", form).split("\n"):
                lines.append(_visual(raw_line))
            lines.append("")
    content = "\n".join(lines)
    if not LAYOUT.exists() or LAYOUT.read_text(encoding="utf-8") != content:
        LAYOUT.write_text(content, encoding="utf-8")
    assert LAYOUT.read_text(encoding="utf-8") == content
