"""The questionnaire state machine: one question at a time, every answer stored at once.

Each function receives the response (already checked to belong to the user) and the
index of the question the button or message refers to. A button whose index is not the
current question is stale and changes nothing, so an old keyboard can never overwrite an
answer.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.domain.errors import InvalidAnswer, NothingSelected, StaleQuestion
from bot.domain.participation import queue_response, workshop_of_response
from bot.domain.questionnaire_store import questionnaire_by_id
from bot.domain.typed_text import without_controls
from bot.questionnaires.model import (
    Question,
    Questionnaire,
    QuestionnaireKind,
    QuestionType,
)
from bot.results.questions import Progress, QuestionView
from bot.results.statuses import ResponseStatus
from bot.storage import models
from bot.storage.models import TEXT_ANSWER_MAX


def _questionnaire(db: Session, response: models.Response) -> Questionnaire:
    return questionnaire_by_id(db, response.questionnaire_id)


def _stored_answer(db: Session, response: models.Response, question_id: str) -> models.Answer | None:
    return db.scalar(
        select(models.Answer).where(
            models.Answer.response_id == response.id, models.Answer.question_id == question_id
        )
    )


def view_at(db: Session, response: models.Response, index: int) -> QuestionView:
    questionnaire = _questionnaire(db, response)
    question = questionnaire.questions[index]
    answer = _stored_answer(db, response, question.id)
    selected: tuple[str, ...] = tuple(o.option_id for o in answer.options) if answer else ()
    if question.type is QuestionType.MULTI and index == response.current_index:
        if response.draft_selection is not None:
            selected = tuple(response.draft_selection)
    return QuestionView(
        response_id=response.id,
        questionnaire=questionnaire,
        index=index,
        question=question,
        selected=selected,
        rating=answer.rating if answer else None,
        text=answer.text if answer else None,
        skipped=answer.skipped if answer else False,
    )


def current_view(db: Session, response: models.Response) -> QuestionView | None:
    """The question to show now, or None when there is nothing left to ask."""
    if response.status is not ResponseStatus.IN_PROGRESS:
        return None
    return view_at(db, response, response.current_index)


def mark_started(response: models.Response, question_message_id: int) -> None:
    """The first question reached the participant: the response leaves the outbox.

    Not "started" yet: ``started_at`` is set by their first answer (or skip).
    """
    if response.status is ResponseStatus.PENDING:
        response.status = ResponseStatus.IN_PROGRESS
        response.current_index = 0
    response.question_message_id = question_message_id
    response.touched_at = utcnow()


def mark_undeliverable(response: models.Response) -> None:
    response.status = ResponseStatus.UNDELIVERABLE


def _check_current(db: Session, response: models.Response, index: int) -> None:
    """Refuse a stale index, after locking the response row (``SELECT … FOR UPDATE``).

    Two updates on one question at once (a double tap reaching two replicas, a tap and a
    typed answer) then take turns: the second reads the row after the first committed and
    finds its index stale. Only an open response is locked: queued ones are what the
    outbox holds locked while it sends, and waiting for it here would stop the event loop
    it needs (see ``participation.claim_pending``).
    """
    if response.status is ResponseStatus.IN_PROGRESS:
        db.flush()  # a refresh reloads the row: what this session changed must be written first
        db.refresh(response, with_for_update=True)
    if response.status is not ResponseStatus.IN_PROGRESS or response.current_index != index:
        raise StaleQuestion()


def _replace_answer(
    db: Session,
    response: models.Response,
    question: Question,
    *,
    options: tuple[str, ...] = (),
    rating: int | None = None,
    text: str | None = None,
    skipped: bool = False,
) -> None:
    answer = _stored_answer(db, response, question.id)
    if answer is None:
        answer = models.Answer(response_id=response.id, question_id=question.id)
        db.add(answer)
    answer.skipped = skipped
    answer.rating = rating
    answer.text = text
    answer.answered_at = utcnow()
    if response.started_at is None:  # their first answer: now they have started
        response.started_at = answer.answered_at
    answer.options.clear()
    db.flush()  # delete the old option rows before inserting the new ones
    answer.options.extend(models.AnswerOption(option_id=o, position=i) for i, o in enumerate(options))
    db.flush()


def _advance(db: Session, response: models.Response, *, truncated: bool = False) -> Progress:
    answered = view_at(db, response, response.current_index)
    questionnaire = answered.questionnaire
    response.draft_selection = None
    response.touched_at = utcnow()
    if response.current_index + 1 < len(questionnaire.questions):
        response.current_index += 1
        next_view = view_at(db, response, response.current_index)
        if next_view.question.type is QuestionType.MULTI:
            response.draft_selection = list(next_view.selected)
        return Progress(answered=answered, next=next_view, truncated=truncated)
    response.status = ResponseStatus.COMPLETED
    response.completed_at = utcnow()
    queued = _owed_after_completion(db, response)
    return Progress(answered=answered, next=None, truncated=truncated, queued_response_ids=queued)


def _owed_after_completion(db: Session, response: models.Response) -> tuple[int, ...]:
    """Someone who joined after /close gets the evaluation once the profile is done."""
    if response.kind != QuestionnaireKind.PROFILE.value:
        return ()
    workshop = workshop_of_response(db, response)
    if workshop.closed_at is None:
        return ()
    exists_already = db.scalar(
        select(models.Response.id).where(
            models.Response.participant_id == response.participant_id,
            models.Response.questionnaire_id == workshop.evaluation_questionnaire_id,
        )
    )
    if exists_already is not None:
        return ()
    participant = db.get(models.Participant, response.participant_id)
    assert participant is not None
    owed = queue_response(db, participant, workshop.evaluation_questionnaire_id, QuestionnaireKind.EVALUATION)
    db.flush()
    return (owed.id,)


def _question(db: Session, response: models.Response, index: int, *types: QuestionType) -> Question:
    _check_current(db, response, index)
    question = _questionnaire(db, response).questions[index]
    if question.type not in types:
        raise InvalidAnswer(f"question {question.id} is not {types}")
    return question


def answer_rating(db: Session, response: models.Response, index: int, value: int) -> Progress:
    question = _question(db, response, index, QuestionType.RATING)
    if value not in question.scale():
        raise InvalidAnswer(f"{value} is outside {question.scale()}")
    _replace_answer(db, response, question, rating=value)
    return _advance(db, response)


def answer_choice(db: Session, response: models.Response, index: int, option_id: str) -> Progress:
    question = _question(db, response, index, QuestionType.CHOICE, QuestionType.YESNO)
    if option_id not in question.option_ids():
        raise InvalidAnswer(f"{option_id!r} is not an option of {question.id}")
    _replace_answer(db, response, question, options=(option_id,))
    return _advance(db, response)


def toggle_option(db: Session, response: models.Response, index: int, option_id: str) -> QuestionView:
    """Tick or untick an option of a multi-select; stored as a draft until confirmed."""
    question = _question(db, response, index, QuestionType.MULTI)
    if option_id not in question.option_ids():
        raise InvalidAnswer(f"{option_id!r} is not an option of {question.id}")
    current = list(response.draft_selection if response.draft_selection is not None else view_at(db, response, index).selected)
    if option_id in current:
        current.remove(option_id)
    else:
        current.append(option_id)
    order = question.option_ids()
    response.draft_selection = sorted(current, key=order.index)
    response.touched_at = utcnow()
    return view_at(db, response, index)


def confirm_selection(db: Session, response: models.Response, index: int) -> Progress:
    question = _question(db, response, index, QuestionType.MULTI)
    selected = tuple(response.draft_selection or ())
    if not selected:
        if not question.optional:
            raise NothingSelected()
        _replace_answer(db, response, question, skipped=True)
    else:
        _replace_answer(db, response, question, options=selected)
    return _advance(db, response)


def answer_text(db: Session, response: models.Response, index: int, text: str) -> Progress:
    question = _question(db, response, index, QuestionType.TEXT)
    text = without_controls(text).strip()
    if not text:
        raise InvalidAnswer("empty text")
    truncated = len(text) > TEXT_ANSWER_MAX
    _replace_answer(db, response, question, text=text[:TEXT_ANSWER_MAX])
    return _advance(db, response, truncated=truncated)


def keep_answer(db: Session, response: models.Response, index: int) -> Progress:
    """After going back: leave the stored answer as it is and move on."""
    _check_current(db, response, index)
    view = view_at(db, response, index)
    if not (view.has_answer or view.skipped):
        raise InvalidAnswer("nothing to keep")
    return _advance(db, response)


def skip(db: Session, response: models.Response, index: int) -> Progress:
    question = _question(db, response, index, *QuestionType)
    if not question.optional:
        raise InvalidAnswer(f"{question.id} is not optional")
    _replace_answer(db, response, question, skipped=True)
    return _advance(db, response)


def go_back(db: Session, response: models.Response, index: int) -> QuestionView:
    """Return to the previous question; its stored answer stays until replaced."""
    _check_current(db, response, index)
    if index == 0:
        raise InvalidAnswer("already at the first question")
    response.current_index = index - 1
    previous = view_at(db, response, index - 1)
    response.draft_selection = list(previous.selected) if previous.question.type is QuestionType.MULTI else None
    response.touched_at = utcnow()
    return view_at(db, response, index - 1)


def text_response_awaiting(db: Session, responses: list[models.Response]) -> tuple[models.Response, QuestionView] | None:
    """Of a user's open responses (most recent first), the one whose question wants text."""
    for response in responses:
        view = current_view(db, response)
        if view is not None and view.question.type is QuestionType.TEXT:
            return response, view
    return None
