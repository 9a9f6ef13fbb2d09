"""A workshop's answers for the export, as plain data: who stands where, what they answered.

The export is meant to be e-mailed around, so participants appear only as pseudonyms
("P01", "P02" … in the order they joined), never with a Telegram id or a name. Each
participant carries their profile answers (type of organisation, gender: what organisers
disaggregate by; a value too few participants share is withheld, see ``_coarsened``)
and where they stand in the evaluation and in the follow-up, sent or
not. No words here: statuses are ``ExportStatus`` values, answers the stored values
(ratings, texts, option ids), times UTC; ``bot.rendering.export_content`` words them.

"Started" means "answered (or skipped) at least one question": someone who received the
questionnaire and never touched it is ``NOT_STARTED`` and has no start time.

Loading takes three queries whatever the number of participants: the questionnaires,
the participants with their responses, and the answers with their options (plus one
for the workshop's sessions: which session's evaluation, and each one's response rate).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.commitments import barrier_question, export_commitments
from bot.domain.questionnaire_store import as_model
from bot.domain.sessions import SessionNotFound, evaluation_of, sessions_of
from bot.questionnaires.model import Questionnaire, QuestionnaireKind
from bot.results.export import (
    ExportAnswer,
    ExportData,
    ExportParticipant,
    ExportResponse,
    ExportStatus,
)
from bot.results.sessions import SessionFigures
from bot.results.stats import hidden_keys
from bot.results.statuses import ResponseStatus
from bot.storage import models

DEFAULT_TIMEZONE = "Africa/Casablanca"


@dataclass
class _StoredAnswer:
    skipped: bool
    rating: int | None
    text: str | None
    options: list[str] = field(default_factory=list)


Answers = dict[int, dict[str, _StoredAnswer]]  # response id → question id → answer


@dataclass
class _Participant:
    blocked: bool
    responses: dict[int, Any] = field(default_factory=dict)  # questionnaire id → response row


def export_data(
    db: Session, workshop: models.Workshop, *, timezone: str = DEFAULT_TIMEZONE, session: int | None = None
) -> ExportData:
    """The export of ``workshop``, its dates to be written in ``timezone`` (the workshop's).

    Its evaluation is one session's: ``session`` (``/export CODE s2``), else the latest
    closed one (a one-session workshop: its evaluation, as always); the summary sheet
    gives every session's response rate when there are several."""
    sessions = sessions_of(db, workshop)  # the one query sessions add
    closed = [s for s in sessions if s.closed_at is not None]
    chosen = next((s for s in sessions if s.number == session), None) if session else (closed or sessions)[-1]
    if chosen is None:
        raise SessionNotFound(session or 0, workshop.join_code)
    evaluation_id = evaluation_of(workshop, chosen)
    forms = _questionnaires(db, workshop, evaluation_id)
    profile = forms[workshop.profile_questionnaire_id]
    sent = {
        QuestionnaireKind.EVALUATION: evaluation_id,
        QuestionnaireKind.FOLLOWUP: workshop.followup_questionnaire_id,
    }
    answers = _answers_by_response(db, workshop)
    participants = []
    found, received, completed = _participants(db, workshop, chosen.number)
    every_session = tuple(SessionFigures(s.number, s.title, s.closed_at, received[s.number], completed[s.number])
                          for s in sessions)
    for number, participant in enumerate(found, start=1):
        profile_row = participant.responses.get(workshop.profile_questionnaire_id)
        participants.append(ExportParticipant(
            pseudonym=f"P{number:02d}",
            profile=_answers(profile, answers, profile_row),
            responses={
                kind: _response(forms[qid], answers, participant.responses.get(qid), blocked=participant.blocked)
                for kind, qid in sent.items()
            },
        ))
    return ExportData(
        title=workshop.title,
        timezone=timezone,
        profile=profile,
        questionnaires=tuple(forms[qid] for qid in sent.values()),
        participants=_coarsened(profile, participants),
        sessions=every_session if len(every_session) > 1 else (),
        session=next((f for f in every_session if f.number == chosen.number), None) if len(every_session) > 1 else None,
        commitments=export_commitments(db, workshop),
        barrier_question=barrier_question(forms[workshop.followup_questionnaire_id]),
    )


WITHHELD = ExportAnswer(withheld=True)


def _profile_value(answer: ExportAnswer | None) -> Hashable:
    """What a profile cell would say; None when the participant did not say (skipped, or not yet)."""
    if answer is None or answer.skipped:
        return None
    return answer.options or answer.rating or answer.text


def _coarsened(profile: Questionnaire, participants: Sequence[ExportParticipant]) -> tuple[ExportParticipant, ...]:
    """Participants with the profile values that would single somebody out withheld.

    A pseudonymous row with the only woman of the workshop is hers: a profile value
    shared by fewer than 3 participants, and the values that would give it away by
    elimination, are withheld, by the same rule as the statistics' hidden groups
    (``hidden_keys``: "not stated" counts as a value, ties hide the value listed last).
    """
    withheld: dict[str, frozenset[Hashable]] = {}
    for question in profile.questions:
        values = [_profile_value(p.profile.get(question.id)) for p in participants]
        listed: list[Hashable] = [(option,) for option in question.option_ids()]  # questionnaire order
        listed += [v for v in dict.fromkeys(values) if v is not None and v not in listed] + [None]
        withheld[question.id] = hidden_keys({value: values.count(value) for value in listed})
    coarsened = []
    for participant in participants:
        cells = dict(participant.profile)
        for question in profile.questions:
            if _profile_value(cells.get(question.id)) in withheld[question.id]:
                cells[question.id] = WITHHELD
        coarsened.append(replace(participant, profile=cells))
    return tuple(coarsened)


def _response(questionnaire: Questionnaire, answers: Answers, row: Any, *, blocked: bool) -> ExportResponse:
    if row is None:
        return ExportResponse(ExportStatus.NOT_SENT)
    given = _answers(questionnaire, answers, row)
    return ExportResponse(
        status=_status(row.status, answered=bool(given), blocked=blocked),
        started_at=row.started_at if given else None,
        completed_at=row.completed_at,
        answers=given,
    )


def _status(status: ResponseStatus, *, answered: bool, blocked: bool) -> ExportStatus:
    if status is ResponseStatus.IN_PROGRESS:
        return ExportStatus.IN_PROGRESS if answered else ExportStatus.NOT_STARTED
    if status is ResponseStatus.PENDING:  # counted as delivery_counts does: blocked means unreachable
        return ExportStatus.UNREACHABLE if blocked else ExportStatus.PENDING
    return {
        ResponseStatus.COMPLETED: ExportStatus.COMPLETED,
        ResponseStatus.UNDELIVERABLE: ExportStatus.UNREACHABLE,
        ResponseStatus.FAILED: ExportStatus.FAILED,
    }[status]


def _answers(questionnaire: Questionnaire, answers: Answers, row: Any) -> dict[str, ExportAnswer]:
    """The answers of one response, chosen options in questionnaire order."""
    stored = answers.get(row.id, {}) if row is not None else {}
    result = {}
    for question_id, answer in stored.items():
        question = questionnaire.question(question_id)
        order = question.option_ids() if question is not None else ()
        options = sorted(answer.options, key=lambda o: order.index(o) if o in order else len(order))
        result[question_id] = ExportAnswer(answer.skipped, answer.rating, answer.text, tuple(options))
    return result


# --- the three queries -------------------------------------------------------------------


def _questionnaires(db: Session, workshop: models.Workshop, evaluation_id: int) -> dict[int, Questionnaire]:
    ids = {
        workshop.profile_questionnaire_id,
        evaluation_id,
        workshop.followup_questionnaire_id,
    }
    rows = db.scalars(select(models.Questionnaire).where(models.Questionnaire.id.in_(ids)))
    return {row.id: as_model(row) for row in rows}


def _participants(
    db: Session, workshop: models.Workshop, session_number: int
) -> tuple[list[_Participant], Counter[int], Counter[int]]:
    """Participants in join order, each with their response rows by questionnaire id (of the
    evaluations, that session's only), and each session's evaluations owed and completed."""
    rows = db.execute(
        select(
            models.Participant.id.label("participant_id"),
            models.User.blocked_bot,
            models.Response.id,
            models.Response.questionnaire_id,
            models.Response.status,
            models.Response.started_at,
            models.Response.completed_at,
            models.Response.kind,
            models.Response.session_number,
        )
        .join(models.User, models.User.id == models.Participant.user_id)
        .outerjoin(models.Response, models.Response.participant_id == models.Participant.id)
        .where(models.Participant.workshop_id == workshop.id)
        .order_by(models.Participant.joined_at, models.Participant.id)
    )
    participants: dict[int, _Participant] = {}
    received: Counter[int] = Counter()
    completed: Counter[int] = Counter()
    for row in rows:
        participant = participants.setdefault(row.participant_id, _Participant(bool(row.blocked_bot)))
        if row.id is None:
            continue
        if row.kind == QuestionnaireKind.EVALUATION.value:
            received[row.session_number] += 1
            completed[row.session_number] += row.status == ResponseStatus.COMPLETED
            if row.session_number != session_number:
                continue
        participant.responses[row.questionnaire_id] = row
    return list(participants.values()), received, completed


def _answers_by_response(db: Session, workshop: models.Workshop) -> Answers:
    rows = db.execute(
        select(
            models.Answer.response_id,
            models.Answer.question_id,
            models.Answer.skipped,
            models.Answer.rating,
            models.Answer.text,
            models.AnswerOption.option_id,
        )
        .join(models.Response, models.Response.id == models.Answer.response_id)
        .join(models.Participant, models.Participant.id == models.Response.participant_id)
        .outerjoin(models.AnswerOption, models.AnswerOption.answer_id == models.Answer.id)
        .where(models.Participant.workshop_id == workshop.id)
    )
    answers: Answers = {}
    for response_id, question_id, skipped, rating, text, option_id in rows:
        of_response = answers.setdefault(response_id, {})
        stored = of_response.get(question_id)
        if stored is None:
            stored = of_response[question_id] = _StoredAnswer(bool(skipped), rating, text)
        if option_id is not None:
            stored.options.append(option_id)
    return answers
