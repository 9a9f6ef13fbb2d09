"""/language, /help, /whoami, /forget, late joiners, and sending under Telegram's rate limits."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.questionnaires.model import QuestionnaireKind
from bot.simulation.live_bot import LiveBot
from bot.storage import models
from bot.storage.engine import DbSession
from telegram_sim import BotMessage, FakeUser
from tests.conversation import (
    ORGANISER_ID,
    new_workshop,
    option,
    question_text,
    say,
    tap,
)

NBSP, NNBSP = "\u00a0", "\u202f"
PROFILE = QuestionnaireKind.PROFILE


async def test_language_switch_redraws_the_open_question(live: LiveBot, organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser)
    amina = live.server.user(100, "Amina", language_code="ar")
    await say(live, amina, f"/start {code}")
    question = amina.last
    assert question_text("org_type", "ar", PROFILE) in question.text

    await say(live, amina, "/language")
    await tap(live, amina, "Français")
    assert "Désormais, je vous écrirai en français." in [m.text for m in amina.messages]
    assert question_text("org_type", "fr", PROFILE) in question.text  # the same message, redrawn
    assert option("org_type", "media", "fr", PROFILE) in question.button_labels

    await say(live, amina, "/language")
    await tap(live, amina, "العربية")
    assert "من الآن فصاعدًا سأكتب إليك بالعربية." in [m.text for m in amina.messages]
    assert question_text("org_type", "ar", PROFILE) in question.text


async def test_help_shows_organiser_commands_only_to_organisers(live: LiveBot, organiser: FakeUser) -> None:
    claire = live.server.user(200, "Claire", language_code="fr")
    (participant_help,) = await say(live, claire, "/help")
    assert participant_help.startswith(f"Je recueille les évaluations des ateliers{NBSP}:")
    assert "/forget — supprimer vos réponses et vos données" in participant_help
    assert "/new" not in participant_help
    amina = live.server.user(100, "Amina", language_code="ar")
    (arabic_help,) = await say(live, amina, "/help")
    assert "\u2066/language\u2069 — تغيير اللغة" in arabic_help and "/close" not in arabic_help
    (organiser_help,) = await say(live, organiser, "/help")
    assert "/new" in organiser_help and "/close" in organiser_help and "/stats" in organiser_help
    assert "/remind CODE — envoyer dès maintenant un rappel à ceux qui n’ont pas terminé" in organiser_help
    assert "\u2066/reminders on|off\u2069 — تفعيل التذكيرات أو إيقافها" in arabic_help


async def test_forget_asks_then_deletes(live: LiveBot, organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser)
    claire = live.server.user(200, "Claire", language_code="fr")
    await say(live, claire, f"/start {code}")
    await tap(live, claire, option("org_type", "research", "fr", PROFILE))

    await say(live, claire, "/forget")
    assert claire.last.text == (
        f"Voulez-vous que je supprime vos réponses et tout ce que je sais de vous{NNBSP}? Cette action est irréversible."
    )
    await tap(live, claire, "Annuler")
    assert claire.last.text == "Rien n’a été supprimé."
    assert count(live, models.Answer) == 1

    await say(live, claire, "/forget")
    await tap(live, claire, "Oui, supprimer mes données")
    assert claire.last.text.startswith(f"C’est fait{NBSP}: vos données pour 1 atelier ont été supprimées.\n\n")
    assert count(live, models.Answer) == 0 and count(live, models.Participant) == 0
    with live.session() as db:
        assert db.get(models.User, 200) is None

    amina = live.server.user(100, "Amina", language_code="ar")
    await say(live, amina, "/forget")
    await tap(live, amina, "نعم، احذف بياناتي")
    assert amina.last.text == "تمّ: لم تعد لديّ أي إجابات خاصة بك."


async def test_late_joiner_gets_the_questionnaire_after_the_profile(live: LiveBot, organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser)
    await say(live, organiser, f"/close {code}")
    late = live.server.user(300, "Youssef", language_code="ar")
    await say(live, late, f"/start {code}")
    await tap(live, late, "تخطٍّ ◀")
    await tap(live, late, option("gender", "man", "ar", PROFILE))
    texts = [m.text for m in late.messages]
    assert any(text.startswith("شكرًا لك! إليك استبيان التقييم.\n\nإجاباتك\n✓ ") for text in texts)  # with the summary
    assert late.last.text.startswith("السؤال 1 من 18")


async def test_close_of_a_big_room_respects_rate_limits_and_429(session_factory: type[DbSession]) -> None:
    """With PTB's AIORateLimiter, as in production: a 429 is waited out, nobody is lost."""
    async with LiveBot(session_factory, organiser_ids=frozenset({ORGANISER_ID}), rate_limiter=True) as live:
        organiser = live.server.user(ORGANISER_ID, "Firas", language_code="fr")
        code = await new_workshop(live, organiser)
        people = [live.server.user(1000 + i, f"P{i}", language_code="ar" if i % 2 else "fr") for i in range(12)]
        for person in people:
            await person.send(f"/start {code}")
        await live.settle()
        live.server.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        replies = await say(live, organiser, f"/close {code}")
        assert replies[-1].startswith("Le questionnaire a été envoyé à 12 participants.\n📈 Questionnaire complété par 0 sur 12 participants")
        for person in people:
            assert person.last.text.startswith(("السؤال 1 من 18", "Question 1 sur 18"))
        assert any(call.status == 429 for call in live.server.calls)


def count(live: LiveBot, model: type[models.Base]) -> int:
    with live.session() as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


# --- a newcomer finds their Telegram id (/new refused, /whoami, /help) -------------------

FSI, PDI = "\u2068", "\u2069"  # isolate a Latin run inside Arabic text


def code_spans(message: BotMessage) -> list[str]:
    """The texts under ``code`` entities (one tap copies them); offsets are UTF-16 units."""
    units = message.text.encode("utf-16-le")
    return [
        units[2 * e["offset"]:2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.raw.get("entities", []) if e["type"] == "code"
    ]


async def test_a_newcomer_learns_their_telegram_id_in_french(live: LiveBot, organiser: FakeUser) -> None:
    claire = live.server.user(123456789, "Claire", language_code="fr")
    assert await say(live, claire, "/new Mon atelier") == [(
        f"Seuls les organisateurs peuvent créer des ateliers. Votre identifiant Telegram est 123456789{NBSP}: "
        "demandez à l’administrateur du bot de l’ajouter à ORGANISER_IDS."
    )]
    assert code_spans(claire.last) == ["123456789"]
    assert await say(live, claire, "/whoami") == [(
        f"Votre identifiant Telegram{NBSP}: 123456789\n"
        "Les organisateurs créent des ateliers avec /new. Pour en devenir un, "
        "demandez à l’administrateur du bot d’ajouter cet identifiant à ORGANISER_IDS."
    )]
    assert code_spans(claire.last) == ["123456789"]
    (help_text,) = await say(live, claire, "/help")
    assert "\n/whoami — votre identifiant Telegram\n" in help_text
    assert help_text.endswith(f"\n\nVotre identifiant Telegram{NBSP}: 123456789")
    assert await say(live, organiser, "/whoami") == [
        f"Votre identifiant Telegram{NBSP}: {ORGANISER_ID}\nVous êtes organisateur{NBSP}: /new TITRE crée un atelier."
    ]
    assert count(live, models.Workshop) == 0


async def test_a_newcomer_learns_their_telegram_id_in_arabic(live: LiveBot, organiser: FakeUser) -> None:
    amina = live.server.user(987654321, "Amina", language_code="ar")
    assert await say(live, amina, "/new ورشة البيانات المفتوحة") == [(
        f"إنشاء الورشات متاح للمنظّمين فقط. معرّفك على تيليغرام هو {FSI}987654321{PDI}: "
        f"اطلب من مسؤول البوت إضافته إلى {FSI}ORGANISER_IDS{PDI}."
    )]
    assert code_spans(amina.last) == ["987654321"]
    assert await say(live, amina, "/whoami") == [(
        f"معرّفك على تيليغرام: {FSI}987654321{PDI}\n"
        "يُنشئ المنظّمون الورشات بالأمر \u2066/new\u2069. لتصبح منظّمًا، "
        f"اطلب من مسؤول البوت إضافة هذا المعرّف إلى {FSI}ORGANISER_IDS{PDI}."
    )]
    (help_text,) = await say(live, amina, "/help")
    assert "\n\u2066/whoami\u2069 — معرّفك على تيليغرام\n" in help_text
    assert help_text.endswith(f"\n\nمعرّفك على تيليغرام: {FSI}987654321{PDI}")
    assert count(live, models.Workshop) == 0
