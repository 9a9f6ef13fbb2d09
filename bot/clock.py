"""The bot's one source of "now".

In production it is the system clock. The demo, and tests where time must pass, install
a ``ManualClock`` and move it themselves: what falls due, the dates a message announces
and every timestamp stored are then the same on every run, however busy the machine.
Everything that asks what time it is goes through ``utcnow()`` (``storage.models``
re-exports it for column defaults).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """Time that stands still until ``advance`` moves it."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a ManualClock starts at an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("time does not go back")
        self._now += delta
        return self._now


_current: Clock = SystemClock()


def utcnow() -> datetime:
    """Now, as an aware UTC datetime, from the clock in use."""
    return _current.now()


@contextmanager
def using(clock: Clock) -> Iterator[Clock]:
    """Make ``clock`` the source of "now" inside the block (the demo, a test)."""
    global _current
    previous, _current = _current, clock
    try:
        yield clock
    finally:
        _current = previous
