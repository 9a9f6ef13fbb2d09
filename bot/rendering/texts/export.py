"""The words of the CSV and XLSX files (plain text, no HTML)."""

from __future__ import annotations

from html import escape

from bot.i18n import Translator
from bot.questionnaires.model import (
    QuestionnaireKind,
    Text,
)
from bot.rendering.texts.markup import CAPTION_LIMIT, _fit
from bot.results.export import ExportStatus


def export_caption(tr: Translator, title: str, file_kind: str) -> str:
    return _fit(tr.gettext("Answers of «%(title)s» (%(kind)s), one row per participant and questionnaire; "
                       "participants appear under pseudonyms.") % {"title": escape(title), "kind": file_kind}, CAPTION_LIMIT)


def export_csv_caption(tr: Translator, title: str, separator: str) -> str:
    kind = tr.gettext("CSV, semicolon-separated") if separator == ";" else tr.gettext("CSV, comma-separated")
    return export_caption(tr, title, kind)


def export_xlsx_caption(tr: Translator, title: str) -> str:
    return _fit(tr.gettext("Answers of «%(title)s» (Excel): one sheet per questionnaire, a summary, and the "
                       "questions in every language; participants appear under pseudonyms.")
            % {"title": escape(title)}, CAPTION_LIMIT)


def export_columns(tr: Translator) -> dict[str, str]:
    """Headers of the columns every row has, by their stable id (the XLSX second header row)."""
    return {
        "participant": tr.gettext("Participant (pseudonym)"),
        "questionnaire": tr.gettext("Survey"),
        "status": tr.gettext("Status"),
        "started_at": tr.gettext("Started at"),
        "completed_at": tr.gettext("Completed at"),
    }


def export_profile_header(tr: Translator, question_id: str, question_text: Text) -> str:
    """The short header of a profile column; another profile question gets its own text."""
    headers = {"org_type": tr.gettext("Type of organisation"), "gender": tr.gettext("Gender")}
    return headers.get(question_id) or question_text.get(tr.language)


def export_withheld(tr: Translator) -> str:
    """A profile cell whose value is shared by too few participants, or would give those away."""
    return tr.gettext("other / not shown")


def export_kind(tr: Translator, kind: QuestionnaireKind) -> str:
    """A questionnaire's name in cells and sheet names."""
    return {
        QuestionnaireKind.PROFILE: tr.gettext("Profile"),
        QuestionnaireKind.EVALUATION: tr.gettext("Evaluation"),
        QuestionnaireKind.FOLLOWUP: tr.gettext("Follow-up"),
    }[kind]


def export_status(tr: Translator, status: ExportStatus) -> str:
    return {
        ExportStatus.NOT_SENT: tr.gettext("not sent"),
        ExportStatus.PENDING: tr.gettext("pending"),
        ExportStatus.NOT_STARTED: tr.gettext("not started"),
        ExportStatus.IN_PROGRESS: tr.gettext("in progress"),
        ExportStatus.COMPLETED: tr.gettext("completed"),
        ExportStatus.UNREACHABLE: tr.gettext("unreachable"),  # they blocked the bot
        ExportStatus.FAILED: tr.gettext("sending failed"),
    }[status]


def export_summary_labels(tr: Translator) -> dict[str, str]:
    return {
        "sheet": tr.gettext("Summary"),
        "joined": tr.gettext("Participants who joined"),
        "reached": tr.gettext("Questionnaire received by"),
        "timezone": tr.gettext("Time zone of the dates"),
        "session": tr.gettext("Evaluation of the session"),
    }


def export_questions_labels(tr: Translator) -> dict[str, str]:
    return {"sheet": tr.gettext("Question texts"), "id": tr.gettext("Identifier")}
