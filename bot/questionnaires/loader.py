"""Load a questionnaire from YAML into the model, with errors a trainer can act on.

Organisers bring their own questionnaire as a YAML file, so a mistake must come back as
"questions.yaml, line 14: ..." in plain words, never as a traceback or "invalid file".
That is why validation runs over the *composed* YAML nodes (which remember where they
came from) instead of over the plain Python objects PyYAML would build: every error can
point at the exact line, and duplicate keys, which PyYAML silently drops, are caught.
"""

from __future__ import annotations

import re
from difflib import get_close_matches
from functools import cache
from importlib.resources import files
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from bot.questionnaires.model import (
    LANGUAGES,
    Option,
    Question,
    Questionnaire,
    QuestionnaireKind,
    QuestionType,
    Text,
)

MAX_FILE_BYTES = 256 * 1024
MAX_QUESTIONS = 100
MIN_OPTIONS = 2
MAX_OPTIONS = 30
MAX_TITLE_CHARS = 200
MAX_INTRO_CHARS = 1000
MAX_QUESTION_CHARS = 1000
MAX_OPTION_CHARS = 100  # options and rating labels become button labels
MAX_SCALE = 10

_QUESTIONNAIRE_KEY = re.compile(r"[a-z0-9-]{1,40}")
_QUESTION_ID = re.compile(r"[a-z0-9_]{1,32}")
_OPTION_ID = re.compile(r"[a-z0-9_]{1,24}")

_TOP_KEYS = ("key", "kind", "title", "intro", "questions")
_COMMON_KEYS = ("id", "type", "text", "optional")
_TYPE_KEYS: dict[QuestionType, tuple[str, ...]] = {
    QuestionType.RATING: ("min", "max", "low_label", "high_label"),
    QuestionType.CHOICE: ("options",),
    QuestionType.YESNO: ("maybe",),
    QuestionType.MULTI: ("options",),
    QuestionType.TEXT: (),
}
_QUESTION_KEYS = _COMMON_KEYS + tuple(
    dict.fromkeys(key for keys in _TYPE_KEYS.values() for key in keys)
)
_OPTION_KEYS = ("id", "text")

# Tags the SafeLoader resolver gives untagged nodes; anything else came from an explicit
# tag such as "!!python/object", which a questionnaire never needs.
_STANDARD_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp", "value")
)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"
_TRUE = frozenset({"true", "yes", "on"})
_FALSE = frozenset({"false", "no", "off"})


class QuestionnaireError(ValueError):
    """A questionnaire file that cannot be used, with where and why in plain words.

    ``line`` and ``column`` are 1-based (as editors show them), or None when the problem
    is the file as a whole; ``reason`` is the message without the file name and line.
    """

    def __init__(
        self, reason: str, *, name: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.reason = reason
        self.name = name
        self.line = line
        self.column = column
        where = f"{name}, line {line}" if line is not None else name
        super().__init__(f"{where}: {reason}")


def load_questionnaire(source: str | bytes, *, name: str = "<questionnaire>") -> Questionnaire:
    """Parse and validate YAML text; ``name`` is the file name used in error messages."""
    text = _decode(source, name)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, name) from None
    except ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        raise QuestionnaireError(
            f"the file contains a character that is not allowed "
            f"(code {error.character:#x}); remove it",
            name=name,
            line=line,
        ) from None
    except yaml.YAMLError as error:  # not expected from SafeLoader, but never a traceback
        raise QuestionnaireError(f"this is not valid YAML: {error}", name=name) from None
    if root is None or (isinstance(root, ScalarNode) and root.tag == _NULL_TAG):
        raise QuestionnaireError(
            "the file is empty; it should contain key:, kind:, title: and questions:",
            name=name,
            line=1,
        )
    validator = _Validator(name)
    validator.refuse_tags(root)
    return validator.questionnaire(root)


def load_questionnaire_file(path: Path) -> Questionnaire:
    """Load a questionnaire file; errors name the file by its base name, as a trainer knows it."""
    path = Path(path)
    with path.open("rb") as stream:
        data = stream.read(MAX_FILE_BYTES + 1)
    return load_questionnaire(data, name=path.name)


@cache
def default_questionnaire(kind: QuestionnaireKind) -> Questionnaire:
    """The built-in questionnaire of this kind, from the YAML files packaged in ``data/``."""
    kind = QuestionnaireKind(kind)
    file_name = f"{kind.value}.yaml"
    data = files("bot.questionnaires").joinpath("data", file_name).read_bytes()
    questionnaire = load_questionnaire(data, name=file_name)
    if questionnaire.kind is not kind:
        raise QuestionnaireError(
            f'kind is "{questionnaire.kind.value}" but this file must hold the '
            f'"{kind.value}" questionnaire',
            name=file_name,
        )
    return questionnaire


def _decode(source: str | bytes, name: str) -> str:
    """Enforce the size limit and turn bytes into text, pointing at the line of a bad byte."""
    size = len(source) if isinstance(source, bytes) else len(source.encode("utf-8", "replace"))
    if size > MAX_FILE_BYTES:
        raise QuestionnaireError(
            f"the file is larger than {MAX_FILE_BYTES // 1024} KiB, "
            "the limit for a questionnaire file",
            name=name,
        )
    if isinstance(source, str):
        return source.removeprefix("\ufeff")
    try:
        return source.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = source.count(b"\n", 0, error.start) + 1
        raise QuestionnaireError(
            "the file is not UTF-8 text (it was probably saved in another encoding); "
            "save it again as UTF-8",
            name=name,
            line=line,
        ) from None


def _syntax_error(error: yaml.MarkedYAMLError, name: str) -> QuestionnaireError:
    """Turn a PyYAML syntax error into the same form, with a hint for the usual mistakes."""
    mark = error.problem_mark or error.context_mark
    problem = error.problem or error.context or "the text cannot be read"
    reason = f"this is not valid YAML: {problem}"
    if error.context and error.problem and error.context_mark is not None:
        reason += f" ({error.context}, line {error.context_mark.line + 1})"
    if "mapping values are not allowed" in problem:
        reason += '; a text that contains ": " must be put in quotes'
    elif "'\\t'" in problem:
        reason += "; indent with spaces, not tabs"
    elif "another document" in problem:
        reason = 'the file must hold only one questionnaire: remove this "---" and what follows'
    return QuestionnaireError(
        reason,
        name=name,
        line=mark.line + 1 if mark else None,
        column=mark.column + 1 if mark else None,
    )


def _question_name(node: Node, number: int) -> str:
    """How errors name a question: by its id when it has a valid one, else by position."""
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if (
                isinstance(key_node, ScalarNode)
                and key_node.value == "id"
                and isinstance(value_node, ScalarNode)
                and _QUESTION_ID.fullmatch(value_node.value)
            ):
                return f'question "{value_node.value}"'
    return f"question {number}"


def _describe(node: Node) -> str:
    """What the trainer wrote instead of what was expected, in words."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == _NULL_TAG:
        return "nothing"
    return f'"{node.value}"'


class _Validator:
    """Walks the composed nodes of one file; knows the file name for its errors."""

    def __init__(self, name: str) -> None:
        self.name = name

    def refuse_tags(self, root: Node) -> None:
        """Refuse explicit tags (``!!python/object`` ...): a questionnaire is plain data."""
        seen: set[int] = set()  # aliases share nodes and may even loop
        pending = [root]
        while pending:
            node = pending.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if node.tag == _MERGE_TAG:
                raise self.error(node, '"<<" (merging mappings) is not supported; write it out')
            if node.tag not in _STANDARD_TAGS:
                tag = node.tag.replace("tag:yaml.org,2002:", "!!")
                raise self.error(node, f"YAML tags such as {tag} are not allowed")
            if isinstance(node, SequenceNode):
                pending.extend(node.value)
            elif isinstance(node, MappingNode):
                pending.extend(item for pair in node.value for item in pair)

    def error(self, node: Node, reason: str) -> QuestionnaireError:
        mark = node.start_mark
        return QuestionnaireError(
            reason, name=self.name, line=mark.line + 1, column=mark.column + 1
        )

    # --- generic shapes ------------------------------------------------------------------

    def mapping(
        self, node: Node, allowed: tuple[str, ...], where: str, expected: str
    ) -> dict[str, tuple[ScalarNode, Node]]:
        """A mapping's entries by key, refusing duplicate and unknown keys."""
        if not isinstance(node, MappingNode):
            raise self.error(node, f"{where} must be {expected}, not {_describe(node)}")
        entries: dict[str, tuple[ScalarNode, Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _NULL_TAG:
                raise self.error(key_node, f"{where}: a key must be a plain word")
            key = key_node.value
            if key in entries:
                first = entries[key][0].start_mark.line + 1
                raise self.error(
                    key_node, f'{where}: "{key}" is given twice (first on line {first})'
                )
            if key not in allowed:
                close = get_close_matches(key, allowed, n=1)
                hint = f'did you mean "{close[0]}"?' if close else "allowed: " + ", ".join(allowed)
                raise self.error(key_node, f'{where}: unknown key "{key}"; {hint}')
            entries[key] = (key_node, value_node)
        return entries

    def required(
        self, node: Node, entries: dict[str, tuple[ScalarNode, Node]], key: str, where: str
    ) -> Node:
        if key not in entries:
            raise self.error(node, f'{where}: "{key}" is missing')
        return entries[key][1]

    def scalar(self, node: Node, what: str) -> str:
        """The text of a scalar exactly as written (so ``no`` stays "no", not False)."""
        if not isinstance(node, ScalarNode):
            raise self.error(node, f"{what} must be a single value, not {_describe(node)}")
        return "" if node.tag == _NULL_TAG else node.value.strip()

    def slug(self, node: Node, what: str, pattern: re.Pattern[str], rule: str) -> str:
        value = self.scalar(node, what)
        if not pattern.fullmatch(value):
            shown = f'"{value}"' if value else "empty"
            raise self.error(node, f"{what} is {shown}; it must be {rule}")
        return value

    def boolean(self, node: Node, what: str) -> bool:
        value = self.scalar(node, what).lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise self.error(node, f"{what} must be true or false, not {_describe(node)}")

    def integer(self, node: Node, what: str) -> int:
        value = self.scalar(node, what)
        if not re.fullmatch(r"[+-]?[0-9]+", value):
            raise self.error(node, f"{what} must be a whole number, not {_describe(node)}")
        return int(value)

    def text(self, node: Node, what: str, max_chars: int) -> Text:
        """A language mapping: exactly ar, fr and en, each a non-empty string."""
        expected = "one text per language (ar:, fr: and en:)"
        entries = self.mapping(node, LANGUAGES, what, expected)
        values: dict[str, str] = {}
        for language in LANGUAGES:
            if language not in entries:
                raise self.error(node, f'{what}: the "{language}" translation is missing')
            value_node = entries[language][1]
            value = self.scalar(value_node, f"{what} ({language})")
            if not value:
                raise self.error(value_node, f'{what}: the "{language}" text is empty')
            if len(value) > max_chars:
                raise self.error(
                    value_node,
                    f'{what}: the "{language}" text is {len(value)} characters long; '
                    f"the limit is {max_chars}",
                )
            values[language] = value
        return Text(**values)

    # --- the questionnaire ---------------------------------------------------------------

    def questionnaire(self, root: Node) -> Questionnaire:
        top = "the file"
        entries = self.mapping(
            root, _TOP_KEYS, top, "a mapping with key:, kind:, title: and questions:"
        )
        key = self.slug(
            self.required(root, entries, "key", top),
            "key",
            _QUESTIONNAIRE_KEY,
            "1 to 40 lowercase letters, digits or dashes",
        )
        kind_node = self.required(root, entries, "kind", top)
        kind_value = self.scalar(kind_node, "kind")
        try:
            kind = QuestionnaireKind(kind_value)
        except ValueError:
            raise self.error(
                kind_node,
                f'kind "{kind_value}" is not one of '
                f"{', '.join(k.value for k in QuestionnaireKind)}",
            ) from None
        title = self.text(self.required(root, entries, "title", top), "title", MAX_TITLE_CHARS)
        intro = (
            self.text(entries["intro"][1], "intro", MAX_INTRO_CHARS)
            if "intro" in entries
            else None
        )
        questions_node = self.required(root, entries, "questions", top)
        if not isinstance(questions_node, SequenceNode):
            raise self.error(
                questions_node, f"questions must be a list, not {_describe(questions_node)}"
            )
        if not questions_node.value:
            raise self.error(questions_node, "questions: the list is empty")
        if len(questions_node.value) > MAX_QUESTIONS:
            raise self.error(
                questions_node,
                f"there are {len(questions_node.value)} questions; "
                f"a questionnaire may have at most {MAX_QUESTIONS}",
            )
        questions: list[Question] = []
        seen: dict[str, int] = {}
        for number, question_node in enumerate(questions_node.value, start=1):
            question, id_node = self.question(question_node, number)
            if question.id in seen:
                raise self.error(
                    id_node,
                    f'question id "{question.id}" is used twice '
                    f"(first on line {seen[question.id]})",
                )
            seen[question.id] = id_node.start_mark.line + 1
            questions.append(question)
        return Questionnaire(
            key=key, kind=kind, title=title, intro=intro, questions=tuple(questions)
        )

    def question(self, node: Node, number: int) -> tuple[Question, Node]:
        where = _question_name(node, number)
        entries = self.mapping(node, _QUESTION_KEYS, where, "a mapping with id:, type: and text:")
        id_node = self.required(node, entries, "id", where)
        question_id = self.slug(
            id_node, f"{where}: id", _QUESTION_ID, "1 to 32 lowercase letters, digits or _"
        )
        where = f'question "{question_id}"'
        type_node = self.required(node, entries, "type", where)
        type_value = self.scalar(type_node, f"{where}: type")
        try:
            question_type = QuestionType(type_value)
        except ValueError:
            raise self.error(
                type_node,
                f'{where}: type "{type_value}" is not one of '
                f"{', '.join(t.value for t in QuestionType)}",
            ) from None
        for key, (key_node, _) in entries.items():
            if key not in _COMMON_KEYS and key not in _TYPE_KEYS[question_type]:
                users = [t.value for t, keys in _TYPE_KEYS.items() if key in keys]
                raise self.error(
                    key_node,
                    f'{where}: "{key}" does not apply to {question_type.value} questions '
                    f"(only to {' and '.join(users)})",
                )
        text = self.text(
            self.required(node, entries, "text", where), f"{where}: text", MAX_QUESTION_CHARS
        )
        optional = (
            self.boolean(entries["optional"][1], f"{where}: optional")
            if "optional" in entries
            else False
        )
        options: tuple[Option, ...] = ()
        if question_type in (QuestionType.CHOICE, QuestionType.MULTI):
            options_node = self.required(node, entries, "options", where)
            options = self.options(options_node, where, question_type)
        low, high = self.scale(entries, where)
        labels = {
            key: self.text(entries[key][1], f"{where}: {key}", MAX_OPTION_CHARS)
            for key in ("low_label", "high_label")
            if key in entries
        }
        maybe = True
        if "maybe" in entries:
            maybe = self.boolean(entries["maybe"][1], f"{where}: maybe")
        question = Question(
            id=question_id,
            type=question_type,
            text=text,
            optional=optional,
            options=options,
            scale_min=low,
            scale_max=high,
            low_label=labels.get("low_label"),
            high_label=labels.get("high_label"),
            maybe=maybe,
        )
        return question, id_node

    def options(self, node: Node, where: str, question_type: QuestionType) -> tuple[Option, ...]:
        if not isinstance(node, SequenceNode):
            raise self.error(node, f"{where}: options must be a list, not {_describe(node)}")
        count = len(node.value)
        if count < MIN_OPTIONS:
            raise self.error(
                node,
                f"{where}: a {question_type.value} question needs at least {MIN_OPTIONS} "
                f"options, found {count}",
            )
        if count > MAX_OPTIONS:
            raise self.error(
                node,
                f"{where}: there are {count} options; a question may have at most {MAX_OPTIONS}",
            )
        options: list[Option] = []
        seen: dict[str, int] = {}
        for number, option_node in enumerate(node.value, start=1):
            option_where = f"{where}, option {number}"
            entries = self.mapping(
                option_node, _OPTION_KEYS, option_where, "a mapping with id: and text:"
            )
            id_node = self.required(option_node, entries, "id", option_where)
            option_id = self.slug(
                id_node,
                f"{option_where}: id",
                _OPTION_ID,
                "1 to 24 lowercase letters, digits or _",
            )
            if option_id in seen:
                raise self.error(
                    id_node,
                    f'{where}: option id "{option_id}" is used twice '
                    f"(first on line {seen[option_id]})",
                )
            seen[option_id] = id_node.start_mark.line + 1
            option_where = f'{where}, option "{option_id}"'
            text = self.text(
                self.required(option_node, entries, "text", option_where),
                f"{option_where}: text",
                MAX_OPTION_CHARS,
            )
            options.append(Option(id=option_id, text=text))
        return tuple(options)

    def scale(self, entries: dict[str, tuple[ScalarNode, Node]], where: str) -> tuple[int, int]:
        """A rating's min and max (1 to 5 unless given), pointing at the wrong one."""
        low = self.integer(entries["min"][1], f"{where}: min") if "min" in entries else 1
        high = self.integer(entries["max"][1], f"{where}: max") if "max" in entries else 5
        if not 0 <= low < high <= MAX_SCALE:
            low_is_wrong = "min" in entries and not 0 <= low < MAX_SCALE
            culprit = "min" if low_is_wrong or "max" not in entries else "max"
            raise self.error(
                entries[culprit][1],
                f"{where}: the scale goes from {low} to {high}; min must be smaller than "
                f"max, and both must be between 0 and {MAX_SCALE}",
            )
        return low, high
