"""/export as an organiser receives it: a CSV and an XLSX they open in Excel and use unchanged.

The real bot, a fake Telegram; the test opens the two documents the organiser received,
the CSV with ``csv`` and the workbook with openpyxl, in French, Arabic and English.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.questionnaires.model import QuestionnaireKind
from bot.simulation.live_bot import LiveBot
from bot.storage.models import Response
from tests.conversation import (
    ORGANISER_ID,
    new_workshop,
    option,
    question_text,
    say,
    tap,
)

NBSP = "\u00a0"
PROFILE = QuestionnaireKind.PROFILE
SKIP = {"ar": "تخطٍّ ◀", "fr": "Passer ▶"}


@dataclass(frozen=True)
class Words:
    """What the organiser should read, in their language."""

    separator: str
    file_suffix: str
    caption: str
    fixed: tuple[str, ...]  # Participant, Status, Started, Completed, Type of organisation, Gender
    statuses: tuple[str, str, str, str]  # in progress, not started, sending failed, not sent
    sheets: tuple[str, str, str, str]
    summary: tuple[str, str]  # joined, reached
    zone: str


WORDS = {
    "fr": Words(
        ";", "fr-semicolon", f"Réponses de «{NBSP}Jam Tunis{NBSP}» (CSV, séparateur point-virgule)",
        ("Participant (pseudonyme)", "Statut", "Commencé le", "Terminé le", "Type d’organisation", "Genre"),
        ("en cours", "pas commencé", "échec de l’envoi", "non envoyé"),
        ("Évaluation", "Enquête de suivi", "Résumé", "Intitulés des questions"),
        ("Participants inscrits", "Questionnaire reçu par"), "Africa/Casablanca",
    ),
    "ar": Words(
        ";", "ar-semicolon", "إجابات «Jam Tunis» (CSV، مفصول بفواصل منقوطة)",
        ("المشارك (اسم مستعار)", "الحالة", "تاريخ البدء", "تاريخ الإكمال", "نوع المؤسسة", "الجنس"),
        ("قيد الإنجاز", "لم يبدأ", "فشل الإرسال", "لم يُرسَل"),
        ("التقييم", "استبيان المتابعة", "الملخص", "نصوص الأسئلة"),
        ("المشاركون المسجلون", "تلقّى الاستبيان"), "Africa/Tunis",
    ),
    "en": Words(
        ",", "en-comma", "Answers of «Jam Tunis» (CSV, comma-separated)",
        ("Participant (pseudonym)", "Status", "Started at", "Completed at", "Type of organisation", "Gender"),
        ("in progress", "not started", "sending failed", "not sent"),
        ("Evaluation", "Follow-up", "Summary", "Question texts"),
        ("Participants who joined", "Questionnaire received by"), "Africa/Casablanca",
    ),
}


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
async def test_export_files_open_as_they_are(live: LiveBot, language: str) -> None:
    words = WORDS[language]
    organiser = live.server.user(ORGANISER_ID, "Firas", language_code=language)
    code = await new_workshop(live, organiser, "Jam Tunis")
    if words.zone != "Africa/Casablanca":
        await say(live, organiser, f"/timezone {code} {words.zone}")
    amina = live.server.user(100, "Amina", language_code="ar")  # answers three questions
    julien = live.server.user(101, "Julien", language_code="fr")  # receives it, never answers
    salma = live.server.user(102, "Salma", language_code="fr")  # cannot be sent it
    for person, gender in ((amina, "woman"), (julien, None), (salma, None)):
        await say(live, person, f"/start {code}")
        await tap(live, person, SKIP[person.language_code])
        await tap(live, person, option("gender", gender, "ar", PROFILE) if gender else SKIP[person.language_code])
    live.server.fail_next("sendMessage", 400, "Bad Request: chat not found", chat_id=salma.user_id)
    await say(live, organiser, f"/close {code}")
    await tap(live, amina, option("useful_aspects", "interaction", "ar"))
    await tap(live, amina, "✓ تأكيد (1)")
    await tap(live, amina, "5")
    await tap(live, amina, "4")

    organiser.new_messages()
    await organiser.send(f"/export {code}")
    await live.settle()
    csv_message, xlsx_message = organiser.new_messages()
    assert csv_message.kind == xlsx_message.kind == "document"
    assert csv_message.file_name == f"workshop-{code}-{words.file_suffix}.csv"
    assert xlsx_message.file_name == f"workshop-{code}-{language}.xlsx"
    assert csv_message.text.startswith(words.caption)
    with live.session() as db:
        started_at = db.scalars(select(Response.started_at).where(
            Response.kind == QuestionnaireKind.EVALUATION.value, Response.started_at.is_not(None))).all()
    assert len(started_at) == 1  # Amina's: Julien received it too, but never started
    started = started_at[0].astimezone(ZoneInfo(words.zone)).replace(tzinfo=None, microsecond=0)

    # --- the CSV: a header in words, the language's separator, "not started" without a time
    assert csv_message.file_bytes is not None and csv_message.file_bytes.startswith(b"\xef\xbb\xbf")
    text = csv_message.file_bytes.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=words.separator))
    header = rows[0]
    assert header[0] == words.fixed[0] and header[2:7] == list(words.fixed[1:])
    benefit = header.index(question_text("benefit", language))
    assert [row[0] for row in rows[1:]] == ["P01", "P02", "P03"]
    amina_row, julien_row, salma_row = rows[1:]
    assert (amina_row[2], amina_row[3], amina_row[benefit]) == (words.statuses[0], started.isoformat(sep=" "), "5")
    assert julien_row[2:5] == [words.statuses[1], "", ""]  # not started: no start time
    assert salma_row[2:5] == [words.statuses[2], "", ""]
    assert text.startswith(words.separator.join(header[:3]) + words.separator)  # Excel splits it there

    # --- the workbook: one sheet per questionnaire, ids in a frozen second row, real dates
    assert xlsx_message.file_bytes is not None
    book = load_workbook(io.BytesIO(xlsx_message.file_bytes))
    assert tuple(book.sheetnames) == words.sheets
    evaluation = book[words.sheets[0]]
    assert all(sheet.sheet_view.rightToLeft is (language == "ar") for sheet in book.worksheets)
    assert evaluation.freeze_panes == "B3"
    values = list(evaluation.iter_rows(values_only=True))
    assert values[0][:6] == words.fixed
    assert values[0][7] == question_text("benefit", language)
    assert values[1][:8] == ("participant", "status", "started_at", "completed_at", "org_type", "gender",
                             "useful_aspects", "benefit")
    assert [row[:4] for row in values[2:]] == [
        ("P01", words.statuses[0], started, None),
        ("P02", words.statuses[1], None, None),
        ("P03", words.statuses[2], None, None),
    ]
    assert evaluation["C3"].is_date and evaluation["C3"].number_format == "yyyy-mm-dd hh:mm"
    assert (evaluation["H3"].value, evaluation["H3"].data_type) == (5, "n")
    # the only woman of three, and the two who did not say (else she follows by elimination)
    withheld = {"fr": "autre / non affiché", "ar": "أخرى / غير معروضة", "en": "other / not shown"}[language]
    assert [evaluation[cell].value for cell in ("F3", "F4", "F5")] == [withheld] * 3
    assert option("gender", "woman", language, PROFILE) not in text
    followup = book[words.sheets[1]]
    assert followup.freeze_panes == "B3"
    assert [row[1] for row in followup.iter_rows(min_row=3, values_only=True)] == [words.statuses[3]] * 3
    summary = list(book[words.sheets[2]].iter_rows(values_only=True))
    assert summary[0] == ("Jam Tunis", words.sheets[0], words.sheets[1])
    assert summary[1:3] == [(words.summary[0], 3, 3), (words.summary[1], 2, 0)]
    counts = {row[0]: row[1:] for row in summary[3:] if row and row[0]}
    assert counts[words.statuses[1]] == (1, 0) and counts[words.statuses[2]] == (1, 0)
    assert counts[words.statuses[3]] == (0, 3)
    assert summary[-1][1] == words.zone
    questions = list(book[words.sheets[3]].iter_rows(values_only=True))
    assert questions[0][2:] == ("العربية", "Français", "English")
    assert ("benefit", question_text("benefit", "ar"), question_text("benefit", "fr"),
            question_text("benefit", "en")) in [row[1:] for row in questions]
