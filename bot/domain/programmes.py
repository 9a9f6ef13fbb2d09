"""Programmes: several workshops under one name and one code, for a funder's figures.

A programme's organiser is its creator (``created_by``), and only while they organise
each workshop in it: every use checks the workshops again through
``workshops.workshop_for_organiser``, so someone removed from a workshop no longer sees
its figures through a programme. Codes look like ``P-7KQ2MX``: eight characters, never
the twelve of a join code, so one argument says which it is.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.domain.errors import DomainError
from bot.domain.workshops import clean_title, workshop_for_organiser
from bot.results.programmes import ProgrammeChange, ProgrammeView, ProgrammeWorkshopView
from bot.storage import models

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed from paper
CODE_PREFIX = "P-"
CODE_LENGTH = 6
_PROGRAMME_CODE = re.compile(rf"{CODE_PREFIX}[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
MAX_WORKSHOPS = 12
"""A programme's charts compare its workshops side by side: a dozen bars is the most that reads."""


class ProgrammeNotFound(DomainError):
    """No programme has that code, or the caller did not create it (answered alike)."""


class TooManyWorkshops(DomainError):
    """Adding these workshops would pass MAX_WORKSHOPS."""


def new_programme_code() -> str:
    return CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def is_programme_code(word: str) -> bool:
    """Whether an argument is a programme code (any case: ``p-7kq2mx`` is typed too)."""
    return bool(_PROGRAMME_CODE.fullmatch(word.upper()))


def create_programme(
    db: Session, user_id: int, title: str, codes: Callable[[], str] = new_programme_code
) -> models.Programme:
    title = clean_title(title)
    if not title:
        raise ValueError("a programme needs a title")
    code = codes()
    while db.scalar(select(models.Programme.id).where(models.Programme.code == code)) is not None:
        code = codes()  # 2^30 codes: a clash is rare, never fatal
    programme = models.Programme(code=code, title=title, created_by=user_id)
    db.add(programme)
    db.flush()
    return programme


def programme_for_organiser(db: Session, user_id: int, code: str) -> models.Programme:
    """The caller's programme by code; someone else's answers like an unknown one."""
    if not is_programme_code(code):
        raise ProgrammeNotFound(code)
    programme = db.scalar(select(models.Programme).where(models.Programme.code == code.upper()))
    if programme is None or programme.created_by != user_id:
        raise ProgrammeNotFound(code)
    return programme


def _workshops(db: Session, programme: models.Programme) -> list[models.Workshop]:
    return list(
        db.scalars(
            select(models.Workshop)
            .join(models.ProgrammeWorkshop, models.ProgrammeWorkshop.workshop_id == models.Workshop.id)
            .where(models.ProgrammeWorkshop.programme_id == programme.id)
            .order_by(models.Workshop.created_at, models.Workshop.id)
        )
    )


def programme_workshops(db: Session, user_id: int, code: str) -> tuple[models.Programme, list[models.Workshop]]:
    """The programme and its workshops, each checked as the caller's (``WorkshopNotFound``
    names one they no longer organise)."""
    programme = programme_for_organiser(db, user_id, code)
    workshops = _workshops(db, programme)
    for workshop in workshops:
        workshop_for_organiser(db, user_id, workshop.join_code)
    return programme, workshops


def _view(db: Session, programme: models.Programme) -> ProgrammeView:
    return ProgrammeView(
        programme.code, programme.title,
        tuple(ProgrammeWorkshopView(w.title, w.join_code) for w in _workshops(db, programme)),
    )


def add_workshops(db: Session, user_id: int, code: str, workshop_codes: Sequence[str]) -> ProgrammeChange:
    """Add workshops the caller organises; those already in are left as they are.

    All or nothing: one code that is not theirs (``WorkshopNotFound``) adds none."""
    programme = programme_for_organiser(db, user_id, code)
    present = {w.id for w in _workshops(db, programme)}
    found = [workshop_for_organiser(db, user_id, c) for c in dict.fromkeys(workshop_codes)]
    new = [w for w in found if w.id not in present]
    if len(present) + len(new) > MAX_WORKSHOPS:
        raise TooManyWorkshops(MAX_WORKSHOPS)
    for workshop in new:
        db.add(models.ProgrammeWorkshop(programme_id=programme.id, workshop_id=workshop.id))
    db.flush()
    return ProgrammeChange(_view(db, programme), tuple(w.join_code for w in new),
                           tuple(w.join_code for w in found if w.id in present))


def remove_workshop(db: Session, user_id: int, code: str, workshop_code: str) -> ProgrammeChange:
    programme = programme_for_organiser(db, user_id, code)
    workshop = next((w for w in _workshops(db, programme) if w.join_code == workshop_code), None)
    if workshop is None:
        return ProgrammeChange(_view(db, programme), (), (workshop_code,))
    db.execute(delete(models.ProgrammeWorkshop).where(
        models.ProgrammeWorkshop.programme_id == programme.id, models.ProgrammeWorkshop.workshop_id == workshop.id))
    db.flush()
    return ProgrammeChange(_view(db, programme), (workshop.join_code,), ())


def programmes_of(db: Session, user_id: int) -> list[ProgrammeView]:
    """The caller's programmes, newest first, each with its workshops."""
    programmes = db.scalars(
        select(models.Programme)
        .where(models.Programme.created_by == user_id)
        .order_by(models.Programme.created_at.desc(), models.Programme.id.desc())
    )
    return [_view(db, p) for p in programmes]
