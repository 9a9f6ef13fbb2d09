"""Workshops: creating them, finding them for an organiser, closing the session."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.domain.errors import WorkshopNotFound
from bot.domain.organisers import INVITE_PREFIX
from bot.domain.questionnaire_store import store_questionnaire
from bot.domain.sessions import close_current, create_first_session, evaluation_of
from bot.domain.typed_text import without_controls
from bot.questionnaires.loader import default_questionnaire
from bot.questionnaires.model import QuestionnaireKind
from bot.results.statuses import ResponseStatus
from bot.results.workshops import CloseResult
from bot.storage import models

TITLE_MAX = 200
JOIN_CODE_BYTES = 9
_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""72 random bits, 12 URL-safe characters: guessing a live code is hopeless."""

JOIN_WINDOW_AFTER_CLOSE = timedelta(days=7)
"""Late scans of the QR code are welcome for a week after /close, then the code expires."""


def new_join_code() -> str:
    """Never ``org_…``: that prefix makes a deep link an organiser invite (domain.organisers)."""
    while (code := secrets.token_urlsafe(JOIN_CODE_BYTES)).startswith(INVITE_PREFIX):
        pass  # one chance in 64⁴
    return code


def clean_title(title: str) -> str:
    """A title as stored: one line, no control characters, at most TITLE_MAX characters
    ("" when nothing is left, e.g. a lone NUL byte)."""
    return " ".join(without_controls(title).split())[:TITLE_MAX]


def create_workshop(
    db: Session, organiser: models.User, title: str, join_codes: Callable[[], str] = new_join_code
) -> models.Workshop:
    """A new workshop with the default questionnaires, its creator as organiser.

    ``join_codes`` makes codes: random in production, seeded in the demo (same run, same
    transcript)."""
    title = clean_title(title)
    if not title:
        raise ValueError("a workshop needs a title")
    join_code = join_codes()
    while join_code.startswith(INVITE_PREFIX):  # a seeded maker too: /start org_… is an invite
        join_code = join_codes()
    workshop = models.Workshop(
        join_code=join_code,
        title=title,
        created_by=organiser.id,
        profile_questionnaire_id=store_questionnaire(db, default_questionnaire(QuestionnaireKind.PROFILE)).id,
        evaluation_questionnaire_id=store_questionnaire(
            db, default_questionnaire(QuestionnaireKind.EVALUATION)
        ).id,
        followup_questionnaire_id=store_questionnaire(
            db, default_questionnaire(QuestionnaireKind.FOLLOWUP)
        ).id,
    )
    workshop.organisers.append(models.WorkshopOrganiser(user_id=organiser.id))
    db.add(workshop)
    db.flush()
    create_first_session(db, workshop)  # every workshop has its session 1, titled as it
    return workshop


def workshop_by_code(db: Session, code: str) -> models.Workshop | None:
    """A code is a deep-link ``start`` parameter (``[A-Za-z0-9_-]{1,64}``); anything else is
    no code, and never reaches the database (PostgreSQL refuses a NUL byte in a query)."""
    if not _CODE.fullmatch(code):
        return None
    return db.scalar(select(models.Workshop).where(models.Workshop.join_code == code))


def is_organiser_of(db: Session, workshop: models.Workshop, user_id: int) -> bool:
    return bool(
        db.scalar(
            select(
                exists().where(
                    models.WorkshopOrganiser.workshop_id == workshop.id,
                    models.WorkshopOrganiser.user_id == user_id,
                )
            )
        )
    )


def workshop_for_organiser(db: Session, user_id: int, code: str | None) -> models.Workshop:
    """The workshop an organiser command acts on: by code, or their most recent one.

    Someone else's code answers exactly like an unknown one, so codes cannot be probed.
    """
    if code:
        workshop = workshop_by_code(db, code)
        if workshop is None or not is_organiser_of(db, workshop, user_id):
            raise WorkshopNotFound(code)
        return workshop
    workshop = db.scalar(
        select(models.Workshop)
        .join(models.WorkshopOrganiser)
        .where(models.WorkshopOrganiser.user_id == user_id)
        .order_by(models.Workshop.created_at.desc(), models.Workshop.id.desc())
        .limit(1)
    )
    if workshop is None:
        raise WorkshopNotFound("")
    return workshop


def workshops_for_organiser(db: Session, user_id: int, codes: list[str]) -> list[models.Workshop]:
    """Several workshops by code (in the order given, duplicates dropped), or the latest."""
    if not codes:
        return [workshop_for_organiser(db, user_id, None)]
    return [workshop_for_organiser(db, user_id, code) for code in dict.fromkeys(codes)]


def link_group(db: Session, workshop: models.Workshop, chat_id: int | None) -> None:
    """Send this workshop's results to an organisers' group from now on (None: unlink)."""
    workshop.group_chat_id = chat_id


def forget_group(db: Session, chat_id: int) -> None:
    """The bot left or was removed from a group: results go back to private chats."""
    db.execute(update(models.Workshop).where(models.Workshop.group_chat_id == chat_id).values(group_chat_id=None))


def join_window_open(workshop: models.Workshop, now: datetime | None = None) -> bool:
    if workshop.closed_at is None:
        return True
    return (now or utcnow()) <= workshop.closed_at + JOIN_WINDOW_AFTER_CLOSE


def close_workshop(db: Session, workshop: models.Workshop) -> CloseResult:
    """Close the current session and queue its evaluation for everyone who lacks it.

    Queued responses are ``PENDING`` rows: the outbox sends them and only then marks them
    ``IN_PROGRESS``, so a crash or restart neither loses a send nor repeats one. Each
    belongs to the session (``session_number``); see ``bot.domain.sessions``.
    """
    session, first_close = close_current(db, workshop)
    questionnaire_id = evaluation_of(workshop, session)
    participant_ids = db.scalars(
        select(models.Participant.id).where(models.Participant.workshop_id == workshop.id)
    ).all()
    has_evaluation = set(
        db.scalars(
            select(models.Response.participant_id)
            .join(models.Participant)
            .where(
                models.Participant.workshop_id == workshop.id,
                models.Response.kind == QuestionnaireKind.EVALUATION.value,
                models.Response.session_number == session.number,
            )
        ).all()
    )
    queued = 0
    for participant_id in participant_ids:
        if participant_id in has_evaluation:
            continue
        db.add(
            models.Response(
                participant_id=participant_id,
                questionnaire_id=questionnaire_id,
                kind=QuestionnaireKind.EVALUATION.value,
                session_number=session.number,
                status=ResponseStatus.PENDING,
            )
        )
        queued += 1
    db.flush()
    return CloseResult(
        participants=len(participant_ids),
        queued=queued,
        already_sent=len(has_evaluation),
        first_close=first_close,
        session_number=session.number,
        session_title=session.title if session.number > 1 else None,
    )
