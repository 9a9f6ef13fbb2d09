"""Before → after (issue 11, point 4), as organisers and participants live it.

/pre CODE on: whoever joins answers a short pre-survey after the profile questions (their
level on the workshop's topics); at the end of the session the evaluation asks the same
measures again ("and now?") and, for workshops without a pre-survey, "how well did you
know it before?". /stats and the report then compare each participant with themselves:
n of matched pairs, mean before → mean after, the change, the share who improved. The
retrospective question is always asked (see ``bot/questionnaires/data/evaluation.yaml``),
but the pre-survey's answer wins when there is one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.domain.before_after import before_after
from bot.i18n import translator
from bot.questionnaires.loader import default_questionnaire, load_questionnaire
from bot.questionnaires.model import QuestionnaireKind
from bot.questionnaires.problems import QuestionnaireProblems
from bot.rendering import texts
from bot.rendering.report_content import _before_after
from bot.rendering.texts.file_problems import problem_text
from bot.reports.data import ReportData
from bot.reports.pdf import layout_report
from bot.results.before_after import BeforeAfter, Change, MeasureChange, PreSurveyState
from bot.results.stats import Breakdown
from bot.simulation.live_bot import LiveBot
from bot.storage.engine import DbSession
from bot.storage.models import Workshop
from telegram_sim import FakeUser
from tests.conversation import ORGANISER_ID, new_workshop, option, say, tap

PRE = QuestionnaireKind.PRE
START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 15:00 in Casablanca, far from quiet hours
NNBSP = "\u202f"
LRI, PDI, LRM = "\u2066", "\u2069", "\u200e"
SKIP = {"fr": "Passer ▶", "ar": "تخطٍّ ◀"}
CONFIRM = {"fr": "✓ Confirmer (1)", "ar": "✓ تأكيد (1)"}
YES_NO = {"fr": ("Oui", "Non"), "ar": ("نعم", "لا")}


async def join(live: LiveBot, person: FakeUser, code: str) -> None:
    """Join and skip the two profile questions."""
    language = person.language_code or "fr"
    await say(live, person, f"/start {code}")
    await tap(live, person, SKIP[language])
    await tap(live, person, SKIP[language])


async def answer_pre(live: LiveBot, person: FakeUser, knowledge: int, skills: int) -> None:
    await tap(live, person, str(knowledge))
    await tap(live, person, str(skills))
    await tap(live, person, SKIP[person.language_code or "fr"])  # "what do you expect?" is optional


async def answer_evaluation(live: LiveBot, person: FakeUser, *, knowledge_before: int, knowledge_now: int,
                            skills_before: int, skills_now: int) -> None:
    language = person.language_code or "fr"
    yes, no = YES_NO[language]
    await tap(live, person, option("useful_aspects", "real_cases", language))
    await tap(live, person, CONFIRM[language])
    for label in ["4", "3", "5", option("trainers", "very_good", language),
                  option("expectations", "partly", language), option("gain", "new_ideas", language),
                  "3", "4", yes, no, no,
                  str(knowledge_before), str(knowledge_now), str(skills_before), str(skills_now)]:
        await tap(live, person, label)
    for _ in range(3):  # the free-text question, and any optional one after it
        if SKIP[language] not in person.last.button_labels:
            break
        await tap(live, person, SKIP[language])
    assert not person.last.buttons, person.last.text  # the thanks


@pytest.fixture
async def live(session_factory: Callable[[], DbSession]) -> AsyncIterator[LiveBot]:
    """On a ManualClock: no wall-clock timer (live progress every 20 s) fires in the middle
    of these long conversations."""
    async with LiveBot(session_factory, organiser_ids=frozenset({ORGANISER_ID}), clock=ManualClock(START)) as bot:
        yield bot
    assert bot.server.errors == []


def section(replies: list[str], marker: str) -> str:
    found = [text for text in replies if marker in text]
    assert found, replies
    return found[0]


async def test_a_pre_survey_is_matched_with_the_end_of_the_session_in_french(
        live: LiveBot, organiser: FakeUser, session_factory: Callable[[], DbSession]) -> None:
    code = await new_workshop(live, organiser)
    early = live.server.user(90, "Karim", language_code="fr")
    await join(live, early, code)  # joined before /pre on: no pre-survey for him

    replies = await say(live, organiser, f"/pre {code}")
    assert replies == [f"Pas de pré-questionnaire pour Atelier Open Data — Rabat. Avec /pre {code} on, les "
                       "participants qui rejoignent l’atelier désormais indiquent d’abord leur niveau sur ses "
                       "thèmes, et /stats montre l’avant → après."]
    replies = await say(live, organiser, f"/pre {code} on")
    assert replies == [f"Pré-questionnaire de Atelier Open Data — Rabat{NNBSP}: Avant l’atelier. Les participants "
                       "qui rejoignent l’atelier désormais y répondent après les questions de profil (pas ceux "
                       f"déjà inscrits), jusqu’au premier /close. Réponses complètes à ce jour{NNBSP}: 0."]

    people = [live.server.user(100 + i, name, language_code="fr") for i, name in enumerate(("Claire", "Omar", "Salma"))]
    for person, (knowledge, skills) in zip(people, [(2, 1), (2, 2), (3, 2)], strict=True):
        await join(live, person, code)
        assert default_questionnaire(PRE).question("open_data_knowledge").text.fr in person.last.text  # type: ignore[union-attr]
        assert any("Trois courtes questions sur votre niveau avant l’atelier" in m.text for m in person.messages)
        await answer_pre(live, person, knowledge, skills)
    assert early.last.buttons == []  # Karim got nothing more after his profile
    assert (await say(live, organiser, f"/pre {code}"))[0].endswith(f"à ce jour{NNBSP}: 3.")

    await say(live, organiser, f"/close {code}")
    assert (await say(live, organiser, f"/pre {code} on")) == [
        f"Une session de Atelier Open Data — Rabat a déjà été clôturée{NNBSP}: un pré-questionnaire ne viendrait "
        "plus avant l’atelier."]
    late = live.server.user(150, "Nadia", language_code="fr")
    await join(live, late, code)  # after /close: straight to the evaluation, no pre-survey
    assert "Quels aspects de cet atelier" in late.last.text

    # At the end they rate themselves higher; their retrospective "before" (1) is not used:
    # each has a pre-survey answer.
    for person, now in zip(people, (4, 4, 4), strict=True):
        await answer_evaluation(live, person, knowledge_before=1, knowledge_now=now, skills_before=1, skills_now=2)

    stats = section(await say(live, organiser, f"/stats {code}"), "Avant → après")
    assert (f"Avant → après{NNBSP}: le niveau de chaque participant avant l’atelier, à côté de sa propre "
            "réponse à la fin.\n\n"
            f"Et maintenant, quel est votre niveau de connaissance de l’open data{NNBSP}?\n"
            "2,3 → 4,0 sur 5 (+1,7) · 3 paires appariées\n"
            f"3 sur 3 en progrès (100{NNBSP}%) · 0 sans changement · 0 en recul\n"
            f"Avant{NNBSP}: le pré-questionnaire, rempli à l’inscription.") in stats
    assert (f"Et maintenant, quel est votre niveau pour trouver, analyser et réutiliser des données{NNBSP}?\n"
            "1,7 → 2,0 sur 5 (+0,3) · 3 paires appariées\n"
            f"1 sur 3 en progrès (33{NNBSP}%) · 2 sans changement · 0 en recul\n") in stats

    with session_factory() as db:
        workshop = db.scalar(select(Workshop).where(Workshop.join_code == code))
        assert workshop is not None
        result = before_after(db, [workshop])
    table = _before_after(translator("fr"), result)
    assert table is not None and table.heading == "Avant → après"
    assert table.columns == ("Niveau, par participant", "Paires appariées", "Avant", "Après", "Évolution", "En progrès")
    assert table.rows[1][1:] == ("3", "1,7", "2,0 sur 5", "+0,3", f"33{NNBSP}%")
    organiser.new_messages()
    await say(live, organiser, f"/report {code}")
    (pdf,) = [m for m in organiser.messages if m.kind == "document"]
    assert pdf.file_name == f"report-{code}.pdf" and pdf.file_bytes


async def test_without_a_pre_survey_the_retrospective_question_is_the_before_in_arabic(
        live: LiveBot, session_factory: Callable[[], DbSession]) -> None:
    amal = live.server.user(ORGANISER_ID, "Amal", language_code="ar")
    code = await new_workshop(live, amal, "ورشة البيانات المفتوحة")
    people = [live.server.user(200 + i, name, language_code="ar") for i, name in enumerate(("Amina", "Youssef", "Hiba"))]
    for person in people:
        await join(live, person, code)
        assert person.last.buttons == []  # no pre-survey: nothing after the profile
    await say(live, amal, f"/close {code}")
    for person, (before, now) in zip(people, [(2, 4), (2, 4), (3, 5)], strict=True):
        await answer_evaluation(live, person, knowledge_before=before, knowledge_now=now, skills_before=3, skills_now=3)

    stats = section(await say(live, amal, f"/stats {code}"), "قبل ← بعد")
    assert ("قبل ← بعد: مستوى كل مشارك قبل الورشة بجانب إجابته هو في نهايتها.\n\n"
            "والآن، ما مستوى معرفتك بالبيانات المفتوحة؟\n"
            f"2,3 ← 4,3 من 5 ({LRM}+2,0) · 3 أزواج مطابقة\n"
            "تحسّن 3 من أصل 3 مشاركين (100%) · دون تغيير: 0 · تراجع: 0\n"
            "قبل: سؤال في نهاية الجلسة بالعودة إلى ما قبلها (دون استبيان قبلي).") in stats
    assert "3,0 ← 3,0 من 5 (0,0) · 3 أزواج مطابقة\nتحسّن 0 من أصل 3 مشاركين (0%) · دون تغيير: 3 · تراجع: 0" in stats

    # The report: the same figures in a table, and the PDF lays it out under the summary.
    with session_factory() as db:
        workshop = db.scalar(select(Workshop).where(Workshop.join_code == code))
        assert workshop is not None
        result = before_after(db, [workshop], Breakdown.GENDER)
    assert [(g.profile_key, g.change.pairs, g.hidden) for g in result.measures[0].groups] == [("", 3, False)]
    tr = translator("ar")
    table = _before_after(tr, result)
    assert table is not None
    assert table.columns == ("المستوى، لكل مشارك", "أزواج مطابقة", "قبل", "بعد", "التغيّر", "تحسّنوا")
    assert table.rows[0] == ("والآن، ما مستوى معرفتك بالبيانات المفتوحة؟ — قبل: سؤال في نهاية الجلسة بالعودة إلى ما "
                             "قبلها (دون استبيان قبلي).", "3", "2,3", "4,3 من 5", f"{LRM}+2,0", "100%")
    assert table.notes == ("لا يُحتسب إلا من أجاب قبل الورشة وفي نهايتها، وكلٌّ يُقارَن بنفسه؛ ولا يُعرض مقياس له "
                           "أقل من 3 أزواج مطابقة.",)
    data = ReportData(language="ar", title="ورشة", subtitle="تقرير", facts=(), notes=(), charts_heading="",
                      charts=(), free_text_heading="", free_texts=(), followup_heading="", followup_columns=("", "", ""),
                      followup=(), footer="", before_after=table)
    tags = [tag for page in layout_report(data) for tag in page.tags]
    assert tags.count("before-after-row") == 2 and "before-after-head" in tags


async def test_fewer_than_three_pairs_are_not_shown(live: LiveBot, organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser)
    await say(live, organiser, f"/pre {code} on")
    people = [live.server.user(300 + i, name, language_code="fr") for i, name in enumerate(("Ali", "Sara"))]
    for person in people:
        await join(live, person, code)
        await answer_pre(live, person, 2, 2)
    await say(live, organiser, f"/close {code}")
    for person in people:
        await answer_evaluation(live, person, knowledge_before=1, knowledge_now=5, skills_before=1, skills_now=5)
    stats = section(await say(live, organiser, f"/stats {code}"), "Avant → après")
    assert (f"Et maintenant, quel est votre niveau de connaissance de l’open data{NNBSP}?\n"
            f"non affiché{NNBSP}: moins de 3 paires appariées") in stats
    assert "→ 5,0" not in stats and "2,0 →" not in stats


async def test_pre_command_refusals_in_arabic(live: LiveBot) -> None:
    amal = live.server.user(ORGANISER_ID, "Amal", language_code="ar")
    code = await new_workshop(live, amal, "ورشة")
    assert await say(live, amal, f"/pre {code} nothing-here") == [
        f"لا يحمل المفتاح {LRI}nothing-here{PDI} أيٌّ من استبياناتك ولا من الاستبيانات المدمجة. يعرضها الأمر "
        f"{LRI}/questionnaires{PDI}."]
    assert await say(live, amal, f"/pre {code} on off") == [texts.pre_usage(translator("ar"))]
    assert (await say(live, amal, f"/pre {code} on"))[0] == (
        f"الاستبيان القبلي لورشة ورشة: قبل الورشة. يجيب عنه المشاركون الذين ينضمون من الآن بعد أسئلة الملف التعريفي "
        f"(لا من انضموا قبل ذلك)، إلى أول {LRI}/close{PDI}. عدد من أتمّوه حتى الآن: 0.")
    assert (await say(live, amal, f"/pre {code} off"))[0] == (
        f"لا استبيان قبلي لورشة ورشة. بالأمر {LRI}/pre {code} on{PDI}، يحدّد المشاركون الذين ينضمون من الآن مستواهم "
        f"في مواضيع الورشة أولًا، ويعرض الأمر {LRI}/stats{PDI} المقارنة قبل ← بعد.")


# --- the words, in French and Arabic ---------------------------------------------------------


def test_usage_refusals_menu_and_help_in_french_and_arabic() -> None:
    fr, ar = translator("fr"), translator("ar")
    assert texts.pre_usage(fr) == (f"Un court questionnaire à l’inscription, comparé à la fin de la session{NNBSP}:\n"
                                   "/pre CODE on — celui du bot (leur niveau, leurs attentes)\n"
                                   "/pre CODE CLÉ — l’un des vôtres, de type pre\n/pre CODE off — aucun")
    assert texts.pre_usage(ar).startswith("استبيان قصير عند الانضمام، يُقارَن بنهاية الجلسة:\n"
                                          f"{LRI}/pre الرمز{LRM} on{PDI} — الاستبيان المدمج")
    assert texts.not_a_pre_survey(fr, "mon-avant") == (
        f"Le questionnaire mon-avant n’est pas un pré-questionnaire{NNBSP}: son fichier doit avoir «{NNBSP}pre{NNBSP}» "
        f"comme «{NNBSP}kind{NNBSP}».").replace("mon-avant", "<code>mon-avant</code>")
    assert texts.not_a_pre_survey(ar, "k") == (
        f"الاستبيان {LRI}<code>k</code>{PDI} ليس استبيانًا قبليًا: يجب أن يتضمن ملفه {LRI}kind: pre{PDI}.")
    assert texts.pre_too_late(ar, "ورشة") == "أُغلقت إحدى جلسات ورشة <b>ورشة</b>: لم يعد الاستبيان القبلي يأتي قبل الورشة."
    assert ("pre", "Un court questionnaire à l’inscription, pour l’avant → après") in texts.command_menu(fr, organiser=True)
    assert ("pre", "استبيان قصير عند الانضمام، للمقارنة قبل ← بعد") in texts.command_menu(ar, organiser=True)
    assert "/pre CODE on — un court questionnaire à l’inscription" in texts.help_text(fr, is_organiser=True)
    assert f"{LRI}/pre الرمز{LRM} on{PDI} — استبيان قصير عند الانضمام" in texts.help_text(ar, is_organiser=True)


def _measure(change: Change) -> MeasureChange:
    return MeasureChange("open_data_knowledge", default_questionnaire(QuestionnaireKind.EVALUATION).question(
        "knowledge_now"), change)  # type: ignore[arg-type]


def test_a_drop_and_a_mixed_before_read_right() -> None:
    fr, ar = translator("fr"), translator("ar")
    worse = Change(pairs=4, before_total=16, after_total=14, improved=0, same=2, worse=2, from_pre=2,
                   from_retrospective=2)
    blocks = texts.before_after_summary(fr, BeforeAfter((_measure(worse),)))
    assert ("4,0 → 3,5 sur 5 (\u22120,5) · 4 paires appariées\n"
            f"0 sur 4 en progrès (0{NNBSP}%) · 2 sans changement · 2 en recul\n"
            f"Avant{NNBSP}: le pré-questionnaire, sinon la question posée en fin de session, avec le recul.") in blocks[0]
    arabic = texts.before_after_summary(ar, BeforeAfter((_measure(worse),)))[0]
    assert f"4,0 ← 3,5 من 5 ({LRM}\u22120,5) · 4 أزواج مطابقة" in arabic
    assert "قبل: الاستبيان القبلي، وإلا فالسؤال المطروح في نهاية الجلسة بالعودة إلى ما قبلها." in arabic
    only_pre = Change(pairs=11, before_total=22, after_total=33, improved=11, from_pre=11)
    assert "2,0 ← 3,0 من 5 (\u200e+1,0) · 11 زوجًا مطابقًا" in texts.before_after_summary(ar, BeforeAfter((_measure(only_pre),)))[0]
    assert "قبل: الاستبيان القبلي، عند الانضمام." in texts.before_after_summary(ar, BeforeAfter((_measure(only_pre),)))[0]
    assert texts.before_after_summary(fr, BeforeAfter()) == []
    hidden = texts.before_after_summary(ar, BeforeAfter((_measure(Change(pairs=2, before_total=4, after_total=8)),)))
    assert hidden[0].endswith("والآن، ما مستوى معرفتك بالبيانات المفتوحة؟</b>\nغير معروض: أقل من 3 أزواج مطابقة")
    assert texts.report_before_after_row(fr, _measure(Change(pairs=2)))[1:] == ("2", "–", "–", "–", "–")
    state = PreSurveyState("Atelier", "K7P2QX", None)
    assert texts.pre_state(fr, state).startswith("Pas de pré-questionnaire pour <b>Atelier</b>. Avec /pre K7P2QX on,")


# --- the file format: measure and retrospective ----------------------------------------------

FILE = """key: mine
kind: {kind}
title: {{fr: Le mien, ar: خاصتي}}
questions:
{questions}
"""


def problems(kind: str, questions: str, language: str) -> list[str]:
    """Every problem of a file as the organiser reads it: place in bold, then what to fix."""
    with pytest.raises(QuestionnaireProblems) as caught:
        load_questionnaire(FILE.format(kind=kind, questions=questions), name="form.yaml")
    return [problem_text(translator(language), problem) for problem in caught.value.problems]


def test_measure_and_retrospective_in_a_file() -> None:
    questionnaire = load_questionnaire(FILE.format(kind="evaluation", questions=(
        "  - {id: before, type: rating, measure: data_skills, retrospective: true, text: {fr: Avant, ar: قبل}}\n"
        "  - {id: now, type: rating, measure: data_skills, text: {fr: Maintenant, ar: الآن}}")))
    before, now = questionnaire.questions
    assert (before.measure, before.retrospective, now.measure, now.retrospective) == (
        "data_skills", True, "data_skills", False)
    pre = load_questionnaire(FILE.format(kind="pre", questions=(
        "  - {id: level, type: rating, measure: data_skills, text: {fr: Niveau, ar: المستوى}}")))
    assert pre.kind is QuestionnaireKind.PRE and pre.questions[0].measure == "data_skills"


def test_measure_mistakes_are_explained_in_french_and_arabic() -> None:
    bad = ("  - {id: a, type: rating, measure: Open Data, text: {fr: A, ar: أ}}\n"
           "  - {id: b, type: rating, retrospective: true, text: {fr: B, ar: ب}}\n"
           "  - {id: c, type: rating, measure: skills, text: {fr: C, ar: ج}}\n"
           "  - {id: d, type: rating, measure: skills, text: {fr: D, ar: د}}\n"
           "  - {id: e, type: text, measure: skills, text: {fr: E, ar: هـ}}")
    french = problems("evaluation", bad, "fr")
    assert [line.split("\n", 1)[1] for line in french] == [
        f"La mesure «{NNBSP}Open Data{NNBSP}» n’est pas valide{NNBSP}: utilisez de 1 à 40 lettres minuscules, "
        f"chiffres ou «{NNBSP}_{NNBSP}» (la même dans le pré-questionnaire et en fin de session).",
        f"«{NNBSP}retrospective{NNBSP}» demande une «{NNBSP}measure{NNBSP}»{NNBSP}: la question porte sur le niveau "
        "d’avant l’atelier pour cette mesure.",
        f"La mesure «{NNBSP}skills{NNBSP}» est déjà posée par «{NNBSP}c{NNBSP}»{NNBSP}: chaque mesure une fois (et "
        f"une fois de plus avec «{NNBSP}retrospective{NNBSP}»).",
        french[3].split("\n", 1)[1],  # "measure" does not apply to a text question (existing wording)
    ]
    assert "measure" in french[3] and "rating" in french[3]
    arabic = problems("pre", "  - {id: a, type: rating, measure: level, retrospective: true, text: {fr: A, ar: أ}}",
                      "ar")
    assert arabic[0].split("\n", 1)[1] == (
        f"{LRI}retrospective: true{PDI} خاص بنهاية الجلسة («كيف كان مستواك قبلها؟»)؛ أما الاستبيان القبلي فيسأل "
        "قبل الورشة، فاحذفه هنا.")
    arabic = problems("evaluation", bad, "ar")
    assert [line.split("\n", 1)[1] for line in arabic[:3]] == [
        f"المقياس «{LRI}Open Data{PDI}» غير صالح: استعمل من 1 إلى 40 حرفًا لاتينيًا صغيرًا أو رقمًا أو «_» (هو نفسه في "
        "الاستبيان القبلي وفي نهاية الجلسة).",
        f"يحتاج {LRI}retrospective: true{PDI} إلى «measure»: فهو يسأل عن المستوى قبل الورشة في هذا المقياس.",
        f"المقياس «{LRI}skills{PDI}» مطروح من قبلُ في «{LRI}c{PDI}»: كل مقياس مرة واحدة (ومرة أخرى مع {LRI}retrospective: true{PDI}).",
    ]
