"""The schedule on a real database: quiet hours, planning, claiming, retries, summaries."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.domain import answering, dispatch
from bot.domain.errors import BadWhen, FollowupAlreadySent, NotClosed, WhenInThePast
from bot.domain.participation import join_workshop
from bot.domain.quiet_hours import QuietHours, parse_quiet_hours
from bot.domain.schedule import (
    SchedulePolicy,
    cancel_followup,
    due_after,
    followup_send,
    parse_when,
    plan_after_close,
    reschedule_followup,
    set_workshop_timezone,
    upcoming_reminders,
)
from bot.domain.users import forget_user, mark_blocked, set_reminders
from bot.domain.workshops import close_workshop, create_workshop
from bot.results.statuses import DeliveryStatus, ResponseStatus, SendPurpose, SendStatus
from bot.storage import models
from bot.storage.models import Delivery, ScheduledSend
from bot.storage.single_process import hold_single_process_lock
from tests.test_domain import user

CASABLANCA = ZoneInfo("Africa/Casablanca")
TUNIS = ZoneInfo("Africa/Tunis")
DAY = 86_400
POLICY = SchedulePolicy(reminder_delays=(DAY, 3 * DAY), followup_delay=28 * DAY, timezone="Africa/Casablanca")


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone).astimezone(UTC)


# --- quiet hours ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [(20, 59, False), (21, 0, True), (23, 30, True), (2, 0, True), (8, 59, True), (9, 0, False), (14, 0, False)],
)
def test_quiet_hours_cover_the_night_in_local_time(hour: int, minute: int, quiet: bool) -> None:
    assert QuietHours().contains(local(CASABLANCA, 2026, 11, 24, hour, minute), CASABLANCA) is quiet


def test_a_night_time_moves_to_nine_in_the_morning_of_the_right_day() -> None:
    quiet = QuietHours()
    evening = local(CASABLANCA, 2026, 11, 24, 23, 10)
    assert quiet.next_allowed(evening, CASABLANCA) == local(CASABLANCA, 2026, 11, 25, 9, 0)
    early = local(TUNIS, 2026, 11, 25, 6, 45)
    assert quiet.next_allowed(early, TUNIS) == local(TUNIS, 2026, 11, 25, 9, 0)
    noon = local(TUNIS, 2026, 11, 25, 12, 0)
    assert quiet.next_allowed(noon, TUNIS) == noon


def test_quiet_hours_setting_parses_a_window_or_off() -> None:
    assert parse_quiet_hours("22:00-08:00") == QuietHours(datetime(1, 1, 1, 22).time(), datetime(1, 1, 1, 8).time())
    assert not parse_quiet_hours("off").contains(local(CASABLANCA, 2026, 11, 24, 3, 0), CASABLANCA)
    for bad in ("22h-8h", "late", "25:00-08:00"):
        with pytest.raises(ValueError):
            parse_quiet_hours(bad)


def test_long_delays_respect_quiet_hours_short_ones_are_exact() -> None:
    closed = local(CASABLANCA, 2026, 11, 24, 22, 30)  # the session ended late
    due, quiet = due_after(closed, timedelta(days=1), CASABLANCA, QuietHours())
    assert (due, quiet) == (local(CASABLANCA, 2026, 11, 26, 9, 0), True)
    due, quiet = due_after(closed, timedelta(seconds=30), CASABLANCA, QuietHours())
    assert (due, quiet) == (closed + timedelta(seconds=30), False)


# --- planning ----------------------------------------------------------------------------


@pytest.fixture
def workshop(db: Session) -> models.Workshop:
    return create_workshop(db, user(db, 1), "Atelier Open Data — Rabat")


def closed_at(db: Session, workshop: models.Workshop, when: datetime) -> None:
    close_workshop(db, workshop)
    workshop.closed_at = when
    plan_after_close(db, workshop, POLICY, when)
    db.flush()


def test_first_close_plans_two_reminders_and_the_followup_once(db: Session, workshop: models.Workshop) -> None:
    afternoon = local(CASABLANCA, 2026, 11, 24, 16, 0)
    closed_at(db, workshop, afternoon)
    plan_after_close(db, workshop, POLICY, afternoon + timedelta(hours=1))  # a second /close
    reminders = upcoming_reminders(db, workshop)
    assert [(r.round, r.due_at) for r in reminders] == [
        (1, afternoon + timedelta(days=1)), (2, afternoon + timedelta(days=3))]
    followup = followup_send(db, workshop)
    assert followup is not None and followup.due_at == afternoon + timedelta(days=28)
    assert db.scalar(select(func.count()).select_from(ScheduledSend)) == 3


def test_followup_can_be_shown_moved_and_cancelled(db: Session, workshop: models.Workshop) -> None:
    now = local(CASABLANCA, 2026, 11, 24, 16, 0)
    with pytest.raises(NotClosed):
        parse_when("14d", workshop, POLICY, now)
    closed_at(db, workshop, now)
    when, quiet = parse_when("14d", workshop, POLICY, now)
    assert (when, quiet) == (now + timedelta(days=14), True)
    assert parse_when("2026-12-01", workshop, POLICY, now) == (local(CASABLANCA, 2026, 12, 1, 9, 0), True)
    assert parse_when("2026-12-01 14:30", workshop, POLICY, now) == (local(CASABLANCA, 2026, 12, 1, 14, 30), False)
    for typed in ("14j", "14 jours", "2sem", "2 semaines", "14 يوم", "14 يومًا", "أسبوعان", "٢ أسابيع"):
        assert parse_when(typed, workshop, POLICY, now) == (when, quiet), typed  # French and Arabic too
    for bad in ("soon", "", "2026-13-45", "quatorze jours", "14 bananes", "2 أسبوعان", "-3d", "x" * 100):
        with pytest.raises(BadWhen):
            parse_when(bad, workshop, POLICY, now)
    with pytest.raises(WhenInThePast):
        parse_when("2026-11-01", workshop, POLICY, now)
    with pytest.raises(WhenInThePast):
        parse_when("1h", workshop, POLICY, now + timedelta(hours=2))

    reschedule_followup(db, workshop, when, quiet)
    assert followup_send(db, workshop).due_at == when  # type: ignore[union-attr]
    cancel_followup(db, workshop)
    assert followup_send(db, workshop).status is SendStatus.CANCELLED  # type: ignore[union-attr]
    reschedule_followup(db, workshop, when, quiet)  # planned again after "off"
    send = followup_send(db, workshop)
    assert send is not None and send.status is SendStatus.PLANNED
    send.status = SendStatus.DONE
    with pytest.raises(FollowupAlreadySent):
        cancel_followup(db, workshop)


def test_a_workshop_time_zone_moves_planned_sends_out_of_its_night(db: Session, workshop: models.Workshop) -> None:
    closed_at(db, workshop, local(CASABLANCA, 2026, 11, 24, 8, 30))
    first = upcoming_reminders(db, workshop)[0]
    first.due_at = local(TUNIS, 2026, 11, 25, 8, 30)  # 07:30 in Casablanca, 08:30 in Tunis
    set_workshop_timezone(db, workshop, "Africa/Tunis", POLICY)
    assert first.due_at == local(TUNIS, 2026, 11, 25, 9, 0)
    with pytest.raises(Exception):
        set_workshop_timezone(db, workshop, "Mars/Olympus", POLICY)


# --- claiming what is due ------------------------------------------------------------------


def joined(db: Session, workshop: models.Workshop, user_id: int, language: str = "fr") -> models.User:
    person = user(db, user_id, language)
    join_workshop(db, person, workshop.join_code)
    return person


def evaluation_of(db: Session, workshop: models.Workshop, person: models.User) -> models.Response:
    response = db.scalar(
        select(models.Response).join(models.Participant).where(
            models.Participant.user_id == person.id,
            models.Response.questionnaire_id == workshop.evaluation_questionnaire_id,
        )
    )
    assert response is not None
    return response


@pytest.fixture
def class_of_five(db: Session, workshop: models.Workshop) -> dict[str, models.User]:
    """Five participants after /close: finished, halfway, not started, opted out, blocked."""
    people = {name: joined(db, workshop, uid) for uid, name in
              enumerate(["done", "halfway", "silent", "opted_out", "blocked"], start=100)}
    closed_at(db, workshop, local(CASABLANCA, 2026, 11, 24, 16, 0))
    for person in people.values():
        answering.mark_started(evaluation_of(db, workshop, person), question_message_id=1)
    evaluation_of(db, workshop, people["done"]).status = ResponseStatus.COMPLETED
    evaluation_of(db, workshop, people["halfway"]).current_index = 6
    set_reminders(db, people["opted_out"], False)
    mark_blocked(db, people["blocked"].id, True)
    db.commit()
    return people


def test_a_due_reminder_targets_only_those_who_have_not_finished(
    db: Session, workshop: models.Workshop, class_of_five: dict[str, models.User]
) -> None:
    next_day = local(CASABLANCA, 2026, 11, 25, 16, 0, )
    started = dispatch.claim_due_sends(db, next_day, "w1", POLICY)
    assert [(s.purpose, s.targets) for s in started] == [(SendPurpose.REMINDER, 2)]
    ids = dispatch.claim_deliveries(db, next_day, "w1", 10)
    jobs = [dispatch.prepare_reminder(db, i, "w1", next_day) for i in ids]
    assert sorted((j.chat_id, j.answered, j.total) for j in jobs if j) == [(101, 6, 18), (102, 0, 18)]
    assert dispatch.claim_due_sends(db, next_day, "w2", POLICY) == []  # started once


def test_overdue_rounds_after_a_long_outage_send_one_reminder(
    db: Session, workshop: models.Workshop, class_of_five: dict[str, models.User]
) -> None:
    a_week_later = local(CASABLANCA, 2026, 12, 1, 10, 0)
    started = dispatch.claim_due_sends(db, a_week_later, "w1", POLICY)
    assert len(started) == 1  # rounds 1 and 2 were both due: only the latest goes out
    assert db.scalar(select(func.count()).select_from(Delivery)) == 2
    assert {s.status for s in upcoming_reminders(db, workshop)} == set()


def test_a_reminder_due_at_night_waits_for_the_morning(
    db: Session, workshop: models.Workshop, class_of_five: dict[str, models.User]
) -> None:
    send = upcoming_reminders(db, workshop)[0]
    night = local(CASABLANCA, 2026, 11, 26, 2, 0)  # the bot was down; it restarts at 02:00
    send.due_at = night - timedelta(hours=5)
    assert dispatch.claim_due_sends(db, night, "w1", POLICY) == []
    assert send.due_at == local(CASABLANCA, 2026, 11, 26, 9, 0)
    assert dispatch.next_wakeup(db, night) == send.due_at
    assert len(dispatch.claim_due_sends(db, send.due_at, "w1", POLICY)) == 1


def test_who_left_finished_or_opted_out_before_sending_is_skipped(
    db: Session, workshop: models.Workshop, class_of_five: dict[str, models.User]
) -> None:
    now = local(CASABLANCA, 2026, 11, 25, 16, 0)
    dispatch.claim_due_sends(db, now, "w1", POLICY)
    ids = dispatch.claim_deliveries(db, now, "w1", 10)
    db.commit()
    forget_user(db, class_of_five["silent"].id)  # /forget between claim and send
    evaluation_of(db, workshop, class_of_five["halfway"]).status = ResponseStatus.COMPLETED
    db.commit()
    assert [dispatch.prepare_reminder(db, i, "w1", now) for i in ids] == [None, None]
    db.commit()
    assert db.scalars(select(Delivery.status)).all() == [DeliveryStatus.SKIPPED]


def test_a_lease_left_by_a_dead_process_is_taken_over(
    db: Session, workshop: models.Workshop, class_of_five: dict[str, models.User]
) -> None:
    now = local(CASABLANCA, 2026, 11, 25, 16, 0)
    dispatch.claim_due_sends(db, now, "dead", POLICY)
    assert len(dispatch.claim_deliveries(db, now, "dead", 10)) == 2
    assert dispatch.claim_deliveries(db, now + timedelta(seconds=30), "alive", 10) == []
    later = now + dispatch.LEASE + timedelta(seconds=1)
    taken = dispatch.claim_deliveries(db, later, "alive", 10)
    assert len(taken) == 2
    assert dispatch.prepare_reminder(db, taken[0], "dead", later) is None  # no longer the dead one's


def test_failures_back_off_then_give_up_and_the_summary_counts_them_once(
    db: Session, workshop: models.Workshop, class_of_five: dict[str, models.User]
) -> None:
    now = local(CASABLANCA, 2026, 11, 25, 16, 0)
    dispatch.claim_due_sends(db, now, "w1", POLICY)
    first, second = dispatch.claim_deliveries(db, now, "w1", 10)
    dispatch.record_sent(db, first, now)
    waits = []
    for attempt in range(1, dispatch.MAX_ATTEMPTS + 1):
        retried = dispatch.record_failure(db, second, "NetworkError", now, retry=True, backoff_seconds=10)
        delivery = db.get(Delivery, second)
        assert delivery is not None
        if retried:
            waits.append((delivery.not_before - now).total_seconds())
            assert dispatch.finish_sends(db, now) == []  # still on its way
    assert waits == [10, 20, 40]
    assert db.get(Delivery, second).status is DeliveryStatus.FAILED  # type: ignore[union-attr]
    summaries = dispatch.finish_sends(db, now)
    assert [(s.sent, s.blocked, s.failed, s.notify_chat_id) for s in summaries] == [(1, 0, 1, 1)]
    assert dispatch.finish_sends(db, now) == []


def test_the_followup_goes_to_everyone_reachable_and_plans_its_own_reminders(
    db: Session, workshop: models.Workshop, class_of_five: dict[str, models.User]
) -> None:
    due = followup_send(db, workshop).due_at  # type: ignore[union-attr]
    started = [s for s in dispatch.claim_due_sends(db, due, "w1", POLICY) if s.purpose is SendPurpose.FOLLOWUP]
    assert started[0].targets == 4  # everyone but the participant who blocked the bot
    followups = db.scalars(select(models.Response).where(
        models.Response.questionnaire_id == workshop.followup_questionnaire_id)).all()
    assert {r.status for r in followups} == {ResponseStatus.PENDING}
    rounds = [s for s in upcoming_reminders(db, workshop) if s.questionnaire_kind == "followup"]
    assert [s.due_at - due for s in rounds] == [timedelta(days=1), timedelta(days=3)]


# --- two processes -----------------------------------------------------------------------


def test_two_processes_claim_disjoint_reminders(
    engine: Engine, session_factory: sessionmaker[Session], workshop: models.Workshop, db: Session,
) -> None:
    """Two workers claim at the same moment: each reminder is taken by exactly one."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serves one process (see single_process.py); SKIP LOCKED is PostgreSQL's")
    for uid in range(100, 160):
        joined(db, workshop, uid)
    closed_at(db, workshop, local(CASABLANCA, 2026, 11, 24, 16, 0))
    for response in db.scalars(select(models.Response).where(
            models.Response.questionnaire_id == workshop.evaluation_questionnaire_id)):
        answering.mark_started(response, 1)
    db.commit()
    now = local(CASABLANCA, 2026, 11, 25, 16, 0)
    with session_factory() as first:
        dispatch.claim_due_sends(first, now, "w1", POLICY)
        first.commit()
    barrier = threading.Barrier(2)
    claimed: dict[str, list[int]] = {}

    def worker(name: str) -> None:
        with session_factory() as session:
            barrier.wait()
            while batch := dispatch.claim_deliveries(session, now, name, 7):
                claimed.setdefault(name, []).extend(batch)
                session.commit()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = claimed.get("w1", []) + claimed.get("w2", [])
    assert len(everything) == len(set(everything)) == 60


def test_a_planned_round_skips_whoever_was_just_reminded_by_hand(
    db: Session, workshop: models.Workshop, class_of_five: dict[str, models.User]
) -> None:
    morning = local(CASABLANCA, 2026, 11, 25, 10, 0)
    manual = dispatch.remind_now(db, workshop, "evaluation", 1, "fr", morning, "w1", POLICY)
    assert manual.targets == 2
    for delivery_id in dispatch.claim_deliveries(db, morning, "w1", 10):
        dispatch.record_sent(db, delivery_id, morning)
    assert dispatch.finish_sends(db, morning)[0].sent == 2
    afternoon = local(CASABLANCA, 2026, 11, 25, 16, 0)  # round 1 is due six hours later
    assert [s.targets for s in dispatch.claim_due_sends(db, afternoon, "w1", POLICY)] == [0]
    assert dispatch.finish_sends(db, afternoon) == []  # nobody reminded: no news for the organisers


def test_a_second_bot_process_on_the_same_sqlite_file_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    held = hold_single_process_lock(url)
    assert held is not None
    code = ("import sys; from bot.storage.single_process import hold_single_process_lock as h\n"
            f"try:\n    h({url!r})\nexcept Exception as e:\n    print(e); sys.exit(3)")
    refused = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 3
    assert "already running" in refused.stdout and "PostgreSQL" in refused.stdout
    held.close()  # the first process ends: the next one may start
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
    assert hold_single_process_lock("postgresql+psycopg://u@h/db") is None
