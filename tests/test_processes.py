"""Reminders survive real process deaths: ``kill -9`` before, during and after a due time.

Each test runs ``workshop-bot run`` as real OS processes (see ``tests/bot_process.py``)
against the fake Bot API served by the test's event loop, on the test database (SQLite,
or PostgreSQL with ``TEST_DATABASE_URL``). The workshop, its participants and its
reminder rounds are written straight into the database, as ``/close`` would have left
them; each participant is a fake Telegram user who started the bot earlier. The verdict
comes from what the fake Telegram received: every participant gets exactly one reminder
("⏰…") — none lost, none duplicated — and from the database (who claimed what).

Settings: the dispatcher ticks every second (``DISPATCH_INTERVAL=1s``) and also wakes at
the exact due time; a reminder leased by a process that died is taken over three seconds
later (``DELIVERY_LEASE=3s``).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.domain import answering
from bot.domain.participation import join_workshop
from bot.domain.schedule import SchedulePolicy, plan_after_close
from bot.domain.users import TelegramIdentity, get_or_create_user
from bot.domain.workshops import close_workshop, create_workshop
from bot.results.statuses import DeliveryStatus, SendPurpose, SendStatus
from bot.storage import models
from bot.storage.engine import DbSession
from bot.storage.models import Delivery, ScheduledSend, utcnow
from telegram_sim import FakeBotApi
from tests.bot_process import BotProcess, BotProcesses, free_port, webhook_args

ORGANISER = 1
FIRST_PARTICIPANT = 100
REMINDER = "⏰"
SETTINGS = {
    "ORGANISER_IDS": str(ORGANISER),
    "REMINDER_DELAYS": "2s,3s",  # what a /close in these processes would plan; the tests plan their own
    "FOLLOWUP_DELAY": "28d",
    "DISPATCH_INTERVAL": "1s",
    "DELIVERY_LEASE": "3s",
    "RETRY_BACKOFF": "1s",
}

SessionFactory = Callable[[], DbSession]



@pytest.fixture
async def bots(
    server: FakeBotApi, database_url: str, session_factory: SessionFactory, tmp_path: Path
) -> AsyncIterator[BotProcesses]:
    """Bot processes on the test database; all killed before the tables are emptied."""
    processes = BotProcesses(server, database_url, tmp_path / "bots", SETTINGS)
    try:
        yield processes
    finally:
        await processes.kill_all()


def on_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


# --- the workshop, straight into the database ------------------------------------------


def participants(server: FakeBotApi, count: int) -> list[int]:
    """Fake users who started the bot before (Telegram lets it write to them), organiser too."""
    ids = list(range(FIRST_PARTICIPANT, FIRST_PARTICIPANT + count))
    for uid in [ORGANISER, *ids]:
        server.user(uid, f"P{uid}", language_code="fr").started = True
    return ids


def closed_workshop_with_reminders(session_factory: SessionFactory, ids: list[int], delays: tuple[int, ...]) -> None:
    """A closed workshop whose participants all began the evaluation and none finished;
    reminder rounds ``delays`` seconds from now (exact: under an hour, no quiet hours)."""
    with session_factory() as db:
        organiser = get_or_create_user(db, TelegramIdentity(ORGANISER, "Firas", "fr"))
        workshop = create_workshop(db, organiser, "Atelier Open Data — Rabat")
        for uid in ids:
            join_workshop(db, get_or_create_user(db, TelegramIdentity(uid, f"P{uid}", "fr")), workshop.join_code)
        close_workshop(db, workshop)
        for response in db.scalars(select(models.Response).where(
                models.Response.questionnaire_id == workshop.evaluation_questionnaire_id)):
            answering.mark_started(response, question_message_id=1)
        policy = SchedulePolicy(reminder_delays=delays, followup_delay=28 * 86_400, timezone="Africa/Casablanca")
        plan_after_close(db, workshop, policy, utcnow())
        db.commit()


# --- what happened ----------------------------------------------------------------------


def reminders(server: FakeBotApi) -> Counter[int]:
    """Reminders Telegram accepted, per chat."""
    return Counter(
        int(call.params["chat_id"]) for call in server.calls
        if call.method == "sendMessage" and call.ok and str(call.params.get("text", "")).startswith(REMINDER)
    )


def deliveries(session_factory: SessionFactory) -> list[Delivery]:
    with session_factory() as db:
        return list(db.scalars(select(Delivery).order_by(Delivery.id)))


def sent(session_factory: SessionFactory) -> int:
    return sum(d.status is DeliveryStatus.SENT for d in deliveries(session_factory))


def claimed_by(bot: BotProcess, delivery: Delivery) -> bool:
    """Worker names are ``host:pid:random``."""
    return f":{bot.pid}:" in (delivery.claimed_by or "")


def once_each(ids: list[int]) -> Counter[int]:
    return Counter(dict.fromkeys(ids, 1))


async def until(seconds_from_now: float) -> None:
    await asyncio.sleep(max(seconds_from_now, 0))


# --- kill -9 before, during and after the due time --------------------------------------


async def test_kill_9_before_the_due_time_then_a_restart_sends_each_reminder_once(
    server: FakeBotApi, bots: BotProcesses, session_factory: SessionFactory,
) -> None:
    """The process dies with the round planned but not yet due; the next one sends it.

    On SQLite this also proves the single-process lock dies with its holder: the kernel
    releases the ``flock`` of a killed process, so the restart is not refused.
    """
    ids = participants(server, 20)
    first = await bots.start_ready()
    closed_workshop_with_reminders(session_factory, ids, delays=(3,))  # first sees it on its next tick
    due = utcnow() + timedelta(seconds=3)
    await asyncio.sleep(1.0)
    await first.kill()
    assert reminders(server) == Counter()  # nothing was due yet
    await until((due - utcnow()).total_seconds() + 0.5)  # the due time passes with no bot running
    assert reminders(server) == Counter()

    second = await bots.start_ready()
    await bots.wait_for(lambda: sum(reminders(server).values()) >= len(ids), "every participant is reminded")
    await asyncio.sleep(2.5)  # more dispatcher ticks: nothing else goes out
    assert reminders(server) == once_each(ids)
    rows = deliveries(session_factory)
    assert len(rows) == len(ids)
    assert all(d.status is DeliveryStatus.SENT and claimed_by(second, d) for d in rows)


async def test_kill_9_during_the_broadcast_loses_none_and_duplicates_none(
    server: FakeBotApi, bots: BotProcesses, session_factory: SessionFactory,
) -> None:
    """The process dies mid-broadcast: 8 reminders sent and recorded, the other 12 leased
    to it — at least 4 of them on the wire (held by the fake server, not yet accepted by
    Telegram), the rest still inside the process. After the lease (3 s) the restarted
    process takes the 12 over; the held requests died with their connections.

    The one case no system can make exactly-once: Telegram accepts a message in the
    instant before the kill, and the ``sent`` mark is not committed yet; that reminder is
    sent again after the lease. This test kills only once every accepted reminder is
    marked sent in the database and the others are held before Telegram accepts them, so
    it expects no duplicate at all.
    """
    ids = participants(server, 20)
    server.hold("sendMessage", after=8, text_prefix=REMINDER)
    first = await bots.start_ready()
    closed_workshop_with_reminders(session_factory, ids, delays=(1,))
    await bots.wait_for(
        lambda: sum(reminders(server).values()) == 8 and server.held >= 4 and sent(session_factory) == 8,
        "8 reminders are sent and recorded and the next ones are on the wire",
    )
    on_the_wire = server.held
    await first.kill()
    await bots.wait_for(lambda: server.held == 0, "the killed process's held requests are dropped", timeout=5)
    assert len(server.abandoned) >= on_the_wire and all(c.method == "sendMessage" for c in server.abandoned)
    server.release_held()
    rows = deliveries(session_factory)
    assert Counter(d.status for d in rows) == {DeliveryStatus.SENT: 8, DeliveryStatus.CLAIMED: 12}
    assert all(claimed_by(first, d) for d in rows)
    assert sum(reminders(server).values()) == 8

    second = await bots.start_ready()
    await bots.wait_for(lambda: sum(reminders(server).values()) >= len(ids), "the 12 leased reminders are taken over")
    await asyncio.sleep(2.5)
    assert reminders(server) == once_each(ids)
    rows = deliveries(session_factory)
    assert all(d.status is DeliveryStatus.SENT for d in rows)
    assert (sum(claimed_by(first, d) for d in rows), sum(claimed_by(second, d) for d in rows)) == (8, 12)


async def test_kill_9_after_everything_went_out_sends_nothing_again(
    server: FakeBotApi, bots: BotProcesses, session_factory: SessionFactory,
) -> None:
    ids = participants(server, 20)
    first = await bots.start_ready()
    closed_workshop_with_reminders(session_factory, ids, delays=(1,))
    organiser = server.user(ORGANISER, "Firas")
    await bots.wait_for(lambda: any(m.text.startswith("📬") for m in organiser.messages),
                        "the round is over and the organiser is told")
    assert reminders(server) == once_each(ids) and sent(session_factory) == len(ids)
    await first.kill()
    answered = len(server.calls)

    await bots.start_ready()
    await asyncio.sleep(3.5)  # three dispatcher ticks
    assert reminders(server) == once_each(ids)
    assert [c.method for c in server.calls[answered:] if c.method.startswith("send")] == []


async def test_a_start_long_after_two_overdue_rounds_sends_one_reminder(
    server: FakeBotApi, bots: BotProcesses, session_factory: SessionFactory,
) -> None:
    ids = participants(server, 20)
    closed_workshop_with_reminders(session_factory, ids, delays=(2, 3))
    await asyncio.sleep(5)  # no bot running: both rounds are overdue
    bot = await bots.start_ready()
    await bots.wait_for(lambda: sum(reminders(server).values()) >= len(ids), "every participant is reminded")
    await asyncio.sleep(2.5)
    assert reminders(server) == once_each(ids)
    with session_factory() as db:
        rounds = db.execute(select(ScheduledSend.round, ScheduledSend.status, ScheduledSend.id)
                            .where(ScheduledSend.purpose == SendPurpose.REMINDER)
                            .order_by(ScheduledSend.round)).all()
    assert [(r, s) for r, s, _ in rounds] == [(1, SendStatus.DONE), (2, SendStatus.DONE)]
    rows = deliveries(session_factory)
    assert {d.send_id for d in rows} == {rounds[1].id}  # round 1 was superseded, not sent
    assert all(d.status is DeliveryStatus.SENT and claimed_by(bot, d) for d in rows)


# --- several processes ------------------------------------------------------------------


async def test_two_processes_on_postgresql_send_each_reminder_once(
    server: FakeBotApi, bots: BotProcesses, session_factory: SessionFactory, engine: Engine,
) -> None:
    """Two replicas (webhook mode: only one process may long-poll) share one round.

    150 participants: a process leases reminders 64 at a time and sends about 29 a
    second, so neither can take the whole round alone — both do part of it.
    """
    if not on_postgresql(engine):
        pytest.skip("SQLite serves one bot process (the next test); replicas need PostgreSQL")
    ids = participants(server, 150)
    ports = [free_port(), free_port()]
    while ports[1] == ports[0]:
        ports[1] = free_port()
    one, two = [await bots.start(*webhook_args(port)) for port in ports]
    await asyncio.gather(one.wait_ready(), two.wait_ready())
    assert server.webhook_url.startswith("http://127.0.0.1:")
    closed_workshop_with_reminders(session_factory, ids, delays=(2,))
    await bots.wait_for(lambda: sum(reminders(server).values()) >= len(ids), "every participant is reminded",
                        timeout=30)
    await asyncio.sleep(2.5)
    assert reminders(server) == once_each(ids)
    rows = deliveries(session_factory)
    assert len(rows) == len(ids) and all(d.status is DeliveryStatus.SENT for d in rows)
    shares = (sum(claimed_by(one, d) for d in rows), sum(claimed_by(two, d) for d in rows))
    assert sum(shares) == len(ids) and min(shares) > 0, shares


async def test_a_second_process_on_the_same_sqlite_file_is_refused(
    server: FakeBotApi, bots: BotProcesses, session_factory: SessionFactory, engine: Engine,
) -> None:
    if on_postgresql(engine):
        pytest.skip("the single-process lock is SQLite's; PostgreSQL runs replicas (previous test)")
    ids = participants(server, 5)
    first = await bots.start_ready()
    second = await bots.start()
    assert await second.wait_exit() == 2
    assert "already running" in second.stderr and "PostgreSQL" in second.stderr, second.tail()
    assert f"pid {first.pid}" in second.stderr  # it names the holder
    # The first one is unharmed and keeps working.
    closed_workshop_with_reminders(session_factory, ids, delays=(1,))
    await bots.wait_for(lambda: sum(reminders(server).values()) >= len(ids), "every participant is reminded")
    assert reminders(server) == once_each(ids)
    assert first.returncode is None
