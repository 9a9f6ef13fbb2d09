"""Commitments to change, as plain data: the follow-up's "did you do it?" loop and the results.

At the end of a session a participant writes what they will do differently (a ``commitments``
question); weeks later, at follow-up time, each of their commitments comes back to them with
"did you do it?" and, when partly or not yet, "what got in the way?" (the barrier options
of the follow-up questionnaire). Rendering reads these types, never the database.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from bot.questionnaires.model import Question
from bot.results.questions import QuestionView


class CommitmentOutcome(enum.StrEnum):
    DONE = "done"
    PARTLY = "partly"
    NOT_YET = "not_yet"
    NOT_RELEVANT = "not_relevant"


OUTCOMES = tuple(CommitmentOutcome)  # the order of the buttons and of every figure

# One letter per outcome in a button's payload ("<commitment id>_<letter>"): 64 bytes at most.
OUTCOME_CODES: dict[str, CommitmentOutcome] = {
    "y": CommitmentOutcome.DONE,
    "p": CommitmentOutcome.PARTLY,
    "n": CommitmentOutcome.NOT_YET,
    "x": CommitmentOutcome.NOT_RELEVANT,
}
CODE_OF: dict[CommitmentOutcome, str] = {outcome: code for code, outcome in OUTCOME_CODES.items()}

ASKS_BARRIERS = frozenset({CommitmentOutcome.PARTLY, CommitmentOutcome.NOT_YET})
"""The outcomes after which "what got in the way?" is asked."""


@dataclass(frozen=True)
class CommitmentPrompt:
    """One commitment sent back: "You wrote: «…». Did you do it?", or, once answered partly
    or not yet, "What got in the way?" with the barrier options (``outcome`` set)."""

    commitment_id: int
    text: str  # the participant's own words
    number: int  # 1, 2… among the commitments sent back to them
    count: int
    outcome: CommitmentOutcome | None = None  # set: asking for the barriers
    barrier_question: Question | None = None  # the follow-up's question whose options are the barriers
    ticked: tuple[str, ...] = ()  # barrier option ids ticked so far


@dataclass(frozen=True)
class CommitmentRecap:
    """A commitment just answered, recalled in one line above what comes next."""

    text: str
    outcome: CommitmentOutcome
    barriers: tuple[str, ...] = ()
    barrier_question: Question | None = None


@dataclass(frozen=True)
class CommitmentStep:
    """What one tap of the loop leads to: the next prompt, or (after the last commitment)
    the follow-up questionnaire's first question, or nothing left (the follow-up is over)."""

    prompt: CommitmentPrompt | None
    recap: CommitmentRecap | None = None
    question: QuestionView | None = None  # the loop is over: the plain follow-up goes on here
    response_id: int = 0  # the follow-up response the loop belongs to


@dataclass(frozen=True)
class CommitmentQuote:
    pseudonym: str  # "P03", as the export names participants
    text: str
    outcome: CommitmentOutcome | None  # None: not answered (yet)


@dataclass(frozen=True)
class CommitmentResults:
    """The commitments of one or more workshops: how many were put into practice, what got
    in the way, and a few quoted with their outcome (only from ``MIN_QUOTED`` respondents)."""

    made: int  # commitments written
    writers: int  # participants who wrote at least one
    answered: int  # commitments whose outcome is known
    respondents: int  # participants who said what became of at least one
    outcomes: dict[CommitmentOutcome, int] = field(default_factory=dict)
    barrier_question: Question | None = None
    barriers: dict[str, int] = field(default_factory=dict)  # option id → commitments it held back
    quotes: tuple[CommitmentQuote, ...] = ()

    @property
    def put_into_practice(self) -> int:
        """Done or partly: put into practice, at least in part."""
        return self.outcomes.get(CommitmentOutcome.DONE, 0) + self.outcomes.get(CommitmentOutcome.PARTLY, 0)
