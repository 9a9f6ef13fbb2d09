"""What is wrong with a questionnaire file, every problem at once, in any language.

An organiser fixing a file should see all its problems in one message, each with where
it is (a line of a YAML file, a sheet and row of a spreadsheet), in their own language.
So a problem is an English message id (marked with ``N_`` for Babel's extractor) with
its values kept apart; rendering translates it with the reader's catalog.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext "mark only" name
    """Mark a message for extraction; it is translated when shown, not here."""
    return message


@dataclass(frozen=True)
class Problem:
    """One thing to fix. ``message`` is a msgid with ``%(name)s`` placeholders filled from
    ``values``; ``line``/``column`` (YAML) or ``sheet``/``row`` (XLSForm) are 1-based, as an
    editor or a spreadsheet shows them, or None when the problem is the file as a whole."""

    message: str
    values: Mapping[str, str | int] = field(default_factory=dict)
    line: int | None = None
    column: int | None = None
    sheet: str | None = None
    row: int | None = None

    def english(self) -> str:
        """The message in English, for logs and tests that do not load a catalog."""
        return self.message % dict(self.values) if self.values else self.message


class QuestionnaireProblems(ValueError):
    """A file that cannot be used: nothing from it is stored. ``name`` is the file name."""

    def __init__(self, name: str, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.name = name
        self.problems = tuple(problems)
        first = self.problems[0] if self.problems else None
        where = f", line {first.line}" if first and first.line else ""
        super().__init__(f"{name}{where}: {first.english() if first else 'unusable'}"
                         + (f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""))
