"""The export: the table built from a real database, then written as CSV and as XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import openpyxl
import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bot.domain import answering
from bot.domain.export import export_table
from bot.domain.participation import join_workshop, queue_response
from bot.domain.users import TelegramIdentity, get_or_create_user
from bot.domain.workshops import close_workshop, create_workshop
from bot.exports.csv_file import to_csv
from bot.exports.xlsx_file import safe_sheet_title, to_xlsx
from bot.questionnaires.model import QuestionnaireKind, QuestionType
from bot.results.export import ExportTable
from bot.storage import models

SKIP = object()
ARABIC_SUGGESTION = "أقترح تمارين تطبيقية أكثر، ووقتاً أطول للنقاش."
FRENCH_SUGGESTION = 'Plus d\'exercices, "pratiques"\net plus de temps'
STARTED = datetime(2025, 11, 20, 14, 0, tzinfo=UTC)  # Casablanca is UTC+1 in November


def user(db: Session, user_id: int, name: str, language: str) -> models.User:
    return get_or_create_user(db, TelegramIdentity(user_id, name, language))


def response_of(db: Session, participant: models.Participant, questionnaire_id: int) -> models.Response:
    response = db.scalar(
        select(models.Response).where(
            models.Response.participant_id == participant.id,
            models.Response.questionnaire_id == questionnaire_id,
        )
    )
    assert response is not None
    return response


def answer(db: Session, response: models.Response, answers: dict[str, Any]) -> None:
    """Answer in questionnaire order until ``answers`` runs out (the rest stays unreached)."""
    answering.mark_started(response, question_message_id=1)
    for question_id, value in answers.items():
        view = answering.current_view(db, response)
        assert view is not None and view.question.id == question_id
        index = view.index
        if value is SKIP:
            answering.skip(db, response, index)
        elif isinstance(value, list):
            for option_id in value:
                answering.toggle_option(db, response, index, option_id)
            answering.confirm_selection(db, response, index)
        elif isinstance(value, int):
            answering.answer_rating(db, response, index, value)
        elif view.question.type is QuestionType.TEXT:
            answering.answer_text(db, response, index, value)
        else:
            answering.answer_choice(db, response, index, value)


def full_evaluation(aspects: list[str], suggestion: Any) -> dict[str, Any]:
    return {
        "useful_aspects": aspects, "benefit": 5, "clarity": 4, "importance": 5,
        "trainers": "excellent", "expectations": "fully", "gain": "will_use", "materials": 4,
        "exercises": 3, "apply": "yes", "more_workshops": "maybe", "recommend": "yes",
        "suggestions": suggestion,
    }


def stamp(response: models.Response, minutes: int, completed: bool) -> None:
    response.started_at = STARTED + timedelta(minutes=minutes)
    response.completed_at = STARTED + timedelta(minutes=minutes + 5) if completed else None


@pytest.fixture
def workshop(db: Session) -> models.Workshop:
    """Six participants, one of each situation, who joined in this order:

    P01 Amina (ar): profile, evaluation and follow-up all answered.
    P02 Julien (fr): skipped the organisation type; evaluation completed.
    P03 Sara (fr): no profile answers; evaluation stopped after two questions.
    P04 Omar (ar): evaluation queued, never delivered yet.
    P05 Nadia (ar): blocked the bot, evaluation undeliverable.
    P06 Leo (en): joined after /close and has not finished the profile: nothing sent.
    """
    organiser = user(db, 1, "Organiser", "fr")
    workshop = create_workshop(db, organiser, "Atelier Open Data — Rabat")
    people = [(100, "Amina", "ar"), (101, "Julien", "fr"), (102, "Sara", "fr"), (103, "Omar", "ar"), (104, "Nadia", "ar")]
    joined = {}
    for uid, name, language in people:
        result = join_workshop(db, user(db, uid, name, language), workshop.join_code)
        assert result.participant is not None
        joined[name] = result.participant
    answer(db, response_of(db, joined["Amina"], workshop.profile_questionnaire_id),
           {"org_type": "civil_society", "gender": "woman"})
    answer(db, response_of(db, joined["Julien"], workshop.profile_questionnaire_id),
           {"org_type": SKIP, "gender": "man"})
    close_workshop(db, workshop)
    leo = join_workshop(db, user(db, 105, "Leo", "en"), workshop.join_code).participant
    assert leo is not None

    amina = response_of(db, joined["Amina"], workshop.evaluation_questionnaire_id)
    answer(db, amina, full_evaluation(["materials", "concepts"], ARABIC_SUGGESTION))
    stamp(amina, 0, completed=True)
    julien = response_of(db, joined["Julien"], workshop.evaluation_questionnaire_id)
    answer(db, julien, full_evaluation(["interaction"], FRENCH_SUGGESTION))
    stamp(julien, 10, completed=True)
    sara = response_of(db, joined["Sara"], workshop.evaluation_questionnaire_id)
    answer(db, sara, {"useful_aspects": ["rights", "real_cases"], "benefit": 3})
    stamp(sara, 20, completed=False)
    answering.mark_undeliverable(response_of(db, joined["Nadia"], workshop.evaluation_questionnaire_id))

    followup = queue_response(db, joined["Amina"], workshop.followup_questionnaire_id, QuestionnaireKind.FOLLOWUP)
    db.flush()
    answer(db, followup, {"used_since": "yes", "used_for": SKIP,
                          "obstacles": ["lack_of_time", "unusable_formats"], "support": "no"})
    followup.started_at = datetime(2025, 12, 18, 9, 30, tzinfo=UTC)
    followup.completed_at = datetime(2025, 12, 18, 9, 32, 7, 123456, tzinfo=UTC)
    db.commit()
    return workshop


EVALUATION_IDS = (
    "useful_aspects", "benefit", "clarity", "importance", "trainers", "expectations", "gain",
    "materials", "exercises", "apply", "more_workshops", "recommend", "suggestions",
)
FOLLOWUP_IDS = ("used_since", "used_for", "obstacles", "support")
NO_EVALUATION = (None,) * len(EVALUATION_IDS)
NO_FOLLOWUP = (None,) * len(FOLLOWUP_IDS)
NOTHING = (None, None, None, None) + NO_EVALUATION + NO_FOLLOWUP  # times, profile, answers

FRENCH_COLUMNS = (
    "Participant (pseudonyme)", "Questionnaire", "Statut", "Commencé le", "Terminé le",
    "Type d’organisation", "Genre", *EVALUATION_IDS, *FOLLOWUP_IDS,
)
FRENCH_ROWS = (
    ("P01", "Évaluation", "terminé", "2025-11-20T15:00:00+01:00", "2025-11-20T15:05:00+01:00",
     "Société civile / association", "Femme",
     "Découverte des concepts de l'open data ; Supports et outils fournis", 5, 4, 5, "Excellent",
     "Oui, complètement", "J'utiliserai l'open data dans mes activités", 4, 3, "Oui", "Peut-être", "Oui",
     ARABIC_SUGGESTION, *NO_FOLLOWUP),
    ("P01", "Suivi", "terminé", "2025-12-18T10:30:00+01:00", "2025-12-18T10:32:07+01:00",
     "Société civile / association", "Femme", *NO_EVALUATION,
     "Oui", "", "Formats inexploitables (ex. PDF) ; Manque de temps", "Non"),
    ("P02", "Évaluation", "terminé", "2025-11-20T15:10:00+01:00", "2025-11-20T15:15:00+01:00",
     "", "Homme",
     "Échanges avec les autres participants", 5, 4, 5, "Excellent",
     "Oui, complètement", "J'utiliserai l'open data dans mes activités", 4, 3, "Oui", "Peut-être", "Oui",
     FRENCH_SUGGESTION, *NO_FOLLOWUP),
    ("P03", "Évaluation", "en cours", "2025-11-20T15:20:00+01:00", None, None, None,
     "Questions et expériences concrètes ; Les droits et le rôle du citoyen", 3,
     *(None,) * (len(EVALUATION_IDS) - 2), *NO_FOLLOWUP),
    ("P04", "Évaluation", "en attente d’envoi", *NOTHING),
    ("P05", "Évaluation", "injoignable", *NOTHING),
    ("P06", "Évaluation", "non envoyé", *NOTHING),
)


def test_table_in_french(db: Session, workshop: models.Workshop) -> None:
    table = export_table(db, workshop, "fr")
    assert table.columns == FRENCH_COLUMNS
    assert table.rows == FRENCH_ROWS


def test_table_in_arabic(db: Session, workshop: models.Workshop) -> None:
    table = export_table(db, workshop, "ar")
    assert table.columns[:7] == (
        "المشارك (اسم مستعار)", "الاستبيان", "الحالة", "تاريخ البدء", "تاريخ الإكمال", "نوع المؤسسة", "الجنس",
    )
    assert table.columns[7:] == (*EVALUATION_IDS, *FOLLOWUP_IDS)  # ids stay stable for scripts
    amina, followup = table.rows[0], table.rows[1]
    assert amina[:7] == (
        "P01", "التقييم", "مكتمل", "2025-11-20T15:00:00+01:00", "2025-11-20T15:05:00+01:00",
        "مجتمع مدني / جمعية", "امرأة",
    )
    assert amina[7:20] == (
        "التعرف على مفهوم البيانات المفتوحة ; الموارد والأدوات المقدمة", 5, 4, 5, "ممتاز", "نعم، بالكامل",
        "سأستفيد من البيانات المفتوحة في أنشطتي", 4, 3, "نعم", "ربما", "نعم", ARABIC_SUGGESTION,
    )
    assert followup[1:3] == ("المتابعة", "مكتمل")
    assert followup[20:] == ("نعم", "", "صيغ غير قابلة للاستعمال (مثل PDF) ; ضيق الوقت", "لا")
    assert [row[2] for row in table.rows[3:]] == ["قيد الإنجاز", "في انتظار الإرسال", "تعذّر التواصل", "لم يُرسَل"]


def test_table_in_english_and_another_timezone(db: Session, workshop: models.Workshop) -> None:
    table = export_table(db, workshop, "en", timezone="UTC")
    assert table.columns[:7] == (
        "Participant (pseudonym)", "Survey", "Status", "Started at", "Completed at", "Type of organisation", "Gender",
    )
    assert table.rows[0][1:7] == (
        "Evaluation", "completed", "2025-11-20T14:00:00+00:00", "2025-11-20T14:05:00+00:00",
        "Civil society / NGO", "Woman",
    )
    assert table.rows[1][1] == "Follow-up"
    assert [row[2] for row in table.rows[3:]] == ["in progress", "pending", "unreachable", "not sent"]


def test_pseudonyms_follow_join_order_and_hide_who_people_are(db: Session, workshop: models.Workshop) -> None:
    table = export_table(db, workshop, "fr")
    assert [row[0] for row in table.rows] == ["P01", "P01", "P02", "P03", "P04", "P05", "P06"]
    cells = {str(cell) for row in table.rows for cell in row} | set(table.columns)
    for uid, name in [(100, "Amina"), (101, "Julien"), (102, "Sara"), (103, "Omar"), (104, "Nadia"), (105, "Leo")]:
        assert not any(str(uid) in cell or name in cell for cell in cells)
    # Another workshop numbers its own participants from P01 again.
    other = create_workshop(db, user(db, 1, "Organiser", "fr"), "Data-jam Tunis")
    join_workshop(db, user(db, 104, "Nadia", "ar"), other.join_code)
    assert [row[0] for row in export_table(db, other, "fr").rows] == ["P01"]


def test_skipped_is_empty_text_and_unreached_is_none(db: Session, workshop: models.Workshop) -> None:
    table = export_table(db, workshop, "fr")
    column = {name: i for i, name in enumerate(table.columns)}
    julien, sara, amina_followup = table.rows[2], table.rows[3], table.rows[1]
    assert julien[column["Type d’organisation"]] == ""  # skipped
    assert sara[column["Type d’organisation"]] is None  # never answered
    assert amina_followup[column["used_for"]] == ""  # skipped
    assert sara[column["suggestions"]] is None  # not reached yet
    assert sara[column["clarity"]] is None


def test_empty_workshop_has_headers_only(db: Session) -> None:
    workshop = create_workshop(db, user(db, 1, "Organiser", "fr"), "Vide")
    table = export_table(db, workshop, "fr")
    assert table == ExportTable(columns=FRENCH_COLUMNS, rows=())


# --- no N+1: the number of statements does not grow with the participants -------------------


def crowded_workshop(db: Session, size: int, first_uid: int) -> models.Workshop:
    workshop = create_workshop(db, user(db, 1, "Organiser", "fr"), f"Atelier de {size}")
    participants = []
    for uid in range(first_uid, first_uid + size):
        participant = join_workshop(db, user(db, uid, f"P {uid}", "ar"), workshop.join_code).participant
        assert participant is not None
        answer(db, response_of(db, participant, workshop.profile_questionnaire_id), {"org_type": "media", "gender": SKIP})
        participants.append(participant)
    close_workshop(db, workshop)
    for participant in participants:
        answer(db, response_of(db, participant, workshop.evaluation_questionnaire_id),
               {"useful_aspects": ["concepts", "rights"], "benefit": 4, "clarity": 5})
    for participant in participants[::2]:
        queue_response(db, participant, workshop.followup_questionnaire_id, QuestionnaireKind.FOLLOWUP)
    db.commit()
    return workshop


@pytest.fixture
def statements(db: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = db.get_bind()

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def test_query_count_does_not_grow_with_participants(db: Session, statements: list[str]) -> None:
    small, large = crowded_workshop(db, 3, 1000), crowded_workshop(db, 30, 2000)
    counts = []
    for workshop, size in ((small, 3), (large, 30)):
        statements.clear()
        table = export_table(db, workshop, "ar")
        counts.append(len(statements))
        assert len(table.rows) == size + (size + 1) // 2  # an evaluation each, a follow-up for every other
        assert table.rows[0][5:10] == ("إعلام", "", "التعرف على مفهوم البيانات المفتوحة ; فهم الحقوق ودور المواطن", 4, 5)
    assert counts[0] == counts[1] == 3, counts


# --- CSV ----------------------------------------------------------------------------------------


def as_text(cell: Any) -> str:
    return "" if cell is None else str(cell)


def test_csv_has_bom_crlf_and_round_trips(db: Session, workshop: models.Workshop) -> None:
    table = export_table(db, workshop, "ar")
    data = to_csv(table)
    assert data.startswith(b"\xef\xbb\xbf")
    assert ARABIC_SUGGESTION.encode("utf-8") in data
    text = data[3:].decode("utf-8")
    assert text.endswith("\r\n")
    assert text.count("\r\n") == 1 + len(table.rows)  # the newline inside a text answer is not a row end
    assert "\nالتعرف" not in text.replace("\r\n", "")
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed == [list(table.columns)] + [[as_text(cell) for cell in row] for row in table.rows]
    assert '"Plus d\'exercices, ""pratiques""\net plus de temps"' in text  # RFC 4180 quoting
    assert ",5,4,5," in text  # numbers are not quoted


def test_csv_neutralises_formulas_in_text() -> None:
    table = ExportTable(("a", "b", "c"), (("=HYPERLINK(\"http://x\")", "- plus d'exercices", -3),))
    rows = list(csv.reader(io.StringIO(to_csv(table).decode("utf-8-sig"), newline="")))
    assert rows[1] == ["'=HYPERLINK(\"http://x\")", "'- plus d'exercices", "-3"]


# --- XLSX ---------------------------------------------------------------------------------------


def load(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_xlsx_in_arabic_reads_right_to_left(db: Session, workshop: models.Workshop) -> None:
    table = export_table(db, workshop, "ar")
    sheet = load(to_xlsx(table, sheet_title="ورشة الرباط: [2025]", right_to_left=True))
    assert sheet.title == "ورشة الرباط 2025"
    assert sheet.sheet_view.rightToLeft is True
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    values = list(sheet.iter_rows(values_only=True))
    # A skipped answer is an empty text cell, which openpyxl reads back as None.
    assert values == [table.columns] + [tuple(None if cell == "" else cell for cell in row) for row in table.rows]
    assert sheet.cell(row=2, column=9).value == 5 and sheet.cell(row=2, column=9).data_type == "n"
    assert sheet.cell(row=2, column=20).value == ARABIC_SUGGESTION
    widths = [sheet.column_dimensions[letter].width for letter in ("A", "H", "T")]
    assert 8 <= widths[0] < widths[1] <= 60 and widths[2] <= 60


def test_xlsx_in_french_reads_left_to_right(db: Session, workshop: models.Workshop) -> None:
    table = export_table(db, workshop, "fr")
    sheet = load(to_xlsx(table, sheet_title="Atelier Open Data — Rabat", right_to_left=False))
    assert sheet.title == "Atelier Open Data — Rabat"
    assert not sheet.sheet_view.rightToLeft
    assert sheet.cell(row=4, column=20).value == FRENCH_SUGGESTION


def test_xlsx_keeps_text_as_text() -> None:
    table = ExportTable(("a", "b"), (("=1+1", "bell\x07"),))
    sheet = load(to_xlsx(table, sheet_title="x", right_to_left=False))
    assert (sheet["A2"].value, sheet["A2"].data_type) == ("=1+1", "s")
    assert sheet["B2"].value == "bell"  # control characters Excel refuses are dropped


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Atelier Open Data — Rabat", "Atelier Open Data — Rabat"),
        ("a/b\\c?d*e[f]g:h", "a b c d e f g h"),
        ("x" * 40, "x" * 31),
        ("'quoted'", "quoted"),
        ("[]:*?/\\", "Export"),
        ("", "Export"),
    ],
)
def test_sheet_titles_excel_accepts(title: str, expected: str) -> None:
    assert safe_sheet_title(title) == expected
