"""What the user reads of a sent text: HTML parse mode, trimming, and UTF-16 measures.

Telegram counts entity offsets in UTF-16 code units (the length limits, in contrast, in
Unicode scalars: see ``validation.text_length``) and parses HTML with TDLib's parser; the
bot's texts only look right in a test if both are modelled exactly.
"""

from __future__ import annotations

from typing import Any

from telegram_sim.errors import ApiError, bad_request

PARSE_MODES = ("html", "markdown", "markdownv2")


def utf16_len(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
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
