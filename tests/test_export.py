"""The export: data from a real database, worded as tables, then written as CSV and as XLSX."""

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

from bot.clock import ManualClock, using
from bot.domain import answering
from bot.domain.dispatch import record_questionnaire_failure
from bot.domain.export import export_data
from bot.domain.participation import join_workshop, queue_response
from bot.domain.users import TelegramIdentity, get_or_create_user
from bot.domain.workshops import close_workshop, create_workshop
from bot.exports.csv_file import to_csv
from bot.exports.xlsx_file import safe_sheet_title, to_xlsx
from bot.i18n import SUPPORTED_LANGUAGES, translator
from bot.questionnaires.loader import default_questionnaire
from bot.questionnaires.model import QuestionnaireKind, QuestionType
from bot.rendering import texts
from bot.rendering.export_content import (
    csv_separator,
    export_csv_table,
    export_workbook,
)
from bot.results.export import (
    ExportAnswer,
    ExportResponse,
    ExportStatus,
    ExportTable,
    ExportWorkbook,
)
from bot.results.statuses import ResponseStatus
from bot.storage import models

SKIP = object()
ARABIC_SUGGESTION = "أقترح تمارين تطبيقية أكثر، ووقتاً أطول للنقاش."
FRENCH_SUGGESTION = 'Plus d\'exercices, "pratiques"\net plus de temps'
STARTED = datetime(2025, 11, 20, 14, 0, tzinfo=UTC)  # Casablanca is UTC+1 in November


def user(db: Session, user_id: int, name: str, language: str) -> models.User:
    return get_or_create_user(db, TelegramIdentity(user_id, language))  # the name is not stored (issue 9)


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
        "knowledge_before": 2, "knowledge_now": 4, "skills_before": 1, "skills_now": 3,
        "suggestions": suggestion, "commitments": SKIP,
    }


def stamp(response: models.Response, minutes: int, completed: bool) -> None:
    response.started_at = STARTED + timedelta(minutes=minutes)
    response.completed_at = STARTED + timedelta(minutes=minutes + 5) if completed else None


@pytest.fixture
def workshop(db: Session) -> models.Workshop:
    """Eight participants, one of each situation, who joined in this order:

    P01 Amina (ar): profile, evaluation and follow-up all answered.
    P02 Julien (fr): skipped the organisation type; evaluation completed.
    P03 Sara (fr): no profile answers; evaluation stopped after two questions.
    P04 Omar (ar): evaluation queued, never delivered yet.
    P05 Nadia (ar): blocked the bot, evaluation undeliverable.
    P06 Karim (fr): received the evaluation, never answered a question.
    P07 Salma (fr): sending her the evaluation failed for good.
    P08 Leo (en): joined after /close and has not finished the profile: nothing sent.
    """
    organiser = user(db, 1, "Organiser", "fr")
    workshop = create_workshop(db, organiser, "Atelier Open Data — Rabat")
    people = [(100, "Amina", "ar"), (101, "Julien", "fr"), (102, "Sara", "fr"), (103, "Omar", "ar"),
              (104, "Nadia", "ar"), (106, "Karim", "fr"), (107, "Salma", "fr")]
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
    answer(db, response_of(db, joined["Karim"], workshop.evaluation_questionnaire_id), {})  # received only
    salma = response_of(db, joined["Salma"], workshop.evaluation_questionnaire_id)
    db.flush()
    assert not record_questionnaire_failure(db, salma.id, "BadRequest: chat not found", STARTED,
                                            retry=False, backoff_seconds=30)

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
    "materials", "exercises", "apply", "more_workshops", "recommend",
    "knowledge_before", "knowledge_now", "skills_before", "skills_now", "suggestions", "commitments",
)
FOLLOWUP_IDS = ("used_since", "used_for", "obstacles", "support")
NO_EVALUATION = (None,) * len(EVALUATION_IDS)
NO_FOLLOWUP = (None,) * len(FOLLOWUP_IDS)
WITHHELD = "autre / non affiché"  # a profile value too few share (tests/test_small_groups.py)
NOTHING = (None, None, WITHHELD, WITHHELD) + NO_EVALUATION + NO_FOLLOWUP  # times, profile, answers
FRENCH = translator("fr")


def local(day: int, hour: int, minute: int, second: int = 0, month: int = 11) -> datetime:
    """A naive local time, as written in the files (Casablanca, UTC+1 in winter)."""
    return datetime(2025, month, day, hour, minute, second)


def question_texts(kind: QuestionnaireKind, language: str) -> tuple[str, ...]:
    return tuple(q.text.get(language) for q in default_questionnaire(kind).questions)


# --- the data: statuses, start times, pseudonyms -------------------------------------------


def test_data_has_every_participant_in_both_questionnaires(db: Session, workshop: models.Workshop) -> None:
    data = export_data(db, workshop)
    assert data.title == "Atelier Open Data — Rabat" and data.timezone == "Africa/Casablanca"
    assert [q.kind for q in data.questionnaires] == [QuestionnaireKind.EVALUATION, QuestionnaireKind.FOLLOWUP]
    assert [p.pseudonym for p in data.participants] == [f"P0{n}" for n in range(1, 9)]
    evaluation = [p.responses[QuestionnaireKind.EVALUATION].status for p in data.participants]
    assert evaluation == [
        ExportStatus.COMPLETED, ExportStatus.COMPLETED, ExportStatus.IN_PROGRESS, ExportStatus.PENDING,
        ExportStatus.UNREACHABLE, ExportStatus.NOT_STARTED, ExportStatus.FAILED, ExportStatus.NOT_SENT,
    ]
    followup = [p.responses[QuestionnaireKind.FOLLOWUP].status for p in data.participants]
    assert followup == [ExportStatus.COMPLETED] + [ExportStatus.NOT_SENT] * 7
    amina = data.participants[0]
    # The only woman and the only man of 8, the only one from civil society: singled out by
    # their profile, so withheld, and the "not stated" rest with them (by elimination it
    # would give them away; tests/test_small_groups.py has a workshop whose profiles show).
    assert amina.profile == {"org_type": ExportAnswer(withheld=True), "gender": ExportAnswer(withheld=True)}
    assert all(p.profile == amina.profile for p in data.participants)
    assert amina.responses[QuestionnaireKind.EVALUATION].answers["useful_aspects"].options == ("concepts", "materials")
    assert amina.responses[QuestionnaireKind.FOLLOWUP].answers["used_for"] == ExportAnswer(skipped=True)
    assert data.counts(QuestionnaireKind.EVALUATION) == dict.fromkeys(ExportStatus, 1) | {ExportStatus.COMPLETED: 2}
    assert data.counts(QuestionnaireKind.FOLLOWUP) == dict.fromkeys(ExportStatus, 0) | {
        ExportStatus.COMPLETED: 1, ExportStatus.NOT_SENT: 7}


def test_received_but_never_answered_is_not_started_without_a_start_time(db: Session, workshop: models.Workshop) -> None:
    karim = export_data(db, workshop).participants[5].responses[QuestionnaireKind.EVALUATION]
    assert karim == ExportResponse(ExportStatus.NOT_STARTED, started_at=None, completed_at=None, answers={})


def test_the_start_time_is_the_first_answer_not_the_send(db: Session) -> None:
    workshop = create_workshop(db, user(db, 1, "Organiser", "fr"), "Atelier")
    participant = join_workshop(db, user(db, 100, "Amina", "ar"), workshop.join_code).participant
    assert participant is not None
    close_workshop(db, workshop)
    response = response_of(db, participant, workshop.evaluation_questionnaire_id)
    sent, first, second = (datetime(2025, 11, 20, h, tzinfo=UTC) for h in (14, 16, 17))
    with using(ManualClock(sent)) as clock:
        answering.mark_started(response, question_message_id=1)  # the first question reached her
        assert response.status is ResponseStatus.IN_PROGRESS and response.started_at is None
        clock.advance(first - sent)
        answering.toggle_option(db, response, 0, "concepts")
        assert response.started_at is None  # ticking is not answering yet
        answering.confirm_selection(db, response, 0)
        clock.advance(second - first)
        answering.answer_rating(db, response, 1, 4)
        answering.go_back(db, response, 2)
        answering.answer_rating(db, response, 1, 5)  # changing an answer does not move the start
    db.commit()
    started = export_data(db, workshop).participants[0].responses[QuestionnaireKind.EVALUATION]
    assert (started.status, started.started_at) == (ExportStatus.IN_PROGRESS, first)


def test_a_blocked_participant_still_queued_is_unreachable(db: Session, workshop: models.Workshop) -> None:
    db.get(models.User, 103).blocked_bot = True  # type: ignore[union-attr]  # Omar, P04, queued
    db.commit()
    omar = export_data(db, workshop).participants[3]
    assert omar.responses[QuestionnaireKind.EVALUATION].status is ExportStatus.UNREACHABLE


def test_pseudonyms_follow_join_order_and_hide_who_people_are(db: Session, workshop: models.Workshop) -> None:
    table = export_csv_table(FRENCH, export_data(db, workshop))
    assert [row[0] for row in table.rows] == ["P01", "P01", "P02", "P03", "P04", "P05", "P06", "P07", "P08"]
    sheets = export_workbook(FRENCH, export_data(db, workshop)).sheets
    cells = {str(cell) for sheet in (table, *sheets) for row in sheet.rows for cell in row}
    cells |= set(table.columns)
    people = [(100, "Amina"), (101, "Julien"), (102, "Sara"), (103, "Omar"), (104, "Nadia"), (105, "Leo"),
              (106, "Karim"), (107, "Salma")]
    for uid, name in people:
        assert not any(str(uid) in cell or name in cell for cell in cells)
    # Another workshop numbers its own participants from P01 again.
    other = create_workshop(db, user(db, 1, "Organiser", "fr"), "Data-jam Tunis")
    join_workshop(db, user(db, 104, "Nadia", "ar"), other.join_code)
    assert [p.pseudonym for p in export_data(db, other).participants] == ["P01"]


# --- the CSV table, in words ---------------------------------------------------------------------

FRENCH_COLUMNS = (
    "Participant (pseudonyme)", "Questionnaire", "Statut", "Commencé le", "Terminé le",
    "Type d’organisation", "Genre", *question_texts(QuestionnaireKind.EVALUATION, "fr"),
    *question_texts(QuestionnaireKind.FOLLOWUP, "fr"),
)
FRENCH_ROWS = (
    ("P01", "Évaluation", "terminé", local(20, 15, 0), local(20, 15, 5),
     WITHHELD, WITHHELD,
     "Découverte des concepts de l’open data ; Supports et outils fournis", 5, 4, 5, "Excellent",
     "Oui, complètement", "J’utiliserai l’open data dans mes activités", 4, 3, "Oui", "Peut-être", "Oui", 2, 4, 1, 3,
     ARABIC_SUGGESTION, "", *NO_FOLLOWUP),
    ("P01", "Enquête de suivi", "terminé", local(18, 10, 30, month=12), local(18, 10, 32, 7, month=12),
     WITHHELD, WITHHELD, *NO_EVALUATION,
     "Oui", "", "Formats inexploitables (ex. PDF) ; Manque de temps", "Non"),
    ("P02", "Évaluation", "terminé", local(20, 15, 10), local(20, 15, 15),
     WITHHELD, WITHHELD,
     "Échanges avec les autres participants", 5, 4, 5, "Excellent",
     "Oui, complètement", "J’utiliserai l’open data dans mes activités", 4, 3, "Oui", "Peut-être", "Oui", 2, 4, 1, 3,
     FRENCH_SUGGESTION, "", *NO_FOLLOWUP),
    ("P03", "Évaluation", "en cours", local(20, 15, 20), None, WITHHELD, WITHHELD,
     "Questions et expériences concrètes ; Les droits et le rôle du citoyen", 3,
     *(None,) * (len(EVALUATION_IDS) - 2), *NO_FOLLOWUP),
    ("P04", "Évaluation", "en attente d’envoi", *NOTHING),
    ("P05", "Évaluation", "injoignable", *NOTHING),
    ("P06", "Évaluation", "pas commencé", *NOTHING),
    ("P07", "Évaluation", "échec de l’envoi", *NOTHING),
    ("P08", "Évaluation", "non envoyé", *NOTHING),
)


def test_csv_table_in_french(db: Session, workshop: models.Workshop) -> None:
    table = export_csv_table(FRENCH, export_data(db, workshop))
    assert table.columns == FRENCH_COLUMNS
    assert table.columns[8] == "Sur une échelle de 1 à 5, comment évaluez-vous le bénéfice de cette formation\u202f?"
    assert table.rows == FRENCH_ROWS
    assert table.ids == ()  # the CSV has one header line, in words


def test_csv_table_in_arabic(db: Session, workshop: models.Workshop) -> None:
    table = export_csv_table(translator("ar"), export_data(db, workshop))
    assert table.columns[:7] == (
        "المشارك (اسم مستعار)", "الاستبيان", "الحالة", "تاريخ البدء", "تاريخ الإكمال", "نوع المؤسسة", "الجنس",
    )
    assert table.columns[7:] == (*question_texts(QuestionnaireKind.EVALUATION, "ar"),
                                 *question_texts(QuestionnaireKind.FOLLOWUP, "ar"))
    amina, followup = table.rows[0], table.rows[1]
    assert amina[:7] == ("P01", "التقييم", "مكتمل", local(20, 15, 0), local(20, 15, 5), "أخرى / غير معروضة", "أخرى / غير معروضة")
    assert amina[7:25] == (
        "التعرف على مفهوم البيانات المفتوحة ; الموارد والأدوات المقدمة", 5, 4, 5, "ممتاز", "نعم، بالكامل",
        "سأستفيد من البيانات المفتوحة في أنشطتي", 4, 3, "نعم", "ربما", "نعم", 2, 4, 1, 3, ARABIC_SUGGESTION, "",
    )
    assert followup[1:3] == ("استبيان المتابعة", "مكتمل")
    assert followup[25:] == ("نعم", "", "صيغ غير قابلة للاستعمال (مثل PDF) ; ضيق الوقت", "لا")
    assert [row[2] for row in table.rows[3:]] == [
        "قيد الإنجاز", "في انتظار الإرسال", "تعذّر التواصل", "لم يبدأ", "فشل الإرسال", "لم يُرسَل"]


def test_csv_table_in_english_and_another_timezone(db: Session, workshop: models.Workshop) -> None:
    table = export_csv_table(translator("en"), export_data(db, workshop, timezone="UTC"))
    assert table.columns[:7] == (
        "Participant (pseudonym)", "Survey", "Status", "Started at", "Completed at", "Type of organisation", "Gender",
    )
    assert table.rows[0][1:7] == (
        "Evaluation", "completed", datetime(2025, 11, 20, 14, 0), datetime(2025, 11, 20, 14, 5),
        "other / not shown", "other / not shown",
    )
    assert table.rows[1][1] == "Follow-up"
    assert [row[2] for row in table.rows[3:]] == [
        "in progress", "pending", "unreachable", "not started", "sending failed", "not sent"]


def test_skipped_is_empty_text_and_unreached_is_none(db: Session, workshop: models.Workshop) -> None:
    table = export_csv_table(FRENCH, export_data(db, workshop))
    column = {name: i for i, name in enumerate(table.columns)}
    evaluation = dict(zip(EVALUATION_IDS, question_texts(QuestionnaireKind.EVALUATION, "fr"), strict=True))
    used_for = question_texts(QuestionnaireKind.FOLLOWUP, "fr")[1]
    suggestions, clarity = evaluation["suggestions"], evaluation["clarity"]
    julien, sara, amina_followup = table.rows[2], table.rows[3], table.rows[1]
    # skipped (Julien) and never answered (Sara) profile cells are withheld here, like every
    # profile cell of this workshop; "" and None for them: tests/test_small_groups.py
    assert julien[column["Type d’organisation"]] == sara[column["Type d’organisation"]] == WITHHELD
    assert amina_followup[column[used_for]] == ""  # skipped
    assert sara[column[suggestions]] is None  # not reached yet
    assert sara[column[clarity]] is None


def test_every_status_has_a_label_in_every_language() -> None:
    for language in SUPPORTED_LANGUAGES:
        labels = [texts.export_status(translator(language), status) for status in ExportStatus]
        assert len(set(labels)) == len(ExportStatus) and all(labels)
    assert texts.export_status(translator("fr"), ExportStatus.FAILED) == "échec de l’envoi"
    assert texts.export_status(translator("ar"), ExportStatus.FAILED) == "فشل الإرسال"
    assert texts.export_status(translator("en"), ExportStatus.NOT_STARTED) == "not started"


def test_empty_workshop_has_headers_only(db: Session) -> None:
    workshop = create_workshop(db, user(db, 1, "Organiser", "fr"), "Vide")
    data = export_data(db, workshop)
    assert export_csv_table(FRENCH, data) == ExportTable(columns=FRENCH_COLUMNS, rows=())
    sheets = export_workbook(FRENCH, data).sheets
    assert [len(sheet.rows) for sheet in sheets[:2]] == [0, 0]
    assert sheets[2].rows[0] == ("Participants inscrits", 0, 0)


# --- the workbook: one sheet per questionnaire, the summary, the questions ----------------------


def test_workbook_in_french(db: Session, workshop: models.Workshop) -> None:
    workbook = export_workbook(FRENCH, export_data(db, workshop))
    assert not workbook.right_to_left and workbook.title == "Atelier Open Data — Rabat"
    evaluation, followup, summary, questions = workbook.sheets
    assert [sheet.title for sheet in workbook.sheets] == ["Évaluation", "Enquête de suivi", "Résumé", "Intitulés des questions"]
    assert evaluation.columns == (
        "Participant (pseudonyme)", "Statut", "Commencé le", "Terminé le", "Type d’organisation", "Genre",
        *question_texts(QuestionnaireKind.EVALUATION, "fr"),
    )
    assert evaluation.ids == ("participant", "status", "started_at", "completed_at", "org_type", "gender",
                              *EVALUATION_IDS)
    # the rows of the CSV, without the questionnaire column and the other questionnaire's cells
    assert evaluation.rows == tuple(
        (row[0], *row[2:7 + len(EVALUATION_IDS)]) for row in FRENCH_ROWS if row[1] == "Évaluation"
    )
    assert followup.ids == ("participant", "status", "started_at", "completed_at", "org_type", "gender", *FOLLOWUP_IDS)
    assert [row[:4] for row in followup.rows] == [
        ("P01", "terminé", local(18, 10, 30, month=12), local(18, 10, 32, 7, month=12)),
        *((f"P0{n}", "non envoyé", None, None) for n in range(2, 9)),
    ]
    assert followup.rows[1][4:6] == (WITHHELD, WITHHELD)  # the profile is on every sheet
    assert summary.columns == ("Atelier Open Data — Rabat", "Évaluation", "Enquête de suivi")
    assert summary.rows == (
        ("Participants inscrits", 8, 8),
        ("Questionnaire reçu par", 4, 1),
        ("terminé", 2, 1),
        ("en cours", 1, 0),
        ("pas commencé", 1, 0),
        ("en attente d’envoi", 1, 0),
        ("injoignable", 1, 0),
        ("échec de l’envoi", 1, 0),
        ("non envoyé", 1, 7),
        (),
        ("Fuseau horaire des dates", "Africa/Casablanca"),
    )
    assert questions.columns == ("Questionnaire", "Identifiant", "العربية", "Français", "English")
    assert questions.rows[0] == (
        "Profil", "org_type", "إلى أي نوع من المؤسسات تنتمي؟", "À quel type d’organisation appartenez-vous\u202f?",
        "What type of organisation do you belong to?",
    )
    assert [row[1] for row in questions.rows] == ["org_type", "gender", *EVALUATION_IDS, *FOLLOWUP_IDS]


def test_workbook_in_arabic_reads_right_to_left(db: Session, workshop: models.Workshop) -> None:
    workbook = export_workbook(translator("ar"), export_data(db, workshop))
    assert workbook.right_to_left
    assert [sheet.title for sheet in workbook.sheets] == ["التقييم", "استبيان المتابعة", "الملخص", "نصوص الأسئلة"]
    assert workbook.sheets[0].columns[:2] == ("المشارك (اسم مستعار)", "الحالة")
    assert workbook.sheets[2].rows[4] == ("لم يبدأ", 1, 0)
    assert workbook.sheets[2].rows[7] == ("فشل الإرسال", 1, 0)


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
        data = export_data(db, workshop)
        counts.append(len(statements))
        table = export_csv_table(translator("ar"), data)
        assert len(table.rows) == size + (size + 1) // 2  # an evaluation each, a follow-up for every other
        assert table.rows[0][5:10] == ("إعلام", "", "التعرف على مفهوم البيانات المفتوحة ; فهم الحقوق ودور المواطن", 4, 5)
    assert counts[0] == counts[1] == 5, counts  # … + the sessions (1) + the commitments sheet (1)


# --- CSV ----------------------------------------------------------------------------------------


def as_text(cell: Any, separator: str = ",") -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.strftime("%Y-%m-%d %H:%M:%S")
    return str(cell)


def test_csv_has_bom_crlf_and_round_trips(db: Session, workshop: models.Workshop) -> None:
    table = export_csv_table(translator("ar"), export_data(db, workshop))
    data = to_csv(table, separator=";")
    assert data.startswith(b"\xef\xbb\xbf")
    assert ARABIC_SUGGESTION.encode("utf-8") in data
    text = data[3:].decode("utf-8")
    assert text.endswith("\r\n")
    assert text.count("\r\n") == 1 + len(table.rows)  # the newline inside a text answer is not a row end
    assert "\nالتعرف" not in text.replace("\r\n", "")
    parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert parsed == [list(table.columns)] + [[as_text(cell) for cell in row] for row in table.rows]
    assert '"Plus d\'exercices, ""pratiques""\net plus de temps"' in text  # RFC 4180 quoting
    assert ";5;4;5;" in text  # numbers are not quoted
    assert ";2025-11-20 15:00:00;2025-11-20 15:05:00;" in text  # local times Excel reads as dates


def test_csv_separator_and_decimal_mark_go_together() -> None:
    table = ExportTable(("a", "b; c", "d"), ((4.5, "x, y", datetime(2025, 11, 20, 9, 5)),), ids=("a", "b", "d"))
    semicolon = to_csv(table, separator=";").decode("utf-8-sig")
    assert semicolon == 'a;"b; c";d\r\na;b;d\r\n4,5;x, y;2025-11-20 09:05:00\r\n'
    comma = to_csv(table, separator=",").decode("utf-8-sig")
    assert comma == 'a,b; c,d\r\na,b,d\r\n4.5,"x, y",2025-11-20 09:05:00\r\n'
    with pytest.raises(ValueError):
        to_csv(table, separator="\t")


@pytest.mark.parametrize(("language", "separator"), [("fr", ";"), ("ar", ";"), ("en", ",")])
def test_csv_separator_follows_the_language(language: str, separator: str) -> None:
    assert csv_separator(language) == separator


def test_csv_neutralises_formulas_in_text() -> None:
    table = ExportTable(("a", "b", "c"), (("=HYPERLINK(\"http://x\")", "- plus d'exercices", -3),))
    rows = list(csv.reader(io.StringIO(to_csv(table, separator=";").decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[1] == ["'=HYPERLINK(\"http://x\")", "'- plus d'exercices", "-3"]


# --- XLSX ---------------------------------------------------------------------------------------


def load(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_xlsx_in_arabic(db: Session, workshop: models.Workshop) -> None:
    workbook = export_workbook(translator("ar"), export_data(db, workshop))
    book = load(to_xlsx(workbook))
    assert book.sheetnames == ["التقييم", "استبيان المتابعة", "الملخص", "نصوص الأسئلة"]
    assert book.properties.title == "Atelier Open Data — Rabat"
    sheet = book["التقييم"]
    assert all(s.sheet_view.rightToLeft for s in book.worksheets)
    assert sheet.freeze_panes == "B3"  # both header rows and the pseudonyms stay in view
    assert all(cell.font.b for cell in sheet[1]) and not any(cell.font.b for cell in sheet[2])
    values = list(sheet.iter_rows(values_only=True))
    evaluation = workbook.sheets[0]
    # A skipped answer is an empty text cell, which openpyxl reads back as None.
    assert values == [evaluation.columns, evaluation.ids] + [
        tuple(None if cell == "" else cell for cell in row) for row in evaluation.rows]
    assert sheet["B2"].value == "status" and sheet["H2"].value == "benefit"
    assert sheet["H3"].value == 5 and sheet["H3"].data_type == "n"
    started = sheet["C3"]
    assert started.is_date and started.value == local(20, 15, 0) and started.number_format == "yyyy-mm-dd hh:mm"
    assert sheet["C8"].value is None  # P06 never started: no start time
    assert sheet["W3"].value == ARABIC_SUGGESTION
    widths = {letter: sheet.column_dimensions[letter].width for letter in ("A", "C", "H", "W")}
    assert widths["C"] == 18  # "2025-11-20 15:00" and a margin
    assert widths["H"] == 30  # a question's text wraps in its header rather than widen the column
    assert 8 <= widths["A"] < widths["W"] <= 60
    summary = book["الملخص"]
    assert summary.freeze_panes == "B2"
    assert [row for row in summary.iter_rows(values_only=True)][:3] == [
        ("Atelier Open Data — Rabat", "التقييم", "استبيان المتابعة"), ("المشاركون المسجلون", 8, 8), ("تلقّى الاستبيان", 4, 1)]


def test_xlsx_in_french_reads_left_to_right(db: Session, workshop: models.Workshop) -> None:
    book = load(to_xlsx(export_workbook(FRENCH, export_data(db, workshop))))
    sheet = book["Évaluation"]
    assert not sheet.sheet_view.rightToLeft
    assert sheet["W4"].value == FRENCH_SUGGESTION
    assert sheet["H1"].alignment.wrap_text
    assert sheet["B8"].value == "pas commencé" and sheet["B9"].value == "échec de l’envoi"
    assert book["Enquête de suivi"]["D3"].value == local(18, 10, 32, 7, month=12)


def test_xlsx_keeps_text_as_text() -> None:
    table = ExportTable(("a", "b"), (("=1+1", "bell\x07"),), title="x")
    sheet = load(to_xlsx(ExportWorkbook((table,)))).active
    assert (sheet["A2"].value, sheet["A2"].data_type) == ("=1+1", "s")
    assert sheet["B2"].value == "bell"  # control characters Excel refuses are dropped
    assert sheet.freeze_panes == "B2"  # no id row: one header row frozen


def test_xlsx_sheet_names_are_unique() -> None:
    sheets = tuple(ExportTable(("a",), (), title=title) for title in ("Suivi", "suivi", "x" * 40, "x" * 40))
    assert load(to_xlsx(ExportWorkbook(sheets))).sheetnames == ["Suivi", "suivi (2)", "x" * 31, "x" * 27 + " (2)"]


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
