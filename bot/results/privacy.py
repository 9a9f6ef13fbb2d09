"""Privacy as plain data: what is stored about one person (/mydata), the retention notices
and the counts a workshop keeps once its participants' data is deleted.

Made by ``bot.domain.personal_data`` and ``bot.domain.retention``; rendered by
``bot.rendering.personal_data`` and ``bot.rendering.texts.privacy`` without any query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.questionnaires.model import Question


@dataclass(frozen=True)
class AnswerRecord:
    question_id: str
    question: Question | None  # None: the frozen questionnaire no longer has it
    skipped: bool
    rating: int | None
    options: tuple[str, ...]
    text: str | None
    answered_at: datetime


@dataclass(frozen=True)
class ResponseRecord:
    kind: str  # profile, evaluation, followup
    status: str
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    current_question: int  # 0-based index of where they stand
    answers: tuple[AnswerRecord, ...]


@dataclass(frozen=True)
class DeliveryRecord:
    purpose: str  # reminder or followup
    questionnaire_kind: str
    round: int
    status: str
    attempts: int
    sent_at: datetime | None


@dataclass(frozen=True)
class ScheduledRecord:
    purpose: str
    questionnaire_kind: str
    round: int
    due_at: datetime


@dataclass(frozen=True)
class ParticipationRecord:
    workshop_title: str
    join_code: str
    joined_at: datetime
    responses: tuple[ResponseRecord, ...]
    reminders: tuple[DeliveryRecord, ...]
    scheduled: tuple[ScheduledRecord, ...]  # what may still reach them (reminders, follow-up)
    data_deleted_on: datetime  # when retention deletes this (RETENTION after the follow-up)


@dataclass(frozen=True)
class PersonalData:
    """Everything stored about one Telegram user, for /mydata."""

    telegram_id: int
    language: str | None
    reminders_enabled: bool
    blocked_bot: bool
    first_contact: datetime
    organises: tuple[str, ...]  # join codes of the workshops they organise
    workshops: tuple[ParticipationRecord, ...]


@dataclass(frozen=True)
class RetentionNotice:
    """One organiser told, once, that a workshop's participant data goes on ``delete_on``."""

    chat_id: int
    language: str | None
    title: str
    join_code: str
    delete_on: datetime
    timezone: str


@dataclass(frozen=True)
class KeptFigures:
    """What a workshop keeps after retention deleted its participants' data."""

    title: str
    join_code: str
    deleted_at: datetime
    timezone: str
    joined: int
    evaluation_sent: int
    evaluation_completed: int
    followup_sent: int
    followup_completed: int
