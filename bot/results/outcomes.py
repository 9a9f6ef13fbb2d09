"""Intentions at the end of the session beside outcomes weeks later, as plain shares."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Share:
    yes: int
    respondents: int

    @property
    def percent(self) -> float:
        return 100.0 * self.yes / self.respondents if self.respondents else 0.0


@dataclass(frozen=True)
class Outcome:
    intention_question: str
    outcome_question: str
    intended: Share
    actual: Share
