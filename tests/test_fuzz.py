"""Bad input never costs a reply: random, oversized and forged updates thrown at the real bot.

The first tests are plain examples, one per crash or silence the fuzzing found (each fixed
where it arose). The last test is the fuzzer itself: Hypothesis draws sequences of updates
(random and oversized text, forged callback data, commands with broken arguments, groups,
anonymous admins, channels, stickers, contacts, edits, NUL bytes) and checks, after each
one, that nothing was logged at ERROR (the wrapper's "handler failed" and PTB's
``log_unhandled_error`` both log there), that every command, text, sticker and tap got an
answer, and that the answers of a participant who finished did not move.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.rendering import texts
from bot.rendering.callback_data import Action, parse
from bot.i18n import translator
from bot.simulation.live_bot import LiveBot
from bot.storage import models
from bot.storage.engine import DbSession
from telegram_sim import FakeUser
from telegram_sim.client import FakeChat, FakeGroup, channel_post
from tests.conversation import ORGANISER_ID, answer_evaluation_until, new_workshop, option, say, tap
from tests.test_bad_input import closed_workshop_with

FR, AR = translator("fr"), translator("ar")
PRIVATE_ONLY_AR = "لهذا الأمر، من فضلك راسلني في محادثة خاصة."
PRIVATE_ONLY_FR = "Pour cela, écrivez-moi en conversation privée."
ANONYMOUS_AR = "لا أستطيع معرفة هويتك حين تكتب باسم المجموعة أو باسم قناة. لهذا الأمر، من فضلك راسلني في محادثة خاصة."
ANONYMOUS_FR = ("Je ne peux pas savoir qui vous êtes quand vous écrivez au nom du groupe ou d’une chaîne. "
                "Pour cela, écrivez-moi en conversation privée.")
STALE_AR = "لم يعد هذا الزر فعّالًا."
STALE_FR = "Ce bouton n’est plus actif."
STALE = {STALE_AR, STALE_FR, texts.stale_button(translator("en"))}


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()} {r.exc_info[1]!r}" if r.exc_info else f"{r.name}: {r.getMessage()}"
            for r in caplog.records if r.levelno >= logging.ERROR]


def answers_of(session_factory: Callable[[], DbSession], user_id: int) -> list[tuple[object, ...]]:
    """Everything stored about one participant's answers, in a comparable form."""
    with session_factory() as db:
        rows = db.scalars(
            select(models.Answer).join(models.Response).join(models.Participant)
            .where(models.Participant.user_id == user_id).order_by(models.Answer.id)
        )
        return [(a.id, a.response_id, a.question_id, a.skipped, a.rating, a.text,
                 tuple(sorted(o.option_id for o in a.options))) for a in rows]


async def finish_evaluation(live: LiveBot, claire: FakeUser) -> None:
    """Claire (fr) answers every question of the evaluation, the suggestions in words."""
    await answer_evaluation_until(live, claire, "suggestions")
    await say(live, claire, "Plus d’exercices")
    await answer_evaluation_until(live, claire)  # the commitments: skipped
    assert claire.last.text.startswith("Merci")


# --------------------------------------------------------------------------- examples


async def test_a_forged_tap_in_a_group_changes_nothing(live: LiveBot, organiser: FakeUser, caplog) -> None:
    """Buttons live in private chats; a callback from a group message is ignored, even with
    the tapper's own response id, even "forget me" or a language."""
    amina = live.server.user(100, "Amina", language_code="ar")
    claire = live.server.user(200, "Claire", language_code="fr")
    code = await closed_workshop_with(live, organiser, amina, claire)
    group = live.server.group(-100123, "Organisateurs")
    await organiser.send_in(group, f"/link {code}")
    await live.settle()
    linked = group.last.text
    await tap(live, amina, option("useful_aspects", "concepts", "ar"))
    amina_data = [b.callback_data for row in amina.last.buttons for b in row]
    before = answers_of(live.session, 100), answers_of(live.session, 200)
    for person, data in [(amina, d) for d in amina_data] + [(claire, d) for d in amina_data] + [
        (amina, "f:yes"), (claire, "f:yes"), (amina, "l:fr"), (claire, "m:off"),
    ]:
        assert data is not None
        await person.tap_data(group.last.message_id, data, group=group)
        await live.settle()
        assert person.callback_answers[-1].text == (STALE_AR if person is amina else STALE_FR), data
    assert (answers_of(live.session, 100), answers_of(live.session, 200)) == before
    assert group.last.text == linked and len(group.messages) == 1  # nothing edited, nothing sent
    with live.session() as db:
        assert db.get(models.User, 100).language == "ar" and db.get(models.User, 200).reminders_enabled
    assert errors_logged(caplog) == []


async def test_unicode_digits_in_a_button_are_no_number(live: LiveBot, organiser: FakeUser, caplog) -> None:
    """"²".isdigit() is True but int("²") fails; "١" is a digit int() reads: neither is ours."""
    for data in ["a:²:1:4", "a:١:1:4", "b:1:²", "c:１:0", "s:12:٣"]:
        assert parse(data) is None, data
    assert parse("a:12:3:4") is not None
    amina = live.server.user(100, "Amina", language_code="ar")
    claire = live.server.user(200, "Claire", language_code="fr")
    await closed_workshop_with(live, organiser, amina, claire)
    for person, stale in ((amina, STALE_AR), (claire, STALE_FR)):
        for data in ["a:²:1:4", "b:1:²"]:
            await person.tap_data(person.last.message_id, data)
            await live.settle()
            assert person.callback_answers[-1].text == stale
    assert errors_logged(caplog) == []


async def test_a_followup_too_far_away_is_not_understood(live: LiveBot, organiser: FakeUser, caplog) -> None:
    """99999999999w overflowed timedelta; 9999-12-31 23:59 west of UTC is in the year 10000."""
    amina = live.server.user(100, "Amina", language_code="ar")
    code = await closed_workshop_with(live, organiser, amina)
    await say(live, organiser, f"/timezone {code} Pacific/Pago_Pago")
    for when in ["99999999999w", "99999999999999999999999d", "9999-12-31", "9999-12-31 23:59", "4000d", "600w"]:
        assert await say(live, organiser, f"/followup {code} {when}") == [texts.bad_when(FR)], when
    replies = await say(live, organiser, f"/followup {code} 0001-01-01 00:00")
    assert replies[0].startswith("La date 1 janvier 1 à 00:00 est déjà passée")
    assert (await say(live, organiser, f"/followup {code} ١٤d"))[0].startswith("📅 L’enquête de suivi")
    organiser.language_code = None
    with live.session() as db:
        db.get(models.User, ORGANISER_ID).language = "ar"
        db.commit()
    assert await say(live, organiser, f"/followup {code} 99999999999w") == [texts.bad_when(AR)]
    assert errors_logged(caplog) == []


async def test_nul_bytes_and_control_characters(live: LiveBot, organiser: FakeUser, caplog) -> None:
    """PostgreSQL refuses NUL in text: codes with one are no codes, titles and answers lose it."""
    assert await say(live, organiser, "/new \x00") == [texts.new_usage(FR)]
    replies = await say(live, organiser, "/new Atelier\x00 \x07Tunis")
    assert replies[0].startswith("L’atelier Atelier Tunis est prêt.")
    assert (await say(live, organiser, "/stats ab\x00c"))[0].startswith("Aucun de vos ateliers n’a le code ab")
    claire = live.server.user(200, "Claire", language_code="fr")
    amina = live.server.user(100, "Amina", language_code="ar")
    assert await say(live, claire, "/start ab\x00c") == [texts.join_not_found(FR)]
    assert await say(live, amina, "/start ab\x00c") == [texts.join_not_found(AR)]
    code = await closed_workshop_with(live, organiser, claire)
    assert code
    await answer_evaluation_until(live, claire, "suggestions")
    assert await say(live, claire, "\x00\x00") == [texts.empty_text(FR)]
    await say(live, claire, "Plus\x00 d’exercices\nmerci")
    assert answers_of(live.session, 200)[-1][5] == "Plus d’exercices\nmerci"
    assert errors_logged(caplog) == []


async def test_a_very_long_code_is_cut_in_the_reply(live: LiveBot, organiser: FakeUser, caplog) -> None:
    await new_workshop(live, organiser)
    replies = await say(live, organiser, "/stats " + "x" * 4000)
    assert replies == [f"Aucun de vos ateliers n’a le code {'x' * 64}. Vérifiez le code, "
                       "ou omettez-le pour utiliser votre dernier atelier."]
    assert errors_logged(caplog) == []


async def test_commands_in_groups_from_people_nobody_and_other_bots(live: LiveBot, organiser: FakeUser, caplog) -> None:
    """A person is sent to the private chat (in their language); an anonymous admin or someone
    writing as a channel hears why in Arabic and French; /x@OtherBot and channel posts are
    not ours."""
    group = live.server.group(-100123, "Organisateurs")
    amina = live.server.user(100, "Amina", language_code="ar")
    claire = live.server.user(200, "Claire", language_code="fr")
    await amina.send_in(group, "/start")
    await claire.send_in(group, "/forget")
    await live.settle()
    assert [m.text for m in group.new_messages()] == [PRIVATE_ONLY_AR, PRIVATE_ONLY_FR]

    await group.send_anonymously("/stats")
    await group.send_anonymously("/help", channel={"id": -1009, "type": "channel", "title": "Actu"})
    await live.settle()
    assert [m.text for m in group.new_messages()] == [f"{ANONYMOUS_AR}\n\n{ANONYMOUS_FR}"] * 2

    await claire.send_in(group, "/stats@OtherBot")
    await group.send_anonymously("/help@OtherBot")
    await group.send_anonymously("bonjour à tous")
    live.server.inject_update("channel_post", channel_post(-1009, "Actu", 1, "/stats"))
    await live.settle()
    assert group.new_messages() == []
    await claire.send_in(group, "/stats@WorkshopTestBot")
    await live.settle()
    assert [m.text for m in group.new_messages()] == [texts.not_organiser(FR)]
    assert errors_logged(caplog) == []


async def test_messages_without_text(live: LiveBot, caplog) -> None:
    amina = live.server.user(100, "Amina", language_code="ar")
    claire = live.server.user(200, "Claire", language_code="fr")
    for person, tr in ((amina, AR), (claire, FR)):
        person.new_messages()
        await person.send_contact()
        await person.send_sticker()
        await live.settle()
        assert [m.text for m in person.new_messages()] == [texts.unsupported_content(tr)] * 2
    assert errors_logged(caplog) == []


# --------------------------------------------------------------------------- the fuzzer

CODE_LIKE = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=14)
NASTY_WORDS = [
    "99999999999w", "99999999999999999999999d", "9999-12-31", "9999-12-31 23:59", "0001-01-01",
    "0001-01-01 00:00", "١٤d", "١٤ يوم", "²d", "１４d", "-5d", "0d", "1e308s", "off", "OFF", "../../etc",
    "../../etc/passwd", "/etc/localtime", "Africa/Tunis\x00", "UTC", "Etc/GMT+99", "Africa/Tunis",
    "by gender", "by", "by org x", "par genre", "\x00", "a\x00b", "<b>", "</code>", "&amp;", "on", "off",
    "x" * 300, "\u202e", "\u2066", "🙂" * 40, "-", "_", "@", "2026-02-30", "2026-12-01 25:99",
]
NASTY = st.sampled_from(NASTY_WORDS)
ARGUMENT = st.one_of(NASTY, NASTY, CODE_LIKE, st.text(max_size=30))  # nasty words twice as likely
COMMANDS = ["start", "help", "whoami", "language", "forget", "reminders", "privacy", "mydata", "new", "close",
            "stats", "report", "export", "link", "remind", "followup", "timezone", "dance", "Start", "x" * 40]
HEAVY = {"stats", "report", "export"}  # charts, PDF, XLSX: only on workshops without answers (time)
VALUES = ["1", "4", "5", "0", "99", "concepts", "rights", "media", "yes", "no", "maybe", "on", "off", "ar", "fr",
          "en", "de", "", "x" * 24, "x" * 25]


EXAMPLES = 150


@dataclass
class World:
    """The bot, its people, and what the fuzzer may name: codes, response ids, messages."""

    live: LiveBot
    organiser: FakeUser
    claire: FakeUser  # finished the evaluation: her answers must never move
    amina: FakeUser  # in the middle of it (ar)
    mallory: FakeUser  # a stranger who forges
    group: FakeGroup
    answered_code: str
    empty_code: str
    response_ids: list[int]
    claire_answers: list[tuple[object, ...]] = field(default_factory=list)
    updates: int = 0  # thrown at the bot so far
    last_text: dict[int, int] = field(default_factory=dict)

    @property
    def people(self) -> list[FakeUser]:
        return [self.organiser, self.claire, self.amina, self.mallory]


async def make_world(session_factory: Callable[[], DbSession]) -> World:
    live = LiveBot(session_factory, organiser_ids=frozenset({ORGANISER_ID}))
    await live.start()
    organiser = live.server.user(ORGANISER_ID, "Firas", language_code="fr")
    claire = live.server.user(200, "Claire", language_code="fr")
    amina = live.server.user(100, "Amina", language_code="ar")
    mallory = live.server.user(300, "Mallory", language_code="ar")
    answered_code = await closed_workshop_with(live, organiser, claire, amina)
    await finish_evaluation(live, claire)
    await tap(live, amina, option("useful_aspects", "concepts", "ar"))
    empty_code = await new_workshop(live, organiser, "Atelier vide")  # the latest: argument-less commands are quick
    group = live.server.group(-100123, "Organisateurs")
    await organiser.send_in(group, "/help")
    await say(live, mallory, "/help")
    with live.session() as db:
        response_ids = list(db.scalars(select(models.Response.id)))
    world = World(live, organiser, claire, amina, mallory, group, answered_code, empty_code, response_ids)
    world.claire_answers = answers_of(session_factory, 200)
    assert len(world.claire_answers) >= 13
    return world


def payloads(world: World) -> st.SearchStrategy[str]:
    ids = st.one_of(st.sampled_from(world.response_ids), st.sampled_from([0, 999_999, 10**18 - 1, 10**18]))
    structured = st.builds(
        lambda action, rid, index, value, parts: ":".join([action, str(rid), str(index), value][:parts]),
        st.sampled_from([a.value for a in Action]), ids, st.integers(0, 20) | st.just(99_999),
        st.sampled_from(VALUES), st.integers(1, 5),
    )
    simple = st.builds(lambda action, value: f"{action}:{value}", st.sampled_from([a.value for a in Action]),
                       st.sampled_from(VALUES) | st.sampled_from([str(i) for i in world.response_ids]))
    dangerous = st.sampled_from(["f:yes", "l:fr", "l:ar", "m:off", "a:²:1:4", "r:١", "", ":", "a:::"])
    return st.one_of(structured, simple, dangerous, st.text(max_size=70))


def command_text(world: World, data: st.DataObject) -> str:
    name = data.draw(st.sampled_from(COMMANDS), "command")
    codes = [world.empty_code] if name in HEAVY else [world.answered_code, world.empty_code]
    word = st.one_of(st.sampled_from(codes), ARGUMENT)
    if name == "stats" and data.draw(st.booleans(), "many codes"):
        args = [world.empty_code] * 25 + data.draw(st.lists(CODE_LIKE, min_size=25, max_size=25), "codes")
    else:
        first = data.draw(st.sampled_from(codes) | NASTY | st.just(None), "first argument")  # a code, or where one goes
        args = ([] if first is None else [first]) + data.draw(st.lists(word, max_size=3), "arguments")
    suffix = data.draw(st.sampled_from(["", "", "", "@WorkshopTestBot"]), "suffix")
    return " ".join([f"/{name}{suffix}", *args])


def free_text(data: st.DataObject) -> str:
    kind = data.draw(st.sampled_from(["random", "random", "oversized", "nul", "digits"]), "text kind")
    if kind == "oversized":
        return data.draw(st.sampled_from("xé🙂ع<&"), "char") * data.draw(st.integers(4000, 4096), "length")
    if kind == "nul":
        return "\x00" * data.draw(st.integers(1, 3), "nuls") + data.draw(st.text(max_size=20), "after")
    if kind == "digits":
        return data.draw(st.sampled_from(["١٤", "٥", "²", "５", "4", "05", "-1"]), "digits")
    return data.draw(st.text(min_size=1, max_size=200).filter(lambda t: not t.startswith("/")), "text")


async def act(world: World, data: st.DataObject) -> None:
    """One update, and the checks that it got its answer."""
    live, group = world.live, world.group
    world.updates += 1
    kind = data.draw(st.sampled_from(["command", "command", "text", "tap", "tap", "group", "anonymous",
                                      "other content", "edit", "channel"]), "kind")
    person = data.draw(st.sampled_from([world.organiser, *world.people]), "person")  # the organiser twice as often
    if kind == "command":
        await expect_reply(world, person, person.send(command_text(world, data)))
    elif kind == "text":
        message_id_task = person.send(free_text(data))
        before = len(person.messages)
        world.last_text[person.user_id] = await message_id_task
        await live.settle()
        assert len(person.messages) > before, "a text got no reply"
    elif kind == "other content":
        content = data.draw(st.sampled_from(["sticker", "photo", "contact"]), "content")
        send = {"sticker": person.send_sticker, "photo": person.send_photo, "contact": person.send_contact}[content]
        await expect_reply(world, person, send())
    elif kind == "edit":
        text = free_text(data)  # drawn whatever the state: Hypothesis replays draws exactly
        message_id = world.last_text.get(person.user_id)
        if message_id is not None:
            await expect_reply(world, person, person.edit(message_id, text))
    elif kind == "tap":
        in_group = data.draw(st.booleans(), "in the group")
        payload = data.draw(payloads(world), "payload")
        parsed = parse(payload)
        if person is world.claire and not in_group and parsed is not None and parsed.action is Action.FORGET:
            payload = "f:no"  # her own "forget me" would, rightly, delete the answers we watch
        chat: FakeChat = group if in_group else person  # both have messages since make_world
        before = [(m.message_id, m.text) for m in group.messages]
        query_id = await person.tap_data(chat.messages[-1].message_id, payload, group=group if in_group else None)
        await live.settle()
        answer = live.server.callback_queries[query_id].answer
        assert answer is not None, f"tap {payload!r} got no answer"
        if in_group or parsed is None:  # a button we never made there: nothing happens
            assert answer.text in STALE, payload
            assert [(m.message_id, m.text) for m in group.messages] == before, payload
    elif kind == "group":
        before = len(group.messages)
        text = command_text(world, data) if data.draw(st.booleans(), "a command") else free_text(data)
        await person.send_in(group, text)
        await live.settle()
        if text.startswith("/"):
            assert len(group.messages) > before, f"{text[:60]!r} in a group got no reply"
    elif kind == "anonymous":
        before = len(group.messages)
        channel = {"id": -1009, "type": "channel", "title": "Actu"} if data.draw(st.booleans(), "as channel") else None
        text = command_text(world, data)
        await group.send_anonymously(text, channel=channel)
        await live.settle()
        assert len(group.messages) > before, f"anonymous {text[:60]!r} got no reply"
    else:
        before = len(live.server.calls)
        live.server.inject_update("channel_post", channel_post(-1009, "Actu", 1, free_text(data)))
        await live.settle()
        assert not [c for c in live.server.calls[before:] if c.method.startswith("send")]


async def expect_reply(world: World, person: FakeUser, sending: object) -> None:
    before = len(person.messages)
    await sending  # type: ignore[misc]
    await world.live.settle()
    assert len(person.messages) > before, "no reply"


def test_fuzzing_the_handlers(session_factory: Callable[[], DbSession], caplog: pytest.LogCaptureFixture) -> None:
    """Random sequences of bad updates: no error logged, always an answer, Claire's answers kept."""
    loop = asyncio.new_event_loop()
    world = loop.run_until_complete(make_world(session_factory))
    try:
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(st.data())
        def run(data: st.DataObject) -> None:
            caplog.clear()
            for _ in range(data.draw(st.integers(1, 4), "steps")):
                loop.run_until_complete(act(world, data))
            assert errors_logged(caplog) == []
            assert answers_of(session_factory, 200) == world.claire_answers
            assert world.live.server.errors == []

        run()
        print(f"{world.updates} updates thrown at the bot")
        assert world.updates >= EXAMPLES  # the fuzzer really ran (at least one update per example)
    finally:
        loop.run_until_complete(world.live.close())
        loop.close()
