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

import re
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
BOT_COMMAND = re.compile(r"/(?:close|export|followup|forget|help|language|link|new|remind|reminders|report"
                         r"|start|stats|timezone|whoami)\b")
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


def test_commands_stay_tappable() -> None:
    """Telegram's bot_command needs the "/" at the start or after a non-word character.

    LRI (U+2066) is a format character (category Cf): not a word character, so the command
    after it is still detected (as tdlib's find_bot_commands does; see markup.ltr).
    """
    import unicodedata

    for _msgid, forms in RENDERED:
        for form in forms:
            for match in BOT_COMMAND.finditer(form):
                before = form[match.start() - 1] if match.start() else ""
                assert not before or not (before.isalnum() or before in "_/"), (form, before)
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
