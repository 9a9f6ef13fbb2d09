"""Failures on demand: make the next calls of a method fail as Telegram sometimes does.

Rate limits (429 with retry_after) and server errors are rare in tests against the real
API, yet the bot must survive them; ``fail_next`` makes them happen on cue. ``hold``
keeps calls waiting before they are processed, so a test can kill a bot process while
its requests are on the wire.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from telegram_sim.errors import ApiError


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


# --------------------------------------------------------------------------- holds


@dataclass
class _Held:
    """One call waiting for ``release_held``; ``outcome`` says whether it may go on."""

    requester: Hashable
    outcome: asyncio.Future[bool]  # True: released, go on; False: the client hung up


class HoldPlan:
    """Calls kept waiting before Telegram processes them, to crash a bot mid-broadcast.

    After ``after`` matching calls went through, the following ones wait, unprocessed,
    until ``release``. A waiting call whose client hangs up (the bot process was killed)
    is dropped unprocessed: the request never reached Telegram.
    """

    def __init__(self) -> None:
        self._method: str | None = None
        self._text_prefix: str | None = None
        self._let_through = 0
        self._waiting: list[_Held] = []

    def hold(self, method: str, after: int, text_prefix: str | None) -> None:
        self._method, self._let_through, self._text_prefix = method.lower(), after, text_prefix

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def _matches(self, method: str, params: dict[str, Any]) -> bool:
        if self._method is None or method.lower() != self._method:
            return False
        return self._text_prefix is None or str(params.get("text", "")).startswith(self._text_prefix)

    async def wait_if_held(self, method: str, params: dict[str, Any], requester: Hashable) -> bool:
        """Wait while this call is held; False if its client hung up meanwhile (drop it)."""
        if not self._matches(method, params):
            return True
        if self._let_through > 0:
            self._let_through -= 1
            return True
        held = _Held(requester, asyncio.get_running_loop().create_future())
        self._waiting.append(held)
        try:
            return await held.outcome
        finally:
            self._waiting.remove(held)

    def hung_up(self, requester: Hashable) -> None:
        """The client of a held call closed its connection."""
        for held in self._waiting:
            if held.requester is requester and not held.outcome.done():
                held.outcome.set_result(False)

    def release(self) -> None:
        """Stop holding; the calls waiting now go on (those whose client is gone do not)."""
        self._method = None
        for held in self._waiting:
            if not held.outcome.done():
                held.outcome.set_result(True)
