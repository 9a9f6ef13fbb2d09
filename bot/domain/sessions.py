"""A workshop's sessions: Day 1 closed, then Day 2 opened and closed, each with its evaluation.

Every workshop has at least session 1 (made by /new, or by migration 0007 for older ones);
a one-session workshop behaves exactly as a workshop did before sessions existed.

The rules, in one place:

- The CURRENT session is the one with the highest number. ``/close`` closes it (once) and
  sends its evaluation — the session's own questionnaire, else the workshop's — to every
  participant who has joined so far.
- ``/session CODE title`` adds session n+1 when the current one is closed; while the current
  one is still open, nothing was sent for it yet, so it is renamed instead (a workshop
  created as "Data-jams Tunis" can call its first day "Jour 1 : ouverture").
- ``Workshop.closed_at`` is the moment the current session closed, None while it is open.
  So everything that reads it stays coherent: joining is open while a session is open and a
  week after the latest close; ``/questionnaire`` may change the evaluation while a session
  is open; a participant who joins after the latest close (a late scan of the QR code) gets
  that session's evaluation, as before; retention counts from the latest close.
- Participants join the workshop once; whoever has joined when a session closes receives
  its evaluation (a newcomer after session 1 closed and session 2 opened gets session 2's).
- Evaluation responses and reminder rounds carry ``session_number``; the follow-up belongs
  to the workshop (``session_number`` 0) and is planned from the latest close.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.domain.errors import DomainError
from bot.questionnaires.model import QuestionnaireKind
from bot.results.sessions import SessionAdded, SessionFigures
from bot.results.statuses import ResponseStatus
from bot.storage import models

EVALUATION = QuestionnaireKind.EVALUATION.value


class SessionNotFound(DomainError):
    """``s3`` of a workshop that has two sessions."""

    def __init__(self, number: int, code: str = "") -> None:
        super().__init__(number, code)
        self.number, self.code = number, code


def sessions_of(db: Session, workshop: models.Workshop) -> list[models.WorkshopSession]:
    """The workshop's sessions in order; session 1 is made if it is missing (a workshop row
    made some other way than /new or the migration)."""
    rows = list(db.scalars(
        select(models.WorkshopSession)
        .where(models.WorkshopSession.workshop_id == workshop.id)
        .order_by(models.WorkshopSession.number)
    ).all())
    if not rows:
        rows = [create_first_session(db, workshop)]
    return rows


def create_first_session(db: Session, workshop: models.Workshop) -> models.WorkshopSession:
    """Session 1, titled as the workshop, closed when the workshop is."""
    first = models.WorkshopSession(workshop_id=workshop.id, number=1, title=workshop.title,
                                   closed_at=workshop.closed_at)
    db.add(first)
    db.flush()
    return first


def current_session(db: Session, workshop: models.Workshop) -> models.WorkshopSession:
    """The session with the highest number: the one /close closes."""
    return sessions_of(db, workshop)[-1]


def session_by_number(db: Session, workshop: models.Workshop, number: int) -> models.WorkshopSession:
    for found in sessions_of(db, workshop):
        if found.number == number:
            return found
    raise SessionNotFound(number, workshop.join_code)


def has_several_sessions(db: Session, workshop: models.Workshop) -> bool:
    return len(sessions_of(db, workshop)) > 1


def latest_closed(db: Session, workshop: models.Workshop) -> models.WorkshopSession | None:
    """The last session that was closed (its evaluation went out), if any."""
    closed = [s for s in sessions_of(db, workshop) if s.closed_at is not None]
    return closed[-1] if closed else None


def evaluation_session_number(db: Session, workshop: models.Workshop) -> int:
    """The session whose evaluation is "the" evaluation now (progress, /remind, late joiners):
    the latest closed one, else the current one."""
    closed = latest_closed(db, workshop)
    return (closed or current_session(db, workshop)).number


def evaluation_of(workshop: models.Workshop, session: models.WorkshopSession) -> int:
    """The session's own evaluation, else the workshop's."""
    return session.evaluation_questionnaire_id or workshop.evaluation_questionnaire_id


def evaluation_ids(
    db: Session, workshop: models.Workshop, number: int | None = None
) -> tuple[list[int], int | None]:
    """The evaluation questionnaires statistics read, and the session they are limited to.

    With ``number``: that session's evaluation only. Without: every closed session's (the
    whole workshop), or the current session's before anything was closed."""
    if number is not None:
        return [evaluation_of(workshop, session_by_number(db, workshop, number))], number
    sessions = sessions_of(db, workshop)
    closed = [s for s in sessions if s.closed_at is not None] or sessions[-1:]
    return list(dict.fromkeys(evaluation_of(workshop, s) for s in closed)), None


def close_current(db: Session, workshop: models.Workshop) -> tuple[models.WorkshopSession, bool]:
    """Close the current session; (session, first close).

    Its questionnaire needs no freezing: the workshop's evaluation only changes while
    session 1 is open (``/questionnaire`` sets a later session's own, see
    ``questionnaire_library.set_questionnaire``).

    A second /close of a closed session changes nothing here: it only sends the evaluation
    to those who joined since (see ``workshops.close_workshop``)."""
    session = current_session(db, workshop)
    if session.closed_at is not None:
        return session, False
    session.closed_at = utcnow()
    workshop.closed_at = session.closed_at
    db.flush()
    return session, True


def add_session(db: Session, workshop: models.Workshop, title: str) -> SessionAdded:
    """``/session CODE title``: the next session, or the open current one renamed.

    A new session reopens the workshop (``closed_at`` None): people may join again, and
    /questionnaire may choose the new session's evaluation."""
    if not title:
        raise ValueError("a session needs a title")
    current = current_session(db, workshop)
    if current.closed_at is None:
        previous, current.title = current.title, title
        db.flush()
        return SessionAdded(current.number, title, renamed=True, previous_title=previous)
    added = models.WorkshopSession(workshop_id=workshop.id, number=current.number + 1, title=title)
    db.add(added)
    workshop.closed_at = None
    db.flush()
    return SessionAdded(added.number, title, renamed=False)


def session_figures(db: Session, workshop: models.Workshop) -> tuple[SessionFigures, ...]:
    """Every session with how many received and completed its evaluation (one query)."""
    counts: dict[int, dict[ResponseStatus, int]] = {}
    for number, status, count in db.execute(
        select(models.Response.session_number, models.Response.status, func.count())
        .join(models.Participant, models.Participant.id == models.Response.participant_id)
        .where(models.Participant.workshop_id == workshop.id, models.Response.kind == EVALUATION)
        .group_by(models.Response.session_number, models.Response.status)
    ):
        counts.setdefault(number, {})[status] = count
    return tuple(
        SessionFigures(
            number=s.number, title=s.title, closed_at=s.closed_at,
            received=sum(counts.get(s.number, {}).values()),
            completed=counts.get(s.number, {}).get(ResponseStatus.COMPLETED, 0),
        )
        for s in sessions_of(db, workshop)
    )


def session_title_for(db: Session, workshop: models.Workshop, number: int) -> str | None:
    """A session's title where it must be named (reminders): None when the workshop has only one."""
    sessions = sessions_of(db, workshop)
    if len(sessions) < 2:
        return None
    return next((s.title for s in sessions if s.number == number), None)
