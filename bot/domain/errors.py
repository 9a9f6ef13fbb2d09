"""Domain errors: each one is something a user did that gets a clear answer, not a crash."""

from __future__ import annotations

from datetime import datetime


class DomainError(Exception):
    """Base class; handlers turn each subclass into a translated message."""


class NotAnOrganiser(DomainError):
    """The user is not in ORGANISER_IDS, or not an organiser of this workshop."""


class WorkshopNotFound(DomainError):
    """No workshop has that join code (or the organiser has none yet)."""


class StaleQuestion(DomainError):
    """A button from a question that is no longer the current one."""


class InvalidAnswer(DomainError):
    """The value does not fit the question (forged data, or nothing selected)."""


class NothingSelected(InvalidAnswer):
    """A multi-select confirmed with no option ticked on a required question."""


class NotClosed(DomainError):
    """Reminders and the follow-up start at /close; this workshop was never closed."""


class BadWhen(DomainError):
    """Not a delay (``14d``) nor a date (``2026-12-01``, ``2026-12-01 10:00``)."""


class WhenInThePast(DomainError):
    """The requested moment has already passed."""


class FollowupAlreadySent(DomainError):
    """The follow-up survey went out already; it cannot be moved or cancelled."""


class RemindTooSoon(DomainError):
    """A manual /remind came within the gap after the last one; ``next_at`` is when it may."""

    def __init__(self, next_at: datetime) -> None:
        super().__init__(next_at)
        self.next_at = next_at
