"""A workshop's answers as one table: one row per participant per questionnaire received.

The table is plain data (headers and cells), ready to be written as CSV or XLSX. It is
meant to be e-mailed around, so participants appear only as pseudonyms ("P01", "P02" …
in the order they joined), never with a Telegram id or a name. Their profile answers
(type of organisation, gender) are repeated on each of their rows, because that is what
organisers disaggregate by. A participant who received neither the evaluation nor the
follow-up still gets one evaluation row, "not sent", so the table counts everyone.

Cells: a rating is an int, a choice or yes/no its label in the export's language, a
multi-select its labels joined with " ; " in questionnaire order, a text the text; a
skipped question is ``""`` and a question never reached is ``None``.

Loading takes three queries whatever the number of participants: the questionnaires,
the participants with their responses, and the answers with their options.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.questionnaire_store import as_model
from bot.i18n.catalogs import Translator, translator
from bot.questionnaires.model import Question, Questionnaire, QuestionType
from bot.results.export import Cell, ExportTable
from bot.results.statuses import ResponseStatus
from bot.storage import models

DEFAULT_TIMEZONE = "Africa/Casablanca"
MULTI_SEPARATOR = " ; "
FOLLOWUP_PREFIX = "followup."
"""Put before a follow-up question id that the evaluation already uses as a header."""


@dataclass
class _StoredAnswer:
    skipped: bool
    rating: int | None
    text: str | None
    options: list[str] = field(default_factory=list)


Answers = dict[int, dict[str, _StoredAnswer]]  # response id → question id → answer


def export_table(
    db: Session, workshop: models.Workshop, language: str, *, timezone: str = DEFAULT_TIMEZONE
) -> ExportTable:
    tr, zone = translator(language), ZoneInfo(timezone)
    forms = _questionnaires(db, workshop)
    profile = forms[workshop.profile_questionnaire_id]
    sent = (workshop.evaluation_questionnaire_id, workshop.followup_questionnaire_id)
    kinds = (tr.gettext("Evaluation"), tr.gettext("Follow-up"))
    statuses = _status_labels(tr)
    answers = _answers_by_response(db, workshop)
    rows: list[tuple[Cell, ...]] = []
    for number, responses in enumerate(_responses_by_participant(db, workshop).values(), start=1):
        profile_response = responses.get(workshop.profile_questionnaire_id)
        profile_cells = _cells(tr, profile, answers, profile_response)
        received = [slot for slot, qid in enumerate(sent) if qid in responses]
        for slot in received or [0]:  # received neither: one "not sent" evaluation row
            response = responses.get(sent[slot])
            rows.append((
                f"P{number:02d}",
                kinds[slot],
                statuses[response.status if response else None],
                _timestamp(response.started_at if response else None, zone),
                _timestamp(response.completed_at if response else None, zone),
                *profile_cells,
                *(
                    cell
                    for i, qid in enumerate(sent)
                    for cell in _cells(tr, forms[qid], answers, response if i == slot else None)
                ),
            ))
    return ExportTable(_columns(tr, profile, forms[sent[0]], forms[sent[1]]), tuple(rows))


# --- the three queries -------------------------------------------------------------------


def _questionnaires(db: Session, workshop: models.Workshop) -> dict[int, Questionnaire]:
    ids = {
        workshop.profile_questionnaire_id,
        workshop.evaluation_questionnaire_id,
        workshop.followup_questionnaire_id,
    }
    rows = db.scalars(select(models.Questionnaire).where(models.Questionnaire.id.in_(ids)))
    return {row.id: as_model(row) for row in rows}


def _responses_by_participant(db: Session, workshop: models.Workshop) -> dict[int, dict[int, Any]]:
    """Participant id → questionnaire id → response row, participants in join order."""
    rows = db.execute(
        select(
            models.Participant.id.label("participant_id"),
            models.Response.id,
            models.Response.questionnaire_id,
            models.Response.status,
            models.Response.started_at,
            models.Response.completed_at,
        )
        .outerjoin(models.Response, models.Response.participant_id == models.Participant.id)
        .where(models.Participant.workshop_id == workshop.id)
        .order_by(models.Participant.joined_at, models.Participant.id)
    )
    participants: dict[int, dict[int, Any]] = {}
    for row in rows:
        responses = participants.setdefault(row.participant_id, {})
        if row.id is not None:
            responses[row.questionnaire_id] = row
    return participants


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


# --- cells and headers -------------------------------------------------------------------


def _columns(tr: Translator, profile: Questionnaire, evaluation: Questionnaire, followup: Questionnaire) -> tuple[str, ...]:
    profile_headers = {"org_type": tr.gettext("Type of organisation"), "gender": tr.gettext("Gender")}
    evaluation_ids = {q.id for q in evaluation.questions}
    return (
        tr.gettext("Participant (pseudonym)"),
        tr.gettext("Survey"),
        tr.gettext("Status"),
        tr.gettext("Started at"),
        tr.gettext("Completed at"),
        *(profile_headers.get(q.id, q.id) for q in profile.questions),
        *(q.id for q in evaluation.questions),
        *(FOLLOWUP_PREFIX + q.id if q.id in evaluation_ids else q.id for q in followup.questions),
    )


def _status_labels(tr: Translator) -> dict[ResponseStatus | None, str]:
    return {
        None: tr.gettext("not sent"),
        ResponseStatus.PENDING: tr.gettext("pending"),
        ResponseStatus.IN_PROGRESS: tr.gettext("in progress"),
        ResponseStatus.COMPLETED: tr.gettext("completed"),
        ResponseStatus.UNDELIVERABLE: tr.gettext("unreachable"),  # they blocked the bot
    }


def _timestamp(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else None


def _cells(tr: Translator, questionnaire: Questionnaire, answers: Answers, response: Any) -> list[Cell]:
    """One cell per question; all None for a questionnaire this row is not about."""
    stored = answers.get(response.id, {}) if response is not None else {}
    return [_cell(tr, question, stored.get(question.id)) for question in questionnaire.questions]


def _cell(tr: Translator, question: Question, answer: _StoredAnswer | None) -> Cell:
    if answer is None:
        return None
    if answer.skipped:
        return ""
    if question.type is QuestionType.RATING:
        return answer.rating
    if question.type is QuestionType.TEXT:
        return answer.text
    order = question.option_ids()
    chosen = sorted(answer.options, key=lambda o: order.index(o) if o in order else len(order))
    return MULTI_SEPARATOR.join(_option_label(tr, question, o) for o in chosen) or None


def _option_label(tr: Translator, question: Question, option_id: str) -> str:
    if question.type is QuestionType.YESNO:
        labels = {"yes": tr.gettext("Yes"), "no": tr.gettext("No"), "maybe": tr.gettext("Maybe")}
        return labels.get(option_id, option_id)
    option = question.option(option_id)
    return option.text.get(tr.language) if option else option_id
