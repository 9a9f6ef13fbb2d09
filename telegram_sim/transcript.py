"""The conversation log: one entry per event, in order, and its human-readable form.

Both sides append to the server's transcript; ``format_transcript`` is what the demo
prints and what a failing conversation test is easiest to read from.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class TranscriptEntry:
    """One event of the conversation, in order: ``direction`` says who acted.

    For "user" entries ``name`` is the person acting; for "bot" entries it is the
    recipient (a person or, in groups, the group title).
    """

    direction: Literal["user", "bot"]
    # text, command, sticker, photo, document, edit, tap, block, unblock, delete, callback_answer…
    kind: str
    chat_id: int
    user_id: int | None
    name: str
    text: str
    chat_title: str | None = None
    buttons: tuple[tuple[str, ...], ...] = ()
    message_id: int | None = None
    timestamp: float = field(default_factory=time.monotonic)


_FILE_ICONS = {"photo": "🖼", "document": "📎"}


def format_transcript(entries: list[TranscriptEntry], names: dict[int, str] | None = None) -> str:
    """Readable lines for a transcript; ``names`` overrides display names by user or chat id."""
    return "\n".join(_format_entry(entry, names or {}) for entry in entries)


def _format_entry(entry: TranscriptEntry, names: dict[int, str]) -> str:
    name = names.get(entry.user_id or 0) or names.get(entry.chat_id) or entry.name
    where = f" @ {names.get(entry.chat_id) or entry.chat_title}" if entry.chat_title else ""
    text = entry.text.replace("\n", "\n   ")
    keyboard = "".join(
        (" " if i == 0 else " / ") + " ".join(f"[{label}]" for label in row)
        for i, row in enumerate(entry.buttons)
    )
    if entry.direction == "user":
        return {
            "tap": f"👆 {name}{where} taps «{text}»",
            "edit": f"👤 {name}{where} ✏️ edits #{entry.message_id} → {text}",
            "sticker": f"👤 {name}{where} → [sticker {text}]",
            "photo": f"👤 {name}{where} → [photo] {text}".rstrip(),
            "document": f"👤 {name}{where} → [document] {text}".rstrip(),
            "block": f"🚫 {name} blocked the bot",
            "unblock": f"✅ {name} unblocked the bot",
        }.get(entry.kind, f"👤 {name}{where} → {text}")
    if entry.kind == "edit":
        return f"✏️ edited → {name}: {text}{keyboard}"
    if entry.kind == "delete":
        return f"🗑 deleted → {name}: #{entry.message_id} {text}".rstrip()
    if entry.kind == "callback_answer":
        return f"💬 → {name}: {text}" if text else f"💬 → {name}: (answered silently)"
    if entry.kind in _FILE_ICONS:
        return f"🤖 → {name}: {_FILE_ICONS[entry.kind]} {text}{keyboard}"
    if entry.kind != "text":
        return f"🤖 → {name}: [{entry.kind}] {text}{keyboard}".rstrip()
    return f"🤖 → {name}: {text}{keyboard}"
