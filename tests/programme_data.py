"""Workshops for the programme and non-response tests, built through the domain functions.

A short questionnaire (a rating and a yes/no, French and Arabic); each person gives a
gender (or skips) and no type of organisation, then answers the whole evaluation, part
of it, or nothing. Workshop A is the brief's example of non-response: the women answered
much less than the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.domain import answering
from bot.domain.participation import join_workshop
from bot.domain.questionnaire_store import questionnaire_by_id, store_questionnaire
from bot.domain.users import TelegramIdentity, get_or_create_user
from bot.domain.workshops import close_workshop, create_workshop
from bot.questionnaires.model import Question, Questionnaire, QuestionnaireKind, QuestionType, Text
from bot.storage import models
from tests.conversation import ORGANISER_ID

SETTINGS = Settings(token="123456:TEST", organiser_ids=frozenset({ORGANISER_ID}))
START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
"""The bots of these tests run on a ManualClock from START: no timer wakes the dispatcher
in the middle of a /stats (nothing here is due anyway)."""

QUESTIONNAIRE = Questionnaire(
    key="datajam-short",
    kind=QuestionnaireKind.EVALUATION,
    title=Text(fr="Data-jam", ar="داتا جام"),
    intro=None,
    languages=("fr", "ar"),
    questions=(
        Question("useful", QuestionType.RATING, Text(fr="La journée vous a-t-elle été utile ?",
                                                     ar="هل كان اليوم مفيدًا لك؟"), scale_min=1, scale_max=5),
        Question("again", QuestionType.YESNO, Text(fr="Reviendriez-vous ?", ar="هل ستعود؟")),
    ),
)


@dataclass(frozen=True)
class Person:
    gender: str | None  # None: skipped the question
    answers: str  # "all", "part" (the rating only) or "none"
    rating: int = 4


def people(gender: str | None, joined: int, answered: int, rating: int = 4) -> list[Person]:
    """*joined* people of one gender, the first *answered* of them answering everything,
    one more answering part of it (not counted as answered), the rest nothing."""
    return [Person(gender, "all" if i < answered else "part" if i == answered else "none", rating)
            for i in range(joined)]


# 13 of 23 answered (57 %); the women 2 of 9 (22 %): less than half the overall rate.
WORKSHOP_A = [*people("woman", 9, 2, 2), *people("man", 10, 9, 5), *people(None, 4, 2, 3)]
# 7 of 11: 4 women (3 answered), 3 men (2), 1 "prefer not to say" (1), 3 who did not say (1).
WORKSHOP_B = [*people("woman", 4, 3, 4), *people("man", 3, 2, 4), *people("undisclosed", 1, 1, 1),
              *people(None, 3, 1, 3)]


def _response(db: Session, participant: models.Participant, kind: QuestionnaireKind) -> models.Response:
    response = db.scalar(select(models.Response).where(models.Response.participant_id == participant.id,
                                                       models.Response.kind == kind.value))
    assert response is not None
    return response


def run_workshop(db: Session, organiser_id: int, title: str, persons: list[Person], first_user: int,
                 language: str = "fr") -> models.Workshop:
    """A closed workshop of *organiser_id* on the short questionnaire, answered by *persons*."""
    organiser = get_or_create_user(db, TelegramIdentity(organiser_id, language))
    workshop = create_workshop(db, organiser, title)
    workshop.evaluation_questionnaire_id = store_questionnaire(db, QUESTIONNAIRE).id
    joined: list[tuple[Person, models.Participant]] = []
    for offset, person in enumerate(persons):
        user = get_or_create_user(db, TelegramIdentity(first_user + offset, "fr"))
        participant = join_workshop(db, user, workshop.join_code).participant
        assert participant is not None
        joined.append((person, participant))
        profile = _response(db, participant, QuestionnaireKind.PROFILE)
        questionnaire = questionnaire_by_id(db, profile.questionnaire_id)
        answering.mark_started(profile, question_message_id=1)
        db.flush()
        for question_id, value in (("org_type", None), ("gender", person.gender)):
            index = questionnaire.index_of(question_id)
            profile.current_index = index
            if value is None:
                answering.skip(db, profile, index)
            else:
                answering.answer_choice(db, profile, index, value)
    close_workshop(db, workshop)
    for person, participant in joined:
        evaluation = _response(db, participant, QuestionnaireKind.EVALUATION)
        answering.mark_started(evaluation, question_message_id=1)  # received (nothing left in the outbox)
        db.flush()
        if person.answers == "none":
            continue
        answering.answer_rating(db, evaluation, 0, person.rating)
        if person.answers == "all":
            answering.answer_choice(db, evaluation, 1, "yes")
    db.commit()
    return workshop
