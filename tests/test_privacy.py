"""Privacy as the law asks (Morocco 09-08, Tunisia 2004-63): /privacy, /mydata, /forget,
the export kept private, and retention — warned a week ahead, then deleted, counts kept.

Conversations with the real bot through the fake Bot API; retention on a ManualClock.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.questionnaires.model import QuestionnaireKind
from bot.simulation.live_bot import LiveBot
from bot.storage import models
from bot.storage.engine import DbSession
from telegram_sim import FakeUser
from tests.conversation import ORGANISER_ID, new_workshop, option, question_text, say, tap

NBSP, NNBSP, LRI, PDI, FSI = "\u00a0", "\u202f", "\u2066", "\u2069", "\u2068"
PROFILE, FOLLOWUP = QuestionnaireKind.PROFILE, QuestionnaireKind.FOLLOWUP
START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 15:00 in Casablanca
ARABIC_ORGANISER = 2


def rows(live: LiveBot, model: type[models.Base], *where: object) -> int:
    with live.session() as db:
        return db.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


# --- /privacy and /help ----------------------------------------------------------------------


async def test_privacy_says_what_why_who_how_long_and_the_rights_in_french_and_arabic(
        live: LiveBot, organiser: FakeUser) -> None:
    claire = live.server.user(200, "Claire", language_code="fr")
    (text,) = await say(live, claire, "/privacy")
    assert text.startswith("Vos données\n\nCe que je conserve" + NBSP + ": votre identifiant Telegram")
    assert "Je ne conserve pas votre nom." in text
    assert "Votre nom n’apparaît ni dans les résultats ni dans les exports." in text  # as the questionnaires say
    assert f"jusqu’à 365 jours après l’enquête de suivi de l’atelier" in text
    assert f"/mydata vous envoie une copie de tout ce que je conserve sur vous, /forget l’efface." in text
    # Unset in the settings: said honestly, nothing invented.
    assert text.endswith("L’exploitant de ce bot n’a pas indiqué son nom.\n"
                         "Aucun numéro de déclaration à la CNDP (Maroc) ni d’autorisation de l’INPDP (Tunisie) "
                         "n’a été indiqué pour ce bot.")
    amina = live.server.user(100, "Amina", language_code="ar")
    (text,) = await say(live, amina, "/privacy")
    assert text.startswith("بياناتك\n\nما أحتفظ به: معرّفك على تيليغرام")
    assert "لا يظهر اسمك في النتائج ولا في الملفات المصدَّرة." in text
    assert "حتى 365 يومًا بعد استبيان المتابعة" in text
    assert f"يرسل إليك الأمر {LRI}/mydata{PDI} نسخةً" in text and f"{LRI}/forget{PDI}" in text
    assert text.endswith("لم يذكر مشغّل هذا البوت اسمه.\n"
                         "لم يُذكر لهذا البوت أي رقم تصريح لدى اللجنة الوطنية لمراقبة حماية المعطيات ذات الطابع "
                         "الشخصي (المغرب) ولا أي ترخيص من الهيئة الوطنية لحماية المعطيات الشخصية (تونس).")

    (help_fr,) = await say(live, claire, "/help")
    assert "\n/privacy — ce que je conserve sur vous et pourquoi\n" in help_fr
    assert "\n/mydata — une copie de tout ce que je conserve sur vous\n" in help_fr
    (help_ar,) = await say(live, amina, "/help")
    assert f"\n{LRI}/privacy{PDI} — ما أحتفظ به عنك ولماذا\n" in help_ar
    assert f"\n{LRI}/mydata{PDI} — نسخة من كل ما أحتفظ به عنك\n" in help_ar


async def test_privacy_names_the_operator_and_its_declaration(session_factory: Callable[[], DbSession]) -> None:
    settings = Settings(token="123456:TEST", organiser_ids=frozenset({ORGANISER_ID}), retention=30 * 86_400,
                        operator_name="Association Open Data Maroc", data_protection_declaration="D-GC-123/2026")
    async with LiveBot(session_factory, settings=settings) as live:
        claire = live.server.user(200, "Claire", language_code="fr")
        (text,) = await say(live, claire, "/privacy")
        assert "jusqu’à 30 jours après" in text
        assert text.endswith(f"Responsable de ces données{NBSP}: Association Open Data Maroc.\n"
                             f"Déclaration auprès de l’autorité de protection des données{NBSP}: D-GC-123/2026.")
        amina = live.server.user(100, "Amina", language_code="ar")
        (text,) = await say(live, amina, "/privacy")
        assert "حتى 30 يومًا بعد" in text
        assert text.endswith(f"المسؤول عن هذه البيانات: {FSI}Association Open Data Maroc{PDI}.\n"
                             f"التصريح لدى هيئة حماية المعطيات الشخصية: {LRI}D-GC-123/2026{PDI}.")


def test_privacy_and_mydata_are_in_the_command_menus() -> None:
    from bot.i18n import translator
    from bot.rendering import texts

    for language, privacy, mydata in (("fr", "Comment mes données sont utilisées", "Obtenir une copie de mes données"),
                                      ("ar", "كيف تُستخدم بياناتي", "الحصول على نسخة من بياناتي")):
        for organiser in (False, True):
            menu = dict(texts.command_menu(translator(language), organiser=organiser))
            assert (menu["privacy"], menu["mydata"]) == (privacy, mydata)


# --- /mydata --------------------------------------------------------------------------------


async def _mydata(live: LiveBot, person: FakeUser) -> dict:  # type: ignore[type-arg]
    person.new_messages()
    await person.send("/mydata")
    await live.settle()
    (document,) = [m for m in person.new_messages() if m.kind == "document"]
    assert document.file_name == f"my-data-{person.user_id}.json"
    assert document.file_bytes is not None
    raw = document.file_bytes.decode("utf-8")  # UTF-8, human-readable: not \\u escapes
    assert "\\u" not in raw and raw.startswith("{\n  ")
    return {"caption": document.text, **json.loads(raw)}


async def test_mydata_sends_what_a_participant_answered_half_way(live: LiveBot, organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser)
    claire = live.server.user(200, "Claire", language_code="fr")
    await say(live, claire, f"/start {code}")
    await tap(live, claire, option("org_type", "research", "fr", PROFILE))
    await tap(live, claire, "Passer ▶")  # gender: prefers not to say
    await say(live, organiser, f"/close {code}")
    await tap(live, claire, option("useful_aspects", "real_cases", "fr"))
    await tap(live, claire, option("useful_aspects", "materials", "fr"))
    await tap(live, claire, "✓ Confirmer (2)")
    for label in ["4", "3", "5", option("trainers", "very_good", "fr"), option("expectations", "partly", "fr"),
                  option("gain", "new_ideas", "fr")]:
        await tap(live, claire, label)  # 7 of 13 questions, then she stops

    data = await _mydata(live, claire)
    assert data["caption"] == ("Tout ce que je conserve sur vous, dans un fichier que tout éditeur de texte peut "
                               "ouvrir. /forget efface tout.")
    assert data["about"].startswith("Tout ce que le bot d’évaluation des ateliers conserve sur ce compte Telegram.")
    assert data["user"]["telegram_id"] == 200 and data["user"]["name"] is None
    assert data["user"]["language"] == "fr" and data["user"]["reminders_enabled"] is True
    (workshop,) = data["workshops"]
    assert workshop["title"] == "Atelier Open Data — Rabat" and workshop["join_code"] == code
    profile, evaluation = workshop["questionnaires"]
    assert (profile["kind"], profile["status"]) == ("profile", "completed")
    assert [(a["question"], a.get("answer"), a["skipped"]) for a in profile["answers"]] == [
        (question_text("org_type", "fr", PROFILE), option("org_type", "research", "fr", PROFILE), False),
        (question_text("gender", "fr", PROFILE), None, True),
    ]
    assert (evaluation["kind"], evaluation["status"], evaluation["current_question_number"]) == (
        "evaluation", "in_progress", 8)
    assert [(a["question_id"], a["question"], a["answer"]) for a in evaluation["answers"]] == [
        ("useful_aspects", question_text("useful_aspects", "fr"),
         [option("useful_aspects", "real_cases", "fr"), option("useful_aspects", "materials", "fr")]),
        ("benefit", question_text("benefit", "fr"), 4),
        ("clarity", question_text("clarity", "fr"), 3),
        ("importance", question_text("importance", "fr"), 5),
        ("trainers", question_text("trainers", "fr"), option("trainers", "very_good", "fr")),
        ("expectations", question_text("expectations", "fr"), option("expectations", "partly", "fr")),
        ("gain", question_text("gain", "fr"), option("gain", "new_ideas", "fr")),
    ]
    assert evaluation["answers"][0]["option_ids"] == ["real_cases", "materials"]
    # Reminders and the follow-up survey that may still reach her, with their times.
    assert [(s["purpose"], s["questionnaire"]) for s in workshop["scheduled"]] == [
        ("reminder", "evaluation"), ("reminder", "evaluation"), ("followup", "followup")]
    assert workshop["reminders"] == []
    with live.session() as db:
        stored = db.scalar(select(func.count()).select_from(models.Answer)) or 0
    assert stored == len(profile["answers"]) + len(evaluation["answers"])  # nothing held back

    amina = live.server.user(100, "Amina", language_code="ar")
    await say(live, amina, f"/start {code}")
    await tap(live, amina, option("org_type", "media", "ar", PROFILE))
    data = await _mydata(live, amina)
    assert data["caption"] == f"كل ما أحتفظ به عنك، في ملف يفتحه أي محرّر نصوص. ويحذف الأمر {LRI}/forget{PDI} كل ذلك."
    assert data["about"].startswith("كل ما يحتفظ به بوت تقييم الورشات عن حساب تيليغرام هذا.")
    (answer,) = data["workshops"][0]["questionnaires"][0]["answers"]
    assert (answer["question"], answer["answer"]) == (question_text("org_type", "ar", PROFILE),
                                                      option("org_type", "media", "ar", PROFILE))


# --- /forget ---------------------------------------------------------------------------------

FAST = Settings(token="123456:TEST", organiser_ids=frozenset({ORGANISER_ID, ARABIC_ORGANISER}),
                reminder_delays=(2,), followup_delay=10, retention=20 * 86_400)


@pytest.fixture
async def clocked(session_factory: Callable[[], DbSession]) -> AsyncIterator[LiveBot]:
    async with LiveBot(session_factory, settings=FAST, clock=ManualClock(START)) as bot:
        yield bot
    assert bot.server.errors == []


async def test_forget_deletes_every_row_about_the_person_and_says_what_it_cannot_reach(clocked: LiveBot) -> None:
    live = clocked
    organiser = live.server.user(ORGANISER_ID, "Firas", language_code="fr")
    code = await new_workshop(live, organiser)
    claire = live.server.user(200, "Claire", language_code="fr")
    omar = live.server.user(300, "Omar", language_code="ar")
    for person in (claire, omar):
        await say(live, person, f"/start {code}")
    await tap(live, claire, option("org_type", "research", "fr", PROFILE))
    await tap(live, claire, "Passer ▶")
    await tap(live, omar, "تخطٍّ ◀")
    await tap(live, omar, "تخطٍّ ◀")
    await say(live, organiser, f"/close {code}")
    await tap(live, claire, option("useful_aspects", "concepts", "fr"))
    await tap(live, claire, "✓ Confirmer (1)")
    await live.advance(timedelta(seconds=3))  # the reminder round: a delivery row for each
    claire_ids = select(models.Participant.id).where(models.Participant.user_id == 200)
    claire_responses = select(models.Response.id).where(models.Response.participant_id.in_(claire_ids))
    claire_answers = select(models.Answer.id).where(models.Answer.response_id.in_(claire_responses))
    about_claire = {
        models.Participant: (models.Participant.user_id == 200,),
        models.Response: (models.Response.id.in_(claire_responses),),
        models.Answer: (models.Answer.id.in_(claire_answers),),
        models.AnswerOption: (models.AnswerOption.answer_id.in_(claire_answers),),
        models.Delivery: (models.Delivery.participant_id.in_(claire_ids),),
        models.User: (models.User.id == 200,),
    }
    assert {m.__name__: rows(live, m, *w) for m, w in about_claire.items()} == {
        "Participant": 1, "Response": 2, "Answer": 3, "AnswerOption": 2, "Delivery": 1, "User": 1}
    others_before = (rows(live, models.Answer), rows(live, models.Delivery), rows(live, models.Participant))

    await say(live, claire, "/forget")
    await tap(live, claire, "Oui, supprimer mes données")
    assert claire.last.text == (
        f"C’est fait{NBSP}: vos données pour 1 atelier ont été supprimées.\n\n"
        f"Ce que je ne peux pas atteindre{NBSP}: les messages déjà envoyés aux organisateurs (chiffres de la "
        "progression, résultats de /stats et de /report) et les exports qu’ils ont déjà téléchargés. "
        "Aucun d’eux ne montre votre nom.")
    assert {m.__name__: rows(live, m, *w) for m, w in about_claire.items()} == {
        "Participant": 0, "Response": 0, "Answer": 0, "AnswerOption": 0, "Delivery": 0, "User": 0}
    assert (rows(live, models.Answer), rows(live, models.Delivery), rows(live, models.Participant)) == (
        others_before[0] - 3, others_before[1] - 1, others_before[2] - 1)  # Omar's rows are untouched

    await say(live, omar, "/forget")
    await tap(live, omar, "نعم، احذف بياناتي")
    assert omar.last.text == (
        "تمّ: حُذفت بياناتك الخاصة بورشة واحدة.\n\n"
        f"ما لا أستطيع الوصول إليه: الرسائل التي أُرسلت من قبل إلى المنظّمين (أعداد تقدّم الإجابات، ونتائج "
        f"{LRI}/stats{PDI} و{LRI}/report{PDI}) والملفات المصدَّرة التي سبق أن نزّلوها. لا يظهر اسمك في أيٍّ منها.")
    assert rows(live, models.Participant) == rows(live, models.Response) == rows(live, models.Delivery) == 0
    assert rows(live, models.Answer) == rows(live, models.AnswerOption) == 0
    with live.session() as db:
        assert db.get(models.User, ORGANISER_ID) is not None  # the organiser's row stays


# --- the export stays private ------------------------------------------------------------------


async def test_export_goes_only_to_the_organisers_private_chat(live: LiveBot, organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser)
    group = live.server.group(-100500, "Organisateurs")
    await organiser.send_in(group, f"/link {code}")
    await live.settle()
    group.new_messages()

    organiser.new_messages()
    await organiser.send(f"/export {code}")
    await live.settle()
    documents = [m for m in organiser.new_messages() if m.kind == "document"]
    assert len(documents) == 2  # CSV and XLSX, here in private
    assert group.new_messages() == []  # although the group is linked

    await organiser.send_in(group, f"/export {code}")
    await live.settle()
    assert [(m.kind, m.text) for m in group.new_messages()] == [(
        "text", f"Les exports contiennent les réponses des participants{NBSP}: je ne les envoie qu’en "
                "conversation privée. Envoyez /export là-bas.")]
    assert [m for m in organiser.new_messages() if m.kind == "document"] == []

    amina = live.server.user(100, "Amina", language_code="ar")
    await amina.send_in(group, "/export")
    await live.settle()
    assert group.last.text == ("تحتوي الملفات المصدَّرة على إجابات المشاركين: لا أرسلها إلا في محادثتنا الخاصة. "
                               f"أرسل {LRI}/export{PDI} هناك.")


# --- retention -------------------------------------------------------------------------------


async def test_retention_warns_once_a_week_ahead_then_deletes_and_keeps_the_counts(clocked: LiveBot) -> None:
    live = clocked
    firas = live.server.user(ORGANISER_ID, "Firas", language_code="fr")
    salma = live.server.user(ARABIC_ORGANISER, "Salma", language_code="ar")
    rabat = await new_workshop(live, firas, "Atelier Rabat")
    tunis = await new_workshop(live, salma, "ورشة تونس")
    claire = live.server.user(200, "Claire", language_code="fr")
    omar = live.server.user(300, "Omar", language_code="ar")
    await say(live, claire, f"/start {rabat}")
    await say(live, omar, f"/start {tunis}")
    for person, skip in ((claire, "Passer ▶"), (omar, "تخطٍّ ◀")):
        await tap(live, person, skip)
        await tap(live, person, skip)
    await say(live, firas, f"/close {rabat}")
    await say(live, salma, f"/close {tunis}")
    await tap(live, claire, option("useful_aspects", "concepts", "fr"))
    await tap(live, claire, "✓ Confirmer (1)")
    await live.advance(timedelta(seconds=11))  # reminders at 2 s, the follow-up survey at 10 s
    assert rows(live, models.Response, models.Response.kind == "followup") == 2
    with live.session() as db:
        followup_out = db.scalar(select(func.max(models.ScheduledSend.started_at))
                                 .where(models.ScheduledSend.purpose == "followup"))
    assert followup_out is not None
    deletion = followup_out + timedelta(days=20)  # RETENTION after the follow-up survey went out

    def notices(person: FakeUser) -> list[str]:
        return [m.text for m in person.messages if m.text.startswith("🗑")]

    await live.advance(deletion - timedelta(days=7, minutes=1) - live.clock.now())  # type: ignore[union-attr]
    assert notices(firas) == notices(salma) == []  # not yet
    await live.advance(timedelta(minutes=11))
    assert notices(firas) == [
        f"🗑 Les données des participants de «{NBSP}Atelier Rabat{NBSP}» seront supprimées le 14 décembre 2026, "
        "à la fin de leur durée de conservation (/privacy). Exportez-les maintenant si vous en avez besoin"
        f"{NBSP}: /export {rabat}. Ensuite, seuls les nombres de participants et de questionnaires complétés "
        "resteront."]
    assert notices(salma) == [
        "🗑 ستُحذف بيانات المشاركين في «ورشة تونس» في 14 دجنبر 2026، عند انتهاء مدة حفظها "
        f"({LRI}/privacy{PDI}). صدِّرها الآن إن كنت تحتاج إليها: {LRI}/export {LRI}{tunis}{PDI}{PDI}. "
        "بعد ذلك لن يبقى إلا عدد المشاركين وعدد الاستبيانات المكتملة."]
    await live.advance(timedelta(days=3))
    assert len(notices(firas)) == len(notices(salma)) == 1  # once
    assert rows(live, models.Participant) == 2  # the data is still there until the date

    await live.advance(timedelta(days=4, minutes=30))  # past the deletion date
    assert rows(live, models.Participant) == rows(live, models.Response) == 0
    assert rows(live, models.Answer) == rows(live, models.AnswerOption) == rows(live, models.Delivery) == 0
    assert rows(live, models.ScheduledSend) == rows(live, models.ProgressMessage) == 0
    with live.session() as db:
        assert db.get(models.User, 200) is None and db.get(models.User, 300) is None  # no one else needs them
        kept = db.scalar(select(models.Workshop).where(models.Workshop.join_code == rabat))
        assert kept is not None and kept.data_deleted_at is not None
        assert (kept.kept_joined, kept.kept_evaluation_sent, kept.kept_evaluation_completed,
                kept.kept_followup_sent, kept.kept_followup_completed) == (1, 1, 0, 1, 0)
    assert rows(live, models.Workshop) == 2

    assert await say(live, firas, f"/stats {rabat}") == [
        f"🗑 Les données des participants de «{NBSP}Atelier Rabat{NBSP}» ont été supprimées le 14 décembre 2026, "
        f"à la fin de leur durée de conservation. Seuls ces nombres restent{NBSP}:\n"
        "1 participant avait rejoint l’atelier.\n"
        f"Questionnaire d’évaluation{NBSP}: complété par 0 sur 1 participant qui l’a reçu.\n"
        f"Enquête de suivi{NBSP}: complétée par 0 sur 1 participant qui l’a reçue."]
    assert await say(live, salma, f"/stats {tunis}") == [
        "🗑 حُذفت بيانات المشاركين في «ورشة تونس» في 14 دجنبر 2026، عند انتهاء مدة حفظها. لم يبق إلا هذه الأعداد:\n"
        "انضمّ إلى الورشة مشارك واحد.\n"
        "استبيان التقييم: أكمله 0 من أصل مشارك واحد تلقّاه.\n"
        "استبيان المتابعة: أكمله 0 من أصل مشارك واحد تلقّاه."]
    (export_answer,) = await say(live, firas, f"/export {rabat}")
    assert export_answer.startswith("🗑 Les données des participants de")
    newcomer = live.server.user(400, "Nadia", language_code="fr")
    (late,) = await say(live, newcomer, f"/start {rabat}")  # the workshop takes no new data
    assert rows(live, models.Participant) == 0 and late
