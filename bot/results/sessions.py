"""A workshop's sessions as plain data: which are closed, and how many answered each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SessionFigures:
    """One session's evaluation: ``received`` is everyone it was owed to (queued, sent,
    unreachable: who joined before it closed), ``completed`` who answered it all."""

    number: int
    title: str
    closed_at: datetime | None  # None: still open, its evaluation not sent yet
    received: int
    completed: int


@dataclass(frozen=True)
class SessionAdded:
    """What ``/session CODE title`` did: a new session, or the open one renamed."""

    number: int
    title: str
    renamed: bool  # the current session was still open: it took the title, none was added
    previous_title: str = ""
