"""What Telegram accepts: the method spec and the checks Telegram applies to a call.

The fake server is only useful if it refuses what Telegram refuses, with the same
words, so that a bug in the bot fails in a test exactly as it would in production.
This module holds those rules and nothing about HTTP or state:

* the list of methods and their parameters, read from the machine-readable Bot API
  description in ``botapi-methods.json`` (shared copy first, packaged copy last);
* decoding of parameter values (form fields are strings, JSON bodies are typed) and
  the primitive type checks;
* HTML parse mode, modelled on TDLib's parser (which is what the Bot API server runs);
* text, caption and inline keyboard limits.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SPEC_ENV_VAR = "BOTAPI_METHODS_JSON"
SPEC_FILE_NAME = "botapi-methods.json"

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_CALLBACK_DATA_BYTES = 64
MAX_KEYBOARD_BUTTONS = 100

PARSE_MODES = ("html", "markdown", "markdownv2")
INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
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


# --------------------------------------------------------------------------- text


def utf16_len(text: str) -> int:
    """Telegram measures text, offsets and limits in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_SPACES = " \t\r\n\f\v"


class _HtmlScanner:
    """A port of TDLib's ``parse_html``: same accepted input, same error texts.

    Notably an ``&`` that does not start a known entity (``&lt; &gt; &amp; &quot;`` or a
    numeric one, ``;`` optional) is kept literally, as Telegram does; a ``<`` always starts
    a tag and must be a supported one.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.out: list[str] = []
        self.utf16 = 0
        self.entities: list[dict[str, Any]] = []
        self.open: list[tuple[str, str, int]] = []  # tag, argument, utf16 start

    def ch(self, index: int | None = None) -> str:
        j = self.i if index is None else index
        return self.text[j] if j < len(self.text) else "\0"

    def byte_offset(self, index: int) -> int:
        return len(self.text[:index].encode("utf-8"))

    def fail(self, message: str) -> ApiError:
        return bad_request(f"can't parse entities: {message}")

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.utf16 += utf16_len(chunk)

    def entity(self) -> str | None:
        """Decode an HTML entity at ``self.i`` and advance, or return None and stay put."""
        text, start = self.text, self.i
        end = start + 1
        if self.ch(end) == "#":
            end += 1
            hexadecimal = self.ch(end) in "xX" and self.ch(end) != "\0"
            if hexadecimal:
                end += 1
            digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
            begin = end
            while end < len(text) and text[end] in digits:
                end += 1
            if end == begin:
                return None
            code = int(text[begin:end], 16 if hexadecimal else 10)
            if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                return None
            decoded = chr(code)
        else:
            while end < len(text) and text[end].isascii() and text[end].isalpha():
                end += 1
            decoded_or_none = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}.get(
                text[start + 1 : end]
            )
            if decoded_or_none is None:
                return None
            decoded = decoded_or_none
        self.i = end + 1 if self.ch(end) == ";" else end
        return decoded

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        while self.i < len(self.text):
            c = self.text[self.i]
            if c == "&":
                decoded = self.entity()
                if decoded is not None:
                    self.emit(decoded)
                    continue
            if c != "<":
                self.emit(c)
                self.i += 1
                continue
            begin = self.i
            self.i += 1
            if self.ch() != "/":
                self.start_tag(begin)
            else:
                self.end_tag(begin)
        if self.open:
            raise self.fail(f'Can\'t find end tag corresponding to start tag "{self.open[-1][0]}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def start_tag(self, begin: int) -> None:
        while self.ch() not in _SPACES + ">\0":
            self.i += 1
        if self.ch() == "\0":
            raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        tag = self.text[begin + 1 : self.i].lower()
        if tag not in _HTML_ENTITY_TYPES:
            raise self.fail(
                f'Unsupported start tag "{tag}" at byte offset {self.byte_offset(begin)}'
            )
        argument = ""
        while self.ch() != ">":
            while self.ch() != "\0" and self.ch() in _SPACES:
                self.i += 1
            if self.ch() == ">":
                break
            name_start = self.i
            while self.ch() not in _SPACES + "=>\0":
                self.i += 1
            name = self.text[name_start : self.i].lower()
            if not name:
                raise self.fail(
                    f'Empty attribute name in the tag "{tag}" '
                    f"at byte offset {self.byte_offset(begin)}"
                )
            while self.ch() != "\0" and self.ch() in _SPACES:
                self.i += 1
            if self.ch() != "=":
                if tag == "blockquote" and name == "expandable":
                    argument = "1"
                    continue
                raise self.fail(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                    f"at byte offset {self.byte_offset(begin)}"
                )
            self.i += 1
            while self.ch() != "\0" and self.ch() in _SPACES:
                self.i += 1
            if self.ch() == "\0":
                raise self.fail(
                    f'Unclosed start tag "{tag}" at byte offset {self.byte_offset(begin)}'
                )
            value = self.attribute_value(begin)
            if tag == "a" and name == "href":
                argument = value
            elif tag == "code" and name == "class" and value.startswith("language-"):
                argument = value[len("language-") :]
            elif tag == "span" and name == "class" and value.startswith("tg-"):
                argument = value[len("tg-") :]
            elif tag == "tg-emoji" and name == "emoji-id":
                argument = value
        if tag == "span" and argument != "spoiler":
            raise self.fail(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}'
            )
        self.i += 1  # '>'
        self.open.append((tag, argument, self.utf16))

    def attribute_value(self, begin: int) -> str:
        quote = self.ch()
        if quote not in "'\"":
            token_start = self.i
            while self.ch().isalnum() or self.ch() in ".-":
                if self.ch() == "\0":
                    break
                self.i += 1
            if self.ch() not in _SPACES + ">":
                raise self.fail(
                    f"Unexpected end of name token at byte offset {self.byte_offset(token_start)}"
                )
            return self.text[token_start : self.i].lower()
        self.i += 1
        value: list[str] = []
        while self.ch() not in (quote, "\0"):
            if self.ch() == "&":
                decoded = self.entity()
                if decoded is not None:
                    value.append(decoded)
                    continue
            value.append(self.ch())
            self.i += 1
        if self.ch() != quote:
            raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        self.i += 1
        return "".join(value)

    def end_tag(self, begin: int) -> None:
        if not self.open:
            raise self.fail(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        while self.ch() not in _SPACES + ">\0":
            self.i += 1
        end_name = self.text[begin + 2 : self.i].lower()
        while self.ch() != "\0" and self.ch() in _SPACES:
            self.i += 1
        if self.ch() != ">":
            raise self.fail(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        self.i += 1
        tag, argument, start = self.open.pop()
        if end_name and end_name != tag:
            raise self.fail(
                f'Unmatched end tag at byte offset {self.byte_offset(begin)}, expected "</{tag}>", '
                f'found "</{end_name}>"'
            )
        length = self.utf16 - start
        if length <= 0:
            return
        entity: dict[str, Any] = {
            "type": _HTML_ENTITY_TYPES[tag],
            "offset": start,
            "length": length,
        }
        if tag == "a":
            if not argument:
                return
            entity["url"] = argument
        elif tag == "tg-emoji":
            if not argument:
                return
            entity["custom_emoji_id"] = argument
        elif tag == "blockquote" and argument:
            entity["type"] = "expandable_blockquote"
        elif tag == "code" and self.open and self.open[-1][0] == "pre":
            if argument:  # <pre><code class="language-x"> is one pre entity with a language
                self.open[-1] = ("pre", argument, self.open[-1][2])
            return
        elif tag == "pre" and argument:
            entity["language"] = argument
        self.entities.append(entity)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities of an HTML-formatted text, or ApiError "can't parse entities"."""
    return _HtmlScanner(text).run()


def format_text(
    text: str, parse_mode: str | None, entities: Any, *, empty_error: str | None
) -> tuple[str, list[dict[str, Any]]]:
    """What a user sees: parse the markup, then trim surrounding whitespace like Telegram.

    ``empty_error`` is the refusal for an empty result (None when empty is allowed, as
    for captions). Markdown modes are accepted but not parsed: the text is kept as sent.
    """
    mode = (parse_mode or "").lower()
    if mode and mode not in PARSE_MODES:
        raise bad_request("unsupported parse_mode")
    found: list[dict[str, Any]]
    if mode == "html":
        plain, found = parse_html(text)
    else:
        plain = text
        found = [e for e in entities if isinstance(e, dict)] if isinstance(entities, list) else []
    stripped = plain.strip(_SPACES)
    if not stripped:
        if empty_error is not None:
            raise bad_request(empty_error)
        return "", []
    left = utf16_len(plain[: len(plain) - len(plain.lstrip(_SPACES))])
    total = utf16_len(stripped)
    kept: list[dict[str, Any]] = []
    for entity in found:
        try:
            begin = max(0, int(entity["offset"]) - left)
            end = min(total, int(entity["offset"]) + int(entity["length"]) - left)
        except (KeyError, TypeError, ValueError) as exc:
            raise bad_request("can't parse entities JSON object") from exc
        if end > begin:
            kept.append({**entity, "offset": begin, "length": end - begin})
    return stripped, kept


def check_text_length(text: str, *, caption: bool) -> None:
    """Refuse texts over 4096 and captions over 1024 UTF-16 units, after entity parsing."""
    if caption and utf16_len(text) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    if not caption and utf16_len(text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")


# --------------------------------------------------------------------------- keyboards


def is_valid_button_url(url: str) -> bool:
    """http(s) with a dotted host (Telegram refuses ``localhost``), tg://, or a bare domain."""
    if not url or any(c.isspace() for c in url):
        return False
    parts = urlsplit(url if "://" in url else f"http://{url}")
    scheme = parts.scheme.lower()
    if scheme == "tg":
        return bool(parts.netloc or parts.path)
    if scheme not in ("http", "https"):
        return False
    try:
        host = parts.hostname or ""
        _ = parts.port
    except ValueError:
        return False
    return "." in host.strip(".") and host != "localhost"


def check_reply_markup(markup: Any, *, inline_only: bool) -> dict[str, Any]:
    """Validate a reply_markup like Telegram and return it unchanged.

    Inline buttons need a text and exactly one action; callback_data must be 1-64 bytes
    of UTF-8 (the limit a bot hits when it packs too much into a button) and URLs must be
    ones Telegram can open.
    """
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
        return markup
    if inline_only:
        raise bad_request("can't parse inline keyboard markup JSON object")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                label = button.get("text") if isinstance(button, dict) else button
                if not isinstance(label, str) or not label:
                    raise bad_request(
                        'can\'t parse keyboard button: Field "text" must be of type String'
                    )
        return markup
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    if sum(len(row) for row in rows) > MAX_KEYBOARD_BUTTONS:
        raise bad_request("reply markup is too long")
    for row in rows:
        for button in row:
            _check_inline_button(button)


def _check_inline_button(button: Any) -> None:
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad_request(prefix + "InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise bad_request(prefix + 'Field "text" must be of type String')
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [name for name in INLINE_BUTTON_ACTIONS if name in button]
    if not actions:
        raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request(
            prefix + f"exactly one of the optional fields must be used, got {', '.join(actions)}"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if (
            not isinstance(data, str)
            or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
        ):
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not (
        isinstance(button["url"], str) and is_valid_button_url(button["url"])
    ):
        raise bad_request("BUTTON_URL_INVALID")
    if "web_app" in button:
        web_app = button["web_app"]
        url = web_app.get("url") if isinstance(web_app, dict) else None
        if (
            not isinstance(url, str)
            or not url.startswith("https://")
            or not is_valid_button_url(url)
        ):
            raise bad_request("BUTTON_URL_INVALID")


# --------------------------------------------------------------------------- images


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, JPEG, GIF, WebP or BMP image; None for anything else.

    Telegram re-encodes every photo, so bytes it cannot decode are refused with
    IMAGE_PROCESS_FAILED; reading the header is enough to tell a picture from garbage.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data.startswith(b"BM") and len(data) >= 26:
        return int.from_bytes(data[18:22], "little", signed=True), abs(
            int.from_bytes(data[22:26], "little", signed=True)
        )
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        return _webp_size(data)
    if data.startswith(b"\xff\xd8\xff"):
        return _jpeg_size(data)
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X":
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8 ":
        return int.from_bytes(data[26:28], "little") & 0x3FFF, int.from_bytes(
            data[28:30], "little"
        ) & 0x3FFF
    if chunk == b"VP8L":
        b = data[21:25]
        width = 1 + (((b[1] & 0x3F) << 8) | b[0])
        height = 1 + (((b[3] & 0x0F) << 10) | (b[2] << 2) | ((b[1] & 0xC0) >> 6))
        return width, height
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(
                data[i + 5 : i + 7], "big"
            )
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return None


def check_photo(data: bytes) -> tuple[int, int]:
    """The photo's size, or the refusal Telegram gives for undecodable or odd-shaped images."""
    if not data:
        raise bad_request("file must be non-empty")
    size = image_size(data)
    if size is None or size[0] <= 0 or size[1] <= 0:
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = size
    if width + height > 10000 or max(width, height) > 20 * min(width, height):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    return size
