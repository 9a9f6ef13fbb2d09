"""Organisers bring their own questionnaires through the chat (issue 10): a file sent as a
real document through the fake Bot API (getFile, then the download), its preview in the
organiser's language and, by button, in the file's others; a broken file's problems with
their lines, nothing stored; /questionnaires, /questionnaire and versions — a new version
never touches a workshop that runs on an older one, nor its answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.questionnaires.files import MAX_UPLOAD_BYTES
from bot.simulation.live_bot import LiveBot
from bot.storage.engine import DbSession
from bot.storage.models import Answer, AnswerOption, Questionnaire, Workshop
from telegram_sim import FakeUser
from tests.conversation import new_workshop, say, tap
from tests.test_reminders import join

ROOT = Path(__file__).resolve().parents[1]
NNBSP, LRI, PDI = "\u202f", "\u2066", "\u2069"
FRENCH_ORGANISER, ARABIC_ORGANISER = 1, 2

DATAJAM = """\
key: tunis-datajam
kind: evaluation
languages: [fr, ar]
title:
  fr: Évaluation du data-jam
  ar: تقييم هاكاثون البيانات
questions:
  - id: welcome
    type: note
    text:
      fr: Merci d’être venu au data-jam.
      ar: شكرًا لحضورك هاكاثون البيانات.
  - id: recommend
    type: rating
    min: 0
    max: 10
    nps: true
    text:
      fr: Recommanderiez-vous ce data-jam à un collègue ?
      ar: هل تنصح زميلًا بهذا الهاكاثون؟
  - id: again
    type: yesnomaybe
    text:
      fr: Reviendriez-vous à un prochain data-jam ?
      ar: هل ستعود إلى هاكاثون قادم؟
  - id: why_not
    type: text
    max_length: 300
    required: false
    show_if: {question: again, in: [no, maybe]}
    text:
      fr: Qu’est-ce qui vous en empêcherait ?
      ar: ما الذي قد يمنعك؟
  - id: themes
    type: multi
    max: 3
    text:
      fr: Quels thèmes vous ont intéressé ?
      ar: ما المواضيع التي أثارت اهتمامك؟
    options:
      - id: water
        text: {fr: L’eau, ar: الماء}
      - id: transport
        text: {fr: Les transports, ar: النقل}
      - id: budget
        text: {fr: Le budget, ar: الميزانية}
"""
# Version 2: the same key, one more question.
DATAJAM_V2 = DATAJAM + """\
  - id: comment
    type: text
    required: false
    text:
      fr: Un dernier mot ?
      ar: كلمة أخيرة؟
"""
# Three problems: a type the bot does not know (line 8), an option-less choice (line 10),
# a condition on a question that comes later (line 16).
BROKEN = """\
key: broken-form
languages: [fr, ar]
title:
  fr: Cassé
  ar: معطوب
questions:
  - id: q1
    type: stars
    text: {fr: Une question ?, ar: سؤال؟}
  - id: q2
    type: choice
    text: {fr: Un choix ?, ar: اختيار؟}
  - id: q3
    type: yesno
    text: {fr: Oui ou non ?, ar: نعم أم لا؟}
    show_if: {question: q4, in: ["yes"]}
  - id: q4
    type: yesno
    text: {fr: Encore ?, ar: مرة أخرى؟}
"""


@pytest.fixture
async def live(session_factory: Callable[[], DbSession]) -> AsyncIterator[LiveBot]:
    async with LiveBot(session_factory, organiser_ids=frozenset({FRENCH_ORGANISER, ARABIC_ORGANISER})) as bot:
        yield bot
    assert bot.server.errors == []


@pytest.fixture
def organiser(live: LiveBot) -> FakeUser:
    return live.server.user(FRENCH_ORGANISER, "Firas", language_code="fr")


@pytest.fixture
def amina(live: LiveBot) -> FakeUser:
    return live.server.user(ARABIC_ORGANISER, "Amina", language_code="ar")


async def upload(live: LiveBot, person: FakeUser, name: str, data: bytes | str) -> list[str]:
    """``person`` sends a file as a document; the texts of the bot's replies."""
    person.new_messages()
    await person.send_document(name, data.encode() if isinstance(data, str) else data)
    await live.settle()
    return [m.text for m in person.new_messages()]


def rows(session_factory: Callable[[], DbSession]) -> int:
    with session_factory() as db:
        return db.scalar(select(func.count()).select_from(Questionnaire)) or 0


def stored(db: DbSession) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Every answer row and chosen option, as stored."""
    answers = db.execute(select(Answer.id, Answer.response_id, Answer.question_id, Answer.rating)
                         .order_by(Answer.id)).all()
    options = db.execute(select(AnswerOption.answer_id, AnswerOption.option_id)
                         .order_by(AnswerOption.answer_id, AnswerOption.option_id)).all()
    return [tuple(a) for a in answers], [tuple(o) for o in options]


def getfile_calls(live: LiveBot) -> int:
    return sum(1 for call in live.server.calls if call.method == "getFile")


async def test_a_good_file_is_stored_and_previewed_in_french_then_in_arabic_by_button(
    live: LiveBot, organiser: FakeUser, session_factory: Callable[[], DbSession]
) -> None:
    replies = await upload(live, organiser, "datajam.yaml", DATAJAM)
    assert getfile_calls(live) == 1
    (preview,) = replies
    assert preview.startswith(f"✅ Questionnaire enregistré{NNBSP}: Évaluation du data-jam, version 1.\n"
                              f"Aperçu (Français), tel que les participants le verront{NNBSP}:\n\n")
    assert ("1. Merci d’être venu au data-jam.\n"
            f"note{NNBSP}: rien à répondre\n\n"
            "2. Recommanderiez-vous ce data-jam à un collègue ?\n"
            "échelle 0–10, score de recommandation\n\n"
            "3. Reviendriez-vous à un prochain data-jam ?\n"
            "Oui / Non / Peut-être\n\n"
            "4. Qu’est-ce qui vous en empêcherait ?\n"
            "texte libre, 300 caractères au plus, réponse facultative\n"
            "↳ posée seulement si la réponse à la question 3 est Non ou Peut-être\n\n"
            "5. Quels thèmes vous ont intéressé ?\n"
            "plusieurs choix, 3 au plus\n"
            "• L’eau\n• Les transports\n• Le budget\n\n") in preview
    assert preview.endswith(f"Clé{NNBSP}: tunis-datajam · 4 questions\n\n"
                            f"Pour l’envoyer à la fin de la session d’un atelier{NNBSP}:\n"
                            "/questionnaire CODE tunis-datajam\n\n"
                            f"Pour l’envoyer comme enquête de suivi d’un atelier{NNBSP}:\n"
                            "/questionnaire CODE tunis-datajam followup")
    assert organiser.last.button_labels == ["العربية"]
    assert rows(session_factory) == 1

    # The button: the same preview, the file's Arabic wording, the bot's words in French.
    organiser.new_messages()
    await tap(live, organiser, "العربية")
    (arabic,) = [m.text for m in organiser.new_messages()]
    assert arabic.startswith(f"تقييم هاكاثون البيانات (version 1)\nAperçu (العربية), tel que les participants "
                             f"le verront{NNBSP}:\n\n1. شكرًا لحضورك هاكاثون البيانات.\n")
    assert "5. ما المواضيع التي أثارت اهتمامك؟\nplusieurs choix, 3 au plus\n• الماء\n• النقل\n• الميزانية" in arabic
    assert organiser.last.button_labels == ["Français"]

    # The same file again: no new row, no new version.
    (again,) = await upload(live, organiser, "datajam.yaml", DATAJAM)
    assert again.startswith(f"Vous avez déjà envoyé ce fichier{NNBSP}: Évaluation du data-jam est enregistré "
                            "comme version 1.")
    assert rows(session_factory) == 1


async def test_an_arabic_organiser_reads_the_preview_in_arabic(
    live: LiveBot, amina: FakeUser, organiser: FakeUser, session_factory: Callable[[], DbSession]
) -> None:
    (preview,) = await upload(live, amina, "datajam.yaml", DATAJAM)
    assert preview.startswith("✅ حُفظ الاستبيان: تقييم هاكاثون البيانات، النسخة 1.\n"
                              "معاينة (العربية) كما سيراها المشاركون:\n\n")
    assert (f"2. هل تنصح زميلًا بهذا الهاكاثون؟\nمقياس {LRI}0–10{PDI}، مؤشر التوصية\n\n"
            "3. هل ستعود إلى هاكاثون قادم؟\nنعم / لا / ربما\n\n"
            "4. ما الذي قد يمنعك؟\nنص حر، حتى 300 حرف، الإجابة اختيارية\n"
            "↳ تُطرح فقط إذا كانت الإجابة عن السؤال 3 هي لا أو ربما\n\n") in preview
    assert preview.endswith(f"المفتاح: {LRI}tunis-datajam{PDI} · 4 أسئلة\n\n"
                            f"لإرساله في نهاية جلسة ورشة:\n{LRI}/questionnaire الرمز\u200e tunis-datajam{PDI}\n\n"
                            "لإرساله بصفته استبيان متابعة لورشة:\n"
                            f"{LRI}/questionnaire الرمز\u200e tunis-datajam followup{PDI}")
    assert amina.last.button_labels == ["Français"]
    # Another organiser sending the same file gets their own row (and their own version 1).
    (french,) = await upload(live, organiser, "datajam.yaml", DATAJAM)
    assert "version 1." in french.split("\n")[0]
    assert rows(session_factory) == 2
    # Amina's button is hers: Firas cannot open her row with a forged tap.
    with session_factory() as db:
        hers = db.scalar(select(Questionnaire.id).where(Questionnaire.owner_id == ARABIC_ORGANISER))
    organiser.new_messages()
    await organiser.tap_data(organiser.last.message_id, f"p:{hers}_ar")
    await live.settle()
    assert organiser.new_messages() == []
    assert organiser.callback_answers[-1].text == "Ce bouton n’est plus actif."


async def test_a_broken_file_lists_its_problems_with_their_lines_and_stores_nothing(
    live: LiveBot, organiser: FakeUser, amina: FakeUser, session_factory: Callable[[], DbSession]
) -> None:
    (french,) = await upload(live, organiser, "cassé.yaml", BROKEN)
    assert french.startswith(f"cassé.yaml ne peut pas être utilisé{NNBSP}: 3 problèmes à corriger.")
    assert "\nLigne 8 · question" in french and "\nLigne 10 · question" in french and "\nLigne 16 · question" in french
    (arabic,) = await upload(live, amina, "cassé.yaml", BROKEN)
    assert "cassé.yaml" in arabic and "\nالسطر 8" in arabic and "\nالسطر 16" in arabic
    assert rows(session_factory) == 0


async def test_a_file_over_the_limit_is_refused_before_it_is_downloaded(
    live: LiveBot, organiser: FakeUser, session_factory: Callable[[], DbSession]
) -> None:
    (refusal,) = await upload(live, organiser, "énorme.yaml", b"#" * (MAX_UPLOAD_BYTES + 1))
    assert "énorme.yaml" in refusal and "1025" in refusal and "1024" in refusal
    assert getfile_calls(live) == 0
    assert rows(session_factory) == 0


async def test_a_participant_sending_a_document_is_told_politely(
    live: LiveBot, session_factory: Callable[[], DbSession]
) -> None:
    claire = live.server.user(300, "Claire", language_code="fr")
    karim = live.server.user(301, "Karim", language_code="ar")
    assert await upload(live, claire, "cv.pdf", b"%PDF-1.4 ...") == [
        "Seuls les organisateurs peuvent envoyer des fichiers de questionnaire. Si vous répondez à un "
        "questionnaire, utilisez les boutons ou tapez votre réponse."]
    assert await upload(live, karim, "datajam.yaml", DATAJAM) == [
        "يمكن للمنظمين فقط إرسال ملفات الاستبيانات. إن كنت تجيب عن استبيان، فاستخدم الأزرار أو اكتب إجابتك."]
    assert getfile_calls(live) == 0 and rows(session_factory) == 0


async def test_an_xlsform_workbook_is_previewed_too(
    live: LiveBot, organiser: FakeUser, session_factory: Callable[[], DbSession]
) -> None:
    data = (ROOT / "examples" / "workshop-evaluation.xlsx").read_bytes()
    replies = await upload(live, organiser, "workshop-evaluation.xlsx", data)
    assert replies[0].startswith(f"✅ Questionnaire enregistré{NNBSP}: Évaluation de l’atelier données ouvertes")
    assert "/questionnaire CODE evaluation-rabat-tunis" in replies[-1]
    assert organiser.last.button_labels == ["العربية"]
    assert rows(session_factory) == 1


async def test_questionnaires_lists_built_in_and_own_and_never_another_organisers(
    live: LiveBot, organiser: FakeUser, amina: FakeUser
) -> None:
    await upload(live, amina, "datajam.yaml", DATAJAM)
    (listing,) = await say(live, organiser, "/questionnaires")
    assert listing.startswith("Questionnaires intégrés\n\nÉvaluation de l’atelier\ndefault-evaluation — version 1, ")
    assert "tunis-datajam" not in listing
    assert f"Vos questionnaires\n\nAucun pour l’instant{NNBSP}:" in listing
    assert f"Choisir le questionnaire d’un atelier{NNBSP}:\n/questionnaire CODE CLÉ" in listing

    code = await new_workshop(live, organiser, "Data-jam Tunis")
    await upload(live, organiser, "datajam.yaml", DATAJAM)
    await say(live, organiser, f"/questionnaire {code} tunis-datajam")
    (listing,) = await say(live, organiser, "/questionnaires")
    assert (f"Évaluation du data-jam\ntunis-datajam — version 1, 4 questions\n"
            f"Utilisé par 1 de vos ateliers{NNBSP}: {code}") in listing
    assert "Utilisé par aucun de vos ateliers." in listing  # the built-in evaluation no longer

    (arabic,) = await say(live, amina, "/questionnaires")
    assert arabic.startswith("الاستبيانات المدمجة\n\n")
    assert (f"تقييم هاكاثون البيانات\n{LRI}tunis-datajam{PDI} · النسخة 1 · 4 أسئلة\n"
            "لا تستخدمه أي ورشة من ورشاتك.") in arabic


async def test_questionnaire_sets_a_slot_and_refuses_clearly(
    live: LiveBot, organiser: FakeUser, amina: FakeUser, session_factory: Callable[[], DbSession]
) -> None:
    code = await new_workshop(live, organiser, "Data-jam Tunis")
    await upload(live, organiser, "datajam.yaml", DATAJAM)
    assert await say(live, organiser, f"/questionnaire {code} tunis-datajam") == [
        "L’atelier Data-jam Tunis enverra Évaluation du data-jam (tunis-datajam, version 1) à la fin de la session."]
    assert await say(live, organiser, f"/questionnaire {code} tunis-datajam followup") == [
        "L’atelier Data-jam Tunis enverra Évaluation du data-jam (tunis-datajam, version 1) comme enquête de suivi."]
    with session_factory() as db:
        workshop = db.scalar(select(Workshop).where(Workshop.join_code == code))
        assert workshop is not None
        evaluation = db.get(Questionnaire, workshop.evaluation_questionnaire_id)
        followup = db.get(Questionnaire, workshop.followup_questionnaire_id)
        assert evaluation is not None and followup is not None
        # The slot decides: the follow-up holds a copy of version 1 whose kind is followup.
        assert (evaluation.key, evaluation.kind, evaluation.version) == ("tunis-datajam", "evaluation", 1)
        assert (followup.key, followup.kind, followup.version) == ("tunis-datajam", "followup", 1)
        assert followup.owner_id == FRENCH_ORGANISER
    # Back to the built-in follow-up.
    (done,) = await say(live, organiser, f"/questionnaire {code} default-followup followup")
    assert "(default-followup, version 1) comme enquête de suivi." in done

    assert await say(live, organiser, f"/questionnaire {code} inconnu") == [
        "Aucun de vos questionnaires, ni aucun questionnaire intégré, n’a la clé inconnu. /questionnaires les liste."]
    assert await say(live, organiser, "/questionnaire") == [
        f"Choisir le questionnaire d’un atelier{NNBSP}:\n/questionnaire CODE CLÉ — envoyé à la fin de la session\n"
        "/questionnaire CODE CLÉ followup — l’enquête de suivi"]
    # Amina cannot use Firas's workshop, nor his questionnaire on hers.
    (not_hers,) = await say(live, amina, f"/questionnaire {code} default-evaluation")
    assert not_hers.startswith("ليست لديك أي ورشة بالرمز")
    await new_workshop(live, amina, "ورشة صفاقس")
    assert await say(live, amina, "/questionnaire tunis-datajam") == [
        f"لا يحمل المفتاح {LRI}tunis-datajam{PDI} أيٌّ من استبياناتك ولا من الاستبيانات المدمجة. "
        f"يعرضها الأمر {LRI}/questionnaires{PDI}."]

    await say(live, organiser, f"/close {code}")
    assert await say(live, organiser, f"/questionnaire {code} tunis-datajam") == [
        f"L’atelier Data-jam Tunis est clôturé{NNBSP}: son questionnaire a été envoyé et ne peut plus changer."]
    assert len(await say(live, amina, "/close")) == 1
    assert await say(live, amina, "/questionnaire default-evaluation") == [
        "الورشة ورشة صفاقس مغلقة: أُرسل استبيانها ولم يعد من الممكن تغييره."]
    # The follow-up may still change until it goes out.
    (still,) = await say(live, organiser, f"/questionnaire {code} tunis-datajam followup")
    assert still.endswith("comme enquête de suivi.")


async def test_a_new_version_changes_neither_a_running_workshop_nor_its_answers(
    live: LiveBot, organiser: FakeUser, session_factory: Callable[[], DbSession]
) -> None:
    first = await new_workshop(live, organiser, "Atelier A")
    await upload(live, organiser, "datajam.yaml", DATAJAM)
    await say(live, organiser, f"/questionnaire {first} tunis-datajam")
    claire = live.server.user(300, "Claire", language_code="fr")
    await join(live, claire, first)
    await say(live, organiser, f"/close {first}")
    await tap(live, claire, "9")
    await tap(live, claire, "Oui")
    stats_before = await say(live, organiser, f"/stats {first}")
    with session_factory() as db:
        workshop_a = db.scalar(select(Workshop).where(Workshop.join_code == first))
        assert workshop_a is not None
        version_1 = workshop_a.evaluation_questionnaire_id
        answers_before = stored(db)
    assert [answer[2:] for answer in answers_before[0]][-2:] == [("recommend", 9), ("again", None)]
    assert [option[1:] for option in answers_before[1]] == [("yes",)]

    (saved,) = await upload(live, organiser, "datajam.yaml", DATAJAM_V2)
    assert saved.startswith(f"✅ Questionnaire enregistré{NNBSP}: Évaluation du data-jam, version 2.")
    assert f"Clé{NNBSP}: tunis-datajam · 5 questions" in saved
    second = await new_workshop(live, organiser, "Atelier B")
    assert await say(live, organiser, f"/questionnaire {second} tunis-datajam") == [
        "L’atelier Atelier B enverra Évaluation du data-jam (tunis-datajam, version 2) à la fin de la session."]

    with session_factory() as db:
        workshop_a = db.scalar(select(Workshop).where(Workshop.join_code == first))
        workshop_b = db.scalar(select(Workshop).where(Workshop.join_code == second))
        assert workshop_a is not None and workshop_b is not None
        assert workshop_a.evaluation_questionnaire_id == version_1
        row_b = db.get(Questionnaire, workshop_b.evaluation_questionnaire_id)
        assert row_b is not None and row_b.version == 2 and row_b.id != version_1
        assert stored(db) == answers_before
    assert await say(live, organiser, f"/stats {first}") == stats_before
    # Claire, still in A, gets A's wording (version 1): no "Un dernier mot ?" at the end.
    await tap(live, claire, "L’eau")
    await tap(live, claire, "✓ Confirmer (1)")
    assert claire.last.text.startswith("Merci, vos réponses sont enregistrées")
    (listing,) = await say(live, organiser, "/questionnaires")
    assert f"tunis-datajam — version 2, 5 questions\nUtilisé par 2 de vos ateliers{NNBSP}: {first} {second}" in listing


async def test_a_long_questionnaire_is_previewed_in_several_messages_within_telegrams_limit(
    live: LiveBot, amina: FakeUser
) -> None:
    long_fr, long_ar = "Une question longue et détaillée. " * 28, "سؤال طويل ومفصّل. " * 50
    questions = "".join(
        f"  - id: q{n}\n    type: text\n    text:\n      fr: {long_fr.strip()}\n      ar: {long_ar.strip()}\n"
        for n in range(1, 61)
    )
    data = f"key: long-form\nlanguages: [ar, fr]\ntitle:\n  fr: Long\n  ar: طويل\nquestions:\n{questions}"
    replies = await upload(live, amina, "long.yaml", data)
    assert len(replies) > 5 and all(len(text) <= 4096 for text in replies)
    assert replies[0].startswith("✅ حُفظ الاستبيان: طويل، النسخة 1.")
    assert "60. سؤال طويل" in "".join(replies) and replies[-1].endswith("followup\u2069")
    bot_messages = amina.messages[-len(replies):]
    assert [m.button_labels for m in bot_messages] == [[]] * (len(replies) - 1) + [["Français"]]
