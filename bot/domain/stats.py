"""Aggregates of a workshop's answers, computed by the database with GROUP BY.

The result is plain data (no ORM objects, no Telegram), ready for a text summary now and
for charts and exports later.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.domain.questionnaire_store import questionnaire_by_id
from bot.questionnaires.model import Question, Questionnaire, QuestionType
from bot.storage import models
from bot.storage.models import ResponseStatus

TEXT_ANSWERS_LISTED = 50


@dataclass(frozen=True)
class QuestionStats:
    question: Question
    answered: int  # participants who gave an answer (skips excluded)
    skipped: int
    option_counts: dict[str, int] = field(default_factory=dict)  # choice, yesno, multi
    rating_counts: dict[int, int] = field(default_factory=dict)  # rating
    mean: float | None = None  # rating
    texts: tuple[str, ...] = ()  # text, most recent first (at most TEXT_ANSWERS_LISTED)

    def percent(self, count: int) -> float:
        """Share of this question's respondents (for multi-select: of respondents, not of ticks)."""
        return 100.0 * count / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class WorkshopStats:
    title: str
    join_code: str
    joined: int
    sent: int  # participants the evaluation reached
    completed: int
    questionnaire: Questionnaire
    questions: tuple[QuestionStats, ...]


def _answers_of(workshop: models.Workshop, questionnaire_id: int) -> Select[tuple[int]]:
    """Ids of answers given in this workshop to this questionnaire (any response status)."""
    return (
        select(models.Answer.id)
        .join(models.Response, models.Response.id == models.Answer.response_id)
        .join(models.Participant, models.Participant.id == models.Response.participant_id)
        .where(
            models.Participant.workshop_id == workshop.id,
            models.Response.questionnaire_id == questionnaire_id,
        )
    )


def workshop_stats(db: Session, workshop: models.Workshop) -> WorkshopStats:
    questionnaire = questionnaire_by_id(db, workshop.evaluation_questionnaire_id)
    answer_ids = _answers_of(workshop, workshop.evaluation_questionnaire_id).subquery()
    answers = select(models.Answer).where(models.Answer.id.in_(select(answer_ids.c.id))).subquery()

    answered: dict[str, int] = {}
    skipped: dict[str, int] = {}
    for question_id, was_skipped, count in db.execute(
        select(answers.c.question_id, answers.c.skipped, func.count())
        .group_by(answers.c.question_id, answers.c.skipped)
    ):
        (skipped if was_skipped else answered)[question_id] = count

    options: dict[str, dict[str, int]] = {}
    for question_id, option_id, count in db.execute(
        select(answers.c.question_id, models.AnswerOption.option_id, func.count())
        .join(models.AnswerOption, models.AnswerOption.answer_id == answers.c.id)
        .group_by(answers.c.question_id, models.AnswerOption.option_id)
    ):
        options.setdefault(question_id, {})[option_id] = count

    ratings: dict[str, dict[int, int]] = {}
    means: dict[str, float] = {}
    for question_id, rating, count in db.execute(
        select(answers.c.question_id, answers.c.rating, func.count())
        .where(answers.c.rating.is_not(None))
        .group_by(answers.c.question_id, answers.c.rating)
    ):
        ratings.setdefault(question_id, {})[rating] = count
    for question_id, mean in db.execute(
        select(answers.c.question_id, func.avg(answers.c.rating))
        .where(answers.c.rating.is_not(None))
        .group_by(answers.c.question_id)
    ):
        means[question_id] = float(mean)

    texts: dict[str, list[str]] = {}
    text_questions = [q.id for q in questionnaire.questions if q.type is QuestionType.TEXT]
    for question_id in text_questions:
        texts[question_id] = list(
            db.scalars(
                select(answers.c.text)
                .where(answers.c.question_id == question_id, answers.c.text.is_not(None))
                .order_by(answers.c.answered_at.desc())
                .limit(TEXT_ANSWERS_LISTED)
            )
        )

    status_counts: dict[str, int] = {
        status: count
        for status, count in db.execute(
            select(models.Response.status, func.count())
            .join(models.Participant)
            .where(
                models.Participant.workshop_id == workshop.id,
                models.Response.questionnaire_id == workshop.evaluation_questionnaire_id,
            )
            .group_by(models.Response.status)
        )
    }
    joined = db.scalar(
        select(func.count()).select_from(models.Participant).where(models.Participant.workshop_id == workshop.id)
    ) or 0

    return WorkshopStats(
        title=workshop.title,
        join_code=workshop.join_code,
        joined=joined,
        sent=status_counts.get(ResponseStatus.IN_PROGRESS, 0) + status_counts.get(ResponseStatus.COMPLETED, 0),
        completed=status_counts.get(ResponseStatus.COMPLETED, 0),
        questionnaire=questionnaire,
        questions=tuple(
            QuestionStats(
                question=q,
                answered=answered.get(q.id, 0),
                skipped=skipped.get(q.id, 0),
                option_counts=options.get(q.id, {}),
                rating_counts=ratings.get(q.id, {}),
                mean=means.get(q.id),
                texts=tuple(texts.get(q.id, ())),
            )
            for q in questionnaire.questions
        ),
    )
