"""What each side can look at: the bot's messages with their buttons, and button taps.

These are plain records. The server keeps them up to date (a ``BotMessage`` changes in
place when the bot edits or deletes it), tests and the demo read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Button:
    """One inline keyboard button as the user sees it."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass
class BotMessage:
    """A message the bot sent, kept up to date as the bot edits or deletes it.

    ``text`` is what the user reads: plain text with markup removed, or the caption of a
    photo or document. ``raw`` is the Telegram Message object in its current state (what a
    callback query carries). ``history`` holds earlier texts, oldest first.
    """

    chat_id: int
    message_id: int
    kind: str  # "text" | "photo" | "document" | the media of another send* method
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    file_bytes: bytes | None = field(default=None, repr=False)
    file_name: str | None = None
    mime_type: str | None = None
    edited: bool = False
    deleted: bool = False
    history: list[str] = field(default_factory=list)
    reply_keyboard: list[list[str]] | None = None
    media_group_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def button_labels(self) -> list[str]:
        """Every inline button's text, row by row, flattened."""
        return [b.text for row in self.buttons for b in row]

    def find_button(self, label: str) -> Button:
        """The button whose text is ``label``, else whose callback_data is, else whose text
        contains it; AssertionError naming the available buttons when none or several match."""
        flat = [b for row in self.buttons for b in row]
        for matches in (
            [b for b in flat if b.text == label],
            [b for b in flat if b.callback_data == label],
            [b for b in flat if label in b.text],
        ):
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise AssertionError(
                    f"«{label}» matches several buttons on message {self.message_id}: "
                    f"{[b.text for b in matches]}"
                )
        raise AssertionError(
            f"no button «{label}» on message {self.message_id} ({self.text[:60]!r}); "
            f"available: {self.button_labels or 'none'}"
        )


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot answered to a button tap (the toast or alert the user saw)."""

    query_id: str
    user_id: int
    chat_id: int
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None = None


@dataclass
class CallbackQueryRecord:
    """A callback query the server issued, and its answer once the bot gave one."""

    query_id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    label: str | None
    issued_at: float
    answer: CallbackAnswer | None = None
