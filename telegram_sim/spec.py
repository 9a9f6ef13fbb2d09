"""What Telegram accepts: the published list of methods and the decoding of their parameters.

The fake server is only useful if it refuses what Telegram refuses, with the same
words, so that a bug in the bot fails in a test exactly as it would in production.
This module holds the method-level rules and nothing about HTTP, state or content:

* the list of methods and their parameters, read from the machine-readable Bot API
  description in ``botapi-methods.json`` (shared copy first, packaged copy last);
* decoding of parameter values (form fields are strings, JSON bodies are typed), the
  primitive type checks and the required-parameter checks.

Content rules (text, keyboards, photos) live in ``formatting``, ``validation`` and ``images``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from telegram_sim.errors import ApiError, bad_request

SPEC_ENV_VAR = "BOTAPI_METHODS_JSON"
SPEC_FILE_NAME = "botapi-methods.json"

_SPECIFIC_MISSING = {
    "text": "Bad Request: message text is empty",
    "chat_id": "Bad Request: chat_id is empty",
    "photo": "Bad Request: there is no photo in the request",
    "document": "Bad Request: there is no document in the request",
    "sticker": "Bad Request: there is no sticker in the request",
    "media": "Bad Request: there are no media in the request",
    "message_id": "Bad Request: message identifier is not specified",
}
_INT_RE = re.compile(r"[+-]?\d+")


# --------------------------------------------------------------------------- spec file


@dataclass(frozen=True)
class FieldSpec:
    """One parameter of a method: its name, allowed Bot API types, whether it is required."""

    name: str
    types: tuple[str, ...]
    required: bool

    @property
    def allows_string(self) -> bool:
        """A String-typed field takes any value, so it is never refused for its type."""
        return "String" in self.types

    @property
    def allows_file(self) -> bool:
        """InputFile fields may be satisfied by a multipart part instead of a form field."""
        return "InputFile" in self.types


@dataclass(frozen=True)
class MethodSpec:
    """A Bot API method and its parameters, keyed by name."""

    name: str
    fields: dict[str, FieldSpec]


@dataclass(frozen=True)
class ApiSpec:
    """All methods of one Bot API version, looked up case-insensitively like Telegram does."""

    version: str
    methods: dict[str, MethodSpec]

    def lookup(self, name: str) -> MethodSpec | None:
        """The method called ``name`` in any letter case, or None if Telegram has no such method."""
        method = self.methods.get(name)
        if method is not None:
            return method
        lowered = name.lower()
        return next((m for key, m in self.methods.items() if key.lower() == lowered), None)


def find_spec_file() -> Path:
    """Locate ``botapi-methods.json``: env var, then a ``shared/`` next to some ancestor, then the
    packaged copy, so tests use the shared source of truth and an installed demo still works."""
    configured = os.environ.get(SPEC_ENV_VAR)
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise FileNotFoundError(f"{SPEC_ENV_VAR}={configured} does not point to a file")
        return path
    here = Path(__file__).resolve().parent
    for directory in (here, *here.parents):
        candidate = directory / "shared" / SPEC_FILE_NAME
        if candidate.is_file():
            return candidate
    return here / SPEC_FILE_NAME


@lru_cache(maxsize=4)
def load_spec(path: Path | None = None) -> ApiSpec:
    """Read and index the method spec once per path (it is ~60 kB and never changes)."""
    source = path or find_spec_file()
    data = json.loads(source.read_text(encoding="utf-8"))
    methods: dict[str, MethodSpec] = {}
    for name, body in data["methods"].items():
        fields = {
            f["name"]: FieldSpec(f["name"], tuple(f["types"]), bool(f["required"]))
            for f in body.get("fields", [])
        }
        methods[name] = MethodSpec(name, fields)
    return ApiSpec(str(data.get("version", "")), methods)


# --------------------------------------------------------------------------- parameters


def decode_params(method: MethodSpec, raw: dict[str, Any], file_parts: set[str]) -> dict[str, Any]:
    """Turn received values into typed ones and refuse what Telegram would refuse.

    Form and multipart values are strings (PTB JSON-encodes every non-string value); JSON
    bodies carry typed values. Both go through the same coercion. Empty strings count as
    absent, as in Telegram. Unknown parameters are kept (decoded when they look like
    JSON) but never checked, since Telegram ignores them.
    """
    params: dict[str, Any] = {}
    for name, value in raw.items():
        if value is None or value == "":
            continue
        spec = method.fields.get(name)
        params[name] = _coerce_field(spec, value) if spec else _loose_json(value)
    for spec in method.fields.values():
        if spec.required and spec.name not in params and spec.name not in file_parts:
            raise ApiError(
                400, _SPECIFIC_MISSING.get(spec.name, f"Bad Request: {spec.name} is required")
            )
    return params


def _loose_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _coerce_field(spec: FieldSpec, value: Any) -> Any:
    """The value converted to the first non-String type it fits, else kept as a String."""
    decoded = _loose_json(value)
    for type_name in spec.types:
        fits, converted = _fits(type_name, value, decoded)
        if fits:
            return converted
    if spec.allows_string:
        return value
    raise _type_error(spec)


def _fits(type_name: str, value: Any, decoded: Any) -> tuple[bool, Any]:
    if type_name in ("String", "InputFile"):
        return False, None
    if type_name == "Integer":
        if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
            return True, int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return True, value
        if isinstance(value, float) and value.is_integer():
            return True, int(value)
        return False, None
    if type_name == "Float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return True, float(value)
        if isinstance(value, str):
            try:
                return True, float(value)
            except ValueError:
                return False, None
        return False, None
    if type_name == "Boolean":
        if isinstance(value, bool):
            return True, value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
            return True, value.strip().lower() in ("true", "1")
        return False, None
    if type_name.startswith("Array of"):
        return isinstance(decoded, list), decoded
    return isinstance(decoded, dict), decoded


def _type_error(spec: FieldSpec) -> ApiError:
    primitive = [t for t in spec.types if t in ("Integer", "Float")]
    if primitive:
        return ApiError(400, f'Bad Request: field "{spec.name}" must be a valid Number')
    if "Boolean" in spec.types:
        return ApiError(400, f'Bad Request: field "{spec.name}" must be a valid Boolean')
    if spec.name == "reply_markup":
        return bad_request("can't parse reply keyboard markup JSON object")
    return bad_request(f"can't parse {spec.name} JSON object")
