"""How far a questionnaire got: sent / queued / unreachable / failed, as plain figures."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeliveryCounts:
    sent: int  # the first question reached them (answering or done)
    queued: int  # still waiting to be sent
    unreachable: int  # blocked the bot
    completed: int = 0  # answered the whole questionnaire (part of ``sent``)
    failed: int = 0  # Telegram kept refusing it (not a block), after every retry

    @property
    def done(self) -> bool:
        """Nothing left to send and everyone it reached has finished."""
        return self.queued == 0 and self.completed >= self.sent
