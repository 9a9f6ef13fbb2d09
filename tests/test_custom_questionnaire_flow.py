"""Participants answering an organiser's own questionnaire through the real bot (issue 10):
a 0–10 recommendation scale, a question shown only after some answers, notes between
questions, a multiple choice with a maximum and a typed answer with a length limit.

The questionnaire is built in code and stored as an uploaded one would be; the workshop's
end-of-session questionnaire is pointed at it before /close. Each answer stays ONE edit of
the tapped message (issue 12): notes ride above the next question, never alone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.domain.questionnaire_store import store_questionnaire
from bot.questionnaires.model import (
    Condition,
    Option,
    Question,
    Questionnaire,
    QuestionnaireKind,
    QuestionType,
    Text,
)
from bot.simulation.live_bot import LiveBot
from bot.storage.engine import DbSession
from bot.storage.models import Answer, Participant, Response, Workshop
from telegram_sim import FakeUser
from tests.conversation import new_workshop, say, tap
from tests.test_reminders import FAST, START, join, reminders_to, seconds

NNBSP, NBSP = "\u202f", "\u00a0"

DATAJAM = Questionnaire(
    key="tunis-datajam",
    kind=QuestionnaireKind.EVALUATION,
    title=Text(ar="تقييم هاكاثون البيانات", fr="Évaluation du data-jam", en="Data-jam evaluation"),
    intro=None,
    questions=(
        Question("welcome", QuestionType.NOTE,
                 Text(ar="شكرًا لحضورك هاكاثون البيانات.", fr="Merci d’être venu au data-jam.",
                      en="Thank you for coming to the data-jam.")),
        Question("recommend", QuestionType.RATING,
                 Text(ar="هل تنصح زميلًا بهذا الهاكاثون؟", fr="Recommanderiez-vous ce data-jam à un collègue ?",
                      en="Would you recommend this data-jam to a colleague?"),
                 scale_min=0, scale_max=10, nps=True,
                 low_label=Text(ar="لا أبدًا", fr="Pas du tout", en="Not at all"),
                 high_label=Text(ar="بكل تأكيد", fr="Tout à fait", en="Absolutely")),
        Question("again", QuestionType.YESNO,
                 Text(ar="هل ستعود إلى هاكاثون قادم؟", fr="Reviendriez-vous à un prochain data-jam ?",
                      en="Would you come to another data-jam?")),
        Question("why_not", QuestionType.TEXT,
                 Text(ar="ما الذي قد يمنعك؟", fr="Qu’est-ce qui vous en empêcherait ?", en="What would stop you?"),
                 max_length=20, show_if=Condition("again", ("no", "maybe"))),
        Question("halfway", QuestionType.NOTE,
                 Text(ar="بقي سؤالان فقط.", fr="Plus que deux questions.", en="Only two questions left.")),
        Question("themes", QuestionType.MULTI,
                 Text(ar="ما المواضيع التي أثارت اهتمامك؟", fr="Quels thèmes vous ont intéressé ?",
                      en="Which themes interested you?"),
                 options=(Option("budget", Text(ar="الميزانية", fr="Budget", en="Budget")),
                          Option("health", Text(ar="الصحة", fr="Santé", en="Health")),
                          Option("transport", Text(ar="النقل", fr="Transport", en="Transport")),
                          Option("water", Text(ar="الماء", fr="Eau", en="Water"))),
                 max_choices=2),
        Question("comment", QuestionType.TEXT,
                 Text(ar="كلمة أخيرة؟", fr="Un dernier mot ?", en="A last word?"),
                 optional=True, max_length=30),
        Question("goodbye", QuestionType.NOTE,
                 Text(ar="إلى اللقاء في تونس!", fr="À bientôt à Tunis !", en="See you in Tunis!")),
    ),
)
WHY_NOT = "Qu’est-ce qui vous en empêcherait ?"


@pytest.fixture
async def live(session_factory: Callable[[], DbSession]) -> AsyncIterator[LiveBot]:
    async with LiveBot(session_factory, settings=FAST, clock=ManualClock(START)) as bot:
        yield bot
    assert bot.server.errors == []


async def closed_on_datajam(live: LiveBot, session_factory: Callable[[], DbSession], organiser: FakeUser,
                            *people: FakeUser) -> int:
    """A workshop whose end-of-session questionnaire is DATAJAM, joined by ``people`` (profile
    skipped), then closed: each of them gets its first question. Returns its row id."""
    code = await new_workshop(live, organiser, "Data-jam Tunis")
    for person in people:
        await join(live, person, code)
    with session_factory() as db:
        stored = store_questionnaire(db, DATAJAM)
        workshop = db.scalar(select(Workshop).where(Workshop.join_code == code))
        assert workshop is not None
        workshop.evaluation_questionnaire_id = stored.id
        db.commit()
        questionnaire_id = stored.id
    await say(live, organiser, f"/close {code}")
    return questionnaire_id


def stored_answers(session_factory: Callable[[], DbSession], questionnaire_id: int, user_id: int) -> list[str]:
    """The question ids ``user_id`` has an answer row for in the DATAJAM response."""
    with session_factory() as db:
        return sorted(db.scalars(
            select(Answer.question_id).join(Response, Response.id == Answer.response_id)
            .join(Participant, Participant.id == Response.participant_id)
            .where(Response.questionnaire_id == questionnaire_id, Participant.user_id == user_id)
        ))


async def test_a_french_participant_through_scale_condition_notes_and_limits(
    live: LiveBot, organiser: FakeUser, session_factory: Callable[[], DbSession]
) -> None:
    claire = live.server.user(200, "Claire", language_code="fr")
    questionnaire_id = await closed_on_datajam(live, session_factory, organiser, claire)

    # The opening note sits above the first question; 0–10 in two rows (6 + 5), in order.
    first = claire.last
    assert first.text.startswith("Merci d’être venu au data-jam.\n\nQuestion 1 sur 4\n\nRecommanderiez-vous")
    assert first.text.endswith("0 = Pas du tout · 10 = Tout à fait")
    assert [[b.text for b in row] for row in first.buttons] == [["0", "1", "2", "3", "4", "5"],
                                                                 ["6", "7", "8", "9", "10"]]

    # 9 → the same message asks the next question (one edit), the answer recalled above it.
    calls_before = len(live.server.calls)
    await tap(live, claire, "9")
    assert [c.method for c in live.server.calls[calls_before:] if c.chat_id is not None] == ["editMessageText"]
    assert claire.last.message_id == first.message_id
    assert claire.last.text.startswith("✓ Recommanderiez-vous ce data-jam à un collègue ? — 9/10\n\n"
                                       "Question 2 sur 4\n\nReviendriez-vous")
    # "No" shows the condition's question: now five questions.
    await tap(live, claire, "Non")
    assert "Question 3 sur 5\n\n" + WHY_NOT in claire.last.text
    assert "20 caractères au maximum." in claire.last.text

    # Too long: refused with the limit and the length, nothing stored, the question still open.
    replies = await say(live, claire, "Les dates tombent pendant les examens")
    assert replies == [f"Votre réponse compte 37 caractères. Cette question accepte 20 caractères au maximum{NNBSP}: "
                       "raccourcissez votre réponse et renvoyez-la."]
    assert stored_answers(session_factory, questionnaire_id, claire.user_id) == ["again", "recommend"]
    replies = await say(live, claire, "Les examens")
    # The note in the middle comes above the next question, in the same message.
    assert len(replies) == 1 and "\n\nPlus que deux questions.\n\nQuestion 4 sur 5\n\nQuels thèmes" in replies[0]
    assert stored_answers(session_factory, questionnaire_id, claire.user_id) == ["again", "recommend", "why_not"]

    # ◀ Back twice, across the condition; "Yes" now hides «why_not»: its answer is deleted.
    await tap(live, claire, "◀ Retour")
    assert WHY_NOT in claire.last.text and "Garder ma réponse" in claire.last.button_labels
    await tap(live, claire, "◀ Retour")
    assert "Question 2 sur 5" in claire.last.text and "✓ Non" in claire.last.button_labels
    calls_before = len(live.server.calls)
    await tap(live, claire, "Oui")
    assert [c.method for c in live.server.calls[calls_before:] if c.chat_id is not None] == ["editMessageText"]
    assert stored_answers(session_factory, questionnaire_id, claire.user_id) == ["again", "recommend"]
    assert claire.last.text.startswith("✓ Reviendriez-vous à un prochain data-jam ? — Oui\n\n"
                                       "Plus que deux questions.\n\nQuestion 3 sur 4\n\nQuels thèmes")
    assert "Cochez jusqu’à 2 réponses, puis appuyez sur «\u00a0Confirmer\u00a0»." in claire.last.text

    # A third tick is one too many: an alert, the selection unchanged, no chat-bound call.
    await tap(live, claire, "Budget")
    await tap(live, claire, "Santé")
    calls_before = len(live.server.calls)
    await tap(live, claire, "Transport")
    answer = claire.callback_answers[-1]
    assert answer.show_alert and answer.text == ("Vous pouvez cocher 2 réponses au maximum ici. "
                                                  "Décochez-en une pour en choisir une autre.")
    assert [c.method for c in live.server.calls[calls_before:] if c.chat_id is not None] == []
    assert claire.last.button_labels[:4] == ["✓ Budget", "✓ Santé", "Transport", "Eau"]
    await tap(live, claire, "✓ Confirmer (2)")
    assert "Question 4 sur 4 · facultative\n\nUn dernier mot ?" in claire.last.text

    # The end: the closing note with the thanks, and a summary of the questions shown only.
    replies = await say(live, claire, "Merci")
    assert len(replies) == 1 and replies[0].startswith("À bientôt à Tunis !\n\nMerci, vos réponses sont enregistrées")
    summary = replies[0].split("Vos réponses\n")[1].split("\n")
    assert summary == ["✓ Recommanderiez-vous ce data-jam à un collègue ? — 9/10",
                       "✓ Reviendriez-vous à un prochain data-jam ? — Oui",
                       "✓ Quels thèmes vous ont intéressé ? — Budget, Santé",
                       "✓ Un dernier mot ? — Merci"]
    assert stored_answers(session_factory, questionnaire_id, claire.user_id) == ["again", "comment", "recommend", "themes"]


async def test_in_arabic_the_limits_are_said_in_arabic(
    live: LiveBot, organiser: FakeUser, session_factory: Callable[[], DbSession]
) -> None:
    amina = live.server.user(100, "Amina", language_code="ar")
    questionnaire_id = await closed_on_datajam(live, session_factory, organiser, amina)
    assert "شكرًا لحضورك هاكاثون البيانات.\n\nالسؤال 1 من 4" in amina.last.text
    await tap(live, amina, "7")
    await tap(live, amina, "لا")
    assert "السؤال 3 من 5" in amina.last.text and "20 حرفًا على الأكثر." in amina.last.text

    replies = await say(live, amina, "الامتحانات في نفس الأسبوع")
    assert replies == ["تتكوّن إجابتك من 25 حرفًا. لا يقبل هذا السؤال أكثر من 20 حرفًا؛ "
                       "يُرجى اختصار إجابتك وإرسالها من جديد."]
    assert stored_answers(session_factory, questionnaire_id, amina.user_id) == ["again", "recommend"]
    replies = await say(live, amina, "الامتحانات")
    assert "بقي سؤالان فقط.\n\nالسؤال 4 من 5" in replies[0]
    assert "اختر إجابتين على الأكثر، ثم اضغط «تأكيد»." in replies[0]

    await tap(live, amina, "الماء")
    await tap(live, amina, "النقل")
    await tap(live, amina, "الصحة")
    answer = amina.callback_answers[-1]
    assert answer.show_alert and answer.text == "يمكنك اختيار إجابتين على الأكثر هنا. ألغِ اختيار إحداهما لتختار أخرى."
    assert "✓ تأكيد (2)" in amina.last.button_labels
    await tap(live, amina, "✓ تأكيد (2)")
    await tap(live, amina, "تخطٍّ ◀")
    assert amina.last.text.startswith("إلى اللقاء في تونس!\n\nشكرًا لك")
    assert stored_answers(session_factory, questionnaire_id, amina.user_id) == [
        "again", "comment", "recommend", "themes", "why_not"]


async def test_reminders_count_the_questions_each_person_is_shown(
    live: LiveBot, organiser: FakeUser, session_factory: Callable[[], DbSession]
) -> None:
    claire = live.server.user(200, "Claire", language_code="fr")
    omar = live.server.user(300, "Omar", language_code="fr")
    amina = live.server.user(100, "Amina", language_code="ar")
    await closed_on_datajam(live, session_factory, organiser, claire, omar, amina)
    await tap(live, claire, "9")
    await tap(live, claire, "Non")  # stops at «why_not»: five questions for her
    await tap(live, omar, "9")
    await tap(live, omar, "Oui")  # stops at «themes»: four for him (no note counted)

    await live.advance(seconds(2))
    assert [r.split("\n")[0] for r in reminders_to(claire)] == [
        f"⏰ Vous avez répondu à 2 des 5 questions sur «{NBSP}Data-jam Tunis{NBSP}»."]
    assert [r.split("\n")[0] for r in reminders_to(omar)] == [
        f"⏰ Vous avez répondu à 2 des 4 questions sur «{NBSP}Data-jam Tunis{NBSP}»."]
    assert [r.split("\n")[0] for r in reminders_to(amina)] == [
        "⏰ ما زلنا ننتظر رأيك في «Data-jam Tunis»: 4 أسئلة قصيرة."]

    # ▶ under the reminder: the question where she stopped, the note above it when it has one.
    await tap(live, omar, "▶ Continuer")
    assert "Plus que deux questions.\n\nQuestion 3 sur 4\n\nQuels thèmes" in omar.last.text
    await tap(live, claire, "▶ Continuer")
    assert "Question 3 sur 5\n\n" + WHY_NOT in claire.last.text
