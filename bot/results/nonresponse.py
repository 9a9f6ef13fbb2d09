"""Who answered, by profile group, as plain data: the response rate stated with who is
missing, and whether the respondents still look like those who joined.

Made by ``bot.domain.nonresponse``; read by the /stats text, the report and the export's
summary sheet. Groups are hidden with the same rule as breakdowns (``hidden_keys`` over
the numbers who JOINED): a group of fewer than three people, or one whose figures could
be worked out from the others, is never shown on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.questionnaires.model import Question
from bot.results.stats import Breakdown

UNDER_REPRESENTED = 0.5
"""A group whose response rate is below half the overall rate is not represented fairly."""


@dataclass(frozen=True)
class GroupResponse:
    key: str  # the profile option id; NOT_STATED ("") for those who did not say
    joined: int
    answered: int
    hidden: bool = False  # small (or would give a small one away): never shown on its own

    @property
    def rate(self) -> float:
        return self.answered / self.joined if self.joined else 0.0


@dataclass(frozen=True)
class NonResponse:
    """Joined and answered (the whole evaluation) per group of one profile question."""

    breakdown: Breakdown
    question: Question | None  # the profile question: its options name the groups
    joined: int
    answered: int
    groups: tuple[GroupResponse, ...]  # in the profile question's order, "not stated" last

    @property
    def rate(self) -> float:
        return self.answered / self.joined if self.joined else 0.0

    @property
    def shown(self) -> tuple[GroupResponse, ...]:
        return tuple(g for g in self.groups if not g.hidden and g.joined)

    @property
    def any_hidden(self) -> bool:
        return any(g.hidden for g in self.groups)

    @property
    def under_represented(self) -> tuple[GroupResponse, ...]:
        """Shown groups answering at less than half the overall rate (nobody answered: none)."""
        if not self.answered:
            return ()
        return tuple(g for g in self.shown if g.rate < UNDER_REPRESENTED * self.rate)
