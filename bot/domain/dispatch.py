"""Deciding what is due, claiming it, and recording how each send went.

Any number of bot processes may call these functions against the same PostgreSQL
database: due sends and reminder deliveries are claimed with ``SELECT … FOR UPDATE SKIP
LOCKED``, so each is taken by exactly one process. A reminder claimed by a process that
dies is leased, not owned: once ``lease_until`` passes, another process (or the restarted
one) takes it again. The only send that can repeat is one that Telegram accepted in the
instant before the process died and before its ``sent`` mark was committed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from bot.domain.answering import reminder_figures
from bot.domain.delivery import delivery_counts
from bot.domain.errors import RemindTooSoon
from bot.domain.organisers import results_recipients
from bot.domain.schedule import SchedulePolicy, plan_reminders, workshop_zone
from bot.domain.sessions import session_title_for
from bot.domain.users import mark_blocked
from bot.questionnaires.model import QuestionnaireKind
from bot.results.dispatch import ReminderJob, SendSummary, StartedSend
from bot.results.organisers import Recipient
from bot.results.statuses import DeliveryStatus, ResponseStatus, SendPurpose, SendStatus
from bot.storage import models
from bot.storage.models import Delivery, ScheduledSend

LEASE = timedelta(minutes=2)
"""How long a claimed reminder stays one process's; then it is up for grabs again."""

MAX_ATTEMPTS = 4
"""Tries per reminder before it is reported as failed (403 is never retried)."""

MANUAL_REMINDER_GAP = timedelta(minutes=10)
"""Between two /remind of one workshop: a second one within it is refused, not sent."""


def backoff(attempt: int, base_seconds: float) -> timedelta:
    """Wait after the ``attempt``-th failure: base, 2×base, 4×base…"""
    return timedelta(seconds=base_seconds * 2 ** max(attempt - 1, 0))


def next_attempt(attempts: int, now: datetime, *, retry: bool, backoff_seconds: float) -> datetime | None:
    """When to try again after the ``attempts``-th failure; None: give up (report it failed)."""
    if retry and attempts < MAX_ATTEMPTS:
        return now + backoff(attempts, backoff_seconds)
    return None


def questionnaire_id_of(workshop: models.Workshop, kind: str) -> int:
    if kind == QuestionnaireKind.FOLLOWUP.value:
        return workshop.followup_questionnaire_id
    return workshop.evaluation_questionnaire_id


def min_gap_between_reminders(policy: SchedulePolicy) -> timedelta:
    """A planned round skips whoever was reminded this recently (12 h, less for short delays)."""
    shortest = min(policy.reminder_delays, default=86_400)
    return min(timedelta(hours=12), timedelta(seconds=shortest / 2))


# --- due sends ----------------------------------------------------------------------------


def claim_due_sends(
    db: Session, now: datetime, worker: str, policy: SchedulePolicy, limit: int = 20
) -> list[StartedSend]:
    """Start every planned send whose time has come (committed by the caller).

    A send that falls in quiet hours (the bot was down overnight) moves to the morning
    instead. When several reminder rounds of one questionnaire are overdue, only the
    latest goes out: a restart after a long outage sends one reminder, not a salvo.
    """
    due = db.scalars(
        select(ScheduledSend)
        .where(ScheduledSend.status == SendStatus.PLANNED, ScheduledSend.due_at <= now)
        .order_by(ScheduledSend.due_at, ScheduledSend.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    started: list[StartedSend] = []
    latest_round: dict[tuple[int, str, int], ScheduledSend] = {}
    for send in due:
        if send.purpose is SendPurpose.REMINDER and not send.manual:
            key = (send.workshop_id, send.questionnaire_kind, send.session_number)
            if key in latest_round:
                _supersede(latest_round[key], now)
            latest_round[key] = send
    for send in due:
        if send.status is not SendStatus.PLANNED:
            continue
        workshop = db.get(models.Workshop, send.workshop_id)
        assert workshop is not None
        if send.quiet_hours:
            zone = workshop_zone(workshop, policy)
            if policy.quiet_hours.contains(now, zone):
                send.due_at = policy.quiet_hours.next_allowed(now, zone)
                continue
        started.append(start_send(db, send, workshop, now, worker, policy))
    db.flush()
    return started


def _supersede(send: ScheduledSend, now: datetime) -> None:
    send.status, send.started_at, send.finished_at = SendStatus.DONE, now, now


def start_send(
    db: Session, send: ScheduledSend, workshop: models.Workshop, now: datetime, worker: str,
    policy: SchedulePolicy,
) -> StartedSend:
    """Turn a send into its units of work: one delivery per reminder, or queued follow-ups."""
    send.status, send.claimed_by, send.started_at = SendStatus.RUNNING, worker, now
    if send.purpose is SendPurpose.FOLLOWUP:
        targets = _queue_followups(db, workshop, now)
        plan_reminders(db, workshop, QuestionnaireKind.FOLLOWUP, now, policy)
    else:
        targets = _queue_reminders(db, send, workshop, now, policy)
    db.flush()
    return StartedSend(send.id, send.purpose, targets)


def _reminder_targets(
    db: Session, workshop: models.Workshop, kind: str, reminded_since: datetime, session_number: int = 0
) -> list[tuple[int, int]]:
    """(participant id, response id) of everyone who still owes answers and wants reminders,
    except those reminded since ``reminded_since`` (a /remind shortly before a planned round).
    An evaluation round reminds its session's evaluation only."""
    if kind == QuestionnaireKind.EVALUATION.value and session_number:
        scope = (models.Response.kind == kind, models.Response.session_number == session_number)
    else:
        scope = (models.Response.questionnaire_id == questionnaire_id_of(workshop, kind),)
    recently_reminded = select(Delivery.response_id).where(
        Delivery.status == DeliveryStatus.SENT, Delivery.sent_at >= reminded_since
    )
    rows = db.execute(
        select(models.Participant.id, models.Response.id)
        .join(models.Response, models.Response.participant_id == models.Participant.id)
        .join(models.User, models.User.id == models.Participant.user_id)
        .where(
            models.Participant.workshop_id == workshop.id,
            *scope,
            models.Response.status == ResponseStatus.IN_PROGRESS,
            models.User.blocked_bot.is_(False),
            models.User.reminders_enabled.is_(True),
            models.Response.id.not_in(recently_reminded),
        )
        .order_by(models.Participant.id)
    ).all()
    return [(participant_id, response_id) for participant_id, response_id in rows]


def _queue_reminders(
    db: Session, send: ScheduledSend, workshop: models.Workshop, now: datetime, policy: SchedulePolicy
) -> int:
    gap = timedelta(0) if send.manual else min_gap_between_reminders(policy)
    targets = _reminder_targets(db, workshop, send.questionnaire_kind, now - gap, send.session_number)
    if targets:
        db.execute(
            Delivery.__table__.insert(),
            [
                {"send_id": send.id, "participant_id": p, "response_id": r, "status": DeliveryStatus.QUEUED,
                 "attempts": 0, "not_before": now}
                for p, r in targets
            ],
        )
    return len(targets)


def _queue_followups(db: Session, workshop: models.Workshop, now: datetime) -> int:
    """A ``PENDING`` follow-up for every participant who can still be reached."""
    already = select(models.Response.participant_id).where(
        models.Response.questionnaire_id == workshop.followup_questionnaire_id
    )
    participant_ids = db.scalars(
        select(models.Participant.id)
        .join(models.User, models.User.id == models.Participant.user_id)
        .where(
            models.Participant.workshop_id == workshop.id,
            models.User.blocked_bot.is_(False),
            models.User.language.is_not(None),
            models.Participant.id.not_in(already),
        )
    ).all()
    if participant_ids:
        db.execute(
            models.Response.__table__.insert(),
            [
                {"participant_id": pid, "questionnaire_id": workshop.followup_questionnaire_id,
                 "kind": QuestionnaireKind.FOLLOWUP.value, "status": ResponseStatus.PENDING,
                 "current_index": 0, "send_attempts": 0, "created_at": now, "touched_at": now}
                for pid in participant_ids
            ],
        )
    return len(participant_ids)


def remind_now(
    db: Session, workshop: models.Workshop, kind: str, notify_chat_id: int, language: str | None,
    now: datetime, worker: str, policy: SchedulePolicy, session_number: int = 0,
) -> StartedSend:
    """``/remind``: a reminder round that starts at once (no quiet hours: someone asked).

    Raises ``RemindTooSoon`` within ``MANUAL_REMINDER_GAP`` of the workshop's last manual
    round. The workshop row is locked first, so two /remind at once on two replicas take
    turns and the second one sees the first one's round.
    """
    db.refresh(workshop, with_for_update={"key_share": True})  # FOR NO KEY UPDATE: joins still go on
    last = db.scalar(select(func.max(ScheduledSend.due_at)).where(
        ScheduledSend.workshop_id == workshop.id, ScheduledSend.manual.is_(True),
    ))
    if last is not None and now < last + MANUAL_REMINDER_GAP:
        raise RemindTooSoon(last + MANUAL_REMINDER_GAP)
    send = ScheduledSend(
        workshop_id=workshop.id, purpose=SendPurpose.REMINDER, questionnaire_kind=kind, manual=True,
        session_number=session_number, quiet_hours=False, due_at=now, notify_chat_id=notify_chat_id, notify_language=language,
    )
    db.add(send)
    db.flush()
    return start_send(db, send, workshop, now, worker, policy)


def next_wakeup(db: Session, now: datetime) -> datetime | None:
    """The next moment after ``now`` something falls due: a planned send or a retry.

    Whatever is due already is handled by the run that asks (or by another process that
    holds it locked), so only future moments count.
    """
    candidates = [
        db.scalar(select(func.min(ScheduledSend.due_at))
                  .where(ScheduledSend.status == SendStatus.PLANNED, ScheduledSend.due_at > now)),
        db.scalar(select(func.min(Delivery.not_before))
                  .where(Delivery.status == DeliveryStatus.QUEUED, Delivery.not_before > now)),
        db.scalar(select(func.min(Delivery.lease_until))
                  .where(Delivery.status == DeliveryStatus.CLAIMED, Delivery.lease_until > now)),
        db.scalar(select(func.min(models.Response.next_attempt_at)).where(
            models.Response.status == ResponseStatus.PENDING, models.Response.next_attempt_at > now)),
    ]
    found = [c if c.tzinfo else c.replace(tzinfo=UTC) for c in candidates if c is not None]
    return min(found) if found else None


# --- reminder deliveries ------------------------------------------------------------------


def claim_deliveries(
    db: Session, now: datetime, worker: str, limit: int, lease: timedelta = LEASE
) -> list[int]:
    """Lease up to ``limit`` reminders that are due (or whose lease expired) to ``worker``."""
    ids = list(db.scalars(
        select(Delivery.id)
        .where(or_(
            and_(Delivery.status == DeliveryStatus.QUEUED, Delivery.not_before <= now),
            and_(Delivery.status == DeliveryStatus.CLAIMED, Delivery.lease_until < now),
        ))
        .order_by(Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all())
    if ids:
        db.execute(
            update(Delivery).where(Delivery.id.in_(ids))
            .values(status=DeliveryStatus.CLAIMED, claimed_by=worker, lease_until=now + lease)
        )
    return ids


def prepare_reminder(
    db: Session, delivery_id: int, worker: str, now: datetime, lease: timedelta = LEASE
) -> ReminderJob | None:
    """The reminder to send now, or None (marked skipped) if it is no longer wanted.

    Checked just before sending, not at claim time: the participant may have finished,
    turned reminders off, blocked the bot or left (/forget deletes the row) meanwhile.
    """
    row = db.execute(
        select(Delivery, models.Response, models.User, models.Workshop)
        .join(models.Response, models.Response.id == Delivery.response_id)
        .join(models.Participant, models.Participant.id == Delivery.participant_id)
        .join(models.User, models.User.id == models.Participant.user_id)
        .join(models.Workshop, models.Workshop.id == models.Participant.workshop_id)
        .where(Delivery.id == delivery_id)
    ).first()
    if row is None:
        return None  # the participant left: nothing to send
    delivery, response, user, workshop = row
    if delivery.status is not DeliveryStatus.CLAIMED or delivery.claimed_by != worker:
        return None  # another process took it over after our lease ran out
    if response.status is not ResponseStatus.IN_PROGRESS or user.blocked_bot or not user.reminders_enabled:
        delivery.status = DeliveryStatus.SKIPPED
        return None
    delivery.lease_until = now + lease
    answered, total = reminder_figures(db, response)  # the questions shown to them, no notes
    return ReminderJob(
        delivery_id=delivery.id, chat_id=user.id, language=user.language, response_id=response.id,
        workshop_title=workshop.title, questionnaire_kind=response.kind,
        answered=answered, total=total,
        session_title=session_title_for(db, workshop, response.session_number) if response.session_number else None,
    )


def record_sent(db: Session, delivery_id: int, now: datetime) -> None:
    db.execute(update(Delivery).where(Delivery.id == delivery_id)
               .values(status=DeliveryStatus.SENT, sent_at=now, lease_until=None))


def record_blocked(db: Session, delivery_id: int, chat_id: int) -> None:
    """403: the participant blocked the bot. Counted, never retried."""
    db.execute(update(Delivery).where(Delivery.id == delivery_id)
               .values(status=DeliveryStatus.BLOCKED, lease_until=None, error="blocked"))
    mark_blocked(db, chat_id, True)


def record_failure(
    db: Session, delivery_id: int, error: str, now: datetime, *, retry: bool, backoff_seconds: float
) -> bool:
    """Another error: try again later, a bounded number of times. True if it will be retried."""
    delivery = db.get(Delivery, delivery_id)
    if delivery is None:
        return False
    delivery.attempts += 1
    delivery.error = error[:500]
    delivery.lease_until = None
    again = next_attempt(delivery.attempts, now, retry=retry, backoff_seconds=backoff_seconds)
    if again is None:
        delivery.status = DeliveryStatus.FAILED
        return False
    delivery.status, delivery.not_before = DeliveryStatus.QUEUED, again
    return True


def record_questionnaire_failure(
    db: Session, response_id: int, error: str, now: datetime, *, retry: bool, backoff_seconds: float
) -> bool:
    """A questionnaire that could not be sent (not a block): retry later, then give up."""
    response = db.get(models.Response, response_id)
    if response is None or response.status is not ResponseStatus.PENDING:
        return False
    response.send_attempts += 1
    again = next_attempt(response.send_attempts, now, retry=retry, backoff_seconds=backoff_seconds)
    if again is None:
        response.status = ResponseStatus.FAILED
        return False
    response.next_attempt_at = again
    return True


# --- finished sends -----------------------------------------------------------------------


def finish_sends(db: Session, now: datetime) -> list[SendSummary]:
    """Close every running send with nothing left to deliver; each is summarised once."""
    summaries = []
    for send in db.scalars(select(ScheduledSend).where(ScheduledSend.status == SendStatus.RUNNING)).all():
        workshop = db.get(models.Workshop, send.workshop_id)
        assert workshop is not None
        figures = _figures(db, send, workshop)
        if figures is None:
            continue
        claimed = db.execute(
            update(ScheduledSend)
            .where(ScheduledSend.id == send.id, ScheduledSend.status == SendStatus.RUNNING)
            .values(status=SendStatus.DONE, finished_at=now)
        ).rowcount
        if claimed != 1:
            continue  # another process finished it first
        sent, blocked, failed = figures
        if not (sent or blocked or failed or send.manual):
            continue  # nobody to remind: no news for the organisers
        creator = db.get(models.User, workshop.created_by)
        summaries.append(SendSummary(
            purpose=send.purpose, questionnaire_kind=send.questionnaire_kind, manual=send.manual,
            workshop_title=workshop.title, sent=sent, blocked=blocked, failed=failed,
            notify_chat_id=send.notify_chat_id or workshop.group_chat_id or workshop.created_by,
            notify_language=send.notify_language or (creator.language if creator else None),
            recipients=tuple(results_recipients(db, workshop, Recipient(send.notify_chat_id, send.notify_language)
                                                if send.notify_chat_id else None)),
        ))
    return summaries


def _figures(db: Session, send: ScheduledSend, workshop: models.Workshop) -> tuple[int, int, int] | None:
    """(sent, blocked, failed) once settled; None while something is still on its way."""
    if send.purpose is SendPurpose.FOLLOWUP:
        counts = delivery_counts(db, workshop, workshop.followup_questionnaire_id)
        if counts.queued:
            return None
        return counts.sent, counts.unreachable, counts.failed
    rows = dict(db.execute(
        select(Delivery.status, func.count()).where(Delivery.send_id == send.id).group_by(Delivery.status)
    ).all())
    if rows.get(DeliveryStatus.QUEUED, 0) or rows.get(DeliveryStatus.CLAIMED, 0):
        return None
    return rows.get(DeliveryStatus.SENT, 0), rows.get(DeliveryStatus.BLOCKED, 0), rows.get(DeliveryStatus.FAILED, 0)
