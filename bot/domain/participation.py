"""Joining a workshop and the questionnaires that follow from it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.domain.workshops import join_window_open, workshop_by_code
from bot.questionnaires.model import QuestionnaireKind
from bot.results.statuses import ResponseStatus
from bot.storage import models


class JoinStatus(enum.StrEnum):
    JOINED = "joined"
    ALREADY_JOINED = "already_joined"
    NOT_FOUND = "not_found"
    EXPIRED = "expired"


@dataclass(frozen=True)
class JoinResult:
    status: JoinStatus
    workshop: models.Workshop | None = None
    participant: models.Participant | None = None


def join_workshop(db: Session, user: models.User, code: str) -> JoinResult:
    """Register ``user`` in the workshop of ``code``; joining twice changes nothing.

    A new participant gets a ``PENDING`` profile response (sent once their language is
    known). Someone who joins after /close gets the evaluation when the profile questions
    are done (see ``answering``), so a late scan of the QR code still leads to it.
    """
    workshop = workshop_by_code(db, code.strip())
    if workshop is None:
        return JoinResult(JoinStatus.NOT_FOUND)
    participant = db.scalar(
        select(models.Participant).where(
            models.Participant.workshop_id == workshop.id, models.Participant.user_id == user.id
        )
    )
    if participant is not None:
        return JoinResult(JoinStatus.ALREADY_JOINED, workshop, participant)
    if not join_window_open(workshop) or workshop.data_deleted_at is not None:  # retention ended it
        return JoinResult(JoinStatus.EXPIRED, workshop)
    participant = models.Participant(workshop_id=workshop.id, user_id=user.id)
    db.add(participant)
    db.flush()
    queue_response(db, participant, workshop.profile_questionnaire_id, QuestionnaireKind.PROFILE)
    db.flush()
    return JoinResult(JoinStatus.JOINED, workshop, participant)


def queue_response(
    db: Session, participant: models.Participant, questionnaire_id: int, kind: QuestionnaireKind
) -> models.Response:
    """A ``PENDING`` response: the questionnaire is owed to this participant, not yet sent."""
    response = models.Response(
        participant_id=participant.id,
        questionnaire_id=questionnaire_id,
        kind=kind.value,
        status=ResponseStatus.PENDING,
    )
    db.add(response)
    return response


def pending_responses_of(db: Session, user_id: int) -> list[models.Response]:
    """This user's questionnaires waiting to be sent, profile questions first."""
    rows = db.scalars(
        select(models.Response)
        .join(models.Participant)
        .where(models.Participant.user_id == user_id, models.Response.status == ResponseStatus.PENDING)
        .order_by(models.Response.id)
    ).all()
    order = {QuestionnaireKind.PROFILE.value: 0, QuestionnaireKind.PRE.value: 1, QuestionnaireKind.EVALUATION.value: 2}
    return sorted(rows, key=lambda r: (order.get(r.kind, 2), r.id))


def in_progress_responses_of(db: Session, user_id: int) -> list[models.Response]:
    return list(
        db.scalars(
            select(models.Response)
            .join(models.Participant)
            .where(
                models.Participant.user_id == user_id,
                models.Response.status == ResponseStatus.IN_PROGRESS,
            )
            .order_by(models.Response.touched_at.desc(), models.Response.id.desc())
        ).all()
    )


def pending_outbox(
    db: Session, now: datetime | None = None, limit: int = 100
) -> list[tuple[models.Response, models.User]]:
    """Evaluations and follow-ups queued for sending, oldest first, with their user.

    Profile questions are not here: they are sent in the join conversation itself.
    Users without a language yet are left for the join conversation to pick up too; so are
    responses waiting for their next attempt after a failure. The rows are locked
    (``FOR UPDATE SKIP LOCKED``) until the caller commits, so a second bot process on the
    same PostgreSQL database skips them instead of sending them again.
    """
    now = now or utcnow()
    rows = db.execute(
        select(models.Response, models.User)
        .join(models.Participant, models.Participant.id == models.Response.participant_id)
        .join(models.User, models.User.id == models.Participant.user_id)
        .where(
            models.Response.status == ResponseStatus.PENDING,
            models.Response.kind != QuestionnaireKind.PROFILE.value,
            models.User.blocked_bot.is_(False),
            models.User.language.is_not(None),
            or_(models.Response.next_attempt_at.is_(None), models.Response.next_attempt_at <= now),
        )
        .order_by(models.Response.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=models.Response)
    ).all()
    return [(response, user) for response, user in rows]


def claim_pending(db: Session, response_id: int) -> models.Response | None:
    """Lock a queued questionnaire for sending, or None if it is not ours to send.

    None when it is no longer queued, or when another session holds it — the outbox
    sending it right now (``pending_outbox`` locks its rows), or a handler of the same
    participant. Skipping instead of waiting matters: both run on the same event loop,
    and a session waiting for a row lock would stop the loop, so the holder could never
    finish and release it. A session that already holds the lock gets the row again.
    """
    return db.scalar(
        select(models.Response)
        .where(models.Response.id == response_id, models.Response.status == ResponseStatus.PENDING)
        .with_for_update(skip_locked=True)
    )


def workshop_of_response(db: Session, response: models.Response) -> models.Workshop:
    participant = db.get(models.Participant, response.participant_id)
    assert participant is not None
    workshop = db.get(models.Workshop, participant.workshop_id)
    assert workshop is not None
    return workshop


def owner_of_response(db: Session, response_id: int) -> tuple[models.Response, int] | None:
    """The response and the Telegram user id it belongs to, to check button presses."""
    row = db.execute(
        select(models.Response, models.Participant.user_id)
        .join(models.Participant)
        .where(models.Response.id == response_id)
    ).first()
    return (row[0], row[1]) if row else None
