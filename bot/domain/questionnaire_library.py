"""Organisers' own questionnaires: storing a file they send (versioned), listing them, and
choosing one for a workshop.

Each organiser sees the built-in questionnaires and their own, never another organiser's.
A file whose key they already have becomes the next version; the same file sent again is
the version it already is. Workshops keep the row id they were given, so a new version
never changes a workshop that started on an older one, nor any stored answer.

The slot decides, not the file's ``kind``: ``/questionnaire CODE key`` fills the
end-of-session (evaluation) slot and ``… followup`` the follow-up, whatever the file says.
When they differ, a copy with the slot's kind is stored beside it (same owner, key and
version), because everything downstream (thanks, export sheets) reads the kind of the
stored questionnaire. A file's kind only chooses which command its preview shows first.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from bot.domain.errors import DomainError, FollowupAlreadySent
from bot.domain.questionnaire_store import as_model, store_questionnaire, stored_row
from bot.domain.schedule import followup_send
from bot.domain.sessions import current_session, has_several_sessions
from bot.questionnaires.loader import default_questionnaire
from bot.questionnaires.model import Questionnaire, QuestionnaireKind
from bot.results.questionnaire_library import LibraryEntry, Slot, SlotSet, Upload
from bot.results.statuses import SendStatus
from bot.storage import models

BUILT_IN_KINDS = (QuestionnaireKind.EVALUATION, QuestionnaireKind.FOLLOWUP)
"""The built-in questionnaires an organiser can choose (the profile is asked at joining)."""

_SLOT_KIND = {Slot.EVALUATION: QuestionnaireKind.EVALUATION, Slot.FOLLOWUP: QuestionnaireKind.FOLLOWUP}


class ReservedKey(DomainError):
    """A file uses the key of a built-in questionnaire, which it would hide."""


class UnknownQuestionnaire(DomainError):
    """No questionnaire of this organiser, nor a built-in one, has this key."""


class WorkshopClosed(DomainError):
    """The evaluation went out at /close: the workshop's questionnaire can no longer change."""


def built_in() -> dict[str, Questionnaire]:
    """The packaged questionnaires an organiser may choose, by key."""
    return {q.key: q for q in (default_questionnaire(kind) for kind in BUILT_IN_KINDS)}


def add_upload(db: Session, owner_id: int, questionnaire: Questionnaire) -> Upload:
    """Store an organiser's file: a new row (the next version of its key), or the row that
    already holds exactly this file for them."""
    if questionnaire.key in built_in() or questionnaire.key in (
            default_questionnaire(QuestionnaireKind.PROFILE).key, default_questionnaire(QuestionnaireKind.PRE).key):
        raise ReservedKey(questionnaire.key)
    existing = stored_row(db, questionnaire, owner_id)
    if existing is not None:
        return Upload(row_id=existing.id, version=existing.version, new=False, questionnaire=questionnaire)
    row = store_questionnaire(db, questionnaire, owner_id)
    return Upload(row_id=row.id, version=row.version, new=True, questionnaire=questionnaire)


def preview_of(db: Session, owner_id: int, row_id: int) -> tuple[Questionnaire, int] | None:
    """A stored questionnaire and its version, if this organiser may see it (theirs or
    built in); None for another organiser's or a missing row."""
    row = db.get(models.Questionnaire, row_id)
    if row is None or row.owner_id not in (None, owner_id):
        return None
    return as_model(row), row.version


def library(db: Session, owner_id: int) -> list[LibraryEntry]:
    """/questionnaires: the built-in ones first, then the organiser's own by key, each at
    its latest version, with the organiser's workshops using any of its versions."""
    current = {key: store_questionnaire(db, q) for key, q in built_in().items()}
    rows = db.scalars(select(models.Questionnaire).where(
        or_(models.Questionnaire.owner_id == owner_id,
            models.Questionnaire.owner_id.is_(None) & models.Questionnaire.key.in_(current)),
    ).order_by(models.Questionnaire.id)).all()
    workshops = db.execute(
        select(models.Workshop.join_code, models.Workshop.evaluation_questionnaire_id,
               models.Workshop.followup_questionnaire_id)
        .join(models.WorkshopOrganiser)
        .where(models.WorkshopOrganiser.user_id == owner_id)
        .order_by(models.Workshop.created_at, models.Workshop.id)
    ).all()
    entries: list[LibraryEntry] = []
    groups: dict[tuple[bool, str], list[models.Questionnaire]] = {}
    for row in rows:
        groups.setdefault((row.owner_id is not None, row.key), []).append(row)
    for (own, key), versions in sorted(groups.items()):
        latest = current[key] if not own else _latest(versions)
        ids = {row.id for row in versions}
        questionnaire = as_model(latest)
        entries.append(LibraryEntry(
            key=key, title=questionnaire.title, version=latest.version,
            questions=len(questionnaire.answerable()), built_in=not own,
            workshops=tuple(code for code, evaluation, followup in workshops if evaluation in ids or followup in ids),
        ))
    return entries


def set_questionnaire(db: Session, workshop: models.Workshop, owner_id: int, key: str, slot: Slot) -> SlotSet:
    """``/questionnaire CODE key [followup]``: the workshop's evaluation (or follow-up) is now
    the latest version of ``key`` (the organiser's own, else built in). Refused once that
    questionnaire went out: the evaluation at /close, the follow-up once its send started.
    With several sessions, the evaluation set is the open current session's own (the
    workshop's stays the default of sessions added later)."""
    source = _latest_row(db, owner_id, key)
    if slot is Slot.EVALUATION and workshop.closed_at is not None:
        raise WorkshopClosed(workshop.join_code)
    if slot is Slot.FOLLOWUP and _followup_out(db, workshop):
        raise FollowupAlreadySent()
    questionnaire = as_model(source)
    kind = _SLOT_KIND[slot]
    row = source
    if questionnaire.kind is not kind:  # the slot decides: a copy of this version with its kind
        row = store_questionnaire(db, replace(questionnaire, kind=kind), source.owner_id, version=source.version)
    if slot is Slot.EVALUATION and has_several_sessions(db, workshop):
        current_session(db, workshop).evaluation_questionnaire_id = row.id  # this session's; later ones: the workshop's
    elif slot is Slot.EVALUATION:
        workshop.evaluation_questionnaire_id = row.id  # session 1 follows the workshop's
    else:
        workshop.followup_questionnaire_id = row.id
    db.flush()
    return SlotSet(workshop_title=workshop.title, slot=slot, key=key, title=questionnaire.title,
                   version=row.version)


def _latest_row(db: Session, owner_id: int, key: str) -> models.Questionnaire:
    own = db.scalars(select(models.Questionnaire).where(
        models.Questionnaire.owner_id == owner_id, models.Questionnaire.key == key)).all()
    if own:
        return _latest(list(own))
    packaged = built_in().get(key)
    if packaged is None:
        raise UnknownQuestionnaire(key)
    return store_questionnaire(db, packaged)


def _latest(versions: list[models.Questionnaire]) -> models.Questionnaire:
    """The highest version; among its rows the first stored (the file as sent, before any
    copy adapted to another slot)."""
    top = max(row.version for row in versions)
    return min((row for row in versions if row.version == top), key=lambda row: row.id)


def _followup_out(db: Session, workshop: models.Workshop) -> bool:
    send = followup_send(db, workshop)
    if send is not None and send.status in (SendStatus.RUNNING, SendStatus.DONE):
        return True
    return bool(db.scalar(select(exists().where(
        models.Response.kind == QuestionnaireKind.FOLLOWUP.value,
        models.Response.participant_id.in_(
            select(models.Participant.id).where(models.Participant.workshop_id == workshop.id)),
    ))))
