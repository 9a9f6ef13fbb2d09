"""Failures on demand: make the next calls of a method fail as Telegram sometimes does.

Rate limits (429 with retry_after) and server errors are rare in tests against the real
API, yet the bot must survive them; ``fail_next`` makes them happen on cue.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.fake_telegram.errors import ApiError


@dataclass
class _Fault:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    remaining: int
    chat_id: int | None = None  # only calls aimed at this chat (None: any call)


class FaultPlan:
    """Planned failures, by method name in any letter case, each for a number of calls."""

    def __init__(self) -> None:
        self._faults: list[_Fault] = []

    def fail_next(
        self, method: str, error_code: int, description: str, retry_after: int | None, times: int,
        chat_id: int | None = None,
    ) -> None:
        """Plan ``times`` failures of ``method`` (a 429 always carries a retry_after)."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        self._faults.append(_Fault(method.lower(), error_code, description, retry_after, times, chat_id))

    def raise_if_planned(self, method: str, chat_id: object = None) -> None:
        """Raise the first planned failure of ``method`` (for this chat, if it names one)."""
        for fault in self._faults:
            if fault.chat_id is not None and str(fault.chat_id) != str(chat_id):
                continue
            if fault.method == method.lower() and fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                raise ApiError(fault.error_code, fault.description, fault.retry_after)
