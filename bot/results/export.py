"""The export as plain data: what the domain found, then the tables the file writers write.

``ExportData`` is the domain's answer (ids, statuses, UTC datetimes, stored values, no
words); ``bot.rendering.export_content`` words it in the organiser's language as
``ExportTable`` sheets, which ``bot.exports`` writes as CSV and XLSX.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.questionnaires.model import Question, Questionnaire, QuestionnaireKind
from bot.results.nonresponse import NonResponse
from bot.results.sessions import SessionFigures

Cell = str | int | float | datetime | None
"""A written cell: a datetime is naive local time (spreadsheets have no time zones)."""


class ExportStatus(enum.StrEnum):
    """Where a participant stands in one questionnaire, as an organiser reads it."""

    NOT_SENT = "not_sent"  # never sent to them (joined late, or not due yet)
    PENDING = "pending"  # queued, not delivered yet
    NOT_STARTED = "not_started"  # received, not one question answered
    IN_PROGRESS = "in_progress"  # answered (or skipped) some questions
    COMPLETED = "completed"
    UNREACHABLE = "unreachable"  # they blocked the bot
    FAILED = "failed"  # sending it failed for good (not a block)


REACHED = frozenset({ExportStatus.NOT_STARTED, ExportStatus.IN_PROGRESS, ExportStatus.COMPLETED})
"""The questionnaire is in their chat."""


@dataclass(frozen=True)
class ExportAnswer:
    """A stored answer: a rating, a text or the chosen option ids (questionnaire order)."""

    skipped: bool = False
    rating: int | None = None
    text: str | None = None
    options: tuple[str, ...] = ()
    withheld: bool = False  # a profile value too few share (or that would give them away): not exported


@dataclass(frozen=True)
class ExportResponse:
    status: ExportStatus
    started_at: datetime | None = None  # UTC; the first answer, None until there is one
    completed_at: datetime | None = None  # UTC
    answers: Mapping[str, ExportAnswer] = field(default_factory=dict)  # question id → answer; absent: not reached


@dataclass(frozen=True)
class ExportParticipant:
    pseudonym: str  # "P01", "P02"… in join order
    profile: Mapping[str, ExportAnswer]
    responses: Mapping[QuestionnaireKind, ExportResponse]  # evaluation and follow-up, always both


@dataclass(frozen=True)
class ExportCommitment:
    """One commitment to change and what became of it (``bot.domain.commitments``)."""

    pseudonym: str
    position: int  # 1, 2, 3 as written
    text: str
    outcome: str | None  # done / partly / not_yet / not_relevant; None: not answered
    barriers: tuple[str, ...] = ()  # option ids of the barrier question
    asked_at: datetime | None = None  # UTC
    answered_at: datetime | None = None  # UTC


@dataclass(frozen=True)
class ExportData:
    title: str
    timezone: str  # the workshop's, for writing local dates
    profile: Questionnaire
    questionnaires: tuple[Questionnaire, ...]  # the evaluation, then the follow-up
    participants: tuple[ExportParticipant, ...]
    nonresponse: tuple[NonResponse, ...] = ()  # who answered by profile group (summary sheet)
    sessions: tuple[SessionFigures, ...] = ()  # every session's response rate, when there are several
    session: SessionFigures | None = None  # the session whose evaluation the export holds (several sessions)
    commitments: tuple[ExportCommitment, ...] = ()  # commitments to change (their own sheet)
    barrier_question: Question | None = None  # the follow-up's barrier question, to word their barriers

    def counts(self, kind: QuestionnaireKind) -> dict[ExportStatus, int]:
        """How many participants stand where in one questionnaire (every status, 0 included)."""
        counts = dict.fromkeys(ExportStatus, 0)
        for participant in self.participants:
            counts[participant.responses[kind].status] += 1
        return counts


@dataclass(frozen=True)
class ExportTable:
    """One sheet: header words, an optional second header row of stable ids, the rows."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    title: str = ""  # the sheet's name (XLSX)
    ids: tuple[str, ...] = ()  # empty: no id row


@dataclass(frozen=True)
class ExportWorkbook:
    sheets: tuple[ExportTable, ...]
    right_to_left: bool = False
    title: str = ""  # the document's title property
