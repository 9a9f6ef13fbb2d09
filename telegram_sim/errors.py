"""Telegram's refusals: an HTTP status, Telegram's wording and an optional retry delay.

Every rule of the fake raises ``ApiError``; the HTTP layer turns it into the JSON body
Telegram sends, so python-telegram-bot raises the exception it would in production.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal as Telegram words it: HTTP status, description and optional retry delay."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code: int = error_code
        self.description: str = description
        self.retry_after: int | None = retry_after

    def to_json(self) -> dict[str, Any]:
        """The response body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(text: str) -> ApiError:
    """A 400 whose description starts with "Bad Request: " like all of Telegram's."""
    return ApiError(400, f"Bad Request: {text}")
