"""Nights are for sleeping: scheduled messages wait for the morning in the workshop's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

EXACT_BELOW = timedelta(hours=1)
"""Delays shorter than this (``30s``, ``15m``: tests and demos) are kept exactly."""


@dataclass(frozen=True)
class QuietHours:
    """A nightly window, e.g. 21:00–09:00 local time (it may wrap around midnight)."""

    start: time = time(21, 0)
    end: time = time(9, 0)

    def contains(self, moment: datetime, zone: ZoneInfo) -> bool:
        local = moment.astimezone(zone).time().replace(tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """``moment`` itself outside the window, else the end of the window (09:00)."""
        if not self.contains(moment, zone):
            return moment
        local = moment.astimezone(zone)
        wake = datetime.combine(local.date(), self.end, tzinfo=zone)
        if wake <= local:
            wake = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=zone)
        return wake.astimezone(moment.tzinfo)


def parse_quiet_hours(value: str) -> QuietHours:
    """``"21:00-09:00"`` → QuietHours; ``"off"`` → an empty window. ValueError otherwise."""
    value = value.strip().lower()
    if value in ("off", "none", ""):
        return QuietHours(time(0, 0), time(0, 0))
    start_text, sep, end_text = value.partition("-")
    if not sep:
        raise ValueError(value)
    return QuietHours(time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip()))
