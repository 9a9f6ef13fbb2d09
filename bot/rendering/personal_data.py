"""/mydata as a file: PersonalData → readable JSON (UTF-8, indented, English keys).

Keys stay in English so the file means the same to anyone who helps the person read it;
questions and chosen options are in the person's language, as they saw them. Times are
ISO 8601 in UTC.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.i18n import Translator
from bot.questionnaires.model import Question, QuestionType
from bot.rendering.texts.markup import yesno_label
from bot.results.privacy import AnswerRecord, ParticipationRecord, PersonalData


def _time(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def _label(tr: Translator, question: Question | None, option_id: str) -> str:
    if question is None:
        return option_id
    if question.type is QuestionType.YESNO:
        return yesno_label(tr, option_id) if option_id in ("yes", "no", "maybe") else option_id
    option = question.option(option_id)
    return option.text.get(tr.language) if option else option_id


def _answer(tr: Translator, record: AnswerRecord) -> dict[str, Any]:
    question = record.question
    out: dict[str, Any] = {
        "question_id": record.question_id,
        "question": question.text.get(tr.language) if question else None,
        "skipped": record.skipped,
    }
    if not record.skipped:
        if record.rating is not None:
            out["answer"] = record.rating
        elif record.text is not None:
            out["answer"] = record.text
        elif question is not None and question.type is QuestionType.MULTI:
            out["answer"] = [_label(tr, question, o) for o in record.options]
            out["option_ids"] = list(record.options)
        elif record.options:
            out["answer"] = _label(tr, question, record.options[0])
            out["option_ids"] = list(record.options)
    out["answered_at"] = _time(record.answered_at)
    return out


def _workshop(tr: Translator, record: ParticipationRecord) -> dict[str, Any]:
    return {
        "title": record.workshop_title,
        "join_code": record.join_code,
        "joined_at": _time(record.joined_at),
        "deleted_automatically_on": _time(record.data_deleted_on),
        "questionnaires": [
            {
                "kind": response.kind,
                "status": response.status,
                "received_at": _time(response.created_at),
                "started_at": _time(response.started_at),
                "completed_at": _time(response.completed_at),
                "current_question_number": response.current_question + 1,
                # a note stores nothing; should a row ever name one, it is no answer of theirs
                "answers": [_answer(tr, answer) for answer in response.answers
                            if answer.question is None or answer.question.answerable],
            }
            for response in record.responses
        ],
        "reminders": [
            {"purpose": d.purpose, "questionnaire": d.questionnaire_kind, "round": d.round,
             "status": d.status, "attempts": d.attempts, "sent_at": _time(d.sent_at)}
            for d in record.reminders
        ],
        "scheduled": [
            {"purpose": s.purpose, "questionnaire": s.questionnaire_kind, "round": s.round, "due_at": _time(s.due_at)}
            for s in record.scheduled
        ],
    }


def personal_data_json(tr: Translator, data: PersonalData, *, generated_at: datetime, about: str) -> bytes:
    """The file /mydata sends. ``about`` is a sentence in the reader's language saying what it is."""
    document = {
        "about": about,
        "generated_at": _time(generated_at),
        "user": {
            "telegram_id": data.telegram_id,
            "name": None,  # never stored
            "language": data.language,
            "reminders_enabled": data.reminders_enabled,
            "blocked_bot": data.blocked_bot,
            "first_contact": _time(data.first_contact),
            "organiser_of_workshops": list(data.organises),
        },
        "workshops": [_workshop(tr, record) for record in data.workshops],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
