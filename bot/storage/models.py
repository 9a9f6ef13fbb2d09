"""The database schema: the single source of truth for workshops, people and answers.

Answers are stored in columns the database can aggregate (``rating`` for scales, one
``answer_options`` row per chosen option), so statistics are ``GROUP BY`` queries rather
than Python loops over every answer.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from bot.clock import utcnow
from bot.results.statuses import DeliveryStatus, ResponseStatus, SendPurpose, SendStatus

TEXT_ANSWER_MAX = 2000
"""Characters of a free-text answer we keep; longer answers are cut and the user is told."""


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime stored; use bot.clock.utcnow() or an aware datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # No name: nothing shows it (law 09-08 / 2004-63: store only what is used).
    language: Mapped[str | None] = mapped_column(String(8))
    blocked_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    # One tap under a reminder (or /reminders off) turns them off for every workshop.
    reminders_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Questionnaire(Base):
    """A frozen copy of the questionnaire a workshop uses (JSON of the model).

    A row never changes: a file sent again with the same key becomes a new row, version
    N+1, and workshops keep the row id they were given. ``owner_id`` is the organiser who
    sent the file (NULL: built in); no foreign key, so an uploader's /forget never fails on
    the questionnaires their workshops still use. ``content_hash`` is the content's hash,
    salted with the owner (bot.domain.questionnaire_store.row_hash): unique, so the same
    file is stored once per organiser, even when two of its sends race.
    """

    __tablename__ = "questionnaires"
    __table_args__ = (Index("ix_questionnaires_owner_id_key", "owner_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    owner_id: Mapped[int | None] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class Workshop(Base):
    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    join_code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(256))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    profile_questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    evaluation_questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    followup_questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    # The pre-survey answered when joining (/pre CODE on); None: no pre-survey.
    pre_questionnaire_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaires.id"))
    # The organisers' group chat that /stats, /report and live progress go to (/link).
    group_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    # The workshop's own time zone for quiet hours (None: the TIMEZONE setting).
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Retention (bot.domain.retention): the organisers were warned once, then participant
    # data went and only these counts stay (evaluation and follow-up sent / completed).
    retention_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    data_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kept_joined: Mapped[int | None] = mapped_column(Integer)
    kept_evaluation_sent: Mapped[int | None] = mapped_column(Integer)
    kept_evaluation_completed: Mapped[int | None] = mapped_column(Integer)
    kept_followup_sent: Mapped[int | None] = mapped_column(Integer)
    kept_followup_completed: Mapped[int | None] = mapped_column(Integer)

    organisers: Mapped[list[WorkshopOrganiser]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan"
    )


class WorkshopOrganiser(Base):
    """Who may see a workshop's data: its creator, and later co-organisers."""

    __tablename__ = "workshop_organisers"

    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    workshop: Mapped[Workshop] = relationship(back_populates="organisers")


class OrganiserInvite(Base):
    """A one-time link that makes whoever opens it an organiser of one workshop (48 h).

    ``created_by`` and ``used_by`` carry no foreign key, like questionnaires' owner: an
    organiser's /forget must not fail on an invite they once made or used.
    """

    __tablename__ = "organiser_invites"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(BigInteger)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WorkshopSession(Base):
    """One session of a workshop (a day, a data-jam theme): it is closed on its own and its
    own evaluation goes out. Number 1 is the workshop itself when it has no other."""

    __tablename__ = "workshop_sessions"
    __table_args__ = (UniqueConstraint("workshop_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(256))
    # The session's own end-of-session questionnaire (None: the workshop's).
    evaluation_questionnaire_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaires.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Programme(Base):
    """Several workshops under one name (a funder's programme), with its own code."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(256))
    created_by: Mapped[int] = mapped_column(BigInteger)  # no foreign key: see OrganiserInvite
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProgrammeWorkshop(Base):
    __tablename__ = "programme_workshops"

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True)


class Participant(Base):
    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("workshop_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Response(Base):
    """One participant's run through one questionnaire, and where they stand in it."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("participant_id", "questionnaire_id", "session_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # The workshop session an evaluation belongs to (1, 2…; WorkshopSession.number);
    # 0 for what is not tied to a session (profile, pre-survey, follow-up).
    session_number: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[ResponseStatus] = mapped_column(
        Enum(ResponseStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=ResponseStatus.PENDING,
        index=True,
    )
    current_index: Mapped[int] = mapped_column(Integer, default=0)
    # Options ticked on the current multi-select question, not yet confirmed.
    draft_selection: Mapped[list[str] | None] = mapped_column(JSON)
    # The chat message that shows the current question, edited as the participant answers.
    question_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Last time the participant acted on it: a typed message answers the latest one.
    touched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Failed attempts at sending it (network, 5xx) and when to try again (bounded back-off).
    send_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(32))
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    rating: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    response: Mapped[Response] = relationship(back_populates="answers")
    options: Mapped[list[AnswerOption]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="AnswerOption.position"
    )


class AnswerOption(Base):
    """One chosen option of a choice, yes/no or multi-select answer."""

    __tablename__ = "answer_options"

    answer_id: Mapped[int] = mapped_column(
        ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True
    )
    option_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Commitment(Base):
    """One thing a participant wrote they will do differently ("commitment to change"),
    sent back to them at follow-up time with "did you do it?" and, if not, what got in
    the way (option ids of the follow-up's barrier question)."""

    __tablename__ = "commitments"
    __table_args__ = (UniqueConstraint("response_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 in the order written
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # At follow-up time: done / partly / not_yet / not_relevant, and the barriers chosen.
    outcome: Mapped[str | None] = mapped_column(String(16))
    barriers: Mapped[list[str] | None] = mapped_column(JSON)
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    question_message_id: Mapped[int | None] = mapped_column(BigInteger)


class ProgressMessage(Base):
    """A "k / N answered" message kept up to date after /close (one per close, edited)."""

    __tablename__ = "progress_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str | None] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


def _str_enum(enum_type: type[enum.StrEnum]) -> Enum:
    return Enum(enum_type, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class ScheduledSend(Base):
    """One planned broadcast of a workshop: a reminder round or the follow-up survey.

    The database, not the process memory, is the schedule: any bot process that finds a
    ``PLANNED`` row past ``due_at`` claims it (``FOR UPDATE SKIP LOCKED``), so a restart
    sends it once and two processes never both send it.
    """

    __tablename__ = "scheduled_sends"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[SendPurpose] = mapped_column(_str_enum(SendPurpose))
    questionnaire_kind: Mapped[str] = mapped_column(String(16))  # evaluation or followup
    session_number: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # as Response's
    round: Mapped[int] = mapped_column(Integer, default=0)  # reminder 1, 2…; 0: follow-up or /remind
    manual: Mapped[bool] = mapped_column(Boolean, default=False)  # /remind: now, no quiet hours
    quiet_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[SendStatus] = mapped_column(_str_enum(SendStatus), default=SendStatus.PLANNED)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who hears how it went (None: the workshop's group, else its creator).
    notify_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    notify_language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(Base):
    """One reminder to one participant: the unit that is claimed, sent and counted."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("send_id", "participant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    send_id: Mapped[int] = mapped_column(ForeignKey("scheduled_sends.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    status: Mapped[DeliveryStatus] = mapped_column(
        _str_enum(DeliveryStatus), default=DeliveryStatus.QUEUED, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)


class ProcessedUpdate(Base):
    """A Telegram update already handled: Telegram redelivers webhook updates after a
    timeout, and two replicas may both receive one. The row is written in the handler's
    own transaction (``bot.domain.updates.claim_update``), so it exists exactly when the
    handler's work does; rows older than a day are pruned."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
