"""Reminders and the follow-up survey, as participants and organisers live them.

The real bot talks to the fake Bot API over HTTP, on a ``ManualClock``: delays are seconds
instead of days (``REMINDER_DELAYS=2s,5s``), which the schedule keeps exact (quiet hours
apply from an hour up), and time passes only when a test moves it (``live.advance``, which
then does what the bot's timers would have done). A round is due at 2 s on the bot's clock
and goes out exactly then, never earlier, however slow the machine.

One test runs on the real clock with the bot's own timers: the dispatcher's regular tick is
five minutes there, so a reminder arriving seconds after /close proves that the bot wakes
exactly when the database says something is due.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.questionnaires.model import QuestionnaireKind
from bot.results.statuses import DeliveryStatus
from bot.simulation.live_bot import LiveBot
from bot.storage.engine import DbSession
from bot.storage.models import Delivery, User
from telegram_sim import FakeUser
from tests.conversation import ORGANISER_ID, answer_evaluation_until, new_workshop, option, say, tap

FOLLOWUP = QuestionnaireKind.FOLLOWUP

FAST = Settings(token="123456:TEST", organiser_ids=frozenset({ORGANISER_ID}), reminder_delays=(2, 5),
                retry_backoff=0.2)
START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 15:00 in Casablanca, far from quiet hours
REMINDER = "⏰"
NBSP = "\u00a0"


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


ONE_SECOND = seconds(1)


@pytest.fixture
async def live(session_factory: Callable[[], DbSession]) -> AsyncIterator[LiveBot]:
    async with LiveBot(session_factory, settings=FAST, clock=ManualClock(START)) as bot:
        yield bot
    assert bot.server.errors == []


def reminders_to(person: FakeUser) -> list[str]:
    return [m.text for m in person.messages if m.text.startswith(REMINDER)]


async def advance_until(live: LiveBot, condition: Callable[[], bool], step: timedelta = ONE_SECOND,
                        steps: int = 60) -> None:
    """Move the bot's clock on ``step`` at a time (each step does what the timers would)
    until ``condition`` holds; the same number of steps on every run."""
    for _ in range(steps):
        if condition():
            return
        await live.advance(step)
    assert condition(), f"still not true after {steps} steps of {step}"


async def wait_on_the_real_clock(live: LiveBot, condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f}s waiting"
        await asyncio.sleep(0.1)
        await live.settle()


async def join(live: LiveBot, person: FakeUser, code: str) -> None:
    """Join and skip the two profile questions."""
    await say(live, person, f"/start {code}")
    skip = "تخطٍّ ◀" if person.language_code == "ar" else "Passer ▶"
    await tap(live, person, skip)
    await tap(live, person, skip)


async def answer_everything_in_french(live: LiveBot, person: FakeUser) -> None:
    await tap(live, person, option("useful_aspects", "real_cases", "fr"))
    await tap(live, person, "✓ Confirmer (1)")
    for label in ["4", "3", "5", option("trainers", "very_good", "fr"), option("expectations", "partly", "fr"),
                  option("gain", "new_ideas", "fr"), "3", "4", "Oui", "Non", "Non"]:
        await tap(live, person, label)
    await answer_evaluation_until(live, person, "commitments")  # before → after, suggestions skipped
    await tap(live, person, "Passer ▶")  # no commitment: the follow-up is the plain one
    assert person.last.text.startswith("Merci, vos réponses sont enregistrées")


async def test_reminders_reach_only_those_who_have_not_finished_on_time(live: LiveBot, organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser)
    amina = live.server.user(100, "Amina", language_code="ar")
    claire = live.server.user(200, "Claire", language_code="fr")
    omar = live.server.user(300, "Omar", language_code="fr")
    for person in (amina, claire, omar):
        await join(live, person, code)

    replies = await say(live, organiser, f"/close {code}")
    assert "⏰" in replies[0] and "📅" in replies[0]  # the schedule is announced with /close
    await answer_everything_in_french(live, claire)
    await tap(live, amina, option("useful_aspects", "concepts", "ar"))
    await tap(live, amina, "✓ تأكيد (1)")  # Amina answers one question, then stops

    await live.advance(seconds(1.9))  # the bot's clock: /close was 1.9 s ago
    assert (reminders_to(omar), reminders_to(amina)) == ([], [])  # not due yet
    await live.advance(seconds(0.1))  # 2 s: the first round goes out, on time
    assert reminders_to(claire) == []  # she finished: no reminder
    # Amina began: the "finish" wording, in Arabic; Omar never started: the "start" wording.
    assert reminders_to(amina) == ["⏰ أجبت عن 1 من أصل 18 سؤالًا حول «Atelier Open Data — Rabat».\n"
                                   "اضغط «أكمل» لاستئناف الإجابة من حيث توقفت."]
    assert amina.last.button_labels == ["◀ أكمل", "🔕 إيقاف التذكيرات"]
    assert reminders_to(omar) == [f"⏰ Il nous manque encore votre avis sur «{NBSP}Atelier Open Data — Rabat{NBSP}»{NBSP}: "
                                  f"18 petites questions.\nAppuyez sur «{NBSP}Commencer{NBSP}» quand vous avez un moment."]
    assert omar.last.button_labels == ["▶ Commencer", "🔕 Désactiver les rappels"]

    # The organiser hears how it went.
    summary = [m.text for m in organiser.messages if m.text.startswith("📬")][-1]
    assert summary == f"📬 Rappel pour l’évaluation de «{NBSP}Atelier Open Data — Rabat{NBSP}».\n✅ Envoyé à 2 participants."

    # Amina taps the first button: her current question comes back, exactly where she stopped.
    await tap(live, amina, "◀ أكمل")
    assert amina.last.text.startswith("✓ ")  # her last answer recalled above it
    assert "\n\nالسؤال 2 من 18\n\n" in amina.last.text and amina.last.button_labels[:5] == ["1", "2", "3", "4", "5"]
    # Omar turns reminders off with one tap.
    await tap(live, omar, "🔕 Désactiver les rappels")
    assert omar.last.text == "🔕 Rappels désactivés. Envoyez /reminders on pour les réactiver."
    with live.session() as db:
        assert db.get(User, 300).reminders_enabled is False  # type: ignore[union-attr]

    # The second round (5 s): Amina still has not finished, Omar opted out, Claire is done.
    await live.advance(seconds(3))
    assert (len(reminders_to(amina)), len(reminders_to(omar)), len(reminders_to(claire))) == (2, 1, 0)
    await live.advance(timedelta(hours=1))  # and nothing more comes of these two rounds
    assert (len(reminders_to(amina)), len(reminders_to(omar)), len(reminders_to(claire))) == (2, 1, 0)


async def test_the_bot_wakes_when_a_reminder_falls_due_not_at_its_next_tick(
    session_factory: Callable[[], DbSession],
) -> None:
    """The real clock and the bot's own timers: a tick every five minutes, a round 2 s after
    /close. The reminder comes when it is due (the JobQueue wake-up), not minutes later."""
    settings = replace(FAST, dispatch_interval=300.0)
    async with LiveBot(session_factory, settings=settings) as live:
        organiser = live.server.user(ORGANISER_ID, "Firas", language_code="fr")
        code = await new_workshop(live, organiser)
        omar = live.server.user(300, "Omar", language_code="fr")
        await join(live, omar, code)
        closed = time.monotonic()
        await say(live, organiser, f"/close {code}")
        # waits a minute at most: the tick after the due time is five minutes away
        await wait_on_the_real_clock(live, lambda: bool(reminders_to(omar)))
        (reminder,) = [c for c in live.server.calls if c.method == "sendMessage"
                       and str(c.params.get("text", "")).startswith(REMINDER)]
        assert reminder.timestamp - closed >= 2.0  # and not before it was due
    assert live.server.errors == []


async def test_remind_now_and_followup_commands_with_bad_input(live: LiveBot, organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser)
    # Before /close there is nothing to remind of and no follow-up to move.
    assert await say(live, organiser, f"/remind {code}") == [
        f"La session de cet atelier n’est pas encore close{NBSP}: les rappels et l’enquête de suivi "
        "commencent avec /close CODE."]
    for command in (f"/followup {code}", f"/followup {code} 14d"):
        assert "/close" in (await say(live, organiser, command))[0]

    leila = live.server.user(100, "Leila", language_code="fr")
    karim = live.server.user(200, "Karim", language_code="fr")
    for person in (leila, karim):
        await join(live, person, code)
    await say(live, organiser, f"/close {code}")
    # Karim leaves (/forget) before any reminder.
    await say(live, karim, "/forget")
    await tap(live, karim, karim.last.button_labels[0])
    karim.new_messages()

    assert await say(live, organiser, f"/remind {code}") == [
        "⏰ Envoi d’un rappel à 1 participant qui n’a pas terminé…",
        f"📬 Rappel pour l’évaluation de «{NBSP}Atelier Open Data — Rabat{NBSP}».\n✅ Envoyé à 1 participant.",
    ]
    assert len(reminders_to(leila)) == 1
    assert karim.new_messages() == []  # nothing for someone who left

    # /followup: show, bad delay, a date in the past, cancel, plan again, without the code.
    shown = (await say(live, organiser, f"/followup {code}"))[0]
    assert shown.startswith("📅") and "Africa/Casablanca" in shown
    assert "14j (14 jours)" in (await say(live, organiser, f"/followup {code} soon"))[0]  # in French
    assert "2020" in (await say(live, organiser, f"/followup {code} 2020-01-01"))[0]
    cancelled = (await say(live, organiser, f"/followup {code} off"))[0]
    assert "/followup CODE 14j" in cancelled
    assert (await say(live, organiser, f"/followup {code}"))[0] == cancelled
    moved = (await say(live, organiser, "/followup 2030-03-02 10:30"))[0]  # latest workshop
    assert moved.startswith("📅") and "2030" in moved and "10:30" in moved
    assert (await say(live, organiser, f"/followup {code}"))[0] == moved
    assert "nope" in (await say(live, organiser, "/followup nope"))[0]
    # A participant cannot use organiser commands.
    assert "organisateurs" in (await say(live, leila, f"/remind {code}"))[0]


async def test_the_followup_goes_out_with_its_own_reminders_and_response_rate(
    session_factory: Callable[[], DbSession],
) -> None:
    settings = replace(FAST, reminder_delays=(2,), followup_delay=3)
    async with LiveBot(session_factory, settings=settings, clock=ManualClock(START)) as live:
        organiser = live.server.user(ORGANISER_ID, "Firas", language_code="fr")
        code = await new_workshop(live, organiser)
        leila = live.server.user(100, "Leila", language_code="fr")
        amina = live.server.user(200, "Amina", language_code="ar")
        for person in (leila, amina):
            await join(live, person, code)
        await say(live, organiser, f"/close {code}")
        await answer_everything_in_french(live, leila)

        await live.advance(seconds(2))  # the evaluation's reminder: Amina only
        assert (len(reminders_to(amina)), reminders_to(leila)) == (1, [])
        # Three seconds after /close, both get the follow-up survey.
        await live.advance(seconds(1))
        assert "?" in leila.last.text and leila.last.button_labels[:2] == ["Oui", "Non"]
        assert len(amina.last.button_labels) >= 2 and "نعم" in amina.last.button_labels
        await tap(live, leila, "Oui")
        await say(live, leila, "Pour un tableau de bord des budgets communaux")
        await tap(live, leila, option("obstacles", "lack_of_time", "fr", kind=FOLLOWUP))
        await tap(live, leila, "✓ Confirmer (1)")
        await tap(live, leila, "Non")
        # Amina does not answer: the follow-up's own reminder reaches her, two seconds later.
        await live.advance(seconds(1.9))
        assert len(reminders_to(amina)) == 1
        await live.advance(seconds(0.1))
        assert len(reminders_to(amina)) == 2
        assert reminders_to(amina)[1] == (
            "⏰ بعد بضعة أسابيع من «Atelier Open Data — Rabat»، كيف تسير الأمور؟ 4 أسئلة قصيرة في انتظارك.\n"
            "اضغط «ابدأ» عندما يتسنّى لك الوقت.")
        assert reminders_to(leila) == []
        status = (await say(live, organiser, f"/followup {code}"))[0]
        assert status.startswith(f"📬 L’enquête de suivi de «{NBSP}Atelier Open Data — Rabat{NBSP}» a été envoyée le ")
        assert status.endswith("\nRéponses\xa0: 1 sur 2 participants (50\u202f%).")
    assert live.server.errors == []


async def test_a_restart_before_the_due_time_still_sends_each_reminder_once(
    session_factory: Callable[[], DbSession],
) -> None:
    settings = replace(FAST, reminder_delays=(2, 3))
    async with LiveBot(session_factory, settings=settings, clock=ManualClock(START)) as live:
        organiser = live.server.user(ORGANISER_ID, "Firas", language_code="fr")
        code = await new_workshop(live, organiser)
        omar = live.server.user(300, "Omar", language_code="fr")
        await join(live, omar, code)
        await say(live, organiser, f"/close {code}")

        await live.stop_bot()  # down before round 1 (2 s) and round 2 (3 s) are due
        live.pass_time(seconds(4))  # both fall due while no bot runs
        await live.start_bot()
        await live.advance(seconds(0))  # the first look at the schedule: one reminder, not two
        assert len(reminders_to(omar)) == 1
        await live.restart()  # and again after it went out: nothing repeats
        for _ in range(3):  # three more looks at the schedule, a second apart
            await live.advance(seconds(1))
        assert len(reminders_to(omar)) == 1
        with live.session() as db:
            assert db.scalars(select(Delivery.status)).all() == [DeliveryStatus.SENT]


async def test_429_is_waited_out_403_is_counted_once_other_errors_are_retried_then_reported(
    session_factory: Callable[[], DbSession],
) -> None:
    settings = replace(FAST, reminder_delays=(3600,))  # only /remind, no planned round meanwhile
    async with LiveBot(session_factory, settings=settings, rate_limiter=True, clock=ManualClock(START)) as live:
        organiser = live.server.user(ORGANISER_ID, "Firas", language_code="fr")
        code = await new_workshop(live, organiser)
        people = [live.server.user(uid, f"P{uid}", language_code="fr") for uid in (100, 200, 300)]
        for person in people:
            await join(live, person, code)
        await say(live, organiser, f"/close {code}")
        flooded, blocker, flaky = people
        # Blocked between the claim and the send (the bot has not been told yet): 403.
        live.server.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=blocker.user_id)
        live.server.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=flooded.user_id)
        live.server.fail_next("sendMessage", 502, "Bad Gateway", times=2, chat_id=flaky.user_id)
        started = len(live.server.calls)

        await say(live, organiser, f"/remind {code}")  # the 429 is waited out within the send
        # the 502s back off 0.2 s, then 0.4 s on the bot's clock: a look a second later retries
        await advance_until(live, lambda: organiser.last.text.startswith("📬"))
        assert organiser.last.text == (f"📬 Rappel pour l’évaluation de «{NBSP}Atelier Open Data — Rabat{NBSP}».\n"
                                       "✅ Envoyé à 2 participants.\n🚫 1 a bloqué le bot.")
        attempts = [str(c.params.get("chat_id")) for c in live.server.calls[started:] if c.method == "sendMessage"]
        assert attempts.count("100") == 2  # the 429, then the retry after retry_after
        assert attempts.count("200") == 1  # blocked: never retried
        assert attempts.count("300") == 3  # two 502s, then delivered
        assert (len(reminders_to(flooded)), len(reminders_to(flaky))) == (1, 1)
        with live.session() as db:
            assert db.get(User, 200).blocked_bot is True  # type: ignore[union-attr]

        # An error that does not go away: retried a bounded number of times, then reported.
        live.server.fail_next("sendMessage", 502, "Bad Gateway", times=50, chat_id=flaky.user_id)
        started = len(live.server.calls)
        live.pass_time(timedelta(minutes=10))  # the gap between two /remind (MANUAL_REMINDER_GAP)
        await say(live, organiser, f"/remind {code}")
        await advance_until(live, lambda: organiser.last.text.startswith("📬") and "⚠️" in organiser.last.text)
        assert organiser.last.text.endswith("⚠️ 1 envoi a échoué après plusieurs tentatives.")
        attempts = [str(c.params.get("chat_id")) for c in live.server.calls[started:] if c.method == "sendMessage"]
        assert attempts.count("300") == 4  # MAX_ATTEMPTS
        assert attempts.count("200") == 0  # known to have blocked the bot: not even tried


async def test_participants_switch_reminders_and_forged_resume_buttons_are_refused(
    live: LiveBot, organiser: FakeUser
) -> None:
    claire = live.server.user(200, "Claire", language_code="fr")
    amina = live.server.user(100, "Amina", language_code="ar")
    assert await say(live, claire, "/reminders") == [
        "Les rappels sont activés. Envoyez /reminders on ou /reminders off pour modifier ce réglage."]
    assert await say(live, claire, "/reminders off") == ["🔕 Rappels désactivés. Envoyez /reminders on pour les réactiver."]
    assert await say(live, amina, "/reminders off") == ["🔕 لن تصلك تذكيرات بعد الآن. أرسل \u2066/reminders on\u2069 لإعادة تفعيلها."]
    assert await say(live, amina, "/reminders on") == ["🔔 التذكيرات مفعّلة: سأذكّرك بالاستبيانات التي لم تُكملها."]
    with live.session() as db:
        assert (db.get(User, 200).reminders_enabled, db.get(User, 100).reminders_enabled) == (False, True)  # type: ignore[union-attr]

    code = await new_workshop(live, organiser)
    await join(live, amina, code)
    await join(live, claire, code)
    await say(live, organiser, f"/close {code}")
    # Claire presses a resume button carrying Amina's questionnaire (forged), or a made-up one.
    message_id = claire.last.message_id
    for data in ("r:1", "r:99999", "r:abc", "m:maybe"):
        await claire.tap_data(message_id, data)
        await live.settle()
        assert claire.callback_answers[-1].text == "Ce bouton n’est plus actif."
    assert claire.last.message_id == message_id  # nothing was sent to her


async def test_a_workshop_can_use_its_own_time_zone(live: LiveBot, organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser, "Data-jam Tunis")
    shown = await say(live, organiser, f"/timezone {code}")
    assert shown == [f"🕘 «{NBSP}Data-jam Tunis{NBSP}» utilise le fuseau horaire Africa/Casablanca. "
                     "Changez-le avec /timezone CODE Africa/Tunis."]
    assert (await say(live, organiser, "/timezone Africa/Tunis"))[0].startswith(
        f"🕘 «{NBSP}Data-jam Tunis{NBSP}» utilise désormais le fuseau horaire Africa/Tunis")
    assert await say(live, organiser, f"/timezone {code} Mars/Olympus") == [
        "Mars/Olympus n’est pas un fuseau horaire. Écrivez-le sous la forme Africa/Casablanca ou Africa/Tunis."]
    closing = (await say(live, organiser, f"/close {code}"))[0]
    assert "Africa/Tunis" in closing


async def test_followup_delays_and_dates_in_the_organisers_language_and_country(live: LiveBot) -> None:
    """Issue 13: «/followup CODE 14 يومًا» and « /followup CODE 14j » are understood; dates come
    with the month names of the workshop's country (Tunis: أوت, Rabat: غشت), no Latin comma
    inside an Arabic date, and several dates separated by «؛» / « ; »."""
    farah = live.server.user(ORGANISER_ID, "Farah", language_code="ar")
    code = await new_workshop(live, farah, "Data-jam Tunis")
    await say(live, farah, f"/timezone {code} Africa/Tunis")
    leila = live.server.user(100, "Leila", language_code="ar")
    await say(live, leila, f"/start {code}")
    closing = (await say(live, farah, f"/close {code}"))[0]
    schedule = closing.split("\n\n", 1)[1]
    assert "؛ " in schedule and "، على الساعة " in schedule and ", " not in schedule, schedule

    planned = (await say(live, farah, f"/followup {code} 14 يومًا"))[0]
    assert planned.startswith("📅") and "، على الساعة " in planned and ", " not in planned, planned
    assert "14 يومًا" in (await say(live, farah, f"/followup {code} قريبا"))[0]  # explained in Arabic
    moved = (await say(live, farah, "/followup 2030-08-05"))[0]  # latest workshop
    assert "5 أوت 2030، على الساعة 09:00" in moved, moved  # Tunisia: ar_TN
    await say(live, farah, f"/timezone {code} Africa/Casablanca")
    assert "5 غشت 2030" in (await say(live, farah, f"/followup {code}"))[0]  # Morocco: ar_MA


async def test_followup_delay_in_french(live: LiveBot, organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser)
    leila = live.server.user(100, "Leila", language_code="fr")
    await say(live, leila, f"/start {code}")
    closing = (await say(live, organiser, f"/close {code}"))[0]
    assert "\u202f; " in closing.split("\n\n", 1)[1], closing  # between the reminders
    planned = (await say(live, organiser, f"/followup {code} 2sem"))[0]
    assert planned.startswith("📅") and " à " in planned, planned
    assert "14j (14 jours)" in (await say(live, organiser, f"/followup {code} bientôt"))[0]
    assert "5 août 2030 à 09:00" in (await say(live, organiser, f"/followup {code} 2030-08-05"))[0]
    assert "/followup CODE 14j" in (await say(live, organiser, f"/followup {code} off"))[0]
    assert (await say(live, organiser, f"/followup {code} 14j"))[0].startswith("📅")
