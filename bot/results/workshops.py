"""What closing a session did, for the organiser's message."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CloseResult:
    participants: int  # everyone who joined
    queued: int  # evaluations newly queued for sending by this /close
    already_sent: int  # participants who had received it before (never asked twice)
    first_close: bool
    session_number: int = 1  # the session this /close closed
    session_title: str | None = None  # its title when the workshop has several sessions
