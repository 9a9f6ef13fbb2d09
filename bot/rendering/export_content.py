"""The export's data → the sheets of the XLSX and the table of the CSV, in the organiser's language.

Headers are words (the question's text, a short label for the profile questions); the
XLSX repeats the stable ids in a second header row, for scripts and for pasting into
other tools. Cells: a rating is an int, a choice or yes/no its label, a multi-select its
labels joined with " ; " in questionnaire order, a text the text; a skipped question is
``""`` and a question never reached, or never shown (its ``show_if`` not met), is ``None``.
Notes have no column: nobody answers them. Times are naive local datetimes in the
workshop's time zone (spreadsheets have no time zones; the summary sheet names it).

The CSV separator follows what Excel expects where the organiser is: ``;`` (and a decimal
comma) in French and Arabic, ``,`` in English.
"""

from __future__ import annotations

import re

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import LANGUAGE_NAMES, SUPPORTED_LANGUAGES, Translator
from bot.questionnaires.model import (
    Question,
    Questionnaire,
    QuestionnaireKind,
    QuestionType,
)
from bot.rendering import texts
from bot.results.commitments import CommitmentOutcome
from bot.results.export import (
    REACHED,
    Cell,
    ExportAnswer,
    ExportData,
    ExportParticipant,
    ExportStatus,
    ExportTable,
    ExportWorkbook,
)

MULTI_SEPARATOR = " ; "
SEMICOLON_LANGUAGES = frozenset({"fr", "ar"})
FIXED_IDS = ("participant", "status", "started_at", "completed_at")
SUMMARY_STATUSES = (
    ExportStatus.COMPLETED, ExportStatus.IN_PROGRESS, ExportStatus.NOT_STARTED, ExportStatus.PENDING,
    ExportStatus.UNREACHABLE, ExportStatus.FAILED, ExportStatus.NOT_SENT,
)


def csv_separator(language: str) -> str:
    """``;`` where Excel's list separator is one (decimal-comma locales), else ``,``."""
    return ";" if language in SEMICOLON_LANGUAGES else ","


def export_workbook(tr: Translator, data: ExportData) -> ExportWorkbook:
    """One sheet per questionnaire (everyone on each), the summary, the questions' texts."""
    sheets = [_questionnaire_sheet(tr, data, questionnaire) for questionnaire in data.questionnaires]
    if data.commitments:  # what each wrote they would do differently, and what became of it
        sheets.append(_commitments_sheet(tr, data))
    return ExportWorkbook(
        sheets=(*sheets, _summary_sheet(tr, data), _questions_sheet(tr, data)),
        right_to_left=tr.rtl,
        title=data.title,
    )


def export_csv_table(tr: Translator, data: ExportData) -> ExportTable:
    """One row per participant per questionnaire received (or one "not sent" evaluation row)."""
    columns = texts.export_columns(tr)
    headers = (
        columns["participant"], columns["questionnaire"], columns["status"], columns["started_at"],
        columns["completed_at"], *_profile_headers(tr, data.profile),
        *(_text(tr, q) for questionnaire in data.questionnaires for q in questionnaire.answerable()),
    )
    zone = ZoneInfo(data.timezone)
    rows: list[tuple[Cell, ...]] = []
    for participant in data.participants:
        received = [q for q in data.questionnaires if participant.responses[q.kind].status is not ExportStatus.NOT_SENT]
        for shown in received or list(data.questionnaires[:1]):
            rows.append((
                participant.pseudonym, texts.export_kind(tr, shown.kind),
                *_status_cells(tr, participant, shown.kind, zone),
                *_profile_cells(tr, data.profile, participant),
                *(
                    cell
                    for questionnaire in data.questionnaires
                    for cell in _answer_cells(tr, questionnaire, participant if questionnaire is shown else None)
                ),
            ))
    return ExportTable(columns=headers, rows=tuple(rows))


# --- the sheets ----------------------------------------------------------------------------


def _questionnaire_sheet(tr: Translator, data: ExportData, questionnaire: Questionnaire) -> ExportTable:
    columns = texts.export_columns(tr)
    zone = ZoneInfo(data.timezone)
    return ExportTable(
        title=texts.export_kind(tr, questionnaire.kind),
        columns=(
            *(columns[key] for key in FIXED_IDS), *_profile_headers(tr, data.profile),
            *(_text(tr, q) for q in questionnaire.answerable()),
        ),
        ids=(*FIXED_IDS, *(q.id for q in data.profile.questions), *(q.id for q in questionnaire.answerable())),
        rows=tuple(
            (
                participant.pseudonym,
                *_status_cells(tr, participant, questionnaire.kind, zone),
                *_profile_cells(tr, data.profile, participant),
                *_answer_cells(tr, questionnaire, participant),
            )
            for participant in data.participants
        ),
    )


def _summary_sheet(tr: Translator, data: ExportData) -> ExportTable:
    """Counts per questionnaire: joined, reached, then every status as the sheets word it."""
    labels = texts.export_summary_labels(tr)
    counts = [data.counts(questionnaire.kind) for questionnaire in data.questionnaires]
    joined = len(data.participants)
    rows: list[tuple[Cell, ...]] = [
        (labels["joined"], *(joined for _ in counts)),
        (labels["reached"], *(sum(c[status] for status in REACHED) for c in counts)),
        *((texts.export_status(tr, status), *(c[status] for c in counts)) for status in SUMMARY_STATUSES),
        *_nonresponse_rows(tr, data),
        (),
        (labels["timezone"], data.timezone),
    ]
    if data.session is not None:  # several sessions: which one the evaluation sheet holds, and each one's rate
        rows += [(), (labels["session"], texts.session_name(tr, data.session.number, data.session.title))]
    rows += [(texts.session_name(tr, s.number, s.title), texts.session_rate(tr, s)) for s in data.sessions]
    return ExportTable(
        title=labels["sheet"],
        columns=(data.title, *(texts.export_kind(tr, q.kind) for q in data.questionnaires)),
        rows=tuple(rows),
    )


def _nonresponse_rows(tr: Translator, data: ExportData) -> list[tuple[Cell, ...]]:
    """Who answered, by group, under the counts: the same words as /stats and the report."""
    rows: list[tuple[Cell, ...]] = []
    for found in data.nonresponse:
        if (stated := texts.nonresponse_text(tr, found)) is not None:
            rows += [(), (texts.plain(stated.heading), texts.plain(stated.groups)),
                     *((texts.plain(warning),) for warning in stated.warnings)]
    return rows


def _questions_sheet(tr: Translator, data: ExportData) -> ExportTable:
    """Every question id with its text in each language (the ids of the second header row)."""
    labels = texts.export_questions_labels(tr)
    return ExportTable(
        title=labels["sheet"],
        columns=(texts.export_columns(tr)["questionnaire"], labels["id"],
                 *(LANGUAGE_NAMES[language] for language in SUPPORTED_LANGUAGES)),
        rows=tuple(
            (texts.export_kind(tr, questionnaire.kind), question.id,
             *(question.text.get(language) for language in SUPPORTED_LANGUAGES))
            for questionnaire in (data.profile, *data.questionnaires)
            for question in questionnaire.answerable()
        ),
    )


# --- cells ---------------------------------------------------------------------------------


def _text(tr: Translator, question: Question) -> str:
    # one line: a header, not a paragraph (line breaks and runs of spaces become one space;
    # no-break spaces, as French typography puts before "?", stay)
    return re.sub(r"[ \t\r\n]+", " ", question.text.get(tr.language)).strip()


def _profile_headers(tr: Translator, profile: Questionnaire) -> list[str]:
    return [texts.export_profile_header(tr, q.id, q.text) for q in profile.questions]


def _status_cells(tr: Translator, participant: ExportParticipant, kind: QuestionnaireKind, zone: ZoneInfo) -> list[Cell]:
    response = participant.responses[kind]
    return [texts.export_status(tr, response.status), _local(response.started_at, zone), _local(response.completed_at, zone)]


def _commitments_sheet(tr: Translator, data: ExportData) -> ExportTable:
    columns = texts.commitments_export_columns(tr)
    zone = ZoneInfo(data.timezone)
    rows = tuple(
        (row.pseudonym, row.position, row.text,
         texts.commitment_outcome_label(tr, CommitmentOutcome(row.outcome)) if row.outcome else None,
         MULTI_SEPARATOR.join(texts.commitment_barrier_label(tr, data.barrier_question, b) for b in row.barriers) or None,
         _local(row.asked_at, zone), _local(row.answered_at, zone))
        for row in data.commitments
    )
    return ExportTable(columns=tuple(columns.values()), rows=rows, title=texts.commitments_heading(tr),
                       ids=tuple(columns))


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """Naive local time to the second: what a spreadsheet shows as a date and time."""
    return moment.astimezone(zone).replace(tzinfo=None, microsecond=0) if moment else None


def _profile_cells(tr: Translator, profile: Questionnaire, participant: ExportParticipant) -> list[Cell]:
    return [_cell(tr, question, participant.profile.get(question.id)) for question in profile.questions]


def _answer_cells(tr: Translator, questionnaire: Questionnaire, participant: ExportParticipant | None) -> list[Cell]:
    """One cell per answerable question (notes have no column); all None for a questionnaire
    this row is not about. A question their answers did not lead to (``show_if``) is left
    empty (None) like one not reached yet, never "" as a skipped one is."""
    answers = participant.responses[questionnaire.kind].answers if participant is not None else {}
    chosen = {question_id: _values(answer) for question_id, answer in answers.items()}
    return [
        _cell(tr, question, answers.get(question.id)) if questionnaire.shown(question, chosen) else None
        for question in questionnaire.answerable()
    ]


def _values(answer: ExportAnswer) -> tuple[str, ...]:
    """An answer as conditions read it: the chosen option ids, or the rating as a string."""
    if answer.skipped:
        return ()
    return answer.options or ((str(answer.rating),) if answer.rating is not None else ())


def _cell(tr: Translator, question: Question, answer: ExportAnswer | None) -> Cell:
    if answer is None:
        return None
    if answer.withheld:  # a profile value too few participants share
        return texts.export_withheld(tr)
    if answer.skipped:
        return ""
    if question.type is QuestionType.RATING:
        return answer.rating
    if question.type in (QuestionType.TEXT, QuestionType.COMMITMENTS):  # commitments: one per line
        return answer.text
    return MULTI_SEPARATOR.join(_option_label(tr, question, o) for o in answer.options) or None


def _option_label(tr: Translator, question: Question, option_id: str) -> str:
    if question.type is QuestionType.YESNO:
        return texts.yesno_label(tr, option_id) if option_id in ("yes", "no", "maybe") else option_id
    option = question.option(option_id)
    return option.text.get(tr.language) if option else option_id
