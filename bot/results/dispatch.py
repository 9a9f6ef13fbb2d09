"""What the dispatcher is handed: a started send, a reminder to word, a finished send's summary."""

from __future__ import annotations

from dataclasses import dataclass

from bot.results.organisers import Recipient
from bot.results.statuses import SendPurpose


@dataclass(frozen=True)
class StartedSend:
    send_id: int
    purpose: SendPurpose
    targets: int


@dataclass(frozen=True)
class ReminderJob:
    """Everything needed to word and address one reminder."""

    delivery_id: int
    chat_id: int
    language: str | None
    response_id: int
    workshop_title: str
    questionnaire_kind: str
    answered: int  # questions already answered
    total: int
    session_title: str | None = None  # the session it is about, when the workshop has several


@dataclass(frozen=True)
class SendSummary:
    """How one send went, for the organisers: sent / blocked / failed."""

    purpose: SendPurpose
    questionnaire_kind: str
    manual: bool
    workshop_title: str
    sent: int
    blocked: int
    failed: int
    notify_chat_id: int
    notify_language: str | None
    # Every chat told (domain.organisers.results_recipients): the chat /remind came from,
    # then the linked group or else each organiser in their language.
    recipients: tuple[Recipient, ...] = ()
