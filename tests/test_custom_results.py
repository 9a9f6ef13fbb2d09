"""Results of an organiser's own questionnaire: /stats, comparisons, exports and the report.

The questionnaire is built in code (a 0–10 recommendation score, a yes/no, a question shown
only after "no" or "maybe", a note, a multiple choice of at most two, a free text), in French
and Arabic only, and answered through the domain functions on a real database. Workshop A
runs version 1; workshop B runs version 2, where only the yes/no question is worded
differently.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import answering
from bot.domain.export import export_data
from bot.domain.participation import join_workshop
from bot.domain.questionnaire_store import questionnaire_by_id, store_questionnaire
from bot.domain.reversals import find_reversals
from bot.domain.stats import NotComparable, collect_stats
from bot.domain.users import TelegramIdentity, get_or_create_user
from bot.domain.workshops import close_workshop, create_workshop
from bot.i18n import translator
from bot.questionnaires.model import (
    Condition,
    Option,
    Question,
    Questionnaire,
    QuestionnaireKind,
    QuestionType,
    Text,
)
from bot.rendering import texts
from bot.rendering.chart_specs import chart_specs
from bot.rendering.export_content import export_csv_table, export_workbook
from bot.rendering.report_content import report_content
from bot.reports import render_report
from bot.results.stats import Breakdown, Nps
from bot.simulation.live_bot import LiveBot
from bot.storage import models
from tests.conversation import ORGANISER_ID

NNBSP, NBSP, LRM = "\u202f", "\u00a0", "\u200e"
SKIP = object()
FR, AR, EN = translator("fr"), translator("ar"), translator("en")


def _text(fr: str, ar: str) -> Text:
    return Text(fr=fr, ar=ar)  # the file has no English: English readers see the French


def custom_questionnaire(useful_fr: str = "La journée vous a-t-elle été utile ?") -> Questionnaire:
    return Questionnaire(
        key="datajam-tunis",
        kind=QuestionnaireKind.EVALUATION,
        title=_text("Data-jam Tunis", "داتا جام تونس"),
        intro=None,
        languages=("fr", "ar"),
        questions=(
            Question("recommend", QuestionType.RATING,
                     _text("Recommanderiez-vous ce data-jam à un collègue ?", "هل تنصح زميلًا بهذا اللقاء؟"),
                     scale_min=0, scale_max=10, nps=True,
                     low_label=_text("pas du tout", "إطلاقًا"), high_label=_text("certainement", "بالتأكيد")),
            Question("useful", QuestionType.YESNO, _text(useful_fr, "هل كان اليوم مفيدًا لك؟")),
            Question("why_not", QuestionType.CHOICE, _text("Qu’a-t-il manqué ?", "ما الذي نقص؟"), optional=True,
                     options=(Option("time", _text("Du temps", "الوقت")), Option("data", _text("Des données", "البيانات"))),
                     show_if=Condition("useful", ("no", "maybe"))),
            Question("break", QuestionType.NOTE, _text("Encore deux questions.", "بقي سؤالان.")),
            Question("topics", QuestionType.MULTI, _text("Quels thèmes ?", "ما المواضيع؟"), max_choices=2,
                     options=(Option("budget", _text("Budget", "الميزانية")), Option("health", _text("Santé", "الصحة")),
                              Option("water", _text("Eau", "الماء")))),
            Question("comment", QuestionType.TEXT, _text("Un commentaire ?", "تعليق؟"), optional=True, max_length=300),
        ),
    )


V1 = custom_questionnaire()
V2 = custom_questionnaire("Cette journée vous a-t-elle servi ?")  # one wording changed


@dataclass(frozen=True)
class Person:
    user_id: int
    gender: str | None
    answers: Mapping[str, object]  # question id → value, in questionnaire order; absent: not reached


def _answers(recommend: int, useful: str, why_not: object = None, topics: tuple[str, ...] = ("budget",),
             comment: object = SKIP) -> dict[str, object]:
    answers: dict[str, object] = {"recommend": recommend, "useful": useful}
    if why_not is not None:
        answers["why_not"] = why_not
    return {**answers, "topics": list(topics), "comment": comment}


# Promoters (9–10): 6, passives (7–8): 3, detractors (0–6): 3 of 12 → NPS = 50 % − 25 % = +25.
# "why_not" is shown to the 4 who said no or maybe: 3 answer, 1 skips. P13 never answers.
WORKSHOP_A = (
    Person(10, "woman", _answers(10, "yes", topics=("budget", "health"), comment="Très concret")),
    Person(11, "woman", _answers(9, "yes", comment="مفيد جدًا")),
    Person(12, "woman", _answers(9, "yes")),
    Person(13, "woman", _answers(8, "maybe", why_not="time")),
    Person(14, "woman", _answers(3, "no", why_not="data", topics=("water",))),
    Person(15, "man", _answers(10, "yes", topics=("health", "water"))),
    Person(16, "man", _answers(10, "yes")),
    Person(17, "man", _answers(7, "yes")),
    Person(18, "man", _answers(0, "no", why_not=SKIP)),
    Person(19, "undisclosed", _answers(9, "yes")),
    Person(20, "undisclosed", _answers(8, "no", why_not="time")),
    Person(21, "undisclosed", _answers(6, "yes")),
    Person(22, None, {}),
)
# Version 2: 1 promoter, 1 passive, 2 detractors → −25; one man among three women.
WORKSHOP_B = (
    Person(30, "woman", _answers(10, "yes")),
    Person(31, "woman", _answers(6, "no", why_not="data")),
    Person(32, "woman", _answers(5, "yes")),
    Person(33, "man", _answers(8, "yes")),
)


def answer(db: Session, response: models.Response, answers: Mapping[str, object]) -> None:
    """Answer question by question through the domain functions, as the buttons do.

    The participant flow goes past notes and hidden questions by itself (its own tests
    check it); here, when the response still stands on one, it is moved on to the
    question answered next, after checking that only notes or hidden questions lie between.
    """
    questionnaire = questionnaire_by_id(db, response.questionnaire_id)
    answering.mark_started(response, question_message_id=1)
    db.flush()
    chosen: dict[str, tuple[str, ...]] = {}
    for question_id, value in answers.items():
        index = questionnaire.index_of(question_id)
        if response.current_index != index:
            passed = questionnaire.questions[response.current_index:index]
            assert all(not q.answerable or not questionnaire.shown(q, chosen) for q in passed), question_id
            response.current_index = index
            db.flush()
        question = questionnaire.questions[index]
        if value is SKIP:
            answering.skip(db, response, index)
            chosen[question_id] = ()
        elif question.type is QuestionType.RATING:
            assert isinstance(value, int)
            answering.answer_rating(db, response, index, value)
            chosen[question_id] = (str(value),)
        elif question.type is QuestionType.MULTI:
            assert isinstance(value, list)
            for option_id in value:
                answering.toggle_option(db, response, index, option_id)
            answering.confirm_selection(db, response, index)
            chosen[question_id] = tuple(value)
        elif question.type is QuestionType.TEXT:
            answering.answer_text(db, response, index, str(value))
        else:
            answering.answer_choice(db, response, index, str(value))
            chosen[question_id] = (str(value),)


def response_of(db: Session, participant: models.Participant, questionnaire_id: int) -> models.Response:
    response = db.scalar(select(models.Response).where(
        models.Response.participant_id == participant.id, models.Response.questionnaire_id == questionnaire_id))
    assert response is not None
    return response


def run_workshop(db: Session, title: str, questionnaire: Questionnaire, people: tuple[Person, ...]) -> models.Workshop:
    """A workshop on ``questionnaire``: everyone gives a gender (or skips), then evaluates."""
    organiser = get_or_create_user(db, TelegramIdentity(ORGANISER_ID, "fr"))
    workshop = create_workshop(db, organiser, title)
    workshop.evaluation_questionnaire_id = store_questionnaire(db, questionnaire).id
    joined = {}
    for person in people:
        participant = join_workshop(db, get_or_create_user(db, TelegramIdentity(person.user_id, "fr")),
                                    workshop.join_code).participant
        assert participant is not None
        joined[person.user_id] = participant
        profile = response_of(db, participant, workshop.profile_questionnaire_id)
        answer(db, profile, {"org_type": SKIP, "gender": person.gender or SKIP})
    close_workshop(db, workshop)
    for person in people:
        answer(db, response_of(db, joined[person.user_id], workshop.evaluation_questionnaire_id), person.answers)
    db.commit()
    return workshop


@pytest.fixture
def workshop_a(db: Session) -> models.Workshop:
    return run_workshop(db, "Data-jam Tunis", V1, WORKSHOP_A)


@pytest.fixture
def workshop_b(db: Session, workshop_a: models.Workshop) -> models.Workshop:
    return run_workshop(db, "Data-jam Sfax", V2, WORKSHOP_B)


# --- the figures ---------------------------------------------------------------------------


def test_nps_and_the_conditional_denominator(db: Session, workshop_a: models.Workshop) -> None:
    stats = collect_stats(db, [workshop_a])
    questions = {q.question.id: q for q in stats.questions}
    assert list(questions) == ["recommend", "useful", "why_not", "topics", "comment"]  # the note is not counted
    recommend = questions["recommend"]
    assert recommend.tally.rating_counts == {10: 3, 9: 3, 8: 2, 7: 1, 6: 1, 3: 1, 0: 1}
    nps = recommend.tally.nps
    assert (nps.promoters, nps.passives, nps.detractors, nps.respondents, nps.score) == (6, 3, 3, 12, 25)
    assert recommend.received == 13 and recommend.no_answer == 1  # P13 received it, never answered

    why_not = questions["why_not"]
    assert why_not.conditional
    assert (why_not.answered, why_not.skipped, why_not.asked, why_not.no_answer) == (3, 1, 4, 1)
    assert why_not.option_counts == {"time": 2, "data": 1}
    assert why_not.percent(2) == pytest.approx(100 * 2 / 3)  # of those who answered, not of the 13

    topics = questions["topics"]
    assert topics.answered == 12 and topics.option_counts == {"budget": 10, "health": 2, "water": 2}
    assert set(questions["comment"].texts) == {"Très concret", "مفيد جدًا"}


def test_nps_rounds_half_away_from_zero() -> None:
    assert Nps(1, 0, 0).score == 100 and Nps(0, 0, 1).score == -100
    assert Nps(1, 6, 1).score == 0
    assert Nps(1, 5, 2).score == -13  # −12.5
    assert Nps(2, 5, 1).score == 13
    assert Nps(0, 0, 0).score == 0


def test_stats_summary_in_french(db: Session, workshop_a: models.Workshop) -> None:
    summary = "\n".join(texts.stats_summary(FR, collect_stats(db, [workshop_a])))
    assert ("<b>1. Recommanderiez-vous ce data-jam à un collègue ?</b>\n"
            f"12 réponses · sans réponse{NBSP}: 1 sur 13 destinataires\n"
            f"score NPS +25 (promoteurs 50{NNBSP}%, passifs 25{NNBSP}%, détracteurs 25{NNBSP}%, n = 12)\n"
            "moyenne 7,4 sur 10 · médiane 8,5\n"
            "<i>0 = pas du tout · 10 = certainement</i>\n"
            f"  0: 1 (8{NNBSP}%)\n") in summary
    assert f"  10: 3 (25{NNBSP}%)" in summary
    assert ("<b>3. Qu’a-t-il manqué ?</b>\n"
            "3 réponses · posée à 4 des 13 destinataires (selon une réponse précédente) (1 a passé la question)\n"
            f"  • Du temps: 2 (67{NNBSP}%)\n  • Des données: 1 (33{NNBSP}%)") in summary
    assert "Encore deux questions" not in summary  # the note
    assert "<b>4. Quels thèmes ?</b>" in summary and "<b>5. Un commentaire ?</b>" in summary
    assert "« Très concret »" in summary


def test_stats_summary_in_arabic(db: Session, workshop_a: models.Workshop) -> None:
    summary = "\n".join(texts.stats_summary(AR, collect_stats(db, [workshop_a])))
    assert (f"صافي نقاط الترويج {LRM}+25 (المروّجون 50%، المحايدون 25%، المنتقدون 25%، ن = 12)"
            in summary)
    assert "<b>3. ما الذي نقص؟</b>\n3 إجابات · عُرض على 4 من أصل 13 مستلمًا (حسب إجابة سابقة)" in summary
    assert "بقي سؤالان" not in summary


def test_breakdown_gives_the_nps_of_each_group_shown(db: Session, workshop_a: models.Workshop) -> None:
    stats = collect_stats(db, [workshop_a], Breakdown.GENDER)
    summary = "\n".join(texts.stats_summary(FR, stats))
    # women 3 promoters, 1 passive, 1 detractor of 5: +40; men 2, 1, 1 of 4: +25; undisclosed 1, 1, 1: 0
    assert (f"  ▸ Femme (5 réponses): score NPS +40 (promoteurs 60{NNBSP}%, passifs 20{NNBSP}%, "
            f"détracteurs 20{NNBSP}%, n = 5) · moyenne 7,8 sur 10 · médiane 9") in summary
    assert "  ▸ Homme (4 réponses)" in summary and "score NPS +25 (promoteurs 50" in summary
    assert "  ▸ Je préfère ne pas répondre (3 réponses)" in summary and "score NPS 0 (" in summary
    assert all(r.question.answerable for r in find_reversals(stats))


def test_charts_show_the_eleven_values_and_the_nps(db: Session, workshop_a: models.Workshop) -> None:
    stats = collect_stats(db, [workshop_a])
    for tr in (FR, AR):
        specs = chart_specs(stats, tr)
        assert len(specs) == 4  # recommend, useful, why_not, topics: no note, no free text
        recommend, _, why_not, topics = specs
        assert recommend.categories == tuple(str(v) for v in range(11))
        assert recommend.series[0].counts == (1, 0, 0, 1, 0, 0, 1, 1, 2, 3, 3)
        assert texts.nps_text(tr, stats.questions[0].tally.nps) in recommend.labels.mean_line
        assert why_not.labels.no_answer_note == texts.shown_to_text(tr, stats.questions[2])
        assert topics.categories[0] in ("Budget", "الميزانية")
    fr_specs = chart_specs(stats, FR)
    assert fr_specs[0].labels.mean_line.startswith("score NPS +25 (promoteurs 50")
    assert fr_specs[2].labels.no_answer_note == "posée à 4 des 13 destinataires (selon une réponse précédente)"


# --- comparisons ---------------------------------------------------------------------------


def test_two_versions_are_compared_on_the_questions_asked_alike(
    db: Session, workshop_a: models.Workshop, workshop_b: models.Workshop
) -> None:
    assert workshop_a.evaluation_questionnaire_id != workshop_b.evaluation_questionnaire_id
    stats = collect_stats(db, [workshop_a, workshop_b])
    assert [q.question.id for q in stats.questions] == ["recommend", "why_not", "topics", "comment"]
    assert [q.id for q in stats.not_compared] == ["useful"]
    recommend = stats.questions[0]
    assert recommend.answered == 16
    nps = {g.workshop_code: g.tally.nps.score for g in recommend.groups}
    assert nps == {workshop_a.join_code: 25, workshop_b.join_code: -25}

    fr = "\n".join(texts.stats_summary(FR, stats))
    assert (f"Question non comparée (sa formulation diffère entre ces ateliers){NNBSP}: "
            "La journée vous a-t-elle été utile ?") in fr
    assert "  ▸ Data-jam Sfax (4 réponses)" in fr and "score NPS \u22122" in fr  # −25, a true minus
    ar = "\n".join(texts.stats_summary(AR, stats))
    assert "سؤال غير مقارَن (تختلف صياغته بين هذه الورشات): هل كان اليوم مفيدًا لك؟" in ar
    assert f"صافي نقاط الترويج {LRM}\u221225" in ar
    report = report_content(FR, stats, [], [], timezone="Africa/Tunis", generated_at=datetime(2026, 5, 1, tzinfo=UTC))
    assert any(note.startswith("Question non comparée") for note in report.notes)
    assert len(report.charts) == 3  # recommend, why_not, topics: the yes/no is not compared

    # by gender: workshop B's groups are too small (1 man) or would give him away: no NPS for them
    by_gender = collect_stats(db, [workshop_a, workshop_b], Breakdown.GENDER)
    groups = [g for g in by_gender.questions[0].groups if g.workshop_code == workshop_b.join_code and g.tally.answered]
    assert groups and all(g.hidden for g in groups)
    lines = [line for line in "\n".join(texts.stats_summary(FR, by_gender)).split("\n") if "Data-jam Sfax · " in line]
    assert lines and not any("NPS" in line for line in lines)
    assert by_gender.not_compared == stats.not_compared


def test_nothing_in_common_is_not_comparable(db: Session, workshop_a: models.Workshop) -> None:
    other = Questionnaire(key="other", kind=QuestionnaireKind.EVALUATION, title=_text("Autre", "آخر"), intro=None,
                          languages=("fr", "ar"), questions=(replace(V1.questions[0], text=_text("Autre ?", "آخر؟")),))
    workshop_c = run_workshop(db, "Autre", other, (Person(40, None, {"recommend": 9}),))
    with pytest.raises(NotComparable):
        collect_stats(db, [workshop_a, workshop_c])


def test_same_row_compares_every_question(db: Session, workshop_a: models.Workshop) -> None:
    twin = run_workshop(db, "Data-jam Tunis 2", V1, (Person(50, "woman", _answers(9, "no", why_not="time")),))
    stats = collect_stats(db, [workshop_a, twin])
    assert [q.question.id for q in stats.questions] == ["recommend", "useful", "why_not", "topics", "comment"]
    assert stats.not_compared == ()
    assert stats.questions[2].question.id == "why_not" and stats.questions[2].asked == 5


# --- the export ------------------------------------------------------------------------------


def test_export_has_no_note_column_and_tells_hidden_from_skipped(db: Session, workshop_a: models.Workshop) -> None:
    data = export_data(db, workshop_a)
    for tr, why_not, break_text in ((FR, "Qu’a-t-il manqué ?", "Encore deux questions."),
                                    (AR, "ما الذي نقص؟", "بقي سؤالان."),
                                    (EN, "Qu’a-t-il manqué ?", "Encore deux questions.")):  # no English: French
        table = export_csv_table(tr, data)
        assert break_text not in table.columns
        column = table.columns.index(why_not)
        recommend = column - 2
        evaluation = {row[0]: row for row in table.rows if row[1] == texts.export_kind(tr, QuestionnaireKind.EVALUATION)}
        assert evaluation["P01"][column] is None  # said yes: never shown the question
        assert evaluation["P09"][column] == ""  # shown it, skipped it
        assert evaluation["P04"][column] == ("Du temps" if tr is not AR else "الوقت")
        assert evaluation["P13"][column] is None  # never answered anything
        assert evaluation["P09"][recommend] == 0  # a rating of 0 is a rating
        topics = evaluation["P01"][column + 1]
        assert topics == {"fr": "Budget ; Santé", "ar": "الميزانية ; الصحة", "en": "Budget ; Santé"}[tr.language]

    workbook = export_workbook(FR, data)
    sheet = workbook.sheets[0]
    assert sheet.ids[-5:] == ("recommend", "useful", "why_not", "topics", "comment")
    questions = workbook.sheets[-1]
    assert "break" not in [row[1] for row in questions.rows]
    assert ("Évaluation", "recommend", "هل تنصح زميلًا بهذا اللقاء؟", "Recommanderiez-vous ce data-jam à un collègue ?",
            "Recommanderiez-vous ce data-jam à un collègue ?") in questions.rows


# --- the report ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["fr", "ar"])
def test_report_shows_the_nps(db: Session, workshop_a: models.Workshop, code: str) -> None:
    language = translator(code)
    stats = collect_stats(db, [workshop_a])
    content = report_content(language, stats, [], [], timezone="Africa/Tunis",
                             generated_at=datetime(2026, 5, 1, tzinfo=UTC),
                             breakdowns=[(collect_stats(db, [workshop_a], Breakdown.GENDER), [])])
    assert content.summary is not None
    rows = content.summary.rows
    assert len(rows) == 5  # the note has no row
    first = rows[0]
    if code == "fr":
        assert first.result == "score NPS +25 · 7,4 sur 10"
        assert first.positive == f"50{NNBSP}%"  # 9 and 10, the promoters
        assert any(note.startswith(f"NPS (score de recommandation, de 0 à 10){NNBSP}:") for note in content.summary.notes)
    else:
        assert first.result == f"صافي نقاط الترويج {LRM}+25 · 7,4 من 10"
        assert any(note.startswith("صافي نقاط الترويج (درجة التوصية") for note in content.summary.notes)
    assert [len(chart.categories) for chart in content.charts] == [11, 3, 2, 3]
    assert [f.answers for f in content.free_texts] == [stats.questions[-1].texts]
    pdf = render_report(content)
    assert pdf.startswith(b"%PDF")


# --- through the real bot ---------------------------------------------------------------------


async def test_stats_and_export_through_the_bot(live: LiveBot) -> None:
    with live.session() as db:
        code = run_workshop(db, "Data-jam Tunis", V1, WORKSHOP_A).join_code
    organiser = live.server.user(ORGANISER_ID, "Firas", language_code="fr")

    organiser.new_messages()
    await organiser.send(f"/stats {code}")
    await live.settle()
    sent = organiser.new_messages()
    assert [m.kind for m in sent].count("photo") == 4
    summary = "\n".join(m.text for m in sent if m.kind == "text")
    assert f"score NPS +25 (promoteurs 50{NNBSP}%, passifs 25{NNBSP}%, détracteurs 25{NNBSP}%, n = 12)" in summary
    assert "posée à 4 des 13 destinataires (selon une réponse précédente)" in summary
    assert "Encore deux questions" not in summary

    await organiser.send(f"/export {code}")
    await live.settle()
    csv_message, xlsx_message = organiser.new_messages()
    assert csv_message.file_bytes is not None and xlsx_message.file_bytes is not None
    rows = list(csv.reader(io.StringIO(csv_message.file_bytes.decode("utf-8-sig"), newline=""), delimiter=";"))
    header = rows[0]
    assert "Encore deux questions." not in header
    recommend = header.index("Recommanderiez-vous ce data-jam à un collègue ?")
    assert header[recommend + 1:recommend + 5] == [
        "La journée vous a-t-elle été utile ?", "Qu’a-t-il manqué ?", "Quels thèmes ?", "Un commentaire ?"]
    evaluation = [row for row in rows[1:] if row[1] == "Évaluation"]
    assert [row[recommend] for row in evaluation[:3]] == ["10", "9", "9"]
    assert evaluation[13 - 1][recommend] == ""  # P13 received it, never answered
