"""A breakdown that reverses the overall picture, as plain data for the summary and the report."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.questionnaires.model import Question


class ReversalKind(enum.StrEnum):
    SIMPSON = "simpson"
    LEADER = "leader"


@dataclass(frozen=True)
class Reversal:
    kind: ReversalKind
    question: Question
    better_overall: str  # workshop code (SIMPSON) or option id (LEADER)
    worse_overall: str = ""  # workshop code (SIMPSON)
