"""Non-response, stated: who answered by gender and by type of organisation, and a
warning when those who answered do not look like those who joined.

The same words in /stats (HTML), the report (plain) and the export's summary sheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from bot.i18n import Translator
from bot.results.nonresponse import GroupResponse, NonResponse
from bot.results.stats import MIN_GROUP_SIZE, NOT_STATED, Breakdown


@dataclass(frozen=True)
class NonResponseText:
    """One profile question's line, split as the export's cells want it (HTML-escaped)."""

    heading: str  # "Who answered, by gender:"
    groups: str  # "Woman: 3 of 9 · Man: 8 of 10 · not stated: 2 of 4" (+ the hidden-groups note)
    warnings: tuple[str, ...]  # one per group answering at less than half the overall rate

    @property
    def line(self) -> str:
        return f"{self.heading} {self.groups}"


def _heading(tr: Translator, breakdown: Breakdown) -> str:
    if breakdown is Breakdown.GENDER:
        return tr.gettext("Who answered, by gender:")
    return tr.gettext("Who answered, by type of organisation:")


def _label(tr: Translator, found: NonResponse, group: GroupResponse) -> str:
    option = found.question.option(group.key) if found.question and group.key != NOT_STATED else None
    return escape(option.text.get(tr.language)) if option else tr.gettext("not stated")


def _count(tr: Translator, label: str, answered: int, joined: int) -> str:
    return tr.gettext("%(group)s: %(answered)d of %(joined)d") % {"group": label, "answered": answered,
                                                                  "joined": joined}


def small_groups_not_shown(tr: Translator) -> str:
    return tr.ngettext(
        "groups of fewer than %(n)d participant who joined are not shown on their own",
        "groups of fewer than %(n)d participants who joined are not shown on their own",
        MIN_GROUP_SIZE,
    ) % {"n": MIN_GROUP_SIZE}


def under_represented_warning(tr: Translator, label: str, rate: str, overall: str) -> str:
    return "⚠️ " + tr.gettext(
        "Group «%(group)s» answered much less than the others (%(rate)s vs %(overall)s overall): "
        "read the results with care."
    ) % {"group": label, "rate": rate, "overall": overall}


def nonresponse_text(tr: Translator, found: NonResponse) -> NonResponseText | None:
    """None when nobody joined, or nobody answered the profile question: no group to state."""
    if not found.joined or all(g.key == NOT_STATED for g in found.groups):  # nobody said: no groups
        return None
    shown = found.shown
    parts = [_count(tr, _label(tr, found, g), g.answered, g.joined) for g in shown]
    hidden = [g for g in found.groups if g.hidden and g.joined]
    if hidden and shown:  # together they are at least MIN_GROUP_SIZE (hidden_keys), shown as one
        parts.append(_count(tr, tr.gettext("other groups together"), sum(g.answered for g in hidden),
                            sum(g.joined for g in hidden)))
    groups = " · ".join(parts)
    if hidden:
        groups = f"{groups} ({small_groups_not_shown(tr)})" if groups else small_groups_not_shown(tr)
    overall = tr.share(found.answered, found.joined)
    warnings = tuple(
        under_represented_warning(tr, _label(tr, found, g), tr.share(g.answered, g.joined), overall)
        for g in found.under_represented
    )
    return NonResponseText(_heading(tr, found.breakdown), groups, warnings)


def nonresponse_lines(tr: Translator, found: Sequence[NonResponse]) -> list[str]:
    """The /stats lines (HTML): each profile question's counts, then its warnings."""
    lines: list[str] = []
    for one in found:
        text = nonresponse_text(tr, one)
        if text is not None:
            lines.append(text.line)
            lines.extend(text.warnings)
    return lines
