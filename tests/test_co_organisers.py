"""Co-organisers, as two organisers live them: Firas (in ORGANISER_IDS) invites Nadia (not
in it) with a one-time link; she runs that workshop with him and no other.

The real bot against the fake Bot API, on a ``ManualClock`` (the link's 48 hours, the
reminder round at 2 s), in French and in Arabic.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.organisers import INVITE_PREFIX, invite_token
from bot.domain.workshops import create_workshop, new_join_code
from bot.i18n import translator
from bot.rendering import texts
from bot.simulation.live_bot import LiveBot
from bot.storage.engine import DbSession
from bot.storage.models import OrganiserInvite, User, Workshop, WorkshopOrganiser
from telegram_sim import FakeUser
from tests.conversation import ORGANISER_ID, new_workshop, say, tap
from tests.test_reminders import advance_until, join

SETTINGS = Settings(token="123456:TEST", organiser_ids=frozenset({ORGANISER_ID}), reminder_delays=(2, 5),
                    retry_backoff=0.2)
START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 15:00 in Casablanca, far from quiet hours
INVITE = re.compile(r"https://t\.me/WorkshopTestBot\?start=(org_[A-Za-z0-9_-]+)")
NADIA = 2
NBSP, NNBSP = "\u00a0", "\u202f"
LRI, PDI = "\u2066", "\u2069"
MENU = {"type": "chat", "chat_id": NADIA}


@pytest.fixture
async def live(session_factory: Callable[[], DbSession]) -> AsyncIterator[LiveBot]:
    async with LiveBot(session_factory, settings=SETTINGS, clock=ManualClock(START)) as bot:
        yield bot
    assert bot.server.errors == []


async def invite_link(live: LiveBot, organiser: FakeUser, code: str) -> str:
    replies = await say(live, organiser, f"/organisers {code}")
    match = INVITE.search(replies[-1])
    assert match, replies
    return match.group(1)


def menu_commands(live: LiveBot, language: str) -> list[str]:
    return [c["command"] for c in live.server.commands(MENU, language)]


async def test_an_invited_organiser_runs_that_workshop_and_no_other_in_french(live: LiveBot,
                                                                              organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser)
    other = await new_workshop(live, organiser, "Atelier Budget — Tunis")
    nadia = live.server.user(NADIA, "Nadia", language_code="fr")
    assert await say(live, nadia, f"/stats {code}") == [
        "Désolé, seuls les organisateurs du programme peuvent faire cela. Si vous en faites partie, "
        "demandez à l’administrateur du bot d’ajouter votre identifiant Telegram."]

    # Firas lists the organisers (only him) and gets a one-time link.
    replies = await say(live, organiser, f"/organisers {code}")
    assert replies[0] == f"👥 Organisateurs de Atelier Open Data — Rabat ({code}){NNBSP}:\n• vous — a créé l’atelier"
    assert organiser.last.button_labels == []  # alone: nothing to remove
    assert replies[1].startswith("🔗 Pour ajouter un co-organisateur à Atelier Open Data — Rabat, envoyez-lui ce "
                                 f"lien. Il ne sert qu’une fois, pendant 48 heures{NNBSP}; ")
    start = INVITE.search(replies[1]).group(1)  # type: ignore[union-attr]
    assert len(start) <= 64 and invite_token(start) is not None

    # Nadia opens it: she organises this workshop; Firas is told; her menu is the organiser's.
    assert await say(live, nadia, f"/start {start}") == [
        f"✅ Vous êtes maintenant organisateur de Atelier Open Data — Rabat ({code}). Envoyez /stats {code} pour "
        "ses résultats, /help pour toutes les commandes d’organisateur."]
    assert organiser.last.text == (f"👥 {NADIA} a ouvert votre lien d’invitation{NNBSP}: cette personne organise "
                                   "désormais Atelier Open Data — Rabat.")
    # Her id links to her profile: Telegram shows her name there (the bot stores none).
    assert [e["url"] for e in organiser.last.raw["entities"] if e["type"] == "text_link"] == [f"tg://user?id={NADIA}"]
    assert "organisers" in menu_commands(live, "fr") and "close" in menu_commands(live, "fr")
    assert "/organisers CODE — les organisateurs de l’atelier" in (await say(live, nadia, "/help"))[0]

    # The link works once: Omar gets a clear refusal, and Firas opening his own link spends nothing.
    omar = live.server.user(300, "Omar", language_code="fr")
    assert await say(live, omar, f"/start {start}") == [
        "Ce lien d’invitation a déjà été utilisé. Demandez-en un nouveau à l’organisateur "
        "(il l’obtient avec /organisers)."]
    assert await say(live, omar, f"/stats {code}") == [
        "Désolé, seuls les organisateurs du programme peuvent faire cela. Si vous en faites partie, "
        "demandez à l’administrateur du bot d’ajouter votre identifiant Telegram."]
    assert await say(live, nadia, f"/start {start}") == [
        f"Vous organisez déjà Atelier Open Data — Rabat{NNBSP}: ce lien reste inutilisé pour la personne à qui il "
        "était destiné."]
    assert await say(live, omar, f"/start {INVITE_PREFIX}not-a-token-we-made") == [
        "Ce lien d’invitation n’est pas valide. Vérifiez qu’il a été copié en entier, ou demandez-en un "
        "nouveau à l’organisateur."]

    # Her workshop, not the other one; and she cannot create one.
    assert (await say(live, nadia, f"/stats {other}"))[0].startswith(f"Aucun de vos ateliers n’a le code {other}.")
    assert (await say(live, nadia, f"/close {other}"))[0].startswith(f"Aucun de vos ateliers n’a le code {other}.")
    assert (await say(live, nadia, "/new Mon atelier"))[0].startswith("Seuls les organisateurs peuvent créer")
    # /questionnaire on her workshop is hers to use (an unknown key: refused as such, not as "not yours").
    reply = (await say(live, nadia, f"/questionnaire {code} bidon"))[0]
    assert not reply.startswith(("Aucun de vos ateliers", "Désolé")), reply

    # A participant joins; Nadia closes: the live progress reaches both organisers.
    claire = live.server.user(200, "Claire", language_code="fr")
    await join(live, claire, code)
    organiser.new_messages()
    replies = await say(live, nadia, f"/close {code}")
    assert replies[0].startswith("Envoi du questionnaire à 1 participant…")
    progress = f"Le questionnaire a été envoyé à 1 participant.\n📈 Questionnaire complété par 0 sur 1 participant (0{NNBSP}%)."
    assert nadia.last.text == progress and organiser.last.text == progress

    # The first reminder round's summary reaches both too.
    await advance_until(live, lambda: organiser.last.text.startswith("📬") and nadia.last.text.startswith("📬"))
    summary = f"📬 Rappel pour l’évaluation de «{NBSP}Atelier Open Data — Rabat{NBSP}».\n✅ Envoyé à 1 participant."
    assert [m.text for m in nadia.messages if m.text.startswith("📬")] == [summary]
    assert [m.text for m in organiser.messages if m.text.startswith("📬")] == [summary]

    # /stats on her workshop answers (no answers yet), not "not yours".
    assert (await say(live, nadia, f"/stats {code}"))[0].startswith("Pas encore de réponse")


async def test_an_invite_expires_after_48_hours(live: LiveBot, organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser)
    start = await invite_link(live, organiser, code)
    nadia = live.server.user(NADIA, "Nadia", language_code="fr")
    live.pass_time(timedelta(hours=48))
    assert await say(live, nadia, f"/start {start}") == [
        f"Ce lien d’invitation a expiré{NNBSP}: les liens sont valables 48 heures. Demandez-en un nouveau à "
        "l’organisateur (il l’obtient avec /organisers)."]
    assert (await say(live, nadia, f"/stats {code}"))[0].startswith("Désolé, seuls les organisateurs")
    # A fresh link, opened a little before its 48 hours are up, works.
    start = await invite_link(live, organiser, code)
    live.pass_time(timedelta(hours=47, minutes=59))
    assert (await say(live, nadia, f"/start {start}"))[0].startswith("✅ Vous êtes maintenant organisateur")


async def test_removal_and_the_last_organiser_in_french(live: LiveBot, organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser)
    nadia = live.server.user(NADIA, "Nadia", language_code="fr")
    await say(live, nadia, f"/start {await invite_link(live, organiser, code)}")

    # The list: Firas sees Nadia's id (a profile link) and one button each.
    replies = await say(live, organiser, f"/organisers {code}")
    assert replies[0] == (f"👥 Organisateurs de Atelier Open Data — Rabat ({code}){NNBSP}:\n• vous — a créé l’atelier\n"
                          f"• {NADIA}\n\nPour retirer un organisateur, touchez son bouton ci-dessous, ou envoyez "
                          f"/organisers {code} remove {NADIA} avec son identifiant.")
    listing = organiser.messages[-2]
    assert listing.button_labels == ["✖ Me retirer", f"✖ Retirer {NADIA}"]
    assert {"type": "text_link", "url": f"tg://user?id={NADIA}"}.items() <= next(
        e for e in listing.raw["entities"] if e["type"] == "text_link").items()

    # Nadia sees Firas by id, herself as "vous".
    nadia.new_messages()
    await say(live, nadia, f"/organisers {code}")
    her_listing = nadia.messages[-2]
    assert her_listing.text.startswith(
        f"👥 Organisateurs de Atelier Open Data — Rabat ({code}){NNBSP}:\n• {ORGANISER_ID} — a créé l’atelier\n• vous")

    # Firas removes her with the button: the list is redrawn, she is told, her menu goes back.
    await organiser.tap(f"✖ Retirer {NADIA}", listing)
    await live.settle()
    assert listing.text == f"👥 Organisateurs de Atelier Open Data — Rabat ({code}){NNBSP}:\n• vous — a créé l’atelier"
    assert organiser.last.text == f"{NADIA} n’organise plus Atelier Open Data — Rabat."
    assert nadia.last.text == f"{ORGANISER_ID} vous a retiré des organisateurs de Atelier Open Data — Rabat."
    assert menu_commands(live, "fr") == []
    assert (await say(live, nadia, f"/stats {code}"))[0].startswith("Désolé, seuls les organisateurs")

    # The last organiser cannot go; an id that is no organiser is refused clearly.
    assert await say(live, organiser, f"/organisers {code} remove {ORGANISER_ID}") == [
        f"Atelier Open Data — Rabat doit garder au moins un organisateur. Invitez d’abord quelqu’un "
        f"(/organisers {code}), puis retirez."]
    assert await say(live, organiser, f"/organisers {code} remove 777") == [
        "777 n’organise pas Atelier Open Data — Rabat."]
    assert (await say(live, organiser, f"/organisers {code} remove x"))[0].startswith("/organisers CODE — ")

    # Invited again, she removes herself by command; then Firas is alone again.
    await say(live, nadia, f"/start {await invite_link(live, organiser, code)}")
    assert await say(live, nadia, f"/organisers {code} retirer {NADIA}") == [
        "Vous n’organisez plus Atelier Open Data — Rabat."]
    assert (await say(live, organiser, f"/organisers {code}"))[0].endswith("• vous — a créé l’atelier")
    # A button under her old list no longer works: she organises it no more.
    await nadia.tap(f"✖ Retirer {ORGANISER_ID}", her_listing)
    await live.settle()
    assert nadia.callback_answers[-1].text == "Ce bouton n’est plus actif."
    with live.session() as db:
        assert db.scalars(select(WorkshopOrganiser.user_id)).all() == [ORGANISER_ID]


async def test_co_organisers_in_arabic(live: LiveBot, organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser)
    other = await new_workshop(live, organiser, "ورشة الميزانية")
    nadia = live.server.user(NADIA, "Nadia", language_code="ar")
    start = await invite_link(live, organiser, code)
    assert await say(live, nadia, f"/start {start}") == [
        f"✅ أصبحت الآن منظّمًا لورشة Atelier Open Data — Rabat ({LRI}{code}{PDI}). أرسل {LRI}/stats {LRI}{code}{PDI}{PDI} "
        f"لنتائجها، و{LRI}/help{PDI} لكل أوامر المنظّمين."]
    assert "organisers" in menu_commands(live, "ar")
    assert await say(live, nadia, f"/start {start}") == [
        "أنت منظّم لورشة Atelier Open Data — Rabat أصلًا: يبقى هذا الرابط صالحًا للشخص الذي أُرسل إليه."]
    omar = live.server.user(300, "Omar", language_code="ar")
    assert await say(live, omar, f"/start {start}") == [
        f"سبق استخدام رابط الدعوة هذا. اطلب رابطًا جديدًا من المنظّم (يحصل عليه بالأمر {LRI}/organisers{PDI})."]
    assert await say(live, omar, f"/start {INVITE_PREFIX}x") == [
        "رابط الدعوة هذا غير صالح. تحقّق من أنه نُسخ كاملًا، أو اطلب رابطًا جديدًا من المنظّم."]
    assert (await say(live, nadia, f"/stats {other}"))[0].startswith("ليست لديك أي ورشة بالرمز")

    # Her list, in Arabic: Firas by id, herself as "أنت", the remove buttons.
    replies = await say(live, nadia, f"/organisers {code}")
    assert replies[0] == (f"👥 منظّمو ورشة Atelier Open Data — Rabat ({LRI}{code}{PDI}):\n"
                          f"• {LRI}{ORGANISER_ID}{PDI} — أنشأ الورشة\n• أنت\n\n"
                          f"لإزالة منظّم، اضغط على الزر الخاص به أدناه، أو أرسل {LRI}/organisers {code} remove "
                          f"{ORGANISER_ID}{PDI} مع معرّفه.")
    assert nadia.messages[-2].button_labels == [f"✖ إزالة {ORGANISER_ID}", "✖ انسحابي"]
    assert replies[1].startswith("🔗 لإضافة منظّم مشارك إلى ورشة Atelier Open Data — Rabat، أرسل إليه هذا الرابط.")

    # A questionnaire file from her: files are for those who create workshops.
    nadia.new_messages()
    await nadia.send_document("x.yaml", b"key: x\n")
    await live.settle()
    assert nadia.last.text == (f"يضيف ملفاتِ الاستبيانات المنظّمون الذين يُنشئون الورشات. يمكنك اختيار أحد الاستبيانات "
                               f"المتاحة بالأمرين {LRI}/questionnaires{PDI} و{LRI}/questionnaire الرمز\u200e المفتاح{PDI}.")

    # She removes Firas; then she is the last one and cannot leave.
    assert await say(live, nadia, f"/organisers {code} حذف {ORGANISER_ID}") == [
        f"لم يعد {LRI}{ORGANISER_ID}{PDI} منظّمًا لورشة Atelier Open Data — Rabat."]
    assert organiser.last.text == f"{NADIA} vous a retiré des organisateurs de Atelier Open Data — Rabat."  # his language
    assert await say(live, nadia, f"/organisers {code} remove {NADIA}") == [
        f"يجب أن يبقى لورشة Atelier Open Data — Rabat منظّم واحد على الأقل. ادعُ شخصًا أولًا "
        f"({LRI}/organisers {LRI}{code}{PDI}{PDI})، ثم أزِل."]
    assert await say(live, nadia, f"/organisers {code} remove 777") == [
        f"{LRI}777{PDI} ليس منظّمًا لورشة Atelier Open Data — Rabat."]
    # Firas, in ORGANISER_IDS, keeps creating workshops but no longer sees this one.
    assert (await say(live, organiser, f"/stats {code}"))[0].startswith(f"Aucun de vos ateliers n’a le code {code}.")

    # /forget: her answers would go, her role stays, and she is told how to step down.
    await say(live, nadia, "/forget")
    await tap(live, nadia, nadia.last.button_labels[0])
    assert nadia.last.text == (
        "ما زلت منظّمًا لهذه الورشات، ويبقى معرّفك على تيليغرام مرتبطًا بها بصفتك منظّمها. للانسحاب من إحداها، "
        "أرسل الأمر المقابل لها (يجب أن يبقى منظّم آخر):\n"
        f"• Atelier Open Data — Rabat — {LRI}/organisers {code} remove {NADIA}{PDI}")
    with live.session() as db:
        assert db.scalars(select(WorkshopOrganiser.user_id).join(Workshop)
                          .where(Workshop.join_code == code)).all() == [NADIA]
        assert db.get(User, NADIA) is not None


async def test_the_summary_and_progress_reach_every_organiser_in_their_language(live: LiveBot,
                                                                               organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser)
    nadia = live.server.user(NADIA, "Nadia", language_code="ar")
    await say(live, nadia, f"/start {await invite_link(live, organiser, code)}")
    amina = live.server.user(100, "Amina", language_code="ar")
    await join(live, amina, code)
    nadia.new_messages()
    await say(live, organiser, f"/close {code}")
    assert organiser.last.text.startswith("Le questionnaire a été envoyé à 1 participant.")
    assert nadia.last.text.startswith("أُرسل الاستبيان إلى")  # her own language
    await advance_until(live, lambda: nadia.last.text.startswith("📬"))
    assert nadia.last.text.startswith("📬") and "Atelier Open Data — Rabat" in nadia.last.text
    assert [m.text for m in organiser.messages if m.text.startswith("📬")] == [
        f"📬 Rappel pour l’évaluation de «{NBSP}Atelier Open Data — Rabat{NBSP}».\n✅ Envoyé à 1 participant."]


def test_join_codes_never_look_like_invites(db: DbSession) -> None:
    """A join code never starts with ``org_``, even from a maker that offers one."""
    codes = iter(["org_AAAAAAAA", "K7P2QXabcdef"])
    user = User(id=5, language="fr")
    db.add(user)
    db.flush()
    workshop = create_workshop(db, user, "Atelier", lambda: next(codes))
    assert workshop.join_code == "K7P2QXabcdef"
    assert all(not new_join_code().startswith(INVITE_PREFIX) for _ in range(200))
    assert invite_token("K7P2QXabcdef") is None and invite_token("org_abc") == "abc"
    assert db.scalars(select(OrganiserInvite)).all() == []


def test_the_other_texts_in_arabic_and_french() -> None:
    """What the conversations above show in one language only, in the other one too."""
    ar, fr = translator("ar"), translator("fr")
    assert texts.invite_expired(ar) == ("انتهت صلاحية رابط الدعوة هذا: الروابط صالحة لمدة 48 ساعة. اطلب رابطًا جديدًا "
                                        f"من المنظّم (يحصل عليه بالأمر {LRI}/organisers{PDI}).")
    assert texts.organiser_joined(ar, NADIA, "ورشة <1>") == (
        f"👥 فتح {LRI}<a href=\"tg://user?id={NADIA}\">{NADIA}</a>{PDI} رابط الدعوة الذي أرسلته: "
        "أصبح الآن منظّمًا لورشة <b>ورشة &lt;1&gt;</b>.")
    assert texts.organiser_removed(ar, NADIA, "X", NADIA) == "لم تعد منظّمًا لورشة <b>X</b>."
    assert texts.you_were_removed(ar, 1, "X") == (
        f"أزالك {LRI}<a href=\"tg://user?id=1\">1</a>{PDI} من منظّمي ورشة <b>X</b>.")
    assert texts.organisers_usage(ar) == (f"{LRI}/organisers الرمز{PDI} — منظّمو الورشة ورابط لدعوة منظّم؛ "
                                          f"{LRI}/organisers الرمز\u200e remove المعرّف{PDI} — إزالة منظّم")
    assert texts.organisers_usage(fr) == ("/organisers CODE — les organisateurs de l’atelier et un lien pour en "
                                          f"inviter un{NNBSP}; /organisers CODE remove ID — retirer un organisateur")
    assert texts.co_organiser_no_files(fr) == (
        "Les fichiers de questionnaire sont ajoutés par les organisateurs qui créent les ateliers. Vous pouvez "
        "choisir l’un des questionnaires disponibles avec /questionnaires et /questionnaire CODE CLÉ.")
    assert texts.still_organiser(fr, [("Atelier", "K7P2QX")], NADIA) == (
        f"Vous organisez toujours ces ateliers{NNBSP}; votre identifiant Telegram y reste comme organisateur. "
        f"Pour quitter l’un d’eux, envoyez sa commande (un autre organisateur doit rester){NNBSP}:\n"
        f"• <b>Atelier</b> — /organisers K7P2QX remove {NADIA}")
    assert ("organisers", f"Co-organisateurs{NNBSP}: la liste, un lien d’invitation") in texts.command_menu(
        fr, organiser=True)
    assert ("organisers", "المنظّمون المشاركون: القائمة ورابط دعوة") in texts.command_menu(ar, organiser=True)
    assert "organisers" not in dict(texts.command_menu(fr))
