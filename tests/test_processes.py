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

Processes cannot share the test's clock, so no verdict waits for a number of seconds:
a due time "passes while no bot runs" by moving it into the past in the database (which
is all a process reads), and "nothing else goes out" is checked once the round is done
in the database and a later dispatcher run is proven to have happened: a one-person
"witness" workshop whose reminder falls due after every lease has expired; the run that
sends it does everything else that is due before it reports (``dispatcher_ran``).
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
LEASE = 3  # seconds, DELIVERY_LEASE below
SETTINGS = {
    "ORGANISER_IDS": str(ORGANISER),
    "REMINDER_DELAYS": "2s,3s",  # what a /close in these processes would plan; the tests plan their own
    "FOLLOWUP_DELAY": "28d",
    "DISPATCH_INTERVAL": "1s",
    "DELIVERY_LEASE": f"{LEASE}s",
    "RETRY_BACKOFF": "1s",
}
TITLE = "Atelier Open Data — Rabat"
WITNESS_TITLE = "Atelier témoin"
LATER = 1800  # seconds: a due time no test reaches by waiting (under an hour: exact, no quiet hours)

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


def closed_workshop_with_reminders(
    session_factory: SessionFactory, ids: list[int], delays: tuple[int, ...], *,
    closed_ago: int = 0, title: str = TITLE,
) -> int:
    """A closed workshop whose participants all began the evaluation and none finished;
    reminder rounds ``delays`` seconds after a close ``closed_ago`` seconds ago (exact:
    under an hour, no quiet hours). Returns the workshop's id."""
    with session_factory() as db:
        organiser = get_or_create_user(db, TelegramIdentity(ORGANISER, "fr"))
        workshop = create_workshop(db, organiser, title)
        for uid in ids:
            join_workshop(db, get_or_create_user(db, TelegramIdentity(uid, "fr")), workshop.join_code)
        close_workshop(db, workshop)
        for response in db.scalars(select(models.Response).where(
                models.Response.questionnaire_id == workshop.evaluation_questionnaire_id)):
            answering.mark_started(response, question_message_id=1)
        policy = SchedulePolicy(reminder_delays=delays, followup_delay=28 * 86_400, timezone="Africa/Casablanca")
        plan_after_close(db, workshop, policy, utcnow() - timedelta(seconds=closed_ago))
        db.commit()
        return workshop.id


def rounds_of(session_factory: SessionFactory, workshop_id: int) -> list[ScheduledSend]:
    with session_factory() as db:
        return list(db.scalars(select(ScheduledSend).where(
            ScheduledSend.workshop_id == workshop_id, ScheduledSend.purpose == SendPurpose.REMINDER,
        ).order_by(ScheduledSend.round)))


def due_time_passes(session_factory: SessionFactory, workshop_id: int) -> None:
    """The workshop's reminder rounds fall due while no bot runs: their due time moves into
    the past, which is all the next process can tell about the time that went by."""
    with session_factory() as db:
        for send in db.scalars(select(ScheduledSend).where(
                ScheduledSend.workshop_id == workshop_id, ScheduledSend.purpose == SendPurpose.REMINDER)):
            send.due_at = utcnow() - timedelta(seconds=1)
        db.commit()


# --- what happened ----------------------------------------------------------------------


def reminders(server: FakeBotApi) -> Counter[int]:
    """Reminders Telegram accepted, per chat."""
    return Counter(
        int(call.params["chat_id"]) for call in server.calls
        if call.method == "sendMessage" and call.ok and str(call.params.get("text", "")).startswith(REMINDER)
    )


def deliveries(session_factory: SessionFactory, workshop_id: int) -> list[Delivery]:
    """The workshop's reminders, one row per participant and round."""
    with session_factory() as db:
        return list(db.scalars(select(Delivery).join(ScheduledSend, Delivery.send_id == ScheduledSend.id)
                               .where(ScheduledSend.workshop_id == workshop_id).order_by(Delivery.id)))


def sent(session_factory: SessionFactory, workshop_id: int) -> int:
    return sum(d.status is DeliveryStatus.SENT for d in deliveries(session_factory, workshop_id))


def claimed_by(bot: BotProcess, delivery: Delivery) -> bool:
    """Worker names are ``host:pid:random``."""
    return f":{bot.pid}:" in (delivery.claimed_by or "")


def once_each(ids: list[int]) -> Counter[int]:
    return Counter(dict.fromkeys(ids, 1))


def summaries(server: FakeBotApi, title: str) -> int:
    """How many times the organiser heard how a reminder round of ``title`` went."""
    return sum(m.text.startswith("📬") and title in m.text for m in server.user(ORGANISER, "Firas").messages)


async def round_over(bots: BotProcesses, server: FakeBotApi, session_factory: SessionFactory, workshop_id: int,
                     title: str = TITLE) -> None:
    """Until the workshop's reminder rounds are all done and the organiser was told."""
    await bots.wait_for(
        lambda: all(r.status is SendStatus.DONE for r in rounds_of(session_factory, workshop_id))
        and summaries(server, title) > 0,
        "the reminder round is done and the organiser is told",
    )


async def dispatcher_ran(bots: BotProcesses, server: FakeBotApi, session_factory: SessionFactory, *,
                         witness: int, due_in: int) -> None:
    """Proof that a bot process looked at the schedule ``due_in`` seconds from now or later.

    A one-person workshop's reminder falls due then; this returns once it reached the
    ``witness`` and the organiser heard how that round went: the dispatcher run that sent
    it claimed everything else due by then (expired leases included) and finished it
    before reporting. With ``due_in=0`` it proves the run happened after this call.
    """
    server.user(witness, f"P{witness}", language_code="fr").started = True
    workshop_id = closed_workshop_with_reminders(session_factory, [witness], delays=(due_in,), title=WITNESS_TITLE)
    told = summaries(server, WITNESS_TITLE)
    await bots.wait_for(
        lambda: reminders(server)[witness] >= 1 and summaries(server, WITNESS_TITLE) > told
        and all(r.status is SendStatus.DONE for r in rounds_of(session_factory, workshop_id)),
        f"a dispatcher run {due_in}s or more from now reminds witness {witness} and reports it",
    )


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
    workshop = closed_workshop_with_reminders(session_factory, ids, delays=(LATER,))
    await dispatcher_ran(bots, server, session_factory, witness=900, due_in=0)  # first has seen the round
    await first.kill()
    assert reminders(server) == once_each([900])  # the round was not due yet
    due_time_passes(session_factory, workshop)  # while no bot runs
    assert reminders(server) == once_each([900])

    second = await bots.start_ready()
    await bots.wait_for(lambda: sum(reminders(server).values()) >= len(ids) + 1, "every participant is reminded")
    await round_over(bots, server, session_factory, workshop)
    await dispatcher_ran(bots, server, session_factory, witness=901, due_in=LEASE + 1)
    assert reminders(server) == once_each([*ids, 900, 901])
    rows = deliveries(session_factory, workshop)
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
    workshop = closed_workshop_with_reminders(session_factory, ids, delays=(1,))
    await bots.wait_for(
        lambda: sum(reminders(server).values()) == 8 and server.held >= 4 and sent(session_factory, workshop) == 8,
        "8 reminders are sent and recorded and the next ones are on the wire",
    )
    on_the_wire = server.held
    await first.kill()
    await bots.wait_for(lambda: server.held == 0, "the killed process's held requests are dropped")
    assert len(server.abandoned) >= on_the_wire and all(c.method == "sendMessage" for c in server.abandoned)
    server.release_held()
    rows = deliveries(session_factory, workshop)
    assert Counter(d.status for d in rows) == {DeliveryStatus.SENT: 8, DeliveryStatus.CLAIMED: 12}
    assert all(claimed_by(first, d) for d in rows)
    assert sum(reminders(server).values()) == 8

    second = await bots.start_ready()
    await bots.wait_for(lambda: sum(reminders(server).values()) >= len(ids), "the 12 leased reminders are taken over")
    await round_over(bots, server, session_factory, workshop)
    await dispatcher_ran(bots, server, session_factory, witness=900, due_in=LEASE + 1)
    assert reminders(server) == once_each([*ids, 900])
    rows = deliveries(session_factory, workshop)
    assert all(d.status is DeliveryStatus.SENT for d in rows)
    assert (sum(claimed_by(first, d) for d in rows), sum(claimed_by(second, d) for d in rows)) == (8, 12)


async def test_kill_9_after_everything_went_out_sends_nothing_again(
    server: FakeBotApi, bots: BotProcesses, session_factory: SessionFactory,
) -> None:
    ids = participants(server, 20)
    first = await bots.start_ready()
    workshop = closed_workshop_with_reminders(session_factory, ids, delays=(1,))
    await round_over(bots, server, session_factory, workshop)
    assert reminders(server) == once_each(ids) and sent(session_factory, workshop) == len(ids)
    await first.kill()
    answered = len(server.calls)

    await bots.start_ready()
    await dispatcher_ran(bots, server, session_factory, witness=900, due_in=LEASE + 1)
    assert reminders(server) == once_each([*ids, 900])
    # the witness's reminder and its summary: nothing of the first round went out again
    assert [(c.method, c.chat_id) for c in server.calls[answered:] if c.method.startswith("send")] == [
        ("sendMessage", 900), ("sendMessage", ORGANISER)]


async def test_a_start_long_after_two_overdue_rounds_sends_one_reminder(
    server: FakeBotApi, bots: BotProcesses, session_factory: SessionFactory,
) -> None:
    ids = participants(server, 20)
    # closed 5 s ago, rounds 2 s and 3 s after: both overdue before any bot runs
    workshop = closed_workshop_with_reminders(session_factory, ids, delays=(2, 3), closed_ago=5)
    bot = await bots.start_ready()
    await bots.wait_for(lambda: sum(reminders(server).values()) >= len(ids), "every participant is reminded")
    await round_over(bots, server, session_factory, workshop)
    await dispatcher_ran(bots, server, session_factory, witness=900, due_in=LEASE + 1)
    assert reminders(server) == once_each([*ids, 900])
    rounds = rounds_of(session_factory, workshop)
    assert [(r.round, r.status) for r in rounds] == [(1, SendStatus.DONE), (2, SendStatus.DONE)]
    rows = deliveries(session_factory, workshop)
    assert {d.send_id for d in rows} == {rounds[1].id}  # round 1 was superseded, not sent
    assert all(d.status is DeliveryStatus.SENT and claimed_by(bot, d) for d in rows)


# --- several processes ------------------------------------------------------------------


async def test_two_processes_on_postgresql_send_each_reminder_once(
    server: FakeBotApi, bots: BotProcesses, session_factory: SessionFactory, engine: Engine,
) -> None:
    """Two replicas (webhook mode: only one process may long-poll) share one round.

    150 participants: a process leases reminders 32 at a time and sends about 29 a
    second, so neither can take the whole round alone — both do part of it.
    """
    if not on_postgresql(engine):
        pytest.skip("SQLite serves one bot process (the next test); replicas need PostgreSQL")
    ids = participants(server, 150)
    ports = [free_port(), free_port()]
    while ports[1] == ports[0]:
        ports[1] = free_port()
    # A lease far longer than a batch takes even on a starved CI machine: with 3 s, a process
    # paused past its lease lost its batch to the other mid-send, and both sent (lease
    # take-over is for a process that died; the kill -9 tests cover it with the short lease).
    replica = {"DELIVERY_LEASE": "60s"}
    one, two = [await bots.start(*webhook_args(port), env=replica) for port in ports]
    await asyncio.gather(one.wait_ready(), two.wait_ready())
    assert server.webhook_url.startswith("http://127.0.0.1:")
    workshop = closed_workshop_with_reminders(session_factory, ids, delays=(2,))
    await bots.wait_for(lambda: sum(reminders(server).values()) >= len(ids), "every participant is reminded")
    await round_over(bots, server, session_factory, workshop)
    await dispatcher_ran(bots, server, session_factory, witness=900, due_in=LEASE + 1)
    assert reminders(server) == once_each([*ids, 900])
    rows = deliveries(session_factory, workshop)
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
