"""The questionnaire state machine: one question at a time, every answer stored at once.

Each function receives the response (already checked to belong to the user) and the
index of the question the button or message refers to. A button whose index is not the
current question is stale and changes nothing, so an old keyboard can never overwrite an
answer.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, inspect, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from bot.clock import utcnow
from bot.domain.errors import InvalidAnswer, NothingSelected, StaleQuestion
from bot.domain.participation import queue_response, workshop_of_response
from bot.domain.pre_survey import queue_pre_survey
from bot.domain.questionnaire_store import questionnaire_by_id
from bot.domain.sessions import evaluation_of, latest_closed
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

Values = dict[str, tuple[str, ...]]
"""Question id → its stored answer as strings, what ``show_if`` conditions read."""


class TooManyChoices(InvalidAnswer):
    """One more tick than a multi-select's ``max_choices``: the selection stays as it was."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class TooManyItems(InvalidAnswer):
    """A typed item beyond a commitments question's ``max_choices`` (after ◀ Back to it):
    nothing stored, the participant taps Done."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


COMMITMENT_MAX_CHARS = 280
"""The longest commitment one message may carry: "one thing I will do differently" is short,
and the follow-up quotes it back whole."""

DEFAULT_COMMITMENTS = 3  # a commitments question without ``max`` (the loader sets it anyway)


def commitment_items(text: str | None) -> list[str]:
    """The commitments written so far, as the question's answer keeps them (one per line)."""
    return [item for item in (text or "").split("\n") if item]


class TextTooLong(InvalidAnswer):
    """A typed answer over the question's ``max_length``: nothing stored, the question open."""

    def __init__(self, limit: int, length: int) -> None:
        super().__init__(limit, length)
        self.limit, self.length = limit, length


def _questionnaire(db: Session, response: models.Response) -> Questionnaire:
    return questionnaire_by_id(db, response.questionnaire_id)


def _answers(db: Session, response: models.Response) -> list[models.Answer]:
    """The response's answers with their options, read at most once per transaction (the
    tap path loads them with the locked response, in the same statement)."""
    if "answers" in inspect(response).unloaded:
        rows = db.scalars(
            select(models.Answer)
            .where(models.Answer.response_id == response.id)
            .options(selectinload(models.Answer.options))
        ).all()
        set_committed_value(response, "answers", list(rows))
    return response.answers


def _stored_answer(db: Session, response: models.Response, question_id: str) -> models.Answer | None:
    return next((a for a in _answers(db, response) if a.question_id == question_id), None)


def _values(db: Session, response: models.Response) -> Values:
    """The stored answers as ``show_if`` reads them: a rating as "9", options by id, a skipped
    question as nothing (a typed text is never a condition's value)."""
    values: Values = {}
    for answer in _answers(db, response):
        if answer.skipped:
            values[answer.question_id] = ()
        elif answer.rating is not None:
            values[answer.question_id] = (str(answer.rating),)
        else:
            values[answer.question_id] = tuple(o.option_id for o in answer.options)
    return values


def _to_answer_after(questionnaire: Questionnaire, after: int, values: Values) -> tuple[int | None, tuple[Question, ...]]:
    """The next question to answer that is shown after ``after`` (None: the end), and the
    shown notes on the way, which go above it (or with the thanks)."""
    notes: list[Question] = []
    index = questionnaire.next_index(after, values)
    while index is not None and not questionnaire.questions[index].answerable:
        notes.append(questionnaire.questions[index])
        index = questionnaire.next_index(index, values)
    return index, tuple(notes)


def _to_answer_before(questionnaire: Questionnaire, before: int, values: Values) -> int | None:
    """The last question to answer that is shown before ``before`` (None: it is the first)."""
    index = questionnaire.previous_index(before, values)
    while index is not None and not questionnaire.questions[index].answerable:
        index = questionnaire.previous_index(index, values)
    return index


def _notes_before(questionnaire: Questionnaire, index: int, values: Values) -> tuple[Question, ...]:
    """The shown notes between the previous question to answer and question ``index``."""
    notes: list[Question] = []
    before = questionnaire.previous_index(index, values)
    while before is not None and not questionnaire.questions[before].answerable:
        notes.insert(0, questionnaire.questions[before])
        before = questionnaire.previous_index(before, values)
    return tuple(notes)


def _shown_to_answer(questionnaire: Questionnaire, values: Values) -> list[int]:
    """The indexes of the questions this person is asked given their answers so far."""
    return [i for i, q in enumerate(questionnaire.questions) if q.answerable and questionnaire.shown(q, values)]


def _view(response: models.Response, questionnaire: Questionnaire, index: int, values: Values,
          answer: models.Answer | None, *, notes: tuple[Question, ...] = (),
          previous: QuestionView | None = None) -> QuestionView:
    question = questionnaire.questions[index]
    selected: tuple[str, ...] = tuple(o.option_id for o in answer.options) if answer else ()
    if question.type is QuestionType.MULTI and index == response.current_index:
        if response.draft_selection is not None:
            selected = tuple(response.draft_selection)
    shown = _shown_to_answer(questionnaire, values)
    return QuestionView(
        response_id=response.id,
        questionnaire=questionnaire,
        index=index,
        question=question,
        selected=selected,
        rating=answer.rating if answer else None,
        text=answer.text if answer else None,
        skipped=answer.skipped if answer else False,
        previous=previous,
        notes=notes,
        number=sum(1 for i in shown if i <= index),
        count=len(shown),
    )


def view_at(db: Session, response: models.Response, index: int, *, with_previous: bool = True) -> QuestionView:
    """Question ``index`` as it shows now; with the previous question asked (recalled above it,
    if answered) and the notes before it, unless ``with_previous`` is False (a recap line)."""
    questionnaire = _questionnaire(db, response)
    values = _values(db, response)
    previous: QuestionView | None = None
    notes: tuple[Question, ...] = ()
    if with_previous:
        before_index = _to_answer_before(questionnaire, index, values)
        if before_index is not None:
            before = view_at(db, response, before_index, with_previous=False)
            previous = before if before.has_answer or before.skipped else None
        notes = _notes_before(questionnaire, index, values)
    answer = _stored_answer(db, response, questionnaire.questions[index].id)
    return _view(response, questionnaire, index, values, answer, notes=notes, previous=previous)


def opening_view(db: Session, response: models.Response) -> QuestionView:
    """The first question of a questionnaire not started yet (the notes before it above it):
    nothing answered, so no condition holds and nothing is read from the database."""
    questionnaire = _questionnaire(db, response)
    index, notes = _to_answer_after(questionnaire, -1, {})
    if index is None:  # the loader refuses a questionnaire without a question to answer
        raise InvalidAnswer(f"questionnaire {questionnaire.key} asks nothing")
    return _view(response, questionnaire, index, {}, None, notes=notes)


def reminder_figures(db: Session, response: models.Response) -> tuple[int, int]:
    """``(answered, total)`` for "you answered 4 of 9": only the questions this person is
    shown given their answers so far, notes and hidden questions not counted; answered are
    those before where they stand. Their answers are read only when a condition needs them."""
    questionnaire = _questionnaire(db, response)
    conditional = any(q.show_if is not None for q in questionnaire.questions)
    shown = _shown_to_answer(questionnaire, _values(db, response) if conditional else {})
    return sum(1 for i in shown if i < response.current_index), len(shown)


def current_view(db: Session, response: models.Response) -> QuestionView | None:
    """The question to show now, or None when there is nothing left to ask."""
    if response.status is not ResponseStatus.IN_PROGRESS:
        return None
    return view_at(db, response, response.current_index)


def mark_started(response: models.Response, question_message_id: int, first_index: int = 0) -> None:
    """The first question (``first_index``: notes before it are not questions) reached the
    participant: the response leaves the outbox.

    Not "started" yet: ``started_at`` is set by their first answer (or skip).
    """
    if response.status is ResponseStatus.PENDING:
        response.status = ResponseStatus.IN_PROGRESS
        response.current_index = first_index
    response.question_message_id = question_message_id
    response.touched_at = utcnow()


def mark_undeliverable(response: models.Response) -> None:
    response.status = ResponseStatus.UNDELIVERABLE


def shown_in(db: Session, response_id: int, message_id: int) -> None:
    """The current question now shows in ``message_id`` (sent after the answer was stored:
    a typed answer's next question, or the question shown again by /start)."""
    response = db.get(models.Response, response_id)
    if response is not None:
        response.question_message_id = message_id


def _check_current(db: Session, response: models.Response, index: int) -> None:
    """Refuse a stale index, after locking the response row (``SELECT … FOR UPDATE``).

    Two updates on one question at once (a double tap reaching two replicas, a tap and a
    typed answer) then take turns: the second reads the row after the first committed and
    finds its index stale. Only an open response is locked: queued ones are what the
    outbox holds locked while it sends, and waiting for it here would stop the event loop
    it needs (see ``participation.claim_pending``).
    """
    if response.status is ResponseStatus.IN_PROGRESS and not _locked_already(db, response):
        db.flush()  # a refresh reloads the row: what this session changed must be written first
        db.refresh(response, with_for_update=True)
        _remember_locked(db, response)
    if response.status is not ResponseStatus.IN_PROGRESS or response.current_index != index:
        raise StaleQuestion()


def _locked_already(db: Session, response: models.Response) -> bool:
    """Whether this transaction read the row with its lock already (``_own_locked``)."""
    return db.info.get("locked_response") == (db.get_transaction(), response.id)


def _remember_locked(db: Session, response: models.Response) -> None:
    db.info["locked_response"] = (db.get_transaction(), response.id)


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
        answer = models.Answer(question_id=question.id)
        response.answers.append(answer)  # no statement until the flush: one INSERT at the commit
    elif answer.options:
        answer.options.clear()
        db.flush()  # delete the old option rows before inserting the new ones
    answer.skipped = skipped
    answer.rating = rating
    answer.text = text
    answer.answered_at = utcnow()
    if response.started_at is None:  # their first answer: now they have started
        response.started_at = answer.answered_at
    answer.options.extend(models.AnswerOption(option_id=o, position=i) for i, o in enumerate(options))


def _drop_hidden(db: Session, response: models.Response, questionnaire: Questionnaire) -> Values:
    """Delete the answers of questions that the answers now hide (an earlier answer changed
    after ◀ Back), in this transaction; the answers that remain, as conditions read them."""
    values = _values(db, response)
    for answer in list(_answers(db, response)):
        question = questionnaire.question(answer.question_id)
        if question is not None and not questionnaire.shown(question, values):
            response.answers.remove(answer)  # delete-orphan: one DELETE at the flush
            db.delete(answer)
            if question.type is QuestionType.COMMITMENTS:  # the rows the follow-up would send back
                db.execute(delete(models.Commitment).where(models.Commitment.response_id == response.id))
    return _values(db, response)


def _advance(db: Session, response: models.Response, *, truncated: bool = False) -> Progress:
    """After an answer: the next question shown given the answers so far, or the end."""
    questionnaire = _questionnaire(db, response)
    values = _drop_hidden(db, response, questionnaire)
    answered = view_at(db, response, response.current_index)
    response.draft_selection = None
    response.touched_at = utcnow()
    following, closing_notes = _to_answer_after(questionnaire, response.current_index, values)
    if following is not None:
        response.current_index = following
        next_view = view_at(db, response, response.current_index)
        if next_view.question.type is QuestionType.MULTI:
            response.draft_selection = list(next_view.selected)
        return Progress(answered=answered, next=next_view, truncated=truncated)
    response.status = ResponseStatus.COMPLETED
    response.completed_at = utcnow()
    queued = _owed_after_completion(db, response)
    everything = tuple(view_at(db, response, i, with_previous=False) for i in _shown_to_answer(questionnaire, values))
    closed = (response.kind == QuestionnaireKind.PROFILE.value
              and workshop_of_response(db, response).closed_at is not None)
    return Progress(answered=answered, next=None, truncated=truncated, queued_response_ids=queued,
                    answers=everything, session_closed=closed, closing_notes=closing_notes)


def _owed_after_completion(db: Session, response: models.Response) -> tuple[int, ...]:
    """Someone who joined after /close gets the evaluation once the profile is done; before
    it, the pre-survey when the workshop has one (``pre_survey``)."""
    if response.kind != QuestionnaireKind.PROFILE.value:
        return ()
    workshop = workshop_of_response(db, response)
    if workshop.closed_at is None:
        pre = queue_pre_survey(db, response.participant_id, workshop)
        return (pre.id,) if pre is not None else ()
    session = latest_closed(db, workshop)  # the one that just closed: a late scan of its QR code
    if session is None:
        return ()
    exists_already = db.scalar(
        select(models.Response.id).where(
            models.Response.participant_id == response.participant_id,
            models.Response.kind == QuestionnaireKind.EVALUATION.value,
            models.Response.session_number == session.number,
        )
    )
    if exists_already is not None:
        return ()
    participant = db.get(models.Participant, response.participant_id)
    assert participant is not None
    owed = queue_response(db, participant, evaluation_of(workshop, session), QuestionnaireKind.EVALUATION)
    owed.session_number = session.number
    db.flush()
    return (owed.id,)


# --- a tap, in one call: the response, its owner and its answers read in one locked query ---


# Built once: making this statement and its cache key took ~0.7 ms of CPU, on every tap.
_OWN_LOCKED = (
    select(models.Response)
    .join(models.Participant, models.Participant.id == models.Response.participant_id)
    .join(models.User, models.User.id == models.Participant.user_id)
    .where(models.Response.id == bindparam("response_id"), models.Participant.user_id == bindparam("user_id"),
           models.Response.status == ResponseStatus.IN_PROGRESS)
    .add_columns(models.User)
    .options(joinedload(models.Response.answers).joinedload(models.Answer.options))
    .with_for_update(of=models.Response)
    .execution_options(populate_existing=True)
)


def _own_locked(db: Session, user_id: int, response_id: int) -> models.Response:
    """The open response a button refers to, if it is ``user_id``'s, locked (``SELECT … FOR
    UPDATE OF responses``) with its answers and the user row, in ONE statement: the user is
    then in the session, and the wrapper's lazy ``ctx.user`` costs nothing. A forged id, a
    stranger's response or one that is not open any more is stale, as an old keyboard.

    Only an open response is locked (see ``_check_current``): the WHERE on the status is
    evaluated before the lock is taken, so a queued one the outbox holds is not waited for.
    """
    response = db.execute(_OWN_LOCKED, {"response_id": response_id, "user_id": user_id}).unique().one_or_none()
    if response is None:
        raise StaleQuestion()
    # The identity map holds objects weakly: keep the user alive for this session (one update),
    # so that ``get_or_create_user`` finds it there instead of reading it again.
    db.info["user_read_with_response"] = response[1]
    _remember_locked(db, response[0])
    return response[0]


def shown_but_stale(db: Session, user_id: int, response_id: int, message_id: int) -> QuestionView | None:
    """The current question of ``user_id``'s open response when ``message_id`` is the message
    that should show it, though the tap came from an older state of it: the edit that moved
    the message on never reached the chat (the bot died between storing the answer and
    editing). None for anything else stale (an old message, a stranger's response)."""
    response = db.get(models.Response, response_id)
    if (response is None or response.status is not ResponseStatus.IN_PROGRESS
            or response.question_message_id != message_id
            or db.scalar(select(models.Participant.user_id).where(
                models.Participant.id == response.participant_id)) != user_id):
        return None
    return current_view(db, response)


def _in_message(response: models.Response, progress: Progress, message_id: int) -> Progress:
    """The tapped message now shows the next question (or the thanks): remember it."""
    if progress.next is not None:
        response.question_message_id = message_id
    return progress


def tap_answer(db: Session, user_id: int, response_id: int, index: int, value: str, message_id: int) -> Progress:
    """A rating, a choice or yes/no tapped under question ``index`` of message ``message_id``."""
    response = _own_locked(db, user_id, response_id)
    progress = (answer_rating(db, response, index, int(value)) if value.isdigit()
                else answer_choice(db, response, index, value))
    return _in_message(response, progress, message_id)


def tap_confirm(db: Session, user_id: int, response_id: int, index: int, message_id: int) -> Progress:
    response = _own_locked(db, user_id, response_id)
    return _in_message(response, confirm_selection(db, response, index), message_id)


def tap_skip(db: Session, user_id: int, response_id: int, index: int, message_id: int) -> Progress:
    response = _own_locked(db, user_id, response_id)
    return _in_message(response, skip(db, response, index), message_id)


def tap_keep(db: Session, user_id: int, response_id: int, index: int, message_id: int) -> Progress:
    response = _own_locked(db, user_id, response_id)
    return _in_message(response, keep_answer(db, response, index), message_id)


def tap_toggle(db: Session, user_id: int, response_id: int, index: int, value: str) -> QuestionView:
    response = _own_locked(db, user_id, response_id)
    return toggle_option(db, response, index, value)


def tap_back(db: Session, user_id: int, response_id: int, index: int, message_id: int) -> QuestionView:
    response = _own_locked(db, user_id, response_id)
    view = go_back(db, response, index)
    response.question_message_id = message_id
    return view


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
    elif question.max_choices is not None and len(current) >= question.max_choices:
        raise TooManyChoices(question.max_choices)
    else:
        current.append(option_id)
    order = question.option_ids()
    response.draft_selection = sorted(current, key=order.index)
    response.touched_at = utcnow()
    return view_at(db, response, index)


def confirm_selection(db: Session, response: models.Response, index: int) -> Progress:
    question = _question(db, response, index, QuestionType.MULTI)
    selected = tuple(response.draft_selection or ())
    if question.max_choices is not None and len(selected) > question.max_choices:
        raise TooManyChoices(question.max_choices)
    if not selected:
        if not question.optional:
            raise NothingSelected()
        _replace_answer(db, response, question, skipped=True)
    else:
        _replace_answer(db, response, question, options=selected)
    return _advance(db, response)


def answer_text(db: Session, response: models.Response, index: int, text: str) -> Progress:
    question = _question(db, response, index, QuestionType.TEXT, QuestionType.COMMITMENTS)
    text = without_controls(text).strip()
    if not text:
        raise InvalidAnswer("empty text")
    if question.type is QuestionType.COMMITMENTS:
        return _add_commitment(db, response, question, index, text)
    if question.max_length is not None and len(text) > question.max_length:
        raise TextTooLong(question.max_length, len(text))
    truncated = len(text) > TEXT_ANSWER_MAX
    _replace_answer(db, response, question, text=text[:TEXT_ANSWER_MAX])
    return _advance(db, response, truncated=truncated)


def _add_commitment(db: Session, response: models.Response, question: Question, index: int,
                    text: str) -> Progress:
    """One typed commitment: a ``commitments`` row (what the follow-up sends back) and the
    question's answer, the items one per line (what statistics, exports and the summary
    read). The question stays current until ``max_choices`` are written (then it moves on by
    itself) or Done (``keep_answer``)."""
    item = " ".join(text.split())  # one line: the answer keeps one item per line
    if len(item) > COMMITMENT_MAX_CHARS:
        raise TextTooLong(COMMITMENT_MAX_CHARS, len(item))
    stored = _stored_answer(db, response, question.id)
    items = [] if stored is None or stored.skipped else commitment_items(stored.text)
    limit = question.max_choices or DEFAULT_COMMITMENTS
    if len(items) >= limit:
        raise TooManyItems(limit)
    if stored is None or stored.skipped:  # a first item (or after a skip): none of the old rows
        db.execute(delete(models.Commitment).where(models.Commitment.response_id == response.id))
    db.add(models.Commitment(response_id=response.id, participant_id=response.participant_id,
                             position=len(items) + 1, text=item))
    items.append(item)
    _replace_answer(db, response, question, text="\n".join(items))
    if len(items) >= limit:
        return _advance(db, response)
    response.touched_at = utcnow()
    view = view_at(db, response, index, with_previous=False)  # the items so far, not the recap
    return Progress(answered=view, next=view)


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
    if question.type is QuestionType.COMMITMENTS:
        stored = _stored_answer(db, response, question.id)
        if stored is not None and not stored.skipped:  # an old Skip under the question: Done is the way on
            raise InvalidAnswer(f"{question.id} has commitments written")
    _replace_answer(db, response, question, skipped=True)
    return _advance(db, response)


def go_back(db: Session, response: models.Response, index: int) -> QuestionView:
    """Return to the previous question shown (notes and hidden questions passed over); its
    stored answer stays until replaced."""
    _check_current(db, response, index)
    before = _to_answer_before(_questionnaire(db, response), index, _values(db, response))
    if before is None:
        raise InvalidAnswer("already at the first question")
    response.current_index = before
    previous = view_at(db, response, before)
    response.draft_selection = list(previous.selected) if previous.question.type is QuestionType.MULTI else None
    response.touched_at = utcnow()
    return view_at(db, response, before)


def text_response_awaiting(db: Session, responses: list[models.Response]) -> tuple[models.Response, QuestionView] | None:
    """Of a user's open responses (most recent first), the one whose question wants text."""
    for response in responses:
        view = current_view(db, response)
        if view is not None and view.question.type in (QuestionType.TEXT, QuestionType.COMMITMENTS):
            return response, view
    return None
