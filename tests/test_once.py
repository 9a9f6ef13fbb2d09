"""Every update is handled once, and two at once on one question take turns (issue 9).

Telegram posts a webhook update again when the bot answered late, and behind a load
balancer two replicas may both receive it. Here the real bot runs in webhook mode against
the fake Bot API and the test posts the same update JSON twice, as Telegram would: the
second is skipped silently. A manual /remind has a ten-minute gap per workshop (ManualClock
time). On PostgreSQL two sessions race for real, each in its own thread: the test holds
the first transaction open until ``pg_locks`` shows the second waiting, then lets it go.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select, text

from bot.clock import ManualClock
from bot.domain import answering
from bot.domain.errors import StaleQuestion
from bot.domain.participation import join_workshop
from bot.domain.updates import claim_update
from bot.domain.users import TelegramIdentity, get_or_create_user
from bot.domain.workshops import close_workshop, create_workshop
from bot.questionnaires.model import QuestionType
from bot.simulation.live_bot import LiveBot
from bot.storage import models
from bot.storage.engine import DbSession
from bot.telegram_bot.application import ALLOWED_UPDATES, build_application
from telegram_sim import FakeUser
from tests.bot_process import free_port
from tests.conversation import ORGANISER_ID, JOIN_LINK, new_workshop, say
from tests.test_reminders import FAST, NBSP, START, join, reminders_to

SessionFactory = Callable[[], DbSession]
ARABIC_ORGANISER = 2
TITLE = "Atelier Open Data — Rabat"


# --- the same update twice (webhook redelivery) --------------------------------------------


async def to_webhook_mode(live: LiveBot) -> str:
    """Run the bot on as a webhook server (how replicas run behind a load balancer); returns
    the address Telegram posts updates to."""
    await live.stop_bot()
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    application = build_application(live.settings, live.session, rate_limiter=False,
                                    periodic_jobs=live.clock is None)
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_webhook(listen="127.0.0.1", port=port, url_path="hook", webhook_url=url,
                                            allowed_updates=ALLOWED_UPDATES)
    live.application = application
    assert live.server.webhook_url == url
    return url


def command(update_id: int, person: FakeUser, line: str) -> dict[str, Any]:
    """The JSON Telegram posts for ``person`` typing ``line`` in the private chat."""
    name = line.split()[0]
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": line, "from": person.user_json,
        "chat": {"id": person.user_id, "type": "private", "first_name": person.first_name},
        "entities": [{"type": "bot_command", "offset": 0, "length": len(name)}],
    }}


async def post_twice(live: LiveBot, url: str, update: dict[str, Any]) -> None:
    """Telegram delivers ``update``, then delivers it again (its first try timed out)."""
    async with httpx.AsyncClient() as client:
        for _ in range(2):
            answer = await client.post(url, json=update)
            assert answer.status_code == 200
            await live.settle()


def skipped(caplog: pytest.LogCaptureFixture, update_id: int) -> bool:
    return f"update {update_id} already handled: skipped" in caplog.messages


async def test_a_new_posted_twice_creates_one_workshop(
    live: LiveBot, organiser: FakeUser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.telegram_bot.context")
    url = await to_webhook_mode(live)
    organiser.started = True
    await post_twice(live, url, command(900_001, organiser, f"/new {TITLE}"))
    assert skipped(caplog, 900_001)
    messages = organiser.new_messages()
    assert len(messages) == 2  # the link, then the QR code's caption: once
    assert messages[0].text.startswith(f"L’atelier {TITLE} est prêt.") and JOIN_LINK.search(messages[0].text)
    assert messages[1].text.startswith("Scannez pour rejoindre")
    with live.session() as db:
        assert db.scalar(select(func.count()).select_from(models.Workshop)) == 1
        assert db.get(models.ProcessedUpdate, 900_001) is not None


async def test_a_remind_posted_twice_reminds_once(
    live: LiveBot, organiser: FakeUser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.telegram_bot.context")
    code = await new_workshop(live, organiser, TITLE)
    leila = live.server.user(100, "Leila", language_code="fr")
    await join(live, leila, code)
    await say(live, organiser, f"/close {code}")
    organiser.new_messages()
    url = await to_webhook_mode(live)
    await post_twice(live, url, command(900_002, organiser, f"/remind {code}"))
    assert skipped(caplog, 900_002)
    assert [m.text for m in organiser.new_messages()] == [
        "⏰ Envoi d’un rappel à 1 participant qui n’a pas terminé…",
        f"📬 Rappel pour l’évaluation de «{NBSP}{TITLE}{NBSP}».\n✅ Envoyé à 1 participant.",
    ]  # not twice, and no "too soon" either: the repeat never reached /remind
    assert len(reminders_to(leila)) == 1
    with live.session() as db:
        assert db.scalar(select(func.count()).select_from(models.ScheduledSend).where(
            models.ScheduledSend.manual.is_(True))) == 1


# --- the manual reminder gap ------------------------------------------------------------------


@pytest.fixture
async def clocked(session_factory: SessionFactory) -> AsyncIterator[LiveBot]:
    settings = replace(FAST, organiser_ids=frozenset({ORGANISER_ID, ARABIC_ORGANISER}), reminder_delays=(3600,))
    async with LiveBot(session_factory, settings=settings, clock=ManualClock(START)) as bot:
        yield bot
    assert bot.server.errors == []


async def test_a_second_remind_within_ten_minutes_says_when_in_the_organisers_language(clocked: LiveBot) -> None:
    live = clocked
    firas = live.server.user(ORGANISER_ID, "Firas", language_code="fr")
    salma = live.server.user(ARABIC_ORGANISER, "Salma", language_code="ar")
    leila = live.server.user(100, "Leila", language_code="fr")
    amina = live.server.user(200, "Amina", language_code="ar")
    code = await new_workshop(live, firas, TITLE)
    await join(live, leila, code)
    await say(live, firas, f"/close {code}")
    arabic_code = await new_workshop(live, salma, "ورشة البيانات المفتوحة")
    await join(live, amina, arabic_code)
    await say(live, salma, f"/close {arabic_code}")

    # 15:00 in Casablanca: the first /remind goes out; the gap is per workshop.
    assert (await say(live, firas, f"/remind {code}"))[0].startswith("⏰ Envoi d’un rappel à 1 participant")
    assert (await say(live, salma, f"/remind {arabic_code}"))[0].startswith("⏰ جارٍ تذكير مشارك واحد")
    live.pass_time(timedelta(minutes=4))
    assert await say(live, firas, f"/remind {code}") == [
        f"⏰ Les participants de «{NBSP}{TITLE}{NBSP}» ont été relancés il y a quelques minutes à peine. "
        "Vous pourrez les relancer à partir du 24 novembre 2026 à 15:10 (Africa/Casablanca)."]
    assert await say(live, salma, f"/remind {arabic_code}") == [
        "⏰ ذُكِّر المشاركون في «ورشة البيانات المفتوحة» قبل دقائق قليلة فقط. يمكنك تذكيرهم مرة أخرى "
        "ابتداءً من 24 نونبر 2026، على الساعة 15:10 (\u2066Africa/Casablanca\u2069)."]
    assert (len(reminders_to(leila)), len(reminders_to(amina))) == (1, 1)

    live.pass_time(timedelta(minutes=6))  # ten minutes after the first: allowed again
    assert (await say(live, firas, f"/remind {code}"))[0].startswith("⏰ Envoi d’un rappel à 1 participant")
    assert len(reminders_to(leila)) == 2


# --- handled update ids are forgotten after a day -----------------------------------------------


async def test_handled_update_ids_are_pruned_after_a_day(clocked: LiveBot) -> None:
    live = clocked
    firas = live.server.user(ORGANISER_ID, "Firas", language_code="fr")
    await say(live, firas, "/help")
    with live.session() as db:
        first = db.scalars(select(models.ProcessedUpdate.update_id)).all()
    assert len(first) == 1
    await live.advance(timedelta(hours=25))  # the dispatcher's run prunes
    await say(live, firas, "/help")
    await live.advance(timedelta(hours=2))  # an hour later it prunes again: the recent one stays
    with live.session() as db:
        kept = db.scalars(select(models.ProcessedUpdate.update_id)).all()
    assert len(kept) == 1 and kept[0] != first[0]


# --- claims and answers racing on PostgreSQL -----------------------------------------------------


def test_an_update_is_claimed_once_and_a_rolled_back_claim_frees_it(session_factory: SessionFactory) -> None:
    with session_factory() as db:
        assert claim_update(db, 41) is True
        db.rollback()  # the handler failed: Telegram's redelivery gets another chance
        assert claim_update(db, 41) is True
        db.commit()
    with session_factory() as db:
        assert claim_update(db, 41) is False
        assert claim_update(db, 42) is True  # the session is still usable after a refused claim
        db.commit()


def on_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def backend_pid(db: DbSession) -> int:
    return int(db.scalar(text("SELECT pg_backend_pid()")))  # type: ignore[arg-type]


def wait_until_waiting_for_a_lock(engine: Engine, pid: int, timeout: float = 10.0) -> None:
    """Return once backend ``pid`` waits for a lock (``pg_locks``: not granted)."""
    deadline = time.monotonic() + timeout
    with engine.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.execute(
                text("SELECT count(*) FROM pg_locks WHERE pid = :pid AND NOT granted"), {"pid": pid}
            ).scalar()
            connection.rollback()
            if waiting:
                return
            time.sleep(0.005)
    raise AssertionError(f"backend {pid} never waited for a lock")


def started_response(session_factory: SessionFactory) -> tuple[int, int]:
    """A participant in the evaluation, at its first rating question: (response id, index)."""
    with session_factory() as db:
        organiser = get_or_create_user(db, TelegramIdentity(id=ORGANISER_ID, language_code="fr"))
        workshop = create_workshop(db, organiser, TITLE)
        participant = get_or_create_user(db, TelegramIdentity(id=100, language_code="fr"))
        join_workshop(db, participant, workshop.join_code)
        close_workshop(db, workshop)
        response = db.scalars(select(models.Response).where(
            models.Response.questionnaire_id == workshop.evaluation_questionnaire_id)).one()
        answering.mark_started(response, question_message_id=1)
        view = answering.current_view(db, response)
        assert view is not None
        index = next(i for i, q in enumerate(view.questionnaire.questions) if q.type is QuestionType.RATING)
        response.current_index = index
        db.commit()
        return response.id, index


def race(engine: Engine, first: Callable[[], None], second: Callable[[], None], *, first_done: threading.Event,
         release: threading.Event, outcome: dict[str, Any]) -> None:
    """Run two transactions in two threads: ``first`` holds its transaction open (until
    ``release``) once ``first_done`` is set; ``second`` records its backend pid in
    ``outcome["pid"]``. Returns when both ended, after seeing the second wait for a lock."""
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    try:
        first_done.wait(10)
        while "pid" not in outcome:
            time.sleep(0.001)  # the thread's first statement: a few milliseconds, not a decision
        wait_until_waiting_for_a_lock(engine, outcome["pid"])
    finally:
        release.set()
        for thread in threads:
            thread.join(20)


def test_two_taps_on_one_question_at_once_one_wins_the_other_finds_it_stale(
    engine: Engine, session_factory: SessionFactory
) -> None:
    if not on_postgresql(engine):
        pytest.skip("SQLite serves one bot process, which handles updates one at a time: no race")
    response_id, index = started_response(session_factory)
    answered, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def first_tap() -> None:  # «4», on one replica: its transaction stays open until released
        with session_factory() as db:
            response = db.get(models.Response, response_id)
            assert response is not None
            answering.answer_rating(db, response, index, 4)
            answered.set()
            release.wait(10)
            db.commit()

    def second_tap() -> None:  # «2» on the same question, on the other replica
        with session_factory() as db:
            outcome["pid"] = backend_pid(db)
            response = db.get(models.Response, response_id)  # read before «4» commits: still current
            assert response is not None and response.current_index == index
            answered.wait(10)
            try:
                answering.answer_rating(db, response, index, 2)
                outcome["second"] = "answered"
            except StaleQuestion:
                outcome["second"] = "stale"
            except BaseException as error:  # noqa: BLE001 - the test reports it
                outcome["second"] = error
            db.commit()

    race(engine, first_tap, second_tap, first_done=answered, release=release, outcome=outcome)  # «2» waits for «4»'s lock
    assert outcome["second"] == "stale"  # as an old keyboard: «this button is no longer active»
    with session_factory() as db:
        response = db.get(models.Response, response_id)
        assert response is not None and response.current_index == index + 1
        ratings = db.scalars(select(models.Answer.rating).where(models.Answer.response_id == response_id)).all()
        assert ratings == [4]


def test_two_replicas_claiming_one_update_at_once_only_the_first_handles_it(
    engine: Engine, session_factory: SessionFactory
) -> None:
    if not on_postgresql(engine):
        pytest.skip("SQLite serves one bot process, which handles updates one at a time: no race")
    claimed, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def first_replica() -> None:
        with session_factory() as db:
            outcome["first"] = claim_update(db, 77)
            claimed.set()
            release.wait(10)
            db.commit()

    def second_replica() -> None:
        with session_factory() as db:
            outcome["pid"] = backend_pid(db)
            claimed.wait(10)
            try:
                outcome["second"] = claim_update(db, 77)
            except BaseException as error:  # noqa: BLE001 - the test reports it
                outcome["second"] = error
            db.commit()

    race(engine, first_replica, second_replica, first_done=claimed, release=release, outcome=outcome)  # on the key
    assert (outcome["first"], outcome["second"]) == (True, False)
    with session_factory() as db:
        assert db.scalar(select(func.count()).select_from(models.ProcessedUpdate)) == 1
