"""Co-organisers: one-time invite links, the list, removal, and who hears a workshop's news.

Being an organiser is a row per workshop (``WorkshopOrganiser``); ``ORGANISER_IDS`` only says
who may create workshops. An invite is a random token in a deep link
(``/start org_<token>``), valid ``INVITE_VALID_FOR``, used once: the conditional UPDATE that
marks it used is the claim, so two people opening it at once cannot both get in.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.domain.errors import DomainError
from bot.results.organisers import AcceptResult, AcceptStatus, Invite, OrganiserList, Recipient
from bot.storage import models

INVITE_PREFIX = "org_"
"""Start parameters with this prefix are invites; join codes never begin with it (workshops.py)."""
INVITE_TOKEN_BYTES = 24
"""192 random bits, 32 URL-safe characters: the token column; ``org_`` + 32 = 36 ≤ 64 (deep link)."""
INVITE_VALID_FOR = timedelta(hours=48)
KEEP_OLD_INVITES = timedelta(days=30)
"""An expired link still answers "expired" for a month, then its row goes."""
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,32}")


class NotAnOrganiserOfIt(DomainError):
    """/organisers … remove ID: that id does not organise this workshop."""


class LastOrganiser(DomainError):
    """A workshop always keeps one organiser: its data must stay someone's to see and erase."""


def new_invite_token() -> str:
    return secrets.token_urlsafe(INVITE_TOKEN_BYTES)


def invite_token(start_parameter: str) -> str | None:
    """The token of an invite deep link's parameter, None when it is no invite (a join code)."""
    if not start_parameter.startswith(INVITE_PREFIX):
        return None
    token = start_parameter[len(INVITE_PREFIX):]
    return token if _TOKEN.fullmatch(token) else ""  # "" : an invite, but not one we made


def organises_any(db: Session, user_id: int) -> bool:
    """Whether this person organises at least one workshop (created, or invited to)."""
    return bool(db.scalar(select(exists().where(models.WorkshopOrganiser.user_id == user_id))))


def organiser_list(db: Session, workshop: models.Workshop) -> OrganiserList:
    ids = db.scalars(
        select(models.WorkshopOrganiser.user_id).where(models.WorkshopOrganiser.workshop_id == workshop.id)
    ).all()
    ordered = sorted(ids, key=lambda user_id: (user_id != workshop.created_by, user_id))
    return OrganiserList(workshop_id=workshop.id, title=workshop.title, join_code=workshop.join_code,
                         organiser_ids=tuple(ordered), creator_id=workshop.created_by)


def organised_workshop(db: Session, user_id: int, workshop_id: int) -> models.Workshop | None:
    """A workshop by id (a button's payload), only if ``user_id`` organises it."""
    workshop = db.get(models.Workshop, workshop_id)
    return workshop if workshop is not None and _is_organiser(db, workshop_id, user_id) else None


def language_of(db: Session, user_id: int) -> str | None:
    user = db.get(models.User, user_id)
    return user.language if user is not None else None


def workshops_organised(db: Session, user_id: int) -> list[models.Workshop]:
    return list(db.scalars(
        select(models.Workshop).join(models.WorkshopOrganiser)
        .where(models.WorkshopOrganiser.user_id == user_id)
        .order_by(models.Workshop.created_at, models.Workshop.id)
    ))


def create_invite(db: Session, workshop: models.Workshop, inviter_id: int, now: datetime | None = None,
                  tokens: Callable[[], str] = new_invite_token) -> Invite:
    """A new one-time link for this workshop; invites expired a month ago are dropped."""
    now = now or utcnow()
    db.execute(delete(models.OrganiserInvite).where(models.OrganiserInvite.expires_at < now - KEEP_OLD_INVITES),
               execution_options={"synchronize_session": False})
    invite = models.OrganiserInvite(token=tokens(), workshop_id=workshop.id, created_by=inviter_id,
                                    created_at=now, expires_at=now + INVITE_VALID_FOR)
    db.add(invite)
    db.flush()
    return Invite(token=invite.token, expires_at=invite.expires_at)


def accept_invite(db: Session, user: models.User, token: str, now: datetime | None = None) -> AcceptResult:
    """Make ``user`` an organiser of the invite's workshop, once.

    Someone who organises it already leaves the link unused (the inviter opening their own
    link by mistake does not spend it)."""
    now = now or utcnow()
    invite = db.get(models.OrganiserInvite, token) if token else None
    workshop = db.get(models.Workshop, invite.workshop_id) if invite is not None else None
    if invite is None or workshop is None:
        return AcceptResult(AcceptStatus.NOT_FOUND)
    found = {"title": workshop.title, "join_code": workshop.join_code}
    if _is_organiser(db, workshop.id, user.id):
        return AcceptResult(AcceptStatus.ALREADY, **found)
    if invite.used_by is not None:
        return AcceptResult(AcceptStatus.USED, **found)
    if now >= invite.expires_at:
        return AcceptResult(AcceptStatus.EXPIRED, **found)
    claimed = db.execute(
        update(models.OrganiserInvite)
        .where(models.OrganiserInvite.token == token, models.OrganiserInvite.used_by.is_(None))
        .values(used_by=user.id, used_at=now),
        execution_options={"synchronize_session": False},
    ).rowcount  # type: ignore[attr-defined]
    if claimed != 1:  # someone else opened it in the same moment
        return AcceptResult(AcceptStatus.USED, **found)
    db.add(models.WorkshopOrganiser(workshop_id=workshop.id, user_id=user.id))
    db.flush()
    inviter = db.get(models.User, invite.created_by)
    return AcceptResult(AcceptStatus.JOINED, **found, inviter_id=invite.created_by,
                        inviter_language=inviter.language if inviter is not None else None)


def remove_organiser(db: Session, workshop: models.Workshop, user_id: int) -> OrganiserList:
    """Remove one organiser (oneself included), never the last one.

    The workshop row is locked first (PostgreSQL), so two organisers removing each other at
    the same moment take turns and the second one is refused."""
    db.refresh(workshop, with_for_update={"key_share": True})
    if not _is_organiser(db, workshop.id, user_id):
        raise NotAnOrganiserOfIt(user_id)
    count = db.scalar(select(func.count()).select_from(models.WorkshopOrganiser)
                      .where(models.WorkshopOrganiser.workshop_id == workshop.id)) or 0
    if count <= 1:
        raise LastOrganiser(user_id)
    db.execute(delete(models.WorkshopOrganiser).where(models.WorkshopOrganiser.workshop_id == workshop.id,
                                                      models.WorkshopOrganiser.user_id == user_id),
               execution_options={"synchronize_session": False})
    db.expire(workshop, ["organisers"])
    return organiser_list(db, workshop)


def results_recipients(db: Session, workshop: models.Workshop, asked: Recipient | None = None) -> list[Recipient]:
    """Who hears a workshop's news (send summaries, /close's live progress).

    The chat it was asked from, if any; then the linked organisers' group, or else every
    organiser in their private chat and language (those who blocked the bot left out)."""
    out: dict[int, Recipient] = {}
    if asked is not None:
        out[asked.chat_id] = asked
    if workshop.group_chat_id is not None:
        creator = db.get(models.User, workshop.created_by)
        language = asked.language if asked is not None else (creator.language if creator else None)
        out.setdefault(workshop.group_chat_id, Recipient(workshop.group_chat_id, language))
        return list(out.values())
    for user_id, language in db.execute(
        select(models.User.id, models.User.language)
        .join(models.WorkshopOrganiser, models.WorkshopOrganiser.user_id == models.User.id)
        .where(models.WorkshopOrganiser.workshop_id == workshop.id, models.User.blocked_bot.is_(False))
        .order_by(models.User.id)
    ):
        out.setdefault(user_id, Recipient(user_id, language))
    return list(out.values())


def _is_organiser(db: Session, workshop_id: int, user_id: int) -> bool:
    return bool(db.scalar(select(exists().where(models.WorkshopOrganiser.workshop_id == workshop_id,
                                                models.WorkshopOrganiser.user_id == user_id))))
