"""Bad input gets a short, clear answer in the user's language; no stored answer moves."""

from __future__ import annotations

from sqlalchemy import select

from bot.questionnaires.model import QuestionnaireKind
from bot.results.statuses import ResponseStatus
from bot.simulation.live_bot import LiveBot
from bot.storage import models
from bot.storage.models import TEXT_ANSWER_MAX
from telegram_sim import FakeUser
from tests.conversation import answer_evaluation_until, new_workshop, option, question_text, say, tap

NBSP = "\u00a0"
STALE_FR = "Ce bouton n’est plus actif."
STALE_AR = "لم يعد هذا الزر فعّالًا."


async def closed_workshop_with(live: LiveBot, organiser: FakeUser, *people: FakeUser) -> str:
    """A workshop each person joined (skipping the profile), then closed."""
    code = await new_workshop(live, organiser)
    for person in people:
        await say(live, person, f"/start {code}")
        skip = "تخطٍّ ◀" if person.language_code == "ar" else "Passer ▶"
        await tap(live, person, skip)
        await tap(live, person, skip)
    await say(live, organiser, f"/close {code}")
    return code


def stored_answers(live: LiveBot) -> list[tuple[str, bool, int | None, str | None, tuple[str, ...]]]:
    with live.session() as db:
        return [
            (a.question_id, a.skipped, a.rating, a.text, tuple(o.option_id for o in a.options))
            for a in db.scalars(select(models.Answer).order_by(models.Answer.id))
        ]


async def test_unknown_commands_stickers_photos_and_edits(live: LiveBot, organiser: FakeUser) -> None:
    amina = live.server.user(100, "Amina", language_code="ar")
    claire = live.server.user(200, "Claire", language_code="fr")
    assert await say(live, amina, "/dance") == ["لا أعرف هذا الأمر. أرسل \u2066/help\u2069 لترى ما يمكنني فعله."]
    assert await say(live, claire, "/dance") == ["Je ne connais pas cette commande. Envoyez /help pour voir ce que je sais faire."]

    claire.new_messages()
    await claire.send_sticker()
    await live.settle()
    assert [m.text for m in claire.new_messages()] == [
        "Je ne peux lire que les messages texte et les appuis sur les boutons. "
        "Merci de répondre avec les boutons ou d’écrire votre réponse."
    ]
    await amina.send_photo()
    await live.settle()
    assert amina.last.text == (
        "لا أفهم إلا الرسائل النصية والضغط على الأزرار. من فضلك أجب باستخدام الأزرار أو اكتب إجابتك."
    )

    message_id = await claire.send("bonjour")
    await live.settle()
    assert claire.last.text == "Aucune question ne vous attend pour le moment. Envoyez /help pour voir ce que je sais faire."
    await claire.edit(message_id, "bonsoir")
    await live.settle()
    assert claire.last.text == (
        "Modifier un message ne change pas la réponse. Pour changer une réponse, "
        f"utilisez le bouton «{NBSP}◀ Retour{NBSP}» sous la question en cours."
    )


async def test_stale_and_forged_buttons_change_nothing(live: LiveBot, organiser: FakeUser) -> None:
    amina = live.server.user(100, "Amina", language_code="ar")
    claire = live.server.user(200, "Claire", language_code="fr")
    await closed_workshop_with(live, organiser, amina, claire)

    first_question = amina.last
    concepts = option("useful_aspects", "concepts", "ar")
    old_toggle = first_question.find_button(concepts).callback_data
    assert old_toggle is not None
    await tap(live, amina, concepts)
    await tap(live, amina, "✓ تأكيد (1)")
    await tap(live, amina, "5")
    before = stored_answers(live)

    # A button of a question already answered: the question message no longer has it,
    # but an old client can still send it.
    await amina.tap_data(first_question.message_id, old_toggle)
    await live.settle()
    assert amina.callback_answers[-1].text == STALE_AR

    # Forged payloads: garbage, someone else's response, an option that does not exist.
    current = amina.last
    rating_data = current.find_button("4").callback_data
    assert rating_data is not None
    _, response_id, index, _ = rating_data.split(":")
    claire_data = claire.last.find_button(option("useful_aspects", "rights", "fr")).callback_data
    assert claire_data is not None
    for forged in ["garbage", "a:1:2", f"a:{response_id}:{index}:99", f"a:{response_id}:{index}:<b>",
                   f"t:{response_id}:{index}:concepts", claire_data, "l:de", "f:maybe"]:
        await amina.tap_data(current.message_id, forged)
        await live.settle()
        assert amina.callback_answers[-1].text == STALE_AR, forged
    assert stored_answers(live) == before
    assert amina.last.message_id == current.message_id and amina.last.buttons  # still asking question 3

    # Text where a button is expected.
    assert await say(live, amina, "خمسة") == ["من فضلك أجب عن السؤال أعلاه باستخدام أزراره."]
    assert stored_answers(live) == before


async def test_a_very_long_answer_is_cut_and_said_so(live: LiveBot, organiser: FakeUser) -> None:
    claire = live.server.user(200, "Claire", language_code="fr")
    await closed_workshop_with(live, organiser, claire)
    await tap(live, claire, option("useful_aspects", "rights", "fr"))
    first_question = claire.last
    old_confirm = first_question.find_button("✓ Confirmer (1)").callback_data
    assert old_confirm is not None
    await tap(live, claire, "✓ Confirmer (1)")
    for label in ["4", "4", "4", option("trainers", "average", "fr"), option("expectations", "no", "fr"),
                  option("gain", "not_much", "fr"), "2", "2", "Non", "Non", "Non"]:
        await tap(live, claire, label)
    await answer_evaluation_until(live, claire, "suggestions")
    replies = await say(live, claire, "x" * 5000)
    # One message: what was kept said first, then the next (and last) question.
    assert len(replies) == 1
    notice = replies[0].split("\n\n")[0]
    assert notice == f"Votre réponse était longue\u00a0: j’en ai gardé les {TEXT_ANSWER_MAX} premiers caractères."
    assert question_text("commitments", "fr") in replies[0]
    await tap(live, claire, "Passer ▶")  # no commitment: the thanks and the summary (the text cut in it)
    assert claire.last.text.startswith("Merci, vos réponses sont enregistrées")
    assert " — " + "x" * 299 + "…\n" in claire.last.text
    assert ("suggestions", False, None, "x" * TEXT_ANSWER_MAX, ()) in stored_answers(live)
    assert all(len(m.text) <= 4096 for m in claire.messages)

    # The questionnaire is finished: an old button and more text change nothing.
    before = stored_answers(live)
    await claire.tap_data(first_question.message_id, old_confirm)
    await live.settle()
    assert claire.callback_answers[-1].text == STALE_FR
    assert await say(live, claire, "encore une remarque") == [
        "Aucune question ne vous attend pour le moment. Envoyez /help pour voir ce que je sais faire."
    ]
    assert stored_answers(live) == before


async def test_commands_in_a_group_point_to_the_private_chat(live: LiveBot, organiser: FakeUser) -> None:
    group = live.server.group(-100123, "Organisateurs PAGOF")
    claire = live.server.user(200, "Claire", language_code="fr")
    await claire.send_in(group, "/start abc")
    await live.settle()
    assert group.last.text == "Pour cela, écrivez-moi en conversation privée."
    await claire.send_in(group, "juste une discussion")
    await live.settle()
    assert len(group.messages) == 1  # ordinary group talk is ignored


async def test_a_participant_who_blocked_the_bot(live: LiveBot, organiser: FakeUser) -> None:
    amina = live.server.user(100, "Amina", language_code="ar")
    claire = live.server.user(200, "Claire", language_code="fr")
    code = await new_workshop(live, organiser)
    for person, skip in ((amina, "تخطٍّ ◀"), (claire, "Passer ▶")):
        await say(live, person, f"/start {code}")
    await tap(live, amina, option("org_type", "media", "ar", kind=QuestionnaireKind.PROFILE))
    await tap(live, claire, "Passer ▶")
    await amina.block()
    await live.settle()
    before = stored_answers(live)

    replies = await say(live, organiser, f"/close {code}")
    assert [reply.split("\n\n")[0] for reply in replies] == [
        "Envoi du questionnaire à 2 participants…",
        "Le questionnaire a été envoyé à 1 participant.\n1 participant n’a pas pu être joint (il a bloqué le bot).\n"
        "📈 Questionnaire complété par 0 sur 1 participant (0\u202f%).",
    ]
    assert stored_answers(live) == before  # her profile answer is kept

    # She unblocks: the questionnaire she missed arrives.
    await amina.unblock()
    await live.settle()
    assert amina.last.text.startswith("السؤال 1 من 18")
    with live.session() as db:
        statuses = sorted(str(r.status) for r in db.scalars(select(models.Response).where(models.Response.kind == "evaluation")))
    assert statuses == [ResponseStatus.IN_PROGRESS.value, ResponseStatus.IN_PROGRESS.value]


