"""Users: who they are, which language they read, forgetting them on request."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.domain.erasure import delete_participations, delete_users_left_alone
from bot.i18n.languages import SUPPORTED_LANGUAGES, language_from_telegram
from bot.results.statuses import ResponseStatus
from bot.storage import models


@dataclass(frozen=True)
class TelegramIdentity:
    """What an update tells us about its sender (kept free of Telegram types)."""

    id: int
    language_code: str | None  # the name is not even read: nothing would use it


def get_or_create_user(db: Session, identity: TelegramIdentity) -> models.User:
    """The user row, created on first contact with the language their client reports."""
    user = db.get(models.User, identity.id)
    if user is None:
        user = models.User(
            id=identity.id,
            language=language_from_telegram(identity.language_code),
            blocked_bot=False,
        )
        db.add(user)
        db.flush()
        return user
    if user.blocked_bot:  # they are talking to us again
        mark_blocked(db, user.id, False)
    return user


def set_language(db: Session, user: models.User, language: str) -> None:
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(language)
    user.language = language


def mark_blocked(db: Session, user_id: int, blocked: bool) -> None:
    """Remember that the user blocked (or unblocked) the bot.

    Answers are never touched. On unblocking, questionnaires that could not be delivered
    go back to the outbox queue.
    """
    user = db.get(models.User, user_id)
    if user is None:
        return
    user.blocked_bot = blocked
    if not blocked:
        db.execute(
            update(models.Response)
            .where(
                models.Response.status == ResponseStatus.UNDELIVERABLE,
                models.Response.participant_id.in_(
                    select(models.Participant.id).where(models.Participant.user_id == user_id)
                ),
            )
            .values(status=ResponseStatus.PENDING)
        )


def forget_user(db: Session, user_id: int) -> int:
    """Delete a participant's data (/forget): participations, responses, answers, chosen
    options, reminders sent to them, and the user row.

    Returns the number of workshops they had joined. An organiser's user row stays (their
    workshops belong to the programme), but their participations go like anyone's.
    """
    joined = db.scalar(select(func.count()).select_from(models.Participant)
                       .where(models.Participant.user_id == user_id)) or 0
    delete_participations(db, models.Participant.user_id == user_id)
    delete_users_left_alone(db, [user_id])
    return joined


def set_reminders(db: Session, user: models.User, enabled: bool) -> None:
    """Reminders on or off for every workshop this person joined (one tap, or /reminders)."""
    user.reminders_enabled = enabled
