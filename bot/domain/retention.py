"""Retention: a workshop's participant data is deleted RETENTION after its follow-up survey.

Laws 09-08 (Morocco) and 2004-63 (Tunisia) want personal data kept no longer than its
purpose needs: the evaluation is over once the follow-up survey has had its time. The
clock starts at the follow-up survey (when it went out, or when it is planned), else at
the close, else (never closed) at the creation. The organisers are told once, a week
before, so they can export; the deletion never comes sooner than a week after that notice
(a bot that was down, or a short RETENTION, only postpones it). What stays on the workshop
row: the number who joined, and who received and completed the evaluation and the
follow-up (``kept_*``), so /stats can still say how the workshop went.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.domain.erasure import delete_participations, delete_users_left_alone
from bot.domain.schedule import followup_send, last_close
from bot.results.privacy import KeptFigures, RetentionNotice
from bot.results.statuses import ResponseStatus, SendStatus
from bot.storage import models

NOTICE = timedelta(days=7)
"""How long before the deletion the organisers are warned (and at least how long after)."""


def retention_start(db: Session, workshop: models.Workshop) -> datetime:
    """The moment RETENTION counts from: the follow-up survey, else the latest session's close
    (a next session may be open), else the creation."""
    send = followup_send(db, workshop)
    if send is not None and send.status is not SendStatus.CANCELLED:
        return send.started_at or send.due_at
    return last_close(db, workshop) or workshop.created_at


def deletion_date(db: Session, workshop: models.Workshop, retention: timedelta) -> datetime:
    """When this workshop's participant data goes (a week after the notice at the earliest)."""
    due = retention_start(db, workshop) + retention
    if workshop.retention_warned_at is not None:
        due = max(due, workshop.retention_warned_at + NOTICE)
    return due


def _candidates(db: Session, now: datetime, retention: timedelta) -> list[models.Workshop]:
    """Workshops whose data may be due within the notice: every start is after the creation."""
    return list(db.scalars(
        select(models.Workshop)
        .where(models.Workshop.data_deleted_at.is_(None), models.Workshop.created_at <= now + NOTICE - retention)
        .order_by(models.Workshop.id)
    ))


def claim_notices(db: Session, now: datetime, retention: timedelta, default_timezone: str) -> list[RetentionNotice]:
    """Notices due now, one per organiser of each workshop, each workshop once.

    The workshop is marked warned in this transaction (a conditional UPDATE: of two
    processes, one wins), before anything is sent: a crash loses a notice rather than
    repeating it, and the deletion still waits a week after the mark."""
    notices: list[RetentionNotice] = []
    for workshop in _candidates(db, now, retention):
        if workshop.retention_warned_at is not None:
            continue
        due = deletion_date(db, workshop, retention)
        if now < due - NOTICE:
            continue
        if not _claim(db, workshop, models.Workshop.retention_warned_at, now):
            continue
        db.refresh(workshop)
        delete_on = deletion_date(db, workshop, retention)
        organisers = db.execute(
            select(models.User.id, models.User.language)
            .join(models.WorkshopOrganiser, models.WorkshopOrganiser.user_id == models.User.id)
            .where(models.WorkshopOrganiser.workshop_id == workshop.id)
            .order_by(models.User.id)
        ).all()
        notices += [
            RetentionNotice(chat_id=user_id, language=language, title=workshop.title, join_code=workshop.join_code,
                            delete_on=delete_on, timezone=workshop.timezone or default_timezone)
            for user_id, language in organisers
        ]
    return notices


def _claim(db: Session, workshop: models.Workshop, mark: InstrumentedAttribute[datetime | None],
           now: datetime) -> bool:
    """Set ``mark`` to ``now`` if it is still empty: one process wins (PostgreSQL holds the
    row until commit), the others see 0 rows and leave the workshop alone."""
    claimed = db.execute(
        update(models.Workshop)
        .where(models.Workshop.id == workshop.id, mark.is_(None))
        .values({mark: now}),
        execution_options={"synchronize_session": False},
    )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def _counts(db: Session, workshop: models.Workshop, questionnaire_id: int) -> tuple[int, int]:
    """(received, completed) of one questionnaire: as /stats counts them."""
    rows = dict(db.execute(
        select(models.Response.status, func.count())
        .join(models.Participant)
        .where(models.Participant.workshop_id == workshop.id, models.Response.questionnaire_id == questionnaire_id)
        .group_by(models.Response.status)
    ).all())
    completed = rows.get(ResponseStatus.COMPLETED, 0)
    return rows.get(ResponseStatus.IN_PROGRESS, 0) + completed, completed


def purge_due(db: Session, now: datetime, retention: timedelta) -> list[int]:
    """Delete the participant data of every workshop whose time has come; their ids.

    Keeps the counts on the workshop, deletes participants and everything about them,
    the workshop's schedule and live progress messages, and the user rows nobody needs
    any more. The workshop is claimed by a conditional UPDATE first (PostgreSQL holds its
    row until commit), so two processes never both count and delete it."""
    purged: list[int] = []
    for workshop in _candidates(db, now, retention):
        if workshop.retention_warned_at is None or now < deletion_date(db, workshop, retention):
            continue
        if not _claim(db, workshop, models.Workshop.data_deleted_at, now):
            continue
        joined = db.scalar(select(func.count()).select_from(models.Participant)
                           .where(models.Participant.workshop_id == workshop.id)) or 0
        evaluation = _counts(db, workshop, workshop.evaluation_questionnaire_id)
        followup = _counts(db, workshop, workshop.followup_questionnaire_id)
        workshop_id = workshop.id
        db.execute(
            update(models.Workshop).where(models.Workshop.id == workshop_id).values(
                kept_joined=joined,
                kept_evaluation_sent=evaluation[0], kept_evaluation_completed=evaluation[1],
                kept_followup_sent=followup[0], kept_followup_completed=followup[1],
            ),
            execution_options={"synchronize_session": False},
        )
        user_ids = delete_participations(db, models.Participant.workshop_id == workshop_id)
        db.execute(models.ProgressMessage.__table__.delete().where(models.ProgressMessage.workshop_id == workshop_id))
        db.execute(models.ScheduledSend.__table__.delete().where(models.ScheduledSend.workshop_id == workshop_id))
        delete_users_left_alone(db, user_ids)
        purged.append(workshop_id)
    return purged


def kept_figures(workshop: models.Workshop, default_timezone: str) -> KeptFigures | None:
    """What is left of a workshop whose participant data was deleted (None: all of it is there)."""
    if workshop.data_deleted_at is None:
        return None
    return KeptFigures(
        title=workshop.title, join_code=workshop.join_code, deleted_at=workshop.data_deleted_at,
        timezone=workshop.timezone or default_timezone, joined=workshop.kept_joined or 0,
        evaluation_sent=workshop.kept_evaluation_sent or 0,
        evaluation_completed=workshop.kept_evaluation_completed or 0,
        followup_sent=workshop.kept_followup_sent or 0, followup_completed=workshop.kept_followup_completed or 0,
    )
