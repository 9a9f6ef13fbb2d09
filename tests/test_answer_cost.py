"""What one answer costs (issue 12): ONE call that counts against Telegram's per-bot limit,
and at most four SQL statements for a rating.

Telegram allows about 30 chat-bound calls a second per bot; ``answerCallbackQuery`` names no
chat and is not counted (nor throttled by our limiter). The real bot runs against the fake
Bot API, whose call log (``live.server.calls``) is what Telegram would have received; the
statements are counted on the engine (``before_cursor_execute``), under a ManualClock so no
timer runs a query meanwhile.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event

from bot.clock import ManualClock
from bot.questionnaires.model import QuestionnaireKind
from bot.simulation.live_bot import LiveBot
from bot.storage.engine import DbSession
from telegram_sim import FakeUser
from tests.conversation import ORGANISER_ID, answer_evaluation_until, new_workshop, option, question_text, say, tap
from tests.test_reminders import FAST, START, join

@pytest.fixture
async def clocked(session_factory: Callable[[], DbSession]) -> AsyncIterator[LiveBot]:
    async with LiveBot(session_factory, settings=FAST, clock=ManualClock(START)) as bot:
        yield bot
    assert bot.server.errors == []


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement sent on ``engine`` meanwhile (savepoints and the claim included)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split())[:300])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


class Calls:
    """The Bot API calls made from now on: chat-bound ones, and all methods."""

    def __init__(self, live: LiveBot) -> None:
        self.live, self.start = live, len(live.server.calls)

    def chat_bound(self) -> list[str]:
        return [c.method for c in self.live.server.calls[self.start:] if c.chat_id is not None]

    def methods(self) -> list[str]:
        return [c.method for c in self.live.server.calls[self.start:] if c.method != "getUpdates"]


async def started(live: LiveBot, organiser: FakeUser, person: FakeUser) -> str:
    code = await new_workshop(live, organiser)
    await join(live, person, code)  # the two profile questions skipped
    await say(live, organiser, f"/close {code}")
    return code


async def test_a_rating_tap_is_one_edit_and_at_most_four_statements(clocked: LiveBot, engine: Engine) -> None:
    live = clocked
    organiser = live.server.user(ORGANISER_ID, "Firas", language_code="fr")
    claire = live.server.user(200, "Claire", language_code="fr")
    await started(live, organiser, claire)
    await tap(live, claire, option("useful_aspects", "rights", "fr"))
    await tap(live, claire, "✓ Confirmer (1)")  # the first taps warm the caches (questionnaire, connections)
    await tap(live, claire, "4")
    question = claire.last
    assert question_text("clarity", "fr") in question.text

    calls = Calls(live)
    with statements(engine) as sql:
        await tap(live, claire, "5")
    assert calls.chat_bound() == ["editMessageText"]  # the one rate-limited call
    # the tap is confirmed alongside the edit (after the answer is committed), not before it
    assert sorted(calls.methods()) == ["answerCallbackQuery", "editMessageText"]
    assert len(sql) <= 4, sql  # claim the update · response + user + answers, locked · answer · response
    assert claire.last.message_id == question.message_id and claire.new_messages()[-1:] == [claire.last]
    assert claire.last.text.startswith("✓ Sur une échelle de 1 à 5, comment évaluez-vous la clarté de… — 5/5\n\n"
                                       "Question 4 sur 18")

    # ◀ Back, ratings, a choice: one edit each, in the same message.
    for label in ["◀ Retour", "4", "5", option("trainers", "excellent", "fr")]:
        calls = Calls(live)
        await tap(live, claire, label)
        assert calls.chat_bound() == ["editMessageText"], label
        assert claire.last.message_id == question.message_id


async def test_a_typed_answer_is_one_message_and_so_is_the_end(clocked: LiveBot) -> None:
    live = clocked
    organiser = live.server.user(ORGANISER_ID, "Firas", language_code="fr")
    amina = live.server.user(100, "Amina", language_code="ar")
    await started(live, organiser, amina)
    await answer_evaluation_until(live, amina, "suggestions")
    # A typed answer: the next question is one new message below it.
    calls = Calls(live)
    replies = await say(live, amina, "مزيد من التمارين")
    assert calls.chat_bound() == ["sendMessage"] and len(replies) == 1
    assert question_text("commitments", "ar") in replies[0]
    # So is each commitment typed (the question again, with what is written so far).
    for commitment in ("نشر ميزانية الجمعية", "تدريب الزملاء"):
        calls = Calls(live)
        replies = await say(live, amina, commitment)
        assert calls.chat_bound() == ["sendMessage"] and len(replies) == 1
    question = amina.last

    # The last answer, typed (the third commitment): one new message below it (the thanks and the summary).
    calls = Calls(live)
    replies = await say(live, amina, "طلب بيانات من البلدية")
    assert calls.chat_bound() == ["sendMessage"]
    assert len(replies) == 1 and replies[0].startswith("شكرًا لك، تمّ حفظ إجاباتك!")
    assert "\n\nإجاباتك\n✓ " in replies[0] and " — مزيد من التمارين\n" in replies[0]
    assert replies[0].endswith(" — 1. نشر ميزانية الجمعية · 2. تدريب الزملاء · 3. طلب بيانات من البلدية")
    # The question above keeps its text and keyboard; a tap on it is stale and harmless.
    assert amina.bot_message(question.message_id).buttons == question.buttons  # type: ignore[union-attr]
    await amina.tap("▶ رجوع", message=question)
    await live.settle()
    assert amina.callback_answers[-1].text == "لم يعد هذا الزر فعّالًا."
    assert amina.new_messages() == []


async def test_a_typed_answer_after_going_back_is_one_message_too(clocked: LiveBot) -> None:
    """In French, after ◀ Back and a changed answer: the typed last answer is one new message."""
    live = clocked
    organiser = live.server.user(ORGANISER_ID, "Firas", language_code="fr")
    claire = live.server.user(200, "Claire", language_code="fr")
    await started(live, organiser, claire)
    await answer_evaluation_until(live, claire, "suggestions")
    await say(live, claire, "Plus d’exercices pratiques")
    commitments_question = claire.last
    assert question_text("commitments", "fr") in commitments_question.text
    await tap(live, claire, "◀ Retour")  # back to «suggestions»: the same message
    assert claire.last.message_id == commitments_question.message_id
    calls = Calls(live)
    replies = await say(live, claire, "Plus de cas pratiques marocains")  # changed: one new message
    assert calls.chat_bound() == ["sendMessage"] and len(replies) == 1
    assert question_text("commitments", "fr") in replies[0]
    await say(live, claire, "Publier nos données")
    await tap(live, claire, "C’est tout ✓")
    assert claire.last.text.startswith("Merci, vos réponses sont enregistrées\u202f! ")
    assert "\n\nVos réponses\n✓ " in claire.last.text and " — Plus de cas pratiques marocains\n" in claire.last.text


async def test_the_last_profile_answer_after_close_is_one_edit_then_the_evaluation(clocked: LiveBot) -> None:
    live = clocked
    organiser = live.server.user(ORGANISER_ID, "Firas", language_code="fr")
    code = await new_workshop(live, organiser)
    await say(live, organiser, f"/close {code}")
    late = live.server.user(300, "Sami", language_code="fr")
    await say(live, late, f"/start {code}")
    profile = late.last
    await tap(live, late, option("org_type", "media", "fr", QuestionnaireKind.PROFILE))
    calls = Calls(live)
    await tap(live, late, "Passer ▶")
    # One edit answers the tap; the evaluation that follows is a delivery (intro, question 1).
    assert calls.chat_bound() == ["editMessageText", "sendMessage", "sendMessage"]
    edited = late.bot_message(profile.message_id)
    assert edited is not None and edited.buttons == []
    assert edited.text.startswith("Merci\u202f! Voici le questionnaire d’évaluation.")
    assert edited.text.endswith(f"{question_text('gender', 'fr', QuestionnaireKind.PROFILE)} — question passée")
    assert late.last.text.startswith("Question 1 sur 18")
