"""The compact strings carried by inline buttons, and their strict parser.

Telegram allows 64 bytes of ``callback_data``; anything a client sends back may be old or
forged, so parsing never trusts it: a malformed payload parses to ``None``.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

MAX_CALLBACK_BYTES = 64


class Action(enum.StrEnum):
    ANSWER = "a"  # rating value or option id
    TOGGLE = "t"  # tick/untick a multi-select option
    CONFIRM = "c"  # confirm a multi-select
    SKIP = "s"
    BACK = "b"
    KEEP = "k"  # keep the stored answer after going back
    LANGUAGE = "l"
    FORGET = "f"  # value "yes" or "no"
    RESUME = "r"  # value: the response id a reminder is about
    REMINDERS = "m"  # value "on" or "off"
    PREVIEW = "p"  # value "<questionnaire row id>_<language>": a file's preview in another language
    COMMITMENT = "cm"  # value "<commitment id>_<y|p|n|x|t<k>|ok>": an outcome, a barrier ticked, confirmed
    REMOVE_ORGANISER = "ro"  # value "<workshop id>_<telegram id>": under /organisers' list


_QUESTION_ACTIONS = {Action.ANSWER, Action.TOGGLE, Action.CONFIRM, Action.SKIP, Action.BACK, Action.KEEP}
_VALUE = re.compile(r"[a-z0-9_]{1,24}")
_ID = re.compile(r"[0-9]{1,18}")
_INDEX = re.compile(r"[0-9]{1,4}")


@dataclass(frozen=True)
class Payload:
    action: Action
    response_id: int = 0
    index: int = 0
    value: str = ""

    def encode(self) -> str:
        if self.action in _QUESTION_ACTIONS:
            parts = [self.action.value, str(self.response_id), str(self.index)]
            if self.value:
                parts.append(self.value)
            data = ":".join(parts)
        else:
            data = f"{self.action.value}:{self.value}"
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data too long: {data!r}")
        return data


def question_payload(action: Action, response_id: int, index: int, value: str | int = "") -> str:
    return Payload(action, response_id, index, str(value)).encode()


def simple_payload(action: Action, value: str) -> str:
    return Payload(action, value=value).encode()


def parse(data: str | None) -> Payload | None:
    """Decode a button press; ``None`` for anything this version of the bot never sent."""
    if not data or len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    head, _, rest = data.partition(":")
    try:
        action = Action(head)
    except ValueError:
        return None
    if action not in _QUESTION_ACTIONS:
        return Payload(action, value=rest) if _VALUE.fullmatch(rest) else None
    parts = rest.split(":")
    needs_value = action in (Action.ANSWER, Action.TOGGLE)
    if len(parts) != (3 if needs_value else 2):
        return None
    response_id, index = parts[0], parts[1]
    if not (_ID.fullmatch(response_id) and _INDEX.fullmatch(index)):
        return None  # str.isdigit() would accept "²" and "١", which int() refuses or reads
    value = parts[2] if needs_value else ""
    if needs_value and not _VALUE.fullmatch(value):
        return None
    return Payload(action, int(response_id), int(index), value)
