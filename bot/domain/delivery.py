"""How far a workshop's evaluation has gone out: sent, queued, unreachable, completed."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain.sessions import evaluation_session_number
from bot.questionnaires.model import QuestionnaireKind
from bot.results.delivery import DeliveryCounts
from bot.results.statuses import ResponseStatus
from bot.storage import models


def delivery_counts(db: Session, workshop: models.Workshop, questionnaire_id: int | None = None) -> DeliveryCounts:
    """Figures of the evaluation of the latest closed session (or of ``questionnaire_id``,
    e.g. the follow-up)."""
    if questionnaire_id is None:
        scope = (models.Response.kind == QuestionnaireKind.EVALUATION.value,
                 models.Response.session_number == evaluation_session_number(db, workshop))
    else:
        scope = (models.Response.questionnaire_id == questionnaire_id,)
    rows = db.execute(
        select(models.Response.status, models.User.blocked_bot, func.count())
        .join(models.Participant, models.Participant.id == models.Response.participant_id)
        .join(models.User, models.User.id == models.Participant.user_id)
        .where(models.Participant.workshop_id == workshop.id, *scope)
        .group_by(models.Response.status, models.User.blocked_bot)
    ).all()
    sent = queued = unreachable = completed = failed = 0
    for status, blocked, count in rows:
        if status in (ResponseStatus.IN_PROGRESS, ResponseStatus.COMPLETED):
            sent += count
            completed += count if status is ResponseStatus.COMPLETED else 0
        elif status is ResponseStatus.FAILED:
            failed += count
        elif status is ResponseStatus.UNDELIVERABLE or blocked:
            unreachable += count
        else:
            queued += count
    return DeliveryCounts(sent=sent, queued=queued, unreachable=unreachable, completed=completed, failed=failed)
