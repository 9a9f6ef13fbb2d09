"""Co-organisers as plain data: who organises a workshop, an invite, who hears its results."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Recipient:
    """A chat that hears a workshop's news (summaries, live progress), in its reader's language."""

    chat_id: int
    language: str | None


@dataclass(frozen=True)
class OrganiserList:
    """A workshop's organisers by Telegram id (no names are stored), its creator first."""

    workshop_id: int
    title: str
    join_code: str
    organiser_ids: tuple[int, ...]
    creator_id: int


@dataclass(frozen=True)
class Invite:
    token: str
    expires_at: datetime


class AcceptStatus(enum.StrEnum):
    JOINED = "joined"
    ALREADY = "already"  # an organiser of that workshop already: the link stays unused
    USED = "used"
    EXPIRED = "expired"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class AcceptResult:
    status: AcceptStatus
    title: str = ""
    join_code: str = ""
    inviter_id: int | None = None
    inviter_language: str | None = None
