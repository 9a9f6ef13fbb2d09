"""A questionnaire file's problems: every one, with its place, in the reader's language.

The loaders (YAML, XLSForm) record each problem as an English msgid with its values apart
(``bot.questionnaires.problems``); here it is translated, its values escaped (and, in
Arabic, the Latin ones isolated left-to-right) and put under where it is: "Line 14 ·
question "benefit" · text", or "Sheet survey, row 7". One message, cut into as many
as Telegram's 4096-character limit needs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape

from bot.i18n import Translator
from bot.questionnaires.problems import Problem, QuestionnaireProblems
from bot.rendering.texts.markup import MESSAGE_LIMIT, cut, ltr, split_blocks

MAX_SHOWN = 50
"""Problems listed; beyond, a count (a file with hundreds has one mistake repeated)."""
_VALUE_CHARS = 80  # a value quoted from the file (a wrong type, an id…), cut beyond
_NAME_CHARS = 100  # the file name
_ARABIC = re.compile(r"[\u0600-\u06ff]")


def questionnaire_problems(tr: Translator, error: QuestionnaireProblems) -> list[str]:
    """The messages (HTML, each ≤ 4096 characters as Telegram counts) that list every problem."""
    count = len(error.problems)
    head = tr.ngettext(
        "<b>%(name)s</b> cannot be used: %(n)d problem to fix. Nothing was saved; send the "
        "corrected file again.",
        "<b>%(name)s</b> cannot be used: %(n)d problems to fix. Nothing was saved; send the "
        "corrected file again.",
        count,
    ) % {"name": _value(tr, cut(error.name, _NAME_CHARS)), "n": count}
    blocks = [head] + [problem_text(tr, problem) for problem in error.problems[:MAX_SHOWN]]
    if count > MAX_SHOWN:
        more = count - MAX_SHOWN
        blocks.append(tr.ngettext("… and %(n)d more problem.", "… and %(n)d more problems.", more)
                      % {"n": more})
    return split_blocks(blocks, MESSAGE_LIMIT)


def problem_text(tr: Translator, problem: Problem) -> str:
    """One problem: its place in bold on a line, then what to fix."""
    values = {name: _value(tr, value) for name, value in problem.values.items()}
    template = escape(tr.gettext(problem.message), quote=False)
    try:
        message = template % values if values else template
    except (KeyError, ValueError, TypeError):  # a broken translation must not hide the problem
        message = template
    return f"<b>{_place(tr, problem)}</b>\n{message}"


def _place(tr: Translator, problem: Problem) -> str:
    """Where: the line (YAML) or the sheet and row (XLSForm), then the question, the option
    and the key holding a text, from the ``at_*`` values the loaders set."""
    values: Mapping[str, str | int] = problem.values
    if problem.line is not None:
        parts = [tr.gettext("Line %(line)d") % {"line": problem.line}]
    elif problem.sheet is not None and problem.row is not None:
        parts = [tr.gettext("Sheet %(sheet)s, row %(row)d")
                 % {"sheet": _value(tr, problem.sheet), "row": problem.row}]
    elif problem.sheet is not None:
        parts = [tr.gettext("Sheet %(sheet)s") % {"sheet": _value(tr, problem.sheet)}]
    else:
        parts = [tr.gettext("The whole file")]
    if "at_question" in values:
        parts.append(tr.gettext('question “%(question)s”') % {"question": _value(tr, values["at_question"])})
    elif "at_question_number" in values:
        parts.append(tr.gettext("question %(number)d") % {"number": values["at_question_number"]})
    if "at_option" in values:
        parts.append(tr.gettext('option “%(option)s”') % {"option": _value(tr, values["at_option"])})
    elif "at_option_number" in values:
        parts.append(tr.gettext("option %(number)d") % {"number": values["at_option_number"]})
    if "at_field" in values:
        parts.append(tr.gettext("key “%(key)s”") % {"key": _value(tr, values["at_field"])})
    return " · ".join(parts)


def _value(tr: Translator, value: str | int) -> str | int:
    """A value from the file, escaped; in Arabic a Latin one (an id, a key) stays as typed."""
    if isinstance(value, int):
        return value
    text = escape(cut(value, _VALUE_CHARS))
    return text if _ARABIC.search(text) else ltr(tr, text)
