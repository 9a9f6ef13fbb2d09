"""One Bot API call: the files it carried, how a method answers it, and the log entry.

Every concern of the server (messages, files, updates, …) answers its methods with a
``MethodHandler``; the server logs each call as an ``ApiCall`` for tests to inspect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class UploadedFile:
    """A multipart file part as received."""

    field_name: str
    file_name: str
    content_type: str
    data: bytes = field(repr=False)


# Decoded parameters and the uploaded parts in; the ``result`` of the answer out.
MethodHandler = Callable[[dict[str, Any], dict[str, UploadedFile]], Any]


@dataclass
class ApiCall:
    """One HTTP call to the Bot API, as received and as answered.

    ``timestamp`` is ``time.monotonic()`` at arrival: use it to check pacing (e.g. no chat
    gets more than about one message per second).
    """

    method: str
    params: dict[str, Any]
    files: dict[str, UploadedFile]
    status: int
    response: dict[str, Any]
    timestamp: float

    @property
    def ok(self) -> bool:
        """Whether Telegram accepted the call."""
        return bool(self.response.get("ok"))

    @property
    def chat_id(self) -> int | str | None:
        """The chat the call targeted, if any."""
        value = self.params.get("chat_id")
        return value if isinstance(value, (int, str)) else None
