"""Live "k / N answered" after /close: one message per close, edited, never a flood.

The message's identity lives in the database, so a restart keeps updating it. Updates
stop once everyone the questionnaire reached has finished, or a day after /close.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.results.delivery import DeliveryCounts
from bot.storage import models

FOLLOW_FOR = timedelta(days=1)


def track(db: Session, workshop: models.Workshop, chat_id: int, message_id: int, language: str | None, text: str,
          *, stop_earlier: bool = True) -> None:
    """Follow this message from now on; earlier progress messages of the workshop stop
    (``stop_earlier=False``: one close's messages to several organisers, after ``stop_tracking``)."""
    if stop_earlier:
        stop_tracking(db, workshop)
    db.add(models.ProgressMessage(workshop_id=workshop.id, chat_id=chat_id, message_id=message_id,
                                  language=language, text=text))
    db.flush()


def stop_tracking(db: Session, workshop: models.Workshop) -> None:
    """Earlier progress messages of the workshop are no longer edited (a new /close has its own)."""
    db.execute(
        update(models.ProgressMessage)
        .where(models.ProgressMessage.workshop_id == workshop.id, models.ProgressMessage.finished_at.is_(None))
        .values(finished_at=utcnow())
    )


def active(db: Session) -> list[tuple[models.ProgressMessage, models.Workshop]]:
    return [
        (message, workshop)
        for message, workshop in db.execute(
            select(models.ProgressMessage, models.Workshop)
            .join(models.Workshop, models.Workshop.id == models.ProgressMessage.workshop_id)
            .where(models.ProgressMessage.finished_at.is_(None))
            .order_by(models.ProgressMessage.id)
        )
    ]


def should_stop(message: models.ProgressMessage, figures: DeliveryCounts, now: datetime | None = None) -> bool:
    return figures.done or (now or utcnow()) >= message.started_at + FOLLOW_FOR
