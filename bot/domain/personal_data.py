"""/mydata: everything stored about one person, as plain data (the right of access).

Laws 09-08 (Morocco, art. 7) and 2004-63 (Tunisia, art. 32) give everyone access to the
data held about them. This reads every table that holds a row about the person — the
user row, participations, responses, answers and chosen options, reminders sent
(deliveries) — and what is still planned for them; nothing else is stored about them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.questionnaire_store import questionnaire_by_id
from bot.domain.retention import deletion_date
from bot.results.privacy import (
    AnswerRecord,
    DeliveryRecord,
    ParticipationRecord,
    PersonalData,
    ResponseRecord,
    ScheduledRecord,
)
from bot.results.statuses import ResponseStatus, SendPurpose, SendStatus
from bot.storage import models


def personal_data(db: Session, user_id: int, retention: timedelta) -> PersonalData | None:
    """What is stored about ``user_id`` (None: nothing at all)."""
    user = db.get(models.User, user_id)
    if user is None:
        return None
    organises = tuple(db.scalars(
        select(models.Workshop.join_code)
        .join(models.WorkshopOrganiser, models.WorkshopOrganiser.workshop_id == models.Workshop.id)
        .where(models.WorkshopOrganiser.user_id == user_id)
        .order_by(models.Workshop.id)
    ))
    participations = db.execute(
        select(models.Participant, models.Workshop)
        .join(models.Workshop, models.Workshop.id == models.Participant.workshop_id)
        .where(models.Participant.user_id == user_id)
        .order_by(models.Participant.joined_at, models.Participant.id)
    ).all()
    return PersonalData(
        telegram_id=user.id, language=user.language, reminders_enabled=user.reminders_enabled,
        blocked_bot=user.blocked_bot, first_contact=user.created_at, organises=organises,
        workshops=tuple(_participation(db, participant, workshop, user, retention)
                        for participant, workshop in participations),
    )


def _participation(db: Session, participant: models.Participant, workshop: models.Workshop,
                   user: models.User, retention: timedelta) -> ParticipationRecord:
    responses = db.scalars(
        select(models.Response).where(models.Response.participant_id == participant.id)
        .order_by(models.Response.created_at, models.Response.id)
    ).all()
    answers: dict[int, list[models.Answer]] = defaultdict(list)
    for answer in db.scalars(
        select(models.Answer).where(models.Answer.response_id.in_([r.id for r in responses]))
        .order_by(models.Answer.answered_at, models.Answer.id)
    ):
        answers[answer.response_id].append(answer)
    deliveries = db.execute(
        select(models.Delivery, models.ScheduledSend)
        .join(models.ScheduledSend, models.ScheduledSend.id == models.Delivery.send_id)
        .where(models.Delivery.participant_id == participant.id)
        .order_by(models.Delivery.id)
    ).all()
    return ParticipationRecord(
        workshop_title=workshop.title, join_code=workshop.join_code, joined_at=participant.joined_at,
        responses=tuple(_response(db, response, answers[response.id]) for response in responses),
        reminders=tuple(
            DeliveryRecord(purpose=send.purpose.value, questionnaire_kind=send.questionnaire_kind, round=send.round,
                           status=delivery.status.value, attempts=delivery.attempts, sent_at=delivery.sent_at)
            for delivery, send in deliveries
        ),
        scheduled=_scheduled(db, workshop, responses, user),
        data_deleted_on=deletion_date(db, workshop, retention),
    )


def _response(db: Session, response: models.Response, answers: list[models.Answer]) -> ResponseRecord:
    questionnaire = questionnaire_by_id(db, response.questionnaire_id)
    return ResponseRecord(
        kind=response.kind, status=response.status.value, created_at=response.created_at,
        started_at=response.started_at, completed_at=response.completed_at,
        current_question=response.current_index,
        answers=tuple(
            AnswerRecord(question_id=answer.question_id, question=questionnaire.question(answer.question_id),
                         skipped=answer.skipped, rating=answer.rating,
                         options=tuple(option.option_id for option in answer.options),
                         text=answer.text, answered_at=answer.answered_at)
            for answer in answers
        ),
    )


def _scheduled(db: Session, workshop: models.Workshop, responses: list[models.Response],
               user: models.User) -> tuple[ScheduledRecord, ...]:
    """Planned sends of the workshop that would reach this person: the follow-up survey if
    they have not received it, reminders of a questionnaire they have not finished (and
    only while their reminders are on)."""
    unfinished = {r.kind for r in responses if r.status in (ResponseStatus.PENDING, ResponseStatus.IN_PROGRESS)}
    has = {r.kind for r in responses}
    out = []
    for send in db.scalars(
        select(models.ScheduledSend)
        .where(models.ScheduledSend.workshop_id == workshop.id, models.ScheduledSend.status == SendStatus.PLANNED)
        .order_by(models.ScheduledSend.due_at, models.ScheduledSend.id)
    ):
        kind = send.questionnaire_kind
        reaches = (kind not in has) if send.purpose is SendPurpose.FOLLOWUP else (
            user.reminders_enabled and kind in unfinished)
        if reaches:
            out.append(ScheduledRecord(purpose=send.purpose.value, questionnaire_kind=kind,
                                       round=send.round, due_at=send.due_at))
    return tuple(out)
