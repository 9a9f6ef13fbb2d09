"""Deleting participations row by row, shared by /forget and retention.

Explicit deletes in dependency order rather than trusting ``ON DELETE CASCADE``: what is
deleted is written here, once, and does not depend on a backend's foreign-key settings.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, delete, exists, select
from sqlalchemy.orm import Session

from bot.storage import models


def delete_participations(db: Session, which: ColumnElement[bool]) -> list[int]:
    """Delete the participants matching ``which`` and every row about them: answers, chosen
    options, responses, reminders (deliveries). Returns the user ids they belonged to."""
    participants = select(models.Participant.id).where(which)
    responses = select(models.Response.id).where(models.Response.participant_id.in_(participants))
    answers = select(models.Answer.id).where(models.Answer.response_id.in_(responses))
    user_ids = list(dict.fromkeys(db.scalars(select(models.Participant.user_id).where(which))))
    quiet = {"synchronize_session": False}
    db.execute(delete(models.AnswerOption).where(models.AnswerOption.answer_id.in_(answers)), execution_options=quiet)
    db.execute(delete(models.Answer).where(models.Answer.response_id.in_(responses)), execution_options=quiet)
    db.execute(delete(models.Commitment).where(models.Commitment.participant_id.in_(participants)),
               execution_options=quiet)
    db.execute(delete(models.Delivery).where(models.Delivery.participant_id.in_(participants)), execution_options=quiet)
    db.execute(delete(models.Response).where(models.Response.participant_id.in_(participants)), execution_options=quiet)
    db.execute(delete(models.Participant).where(which), execution_options=quiet)
    db.expire_all()  # objects loaded before (answers, responses) are gone
    return user_ids


def delete_users_left_alone(db: Session, user_ids: Iterable[int]) -> int:
    """Delete the user rows among ``user_ids`` that no participation or workshop needs any more.

    An organiser's row stays: their workshops belong to the programme."""
    ids = list(user_ids)
    if not ids:
        return 0
    result = db.execute(
        delete(models.User).where(
            models.User.id.in_(ids),
            ~exists().where(models.Participant.user_id == models.User.id),
            ~exists().where(models.WorkshopOrganiser.user_id == models.User.id),
            ~exists().where(models.Workshop.created_by == models.User.id),
        ),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
