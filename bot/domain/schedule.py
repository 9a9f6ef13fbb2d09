"""What a workshop has planned after /close: reminder rounds and the follow-up survey.

Every planned send is a ``ScheduledSend`` row; nothing lives only in memory. Long delays
respect quiet hours in the workshop's time zone (a 1-day reminder falling at 23:00 waits
for 09:00); short ones (``30s``) are exact, for tests and demos.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from bot.domain.durations import parse_duration_text
from bot.domain.errors import BadWhen, FollowupAlreadySent, NotClosed, WhenInThePast
from bot.domain.quiet_hours import EXACT_BELOW, QuietHours
from bot.domain.sessions import latest_closed
from bot.questionnaires.model import QuestionnaireKind
from bot.results.statuses import SendPurpose, SendStatus
from bot.storage import models
from bot.storage.models import ScheduledSend

# A follow-up further away than this is a typo (9999-12-31, 99999999999w), never a plan; it
# also keeps every moment far from datetime's year 9999 in any time zone.
MAX_AHEAD = timedelta(days=10 * 366)
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}):(\d{2}))?")


@dataclass(frozen=True)
class SchedulePolicy:
    """The operator's settings that shape every workshop's schedule."""

    reminder_delays: tuple[int, ...]  # seconds after the questionnaire went out
    followup_delay: int  # seconds after /close
    timezone: str  # default zone; a workshop may set its own
    quiet_hours: QuietHours = QuietHours()


def timezone_name(workshop: models.Workshop, policy: SchedulePolicy) -> str:
    """The workshop's own time zone, else the TIMEZONE setting."""
    return workshop.timezone or policy.timezone


def workshop_zone(workshop: models.Workshop, policy: SchedulePolicy) -> ZoneInfo:
    return ZoneInfo(timezone_name(workshop, policy))


def due_after(base: datetime, delay: timedelta, zone: ZoneInfo, quiet: QuietHours) -> tuple[datetime, bool]:
    """When a send ``delay`` after ``base`` goes out, and whether quiet hours apply to it."""
    due = base + delay
    if delay < EXACT_BELOW:
        return due, False
    return quiet.next_allowed(due, zone), True


def plan_reminders(
    db: Session, workshop: models.Workshop, kind: QuestionnaireKind, base: datetime, policy: SchedulePolicy,
    session_number: int = 0,
) -> list[ScheduledSend]:
    """One reminder round per configured delay after ``base`` (when the questionnaire went out);
    an evaluation's rounds remind only that session's evaluation (``session_number``)."""
    zone = workshop_zone(workshop, policy)
    planned = []
    for number, seconds in enumerate(policy.reminder_delays, start=1):
        due, quiet = due_after(base, timedelta(seconds=seconds), zone, policy.quiet_hours)
        send = ScheduledSend(
            workshop_id=workshop.id, purpose=SendPurpose.REMINDER, questionnaire_kind=kind.value,
            session_number=session_number, round=number, due_at=due, quiet_hours=quiet,
        )
        db.add(send)
        planned.append(send)
    db.flush()
    return planned


def plan_after_close(
    db: Session, workshop: models.Workshop, policy: SchedulePolicy, now: datetime, session_number: int = 1
) -> None:
    """At a session's first /close: its evaluation's reminder rounds, and the follow-up
    survey planned (or, while it has not gone out, moved) FOLLOWUP_DELAY after this close:
    the follow-up asks about the whole workshop, so it waits for its last session. One
    cancelled with ``/followup CODE off`` stays cancelled."""
    if db.scalar(select(ScheduledSend.id).where(
        ScheduledSend.workshop_id == workshop.id, ScheduledSend.manual.is_(False),
        ScheduledSend.questionnaire_kind == QuestionnaireKind.EVALUATION.value,
        ScheduledSend.session_number == session_number,
    ).limit(1)):
        return  # planned by an earlier /close of this session
    plan_reminders(db, workshop, QuestionnaireKind.EVALUATION, now, policy, session_number)
    due, quiet = due_after(now, timedelta(seconds=policy.followup_delay), workshop_zone(workshop, policy),
                           policy.quiet_hours)
    planned = followup_send(db, workshop)
    if planned is None:
        db.add(ScheduledSend(
            workshop_id=workshop.id, purpose=SendPurpose.FOLLOWUP,
            questionnaire_kind=QuestionnaireKind.FOLLOWUP.value, due_at=due, quiet_hours=quiet,
        ))
    elif planned.status is SendStatus.PLANNED:
        planned.due_at, planned.quiet_hours = due, quiet
    db.flush()


def followup_send(db: Session, workshop: models.Workshop) -> ScheduledSend | None:
    """The follow-up survey's send of this workshop (planned, cancelled or already out)."""
    return db.scalar(
        select(ScheduledSend)
        .where(ScheduledSend.workshop_id == workshop.id, ScheduledSend.purpose == SendPurpose.FOLLOWUP)
        .order_by(ScheduledSend.id.desc())
        .limit(1)
    )


def questionnaire_to_remind(db: Session, workshop: models.Workshop) -> QuestionnaireKind:
    """What /remind is about: the follow-up once it went out, else the evaluation."""
    send = followup_send(db, workshop)
    if send is not None and send.status in (SendStatus.RUNNING, SendStatus.DONE):
        return QuestionnaireKind.FOLLOWUP
    return QuestionnaireKind.EVALUATION


def upcoming_reminders(db: Session, workshop: models.Workshop, session_number: int | None = None) -> list[ScheduledSend]:
    """The planned reminder rounds of a workshop, or of one of its sessions (what /close of
    that session announces: another session's rounds are not this one's)."""
    query = select(ScheduledSend).where(
        ScheduledSend.workshop_id == workshop.id,
        ScheduledSend.purpose == SendPurpose.REMINDER,
        ScheduledSend.status == SendStatus.PLANNED,
    )
    if session_number is not None:
        query = query.where(ScheduledSend.session_number == session_number)
    return list(db.scalars(query.order_by(ScheduledSend.due_at)).all())


def parse_when(
    text: str, workshop: models.Workshop, policy: SchedulePolicy, now: datetime
) -> tuple[datetime, bool]:
    """``14d`` / ``14j`` / ``14 يوم`` (after the session closed) or ``2026-12-01 [10:00]`` (local;
    09:00 by default).

    Returns the moment and whether quiet hours apply. Raises ``BadWhen``, ``WhenInThePast``.
    """
    db = object_session(workshop)
    closed_at = last_close(db, workshop) if db is not None else workshop.closed_at
    if closed_at is None:
        raise NotClosed()
    zone = workshop_zone(workshop, policy)
    text = text.strip()
    match = _DATE.fullmatch(text)
    if match:
        try:
            day = datetime.fromisoformat(match.group(1)).date()
            at = time(int(match.group(2)), int(match.group(3))) if match.group(2) else policy.quiet_hours.end
        except ValueError:
            raise BadWhen(text) from None
        when, quiet = datetime.combine(day, at, tzinfo=zone), match.group(2) is None
    else:
        seconds = parse_duration_text(text)  # 14d, 14j, 4sem, 14 يوم…
        if seconds is None or seconds <= 0 or seconds > MAX_AHEAD.total_seconds():
            raise BadWhen(text)  # 99999999999w would overflow timedelta and datetime
        when, quiet = due_after(closed_at, timedelta(seconds=seconds), zone, policy.quiet_hours)
    if when <= now:
        raise WhenInThePast(when)
    if when - now > MAX_AHEAD:  # 9999-12-31 is a typo, and in UTC it may not even exist
        raise BadWhen(text)
    return when, quiet


def last_close(db: Session, workshop: models.Workshop) -> datetime | None:
    """When the latest closed session closed (the workshop's ``closed_at`` is None again while
    a next session is open, but its follow-up stays planned from this moment)."""
    if workshop.closed_at is not None:
        return workshop.closed_at
    closed = latest_closed(db, workshop)
    return closed.closed_at if closed is not None else None


def _changeable_followup(db: Session, workshop: models.Workshop) -> ScheduledSend | None:
    if last_close(db, workshop) is None:
        raise NotClosed()
    send = followup_send(db, workshop)
    if send is not None and send.status in (SendStatus.RUNNING, SendStatus.DONE):
        raise FollowupAlreadySent(send.started_at)
    return send


def reschedule_followup(db: Session, workshop: models.Workshop, when: datetime, quiet: bool) -> ScheduledSend:
    """Move (or re-plan after ``off``) the follow-up survey to ``when``."""
    send = _changeable_followup(db, workshop)
    if send is None:
        send = ScheduledSend(workshop_id=workshop.id, purpose=SendPurpose.FOLLOWUP,
                             questionnaire_kind=QuestionnaireKind.FOLLOWUP.value)
        db.add(send)
    send.due_at, send.quiet_hours, send.status = when, quiet, SendStatus.PLANNED
    db.flush()
    return send


def cancel_followup(db: Session, workshop: models.Workshop) -> None:
    send = _changeable_followup(db, workshop)
    if send is not None:
        send.status = SendStatus.CANCELLED
        db.flush()


def set_workshop_timezone(db: Session, workshop: models.Workshop, zone: str, policy: SchedulePolicy) -> None:
    """Use ``zone`` for this workshop's quiet hours; planned sends move out of its night."""
    ZoneInfo(zone)  # raises if unknown
    workshop.timezone = zone
    tz = ZoneInfo(zone)
    for send in db.scalars(select(ScheduledSend).where(
        ScheduledSend.workshop_id == workshop.id, ScheduledSend.status == SendStatus.PLANNED,
        ScheduledSend.quiet_hours.is_(True),
    )):
        send.due_at = policy.quiet_hours.next_allowed(send.due_at, tz)
    db.flush()
