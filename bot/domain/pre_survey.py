"""The pre-survey: a short questionnaire answered right after joining, before the workshop.

``/pre CODE on`` gives a workshop the built-in one (the level on its topics, what people
expect), ``/pre CODE KEY`` an organiser's own questionnaire of kind ``pre`` (its latest
version), ``/pre CODE off`` none. It goes to whoever completes the profile questions while
it is on and no session has been closed yet: the people already there when it was turned
on are not asked afterwards (their "before" would be measured in the middle of things), and
after the first /close it would not be a "before" at all. Their ratings are matched with
the end-of-session answers to the same ``measure`` (``bot.domain.before_after``).
"""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from bot.domain.errors import DomainError
from bot.domain.participation import queue_response
from bot.domain.questionnaire_store import as_model, store_questionnaire
from bot.questionnaires.loader import default_questionnaire
from bot.questionnaires.model import QuestionnaireKind
from bot.results.before_after import PreSurveyState
from bot.results.statuses import ResponseStatus
from bot.storage import models


class PreSurveyTooLate(DomainError):
    """A session of the workshop was closed: a pre-survey would no longer come before it."""


class NoSuchPreSurvey(DomainError):
    """The organiser has no questionnaire of this key (nor is it the built-in one)."""


class NotAPreSurvey(DomainError):
    """The questionnaire of this key is not of kind ``pre``."""


def default_pre_key() -> str:
    return default_questionnaire(QuestionnaireKind.PRE).key


def pre_survey_over(db: Session, workshop: models.Workshop) -> bool:
    """Whether the first /close happened (the workshop's, or any of its sessions')."""
    if workshop.closed_at is not None:
        return True
    return bool(db.scalar(select(exists().where(
        models.WorkshopSession.workshop_id == workshop.id, models.WorkshopSession.closed_at.is_not(None)))))


def set_pre_survey(db: Session, workshop: models.Workshop, owner_id: int, choice: str) -> PreSurveyState:
    """``on``, ``off`` or the key of the organiser's own questionnaire of kind ``pre``."""
    if choice.lower() == "off":
        workshop.pre_questionnaire_id = None
        db.flush()
        return state(db, workshop)
    if pre_survey_over(db, workshop):
        raise PreSurveyTooLate(workshop.join_code)
    key = default_pre_key() if choice.lower() == "on" else choice
    own = db.scalars(select(models.Questionnaire).where(
        models.Questionnaire.owner_id == owner_id, models.Questionnaire.key == key)).all()
    if own:
        top = max(row.version for row in own)
        row = min((r for r in own if r.version == top), key=lambda r: r.id)
    elif key == default_pre_key():
        row = store_questionnaire(db, default_questionnaire(QuestionnaireKind.PRE))
    else:
        raise NoSuchPreSurvey(key)
    if as_model(row).kind is not QuestionnaireKind.PRE:
        raise NotAPreSurvey(key)
    workshop.pre_questionnaire_id = row.id
    db.flush()
    return state(db, workshop)


def state(db: Session, workshop: models.Workshop) -> PreSurveyState:
    if workshop.pre_questionnaire_id is None:
        return PreSurveyState(workshop.title, workshop.join_code, None)
    row = db.get(models.Questionnaire, workshop.pre_questionnaire_id)
    assert row is not None
    return PreSurveyState(workshop.title, workshop.join_code, as_model(row), _answered(db, workshop))


def _answered(db: Session, workshop: models.Workshop) -> int:
    return db.scalar(
        select(func.count()).select_from(models.Response)
        .join(models.Participant, models.Participant.id == models.Response.participant_id)
        .where(models.Participant.workshop_id == workshop.id,
               models.Response.kind == QuestionnaireKind.PRE.value,
               models.Response.status == ResponseStatus.COMPLETED)
    ) or 0


def queue_pre_survey(db: Session, participant_id: int, workshop: models.Workshop) -> models.Response | None:
    """The pre-survey now owed to a participant who just completed the profile questions,
    or None: no pre-survey, a session already closed, or they have it already."""
    if workshop.pre_questionnaire_id is None or pre_survey_over(db, workshop):
        return None
    if db.scalar(select(exists().where(models.Response.participant_id == participant_id,
                                       models.Response.kind == QuestionnaireKind.PRE.value))):
        return None
    participant = db.get(models.Participant, participant_id)
    assert participant is not None
    response = queue_response(db, participant, workshop.pre_questionnaire_id, QuestionnaireKind.PRE)
    db.flush()
    return response
