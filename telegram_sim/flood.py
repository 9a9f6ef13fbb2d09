"""Flood control on demand: answer 429 when the bot sends faster than Telegram allows.

Telegram refuses a bot that sends more than about 30 messages a second (and about one a
second to the same chat) with ``429 Too Many Requests: retry after N`` and
``parameters.retry_after``. Off by default; ``FakeBotApi.enforce_flood_limits`` turns it
on so a test can prove that the bot's rate limiter keeps it under the limits.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from telegram_sim.errors import ApiError

WINDOW = 1.0  # seconds


class FloodControl:
    """Sliding 1-second windows of accepted calls, overall and per chat, counted at arrival.

    Only calls of methods that target a chat (their parameters carry ``chat_id``) count,
    never getUpdates. A refused call does not take a place in the window.
    """

    def __init__(self) -> None:
        self.enabled: bool = False
        self.per_second: int = 30
        self.per_chat_per_second: int | None = None
        self.retry_after: int = 1
        self.rejections: int = 0
        self._overall: deque[float] = deque()
        self._per_chat: dict[str, deque[float]] = {}

    def configure(self, per_second: int, per_chat_per_second: int | None, retry_after: int) -> None:
        """Turn flood control on with these limits (the windows start empty)."""
        if per_second < 1 or (per_chat_per_second is not None and per_chat_per_second < 1):
            raise ValueError("limits must be at least 1 call per second")
        if retry_after < 1:
            raise ValueError("retry_after must be at least 1 second")
        self.enabled = True
        self.per_second = per_second
        self.per_chat_per_second = per_chat_per_second
        self.retry_after = retry_after
        self._overall.clear()
        self._per_chat.clear()

    def admit(self, method: str, params: Mapping[str, Any], arrived: float) -> None:
        """Count a call that arrived at ``arrived`` (monotonic), or raise Telegram's 429."""
        if not self.enabled or method == "getUpdates" or "chat_id" not in params:
            return
        _expire(self._overall, arrived)
        chat = str(params["chat_id"])
        window = self._per_chat.get(chat)
        if window is not None:
            _expire(window, arrived)
            if not window:
                del self._per_chat[chat]
                window = None
        if len(self._overall) >= self.per_second or (
            window is not None
            and self.per_chat_per_second is not None
            and len(window) >= self.per_chat_per_second
        ):
            self.rejections += 1
            raise ApiError(
                429, f"Too Many Requests: retry after {self.retry_after}", self.retry_after
            )
        self._overall.append(arrived)
        if self.per_chat_per_second is not None:
            self._per_chat.setdefault(chat, deque()).append(arrived)
        if len(self._per_chat) > 1024:  # keep the per-chat table small: drop idle chats
            for key in [k for k, w in self._per_chat.items() if w[-1] + WINDOW <= arrived]:
                del self._per_chat[key]


def busiest_window(timestamps: Sequence[float], width: float = WINDOW) -> int:
    """Most calls in any half-open window [t, t + width): what flood control counts."""
    ordered = sorted(timestamps)
    most, start = 0, 0
    for end, moment in enumerate(ordered):
        while ordered[start] + width <= moment:
            start += 1
        most = max(most, end - start + 1)
    return most


def _expire(window: deque[float], now: float) -> None:
    while window and window[0] + WINDOW <= now:
        window.popleft()
