"""Where things stand: the status vocabularies shared by storage, the domain and rendering.

Plain enums, so that code which renders a status never imports the database layer."""

from __future__ import annotations

import enum


class ResponseStatus(enum.StrEnum):
    """Where a participant is in one questionnaire.

    ``PENDING`` rows are the outbox: created by ``/close``, turned into ``IN_PROGRESS`` once
    the first question has actually reached the participant, so a crash between the two
    sends it again on restart rather than never.
    """

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    UNDELIVERABLE = "undeliverable"  # the participant blocked the bot
    FAILED = "failed"  # Telegram kept refusing it (not a block) after every retry


class SendPurpose(enum.StrEnum):
    REMINDER = "reminder"  # nudge those who have not finished a questionnaire
    FOLLOWUP = "followup"  # send the follow-up questionnaire itself


class SendStatus(enum.StrEnum):
    PLANNED = "planned"  # waiting for due_at
    RUNNING = "running"  # claimed by a bot process and expanded into deliveries
    DONE = "done"  # every delivery settled; the organiser got the summary
    CANCELLED = "cancelled"


class DeliveryStatus(enum.StrEnum):
    QUEUED = "queued"
    CLAIMED = "claimed"  # leased by one bot process until lease_until
    SENT = "sent"
    BLOCKED = "blocked"  # 403: the participant blocked the bot; never retried
    FAILED = "failed"  # other errors, after the bounded retries
    SKIPPED = "skipped"  # finished, opted out or left before it went out
