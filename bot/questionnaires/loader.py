"""Load a questionnaire from YAML into the model, listing every problem of a file at once.

Organisers bring their own questionnaire as a YAML file, so a mistake must come back as
"line 14: the "ar" text is missing" in their own language, never as a traceback or
"invalid file", and all of a file's mistakes at once (not one per upload). So validation
runs over the *composed* YAML nodes (which remember where they came from, and keep
duplicate keys that PyYAML would silently drop), records a ``Problem`` (an ``N_`` msgid
and its values, translated when shown) and goes on; ``QuestionnaireProblems`` lists them.

A hostile file costs nothing: the size is checked before parsing, and aliases/anchors
("billion laughs") and explicit tags are refused on the event stream, before any node
is composed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from difflib import get_close_matches
from functools import cache
from importlib.resources import files
from pathlib import Path

import yaml
from yaml.events import AliasEvent, DocumentStartEvent, NodeEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from bot.questionnaires.files import MAX_UPLOAD_BYTES
from bot.questionnaires.model import (
    LANGUAGES,
    Condition,
    Option,
    Question,
    Questionnaire,
    QuestionnaireKind,
    QuestionType,
    Text,
)
from bot.questionnaires.problems import N_, Problem, QuestionnaireProblems

MAX_FILE_BYTES = MAX_UPLOAD_BYTES
MAX_QUESTIONS = 60
MIN_OPTIONS = 2
MAX_OPTIONS = 30
MAX_TITLE_CHARS = 200
MAX_INTRO_CHARS = 1000
MAX_QUESTION_CHARS = 1000
MAX_OPTION_CHARS = 100  # options and rating labels become button labels
MAX_SCALE = 10
# The longest typed answer the bot stores (bot.storage.models.TEXT_ANSWER_MAX; a test keeps
# them equal): questionnaires are data and do not import the storage layer.
MAX_TEXT_ANSWER_CHARS = 2000
# Beyond this, more problems help nobody: the organiser has enough to fix.
MAX_PROBLEMS = 200
MAX_COMMITMENTS = 5  # a commitments question's ``max``: at most this many things written
DEFAULT_COMMITMENTS = 3

# libyaml when installed: a 1 MB file parses in about a second instead of ten.
_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_QUESTIONNAIRE_KEY = re.compile(r"[a-z0-9-]{1,40}")
_QUESTION_ID = re.compile(r"[a-z0-9_]{1,32}")
_OPTION_ID = re.compile(r"[a-z0-9_]{1,24}")
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
_MEASURE = re.compile(r"[a-z0-9_]{1,40}")  # a rating's ``measure:``, compared before → after

_TOP_KEYS = ("key", "kind", "languages", "title", "intro", "questions")
_COMMON_KEYS = ("id", "type", "text", "optional", "required", "show_if")
# The types as written in a file: "yesnomaybe" is a yes/no question offering "maybe".
_TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "rating": ("min", "max", "low_label", "high_label", "nps", "measure", "retrospective"),
    "choice": ("options",),
    "yesno": ("maybe",),
    "yesnomaybe": (),
    "multi": ("options", "max"),
    "text": ("max_length",),
    "commitments": ("max",),  # up to ``max`` (1–5, default 3) short texts, one per message
    "note": (),
}
_NOTE_KEYS = ("id", "type", "text", "show_if")
_QUESTION_KEYS = _COMMON_KEYS + tuple(
    dict.fromkeys(key for keys in _TYPE_KEYS.values() for key in keys)
)
_OPTION_KEYS = ("id", "text")
_CONDITION_KEYS = ("question", "in")

# Tags the resolver gives untagged nodes; an explicit one of these (``!!str 12``) is
# harmless, anything else (``!!python/object``, ``!foo``) is refused.
_STANDARD_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp", "value")
)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"
_TRUE = frozenset({"true", "yes", "on"})
_FALSE = frozenset({"false", "no", "off"})

Place = Mapping[str, str | int]
"""Where in the file a problem is, as ``Problem.values`` keys the rendering shows before the
message: ``at_question`` (an id) or ``at_question_number``, ``at_option`` or
``at_option_number``, ``at_field`` (the key holding a text: title, text, low_label…)."""


def load_questionnaire(source: str | bytes, *, name: str = "<questionnaire>") -> Questionnaire:
    """Parse and validate YAML text; ``name`` is the file name the problems are reported for."""
    text = _decode(source, name)
    _refuse_hostile_events(text, name)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as error:  # the events were fine, so not expected; never a traceback
        raise QuestionnaireProblems(name, [_syntax_problem(error, text)]) from None
    if root is None or (isinstance(root, ScalarNode) and root.tag == _NULL_TAG):
        raise QuestionnaireProblems(name, [Problem(
            N_('The file is empty; it must contain “key:”, “title:” and “questions:”.'), line=1,
        )])
    validator = _Validator()
    questionnaire = validator.questionnaire(root)
    if validator.problems or questionnaire is None:
        problems = sorted(validator.problems, key=lambda p: (p.line or 0, p.column or 0))
        raise QuestionnaireProblems(name, problems)
    return questionnaire


def load_questionnaire_file(path: Path) -> Questionnaire:
    """Load a questionnaire file; problems name the file by its base name, as a trainer knows it."""
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
    if questionnaire.kind is not kind:  # a packaging mistake, not an organiser's
        raise ValueError(f'{file_name}: kind is "{questionnaire.kind.value}", not "{kind.value}"')
    return questionnaire


# --- before any node exists -------------------------------------------------------------------


def _decode(source: str | bytes, name: str) -> str:
    """Enforce the size limit and turn bytes into text, pointing at the line of a bad byte."""
    size = len(source) if isinstance(source, bytes) else len(source.encode("utf-8", "replace"))
    if size > MAX_FILE_BYTES:
        raise QuestionnaireProblems(name, [Problem(
            N_("The file is %(size)s KB; a questionnaire file may be at most %(limit)s KB."),
            {"size": (size + 1023) // 1024, "limit": MAX_FILE_BYTES // 1024},
        )])
    if isinstance(source, str):
        return source.removeprefix("\ufeff")
    try:
        return source.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise QuestionnaireProblems(name, [Problem(
            N_("The file is not UTF-8 text (it was probably saved in another encoding); "
               "save it again as UTF-8."),
            line=source.count(b"\n", 0, error.start) + 1,
        )]) from None


def _refuse_hostile_events(text: str, name: str) -> None:
    """Read the event stream once: syntax errors, a second document, anchors, aliases and
    explicit tags are reported here, so composing never meets an alias (nothing can expand)."""
    problems: list[Problem] = []
    documents = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            line, column = event.start_mark.line + 1, event.start_mark.column + 1
            if isinstance(event, DocumentStartEvent):
                documents += 1
                if documents == 2:
                    problems.append(Problem(N_(
                        'The file must hold only one questionnaire: remove this “---” and what follows.'
                    ), line=line, column=column))
                    break
            if isinstance(event, AliasEvent):
                problems.append(Problem(N_(
                    '“*%(name)s” repeats another part of the file (a YAML alias), which is not '
                    "allowed; write the text out instead."
                ), {"name": event.anchor}, line=line, column=column))
                continue
            if isinstance(event, NodeEvent) and event.anchor is not None:
                problems.append(Problem(N_(
                    '“&%(name)s” marks a part of the file to repeat (a YAML anchor), which is not '
                    "allowed; remove it and write the text out where it is needed."
                ), {"name": event.anchor}, line=line, column=column))
            tag = getattr(event, "tag", None)
            if isinstance(event, NodeEvent) and tag is not None and tag not in _STANDARD_TAGS:
                problems.append(Problem(
                    N_('YAML tags such as “%(tag)s” are not allowed; remove it.'),
                    {"tag": tag.replace("tag:yaml.org,2002:", "!!")}, line=line, column=column,
                ))
            if len(problems) >= MAX_PROBLEMS:
                break
    except ReaderError as error:
        # libyaml counts its position in bytes, PyYAML in characters: find the character itself.
        found = yaml.reader.Reader.NON_PRINTABLE.search(text)
        line = text.count("\n", 0, found.start() if found else error.position) + 1
        problems.append(Problem(
            N_("This line contains a character that is not allowed (code %(code)s); remove it."),
            {"code": f"{error.character:#06x}" if isinstance(error.character, int) else str(error.character)},
            line=line,
        ))
    except yaml.YAMLError as error:
        problems.append(_syntax_problem(error, text))
    if problems:
        raise QuestionnaireProblems(name, problems)


def _syntax_problem(error: yaml.YAMLError, text: str) -> Problem:
    """PyYAML's English diagnosis turned into one of ours, with a hint for the usual mistakes."""
    if not isinstance(error, yaml.MarkedYAMLError):
        return Problem(N_("The file cannot be read as YAML."))
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    problem = f"{error.context or ''} {error.problem or ''}"
    lines = text.split("\n")
    source_line = lines[mark.line] if mark and mark.line < len(lines) else ""
    previous = lines[mark.line - 1] if mark and 0 < mark.line <= len(lines) else ""
    if "\t" in source_line[: len(source_line) - len(source_line.lstrip())] or "'\\t'" in problem \
            or "\t" in previous[: len(previous) - len(previous.lstrip())]:
        message = N_("This line cannot be read: indent with spaces, not tabs.")
    elif "mapping values are not allowed" in problem:
        message = N_('This line cannot be read: a text that contains “: ” must be put in quotes.')
    elif "quoted scalar" in problem and error.context_mark is not None:
        line, column = error.context_mark.line + 1, error.context_mark.column + 1
        message = N_("The quotation mark opened here is never closed.")
    elif "could not find expected ':'" in problem:
        message = N_('This line cannot be read: a key must be followed by “:” and a space.')
    else:
        message = N_("The file cannot be read as YAML from here: check the indentation and the "
                     "quotes on this line and the one before.")
    return Problem(message, line=line, column=column)


# --- the composed nodes -------------------------------------------------------------------------


def _scalar_id(node: Node, key: str, pattern: re.Pattern[str]) -> str | None:
    """The valid id under ``key`` of a mapping node, without reporting anything."""
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if (isinstance(key_node, ScalarNode) and key_node.value == key
                    and isinstance(value_node, ScalarNode) and pattern.fullmatch(value_node.value)):
                return value_node.value
    return None


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _hint(value: str, choices: tuple[str, ...] | list[str]) -> str | None:
    close = get_close_matches(value, choices, n=1)
    return close[0] if close else None


class _Validator:
    """Walks the composed nodes of one file, recording every problem and going on."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.languages: tuple[str, ...] | None = None  # None: unknown, texts not checked for them
        self.kind = QuestionnaireKind.EVALUATION  # as read from ``kind:`` (retrospective needs it)
        # (measure, retrospective) → the question id using it: each once per questionnaire.
        self.measures: dict[tuple[str, bool], str] = {}

    def report(self, node: Node | None, message: str, place: Place | None = None,
               **values: str | int) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            return
        mark = node.start_mark if node is not None else None
        self.problems.append(Problem(
            message, {**(place or {}), **values},
            line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None,
        ))

    # --- generic shapes ------------------------------------------------------------------

    def mapping(self, node: Node, allowed: tuple[str, ...], place: Place,
                expected: str) -> dict[str, tuple[ScalarNode, Node]] | None:
        """A mapping's entries by key; duplicate and unknown keys reported and left out."""
        if not isinstance(node, MappingNode):
            self.report(node, expected, place)
            return None
        entries: dict[str, tuple[ScalarNode, Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _NULL_TAG:
                self.report(key_node, N_('A key must be a plain word followed by “:”.'), place)
                continue
            key = key_node.value
            if key_node.tag == _MERGE_TAG:
                self.report(key_node, N_('“<<” (merging mappings) is not supported; write the keys out.'),
                            place)
                continue
            if key in entries:
                self.report(key_node, N_('“%(key)s” is given twice (first on line %(first)d); keep one.'),
                            place, key=key, first=_line(entries[key][0]))
                continue
            if key not in allowed:
                suggestion = _hint(key, allowed)
                if suggestion:
                    self.report(key_node, N_('Unknown key “%(key)s”; did you mean “%(suggestion)s”?'),
                                place, key=key, suggestion=suggestion)
                else:
                    self.report(key_node, N_('Unknown key “%(key)s”; the keys allowed here are: %(allowed)s.'),
                                place, key=key, allowed=", ".join(allowed))
                continue
            entries[key] = (key_node, value_node)
        return entries

    def required(self, node: Node, entries: dict[str, tuple[ScalarNode, Node]], key: str,
                 place: Place) -> Node | None:
        if key not in entries:
            self.report(node, N_('“%(key)s” is missing.'), place, key=key)
            return None
        return entries[key][1]

    def scalar(self, node: Node, key: str, place: Place) -> str | None:
        """The text of a scalar exactly as written (so ``no`` stays "no", not False)."""
        if not isinstance(node, ScalarNode):
            self.report(node, N_('“%(key)s” must be a single value, not a list or a set of keys.'),
                        place, key=key)
            return None
        return "" if node.tag == _NULL_TAG else node.value.strip()

    def identifier(self, node: Node, key: str, place: Place, pattern: re.Pattern[str],
                   rule: str) -> str | None:
        value = self.scalar(node, key, place)
        if value is None:
            return None
        if not value:
            self.report(node, N_('“%(key)s” is empty.'), place, key=key)
            return None
        if not pattern.fullmatch(value):
            self.report(node, rule, place, key=key, value=value)
            return None
        return value

    def boolean(self, node: Node, key: str, place: Place) -> bool | None:
        value = self.scalar(node, key, place)
        if value is None:
            return None
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        self.report(node, N_('“%(key)s” must be true or false, not “%(value)s”.'), place,
                    key=key, value=value)
        return None

    def integer(self, node: Node, key: str, place: Place) -> int | None:
        value = self.scalar(node, key, place)
        if value is None:
            return None
        if not _WHOLE_NUMBER.fullmatch(value):
            self.report(node, N_('“%(key)s” must be a whole number, not “%(value)s”.'), place,
                        key=key, value=value)
            return None
        return int(value)

    def text(self, node: Node, field: str, place: Place, max_chars: int,
             button: bool = False) -> Text | None:
        """A language mapping: exactly the file's languages, each a non-empty string."""
        place = {**place, "at_field": field}
        if not isinstance(node, MappingNode):
            self.report(node, N_('A text must be given once per language, each on its own line '
                                 '(“fr: …”, “ar: …”).'), place)
            return None
        values: dict[str, str] = {}
        seen: dict[str, Node] = {}
        ok = True
        for key_node, value_node in node.value:
            language = key_node.value if isinstance(key_node, ScalarNode) else ""
            if language in seen:
                self.report(key_node, N_('“%(key)s” is given twice (first on line %(first)d); keep one.'),
                            place, key=language, first=_line(seen[language]))
                ok = False
                continue
            seen[language] = key_node
            if language not in LANGUAGES:
                self.report(key_node, N_('“%(value)s” is not a language the bot speaks: the texts '
                                         "can be in ar, fr and en."), place, value=language)
                ok = False
                continue
            if self.languages is not None and language not in self.languages:
                self.report(key_node, N_('“%(language)s” is not one of the languages of the file '
                                         '(%(languages)s): remove this text or add the language '
                                         'to “languages:”.'),
                            place, language=language, languages=", ".join(self.languages))
                ok = False
                continue
            value = self.scalar(value_node, language, place)
            if value is None:
                ok = False
            elif not value:
                self.report(value_node, N_('The “%(language)s” text is empty.'), place, language=language)
                ok = False
            elif len(value) > max_chars:
                message = (N_('The “%(language)s” text has %(length)d characters; a button holds '
                              "at most %(limit)d.") if button else
                           N_('The “%(language)s” text has %(length)d characters; the limit here '
                              "is %(limit)d."))
                self.report(value_node, message, place, language=language, length=len(value),
                            limit=max_chars)
                ok = False
            else:
                values[language] = value
        for language in self.languages or ():
            if language not in seen:
                self.report(node, N_('The “%(language)s” text is missing.'), place, language=language)
                ok = False
        if not seen:
            self.report(node, N_('A text must be given once per language, each on its own line '
                                 '(“fr: …”, “ar: …”).'), place)
        return Text(**values) if ok and values else None

    # --- the questionnaire ---------------------------------------------------------------

    def questionnaire(self, root: Node) -> Questionnaire | None:
        top: Place = {}
        entries = self.mapping(root, _TOP_KEYS, top, N_(
            'The file must describe one questionnaire: “key:”, “title:” and “questions:”, '
            "each at the start of a line."))
        if entries is None:
            return None
        key_node = self.required(root, entries, "key", top)
        key = None if key_node is None else self.identifier(
            key_node, "key", top, _QUESTIONNAIRE_KEY,
            N_('The key “%(value)s” is not valid: use 1 to 40 lowercase letters, digits or “-”.'))
        kind = QuestionnaireKind.EVALUATION
        if "kind" in entries:
            kind_node = entries["kind"][1]
            value = self.scalar(kind_node, "kind", top)
            if value is not None:
                try:
                    kind = self.kind = QuestionnaireKind(value)
                except ValueError:
                    self.report(kind_node, N_('Unknown kind “%(value)s”; the kinds are: %(allowed)s.'),
                                top, value=value, allowed=", ".join(k.value for k in QuestionnaireKind))
        self.languages = self.declared_languages(entries)
        title_node = self.required(root, entries, "title", top)
        title = None if title_node is None else self.text(title_node, "title", top, MAX_TITLE_CHARS)
        intro = (self.text(entries["intro"][1], "intro", top, MAX_INTRO_CHARS)
                 if "intro" in entries else None)
        questions_node = self.required(root, entries, "questions", top)
        questions = self.questions(questions_node) if questions_node is not None else None
        if self.problems or not key or not title or questions is None:
            return None
        return Questionnaire(key=key, kind=kind, title=title, intro=intro, questions=questions,
                             languages=self.languages or LANGUAGES)

    def declared_languages(self, entries: dict[str, tuple[ScalarNode, Node]]) -> tuple[str, ...] | None:
        """``languages:`` as written (preferred first), else the languages of the title."""
        top: Place = {}
        if "languages" not in entries:
            title = entries.get("title")
            if title is None or not isinstance(title[1], MappingNode):
                return None
            written = {k.value for k, _ in title[1].value if isinstance(k, ScalarNode)}
            found = tuple(language for language in LANGUAGES if language in written)
            return found or None
        node = entries["languages"][1]
        if not isinstance(node, SequenceNode) or not node.value:
            self.report(node, N_('“languages” must be a list such as [fr, ar].'), top)
            return None
        languages: list[str] = []
        for item in node.value:
            value = self.scalar(item, "languages", top)
            if value is None:
                continue
            if value not in LANGUAGES:
                self.report(item, N_('“%(value)s” is not a language the bot speaks: the texts '
                                     "can be in ar, fr and en."), top, value=value)
            elif value in languages:
                self.report(item, N_('“%(value)s” is listed twice.'), top, value=value)
            else:
                languages.append(value)
        return tuple(languages) or None

    def questions(self, node: Node) -> tuple[Question, ...] | None:
        if not isinstance(node, SequenceNode):
            self.report(node, N_('“questions” must be a list, each question starting with “- ”.'), {})
            return None
        if not node.value:
            self.report(node, N_("The list of questions is empty."), {})
            return None
        if len(node.value) > MAX_QUESTIONS:
            self.report(node, N_("There are %(count)d questions; a questionnaire may have at most "
                                 "%(limit)d."), {}, count=len(node.value), limit=MAX_QUESTIONS)
        every_id: dict[str, int] = {}  # each id's first position, to tell "later" from "unknown"
        for number, question_node in enumerate(node.value, start=1):
            question_id = _scalar_id(question_node, "id", _QUESTION_ID)
            if question_id is not None:
                every_id.setdefault(question_id, number)
        questions: list[Question] = []
        earlier: dict[str, Question | None] = {}  # None: that question has problems of its own
        first_line: dict[str, int] = {}
        for number, question_node in enumerate(node.value, start=1):
            question_id = _scalar_id(question_node, "id", _QUESTION_ID)
            question = self.question(question_node, number, earlier, every_id)
            if question_id is not None:
                if question_id in first_line:
                    id_node = next(v for k, v in question_node.value if k.value == "id")  # type: ignore[union-attr]
                    self.report(id_node, N_('The question id “%(value)s” is used twice (first on '
                                            "line %(first)d)."), {}, value=question_id,
                                first=first_line[question_id])
                    continue
                first_line[question_id] = _line(question_node)
                earlier[question_id] = question
            if question is not None:
                questions.append(question)
        if questions and len(questions) == len(node.value) and not any(q.answerable for q in questions):
            self.report(node, N_("Every question is a note: at least one must ask for an answer."), {})
        return tuple(questions)

    def question(self, node: Node, number: int, earlier: dict[str, Question | None],
                 every_id: dict[str, int]) -> Question | None:
        known_id = _scalar_id(node, "id", _QUESTION_ID)
        place: Place = {"at_question": known_id} if known_id else {"at_question_number": number}
        entries = self.mapping(node, _QUESTION_KEYS, place, N_(
            'Each question must be a set of keys such as “id:”, “type:” and “text:”, after a “- ”.'))
        if entries is None:
            return None
        problems_before = len(self.problems)
        id_node = self.required(node, entries, "id", place)
        question_id = None if id_node is None else self.identifier(id_node, "id", place, _QUESTION_ID, N_(
            'The id “%(value)s” is not valid: use 1 to 32 lowercase letters, digits or “_” '
            "(no spaces, no accents)."))
        type_name = self.question_type(node, entries, place)
        if type_name is not None:
            self.keys_apply(entries, type_name, place)
        text_node = self.required(node, entries, "text", place)
        text = None if text_node is None else self.text(text_node, "text", place, MAX_QUESTION_CHARS)
        optional = self.optional(entries, place)
        show_if = (self.condition(entries["show_if"][1], place, question_id, earlier, every_id)
                   if "show_if" in entries else None)
        if type_name is None or question_id is None:
            return None
        question_type = QuestionType("yesno" if type_name == "yesnomaybe" else type_name)
        fields: dict[str, object] = {}
        if question_type in (QuestionType.CHOICE, QuestionType.MULTI):
            options_node = self.required(node, entries, "options", place)
            options = None if options_node is None else self.options(options_node, place, type_name)
            fields["options"] = options
            if question_type is QuestionType.MULTI and "max" in entries and options:
                fields["max_choices"] = self.max_choices(entries["max"][1], place, len(options))
        elif question_type is QuestionType.RATING:
            fields.update(self.rating(entries, place))
            fields.update(self.measure(entries, place, question_id))
        elif question_type is QuestionType.YESNO:
            maybe = type_name == "yesnomaybe"
            if "maybe" in entries:
                maybe = bool(self.boolean(entries["maybe"][1], "maybe", place))
            fields["maybe"] = maybe
        elif question_type is QuestionType.TEXT and "max_length" in entries:
            fields["max_length"] = self.max_length(entries["max_length"][1], place)
        elif question_type is QuestionType.COMMITMENTS:
            fields["max_choices"] = (self.commitments_max(entries["max"][1], place) if "max" in entries
                                     else DEFAULT_COMMITMENTS)
        if len(self.problems) > problems_before or not text:
            return None
        return Question(id=question_id, type=question_type, text=text, optional=optional,
                        show_if=show_if, **fields)  # type: ignore[arg-type]

    def question_type(self, node: Node, entries: dict[str, tuple[ScalarNode, Node]],
                      place: Place) -> str | None:
        type_node = self.required(node, entries, "type", place)
        value = None if type_node is None else self.scalar(type_node, "type", place)
        if type_node is None or value is None:
            return None
        if value in _TYPE_KEYS:
            return value
        suggestion = _hint(value, list(_TYPE_KEYS))
        if suggestion:
            self.report(type_node, N_('Unknown type “%(value)s”; did you mean “%(suggestion)s”?'),
                        place, value=value, suggestion=suggestion)
        else:
            self.report(type_node, N_('Unknown type “%(value)s”; the types are: %(allowed)s.'),
                        place, value=value, allowed=", ".join(_TYPE_KEYS))
        return None

    def keys_apply(self, entries: dict[str, tuple[ScalarNode, Node]], type_name: str,
                   place: Place) -> None:
        for key, (key_node, _) in entries.items():
            if type_name == "note":
                if key not in _NOTE_KEYS:
                    self.report(key_node, N_('A note only has “id”, “type”, “text” and “show_if”; '
                                             'remove “%(key)s”.'), place, key=key)
            elif key not in _COMMON_KEYS and key not in _TYPE_KEYS[type_name]:
                users = [name for name, keys in _TYPE_KEYS.items() if key in keys]
                self.report(key_node, N_('“%(key)s” does not apply to a %(type)s question (only to: '
                                         "%(types)s)."), place, key=key, type=type_name,
                            types=", ".join(users))

    def optional(self, entries: dict[str, tuple[ScalarNode, Node]], place: Place) -> bool:
        """``optional: true`` or, the other way round, ``required: false``."""
        if "optional" in entries and "required" in entries:
            self.report(entries["required"][0], N_('Give either “optional” or “required”, not both.'), place)
            return False
        if "optional" in entries:
            return bool(self.boolean(entries["optional"][1], "optional", place))
        if "required" in entries:
            required = self.boolean(entries["required"][1], "required", place)
            return required is False
        return False

    def options(self, node: Node, place: Place, type_name: str) -> tuple[Option, ...] | None:
        if not isinstance(node, SequenceNode):
            self.report(node, N_('“options” must be a list, each option starting with “- ”.'), place)
            return None
        count = len(node.value)
        if count < MIN_OPTIONS:
            self.report(node, N_("A %(type)s question needs at least %(min)d options; this one has "
                                 "%(count)d."), place, type=type_name, min=MIN_OPTIONS, count=count)
        if count > MAX_OPTIONS:
            self.report(node, N_("There are %(count)d options; a question may have at most %(limit)d."),
                        place, count=count, limit=MAX_OPTIONS)
        options: list[Option] = []
        first_line: dict[str, int] = {}
        ok = MIN_OPTIONS <= count <= MAX_OPTIONS
        for number, option_node in enumerate(node.value, start=1):
            known_id = _scalar_id(option_node, "id", _OPTION_ID)
            option_place: Place = {**place, **({"at_option": known_id} if known_id
                                              else {"at_option_number": number})}
            entries = self.mapping(option_node, _OPTION_KEYS, option_place,
                                   N_('Each option must have an “id:” and a “text:”.'))
            if entries is None:
                ok = False
                continue
            id_node = self.required(option_node, entries, "id", option_place)
            option_id = None if id_node is None else self.identifier(id_node, "id", option_place, _OPTION_ID, N_(
                'The option id “%(value)s” is not valid: use 1 to 24 lowercase letters, digits '
                'or “_” (no spaces, no accents).'))
            if option_id is not None and id_node is not None:
                if option_id in first_line:
                    self.report(id_node, N_('The option id “%(value)s” is used twice (first on line '
                                            "%(first)d)."), place, value=option_id,
                                first=first_line[option_id])
                    option_id = None
                else:
                    first_line[option_id] = _line(id_node)
            text_node = self.required(option_node, entries, "text", option_place)
            text = None if text_node is None else self.text(text_node, "text", option_place,
                                                            MAX_OPTION_CHARS, button=True)
            if option_id is None or text is None:
                ok = False
            else:
                options.append(Option(id=option_id, text=text))
        return tuple(options) if ok else None

    def max_choices(self, node: Node, place: Place, options: int) -> int | None:
        value = self.integer(node, "max", place)
        if value is not None and not 1 <= value <= options:
            self.report(node, N_('“max” is the most options one may tick: between 1 and the number '
                                 "of options (%(options)d), not %(value)d."), place,
                        options=options, value=value)
            return None
        return value

    def commitments_max(self, node: Node, place: Place) -> int | None:
        """How many things a commitments question lets one write (each its own message)."""
        value = self.integer(node, "max", place)
        if value is not None and not 1 <= value <= MAX_COMMITMENTS:
            self.report(node, N_('“max” is how many things one may write here: between 1 and '
                                 "%(limit)d, not %(value)d."), place, limit=MAX_COMMITMENTS, value=value)
            return None
        return value

    def max_length(self, node: Node, place: Place) -> int | None:
        value = self.integer(node, "max_length", place)
        if value is not None and not 1 <= value <= MAX_TEXT_ANSWER_CHARS:
            self.report(node, N_('“max_length” must be between 1 and %(limit)d characters, not '
                                 "%(value)d."), place, limit=MAX_TEXT_ANSWER_CHARS, value=value)
            return None
        return value

    def rating(self, entries: dict[str, tuple[ScalarNode, Node]], place: Place) -> dict[str, object]:
        """A rating's scale (1 to 5 unless given), its labels, and whether it is a 0-10
        recommendation score (by default exactly when the scale is 0 to 10)."""
        low = self.integer(entries["min"][1], "min", place) if "min" in entries else 1
        high = self.integer(entries["max"][1], "max", place) if "max" in entries else 5
        fields: dict[str, object] = {}
        if low is not None and high is not None:
            if not 0 <= low < high <= MAX_SCALE:
                low_is_wrong = "min" in entries and not 0 <= low < MAX_SCALE
                culprit = "min" if low_is_wrong or "max" not in entries else "max"
                self.report(entries[culprit][1], N_(
                    'The scale goes from %(min)d to %(max)d: “min” must be smaller than “max”, and '
                    "both between 0 and %(limit)d."), place, min=low, max=high, limit=MAX_SCALE)
            fields.update(scale_min=low, scale_max=high)
        for key in ("low_label", "high_label"):
            if key in entries:
                fields[key] = self.text(entries[key][1], key, place, MAX_OPTION_CHARS, button=True)
        zero_to_ten = (low, high) == (0, 10)
        nps = zero_to_ten
        if "nps" in entries:
            given = self.boolean(entries["nps"][1], "nps", place)
            if given and not zero_to_ten and low is not None and high is not None:
                self.report(entries["nps"][1], N_(
                    '“nps: true” (a recommendation score) needs a scale from 0 to 10; this one goes '
                    "from %(min)d to %(max)d."), place, min=low, max=high)
            nps = bool(given) and zero_to_ten
        fields["nps"] = nps
        return fields

    def measure(self, entries: dict[str, tuple[ScalarNode, Node]], place: Place,
                question_id: str) -> dict[str, object]:
        """``measure: open_data_knowledge`` (what a rating measures, matched between a pre-survey
        and the end of the session, per participant) and ``retrospective: true`` (at the end,
        "how well did you know it *before*?", for workshops without a pre-survey)."""
        fields: dict[str, object] = {}
        measure = None
        if "measure" in entries:
            measure = self.identifier(entries["measure"][1], "measure", place, _MEASURE, N_(
                'The measure “%(value)s” is not valid: use 1 to 40 lowercase letters, digits or “_” '
                "(the same in the pre-survey and at the end of the session)."))
            fields["measure"] = measure
        retrospective = False
        if "retrospective" in entries:
            node = entries["retrospective"][1]
            retrospective = bool(self.boolean(node, "retrospective", place))
            if retrospective and "measure" not in entries:
                self.report(node, N_('“retrospective: true” needs a “measure”: it asks for the level '
                                     "before the workshop of that measure."), place)
            elif retrospective and self.kind is QuestionnaireKind.PRE:
                self.report(node, N_('“retrospective: true” is for the end of the session (“how well '
                                     'did you know it before?”); a pre-survey asks it before, so '
                                     "remove it here."), place)
            fields["retrospective"] = retrospective
        if measure is not None:
            first = self.measures.setdefault((measure, retrospective), question_id)
            if first != question_id:
                self.report(entries["measure"][1], N_(
                    'The measure “%(value)s” is already asked by “%(question_id)s”: each measure '
                    "once (and once more with “retrospective: true”)."), place,
                            value=measure, question_id=first)
        return fields

    def condition(self, node: Node, place: Place, own_id: str | None,
                  earlier: dict[str, Question | None], every_id: dict[str, int]) -> Condition | None:
        """``show_if: {question: q3, in: [no, maybe]}`` on an earlier question's answers."""
        entries = self.mapping(node, _CONDITION_KEYS, place, N_(
            'A condition is written “show_if: {question: q3, in: [no, maybe]}”.'))
        if entries is None:
            return None
        question_node = self.required(node, entries, "question", place)
        in_node = self.required(node, entries, "in", place)
        target_id = None if question_node is None else self.scalar(question_node, "question", place)
        if question_node is None or not target_id:
            return None
        if target_id == own_id:
            self.report(question_node, N_("A question cannot depend on its own answer."), place)
            return None
        if target_id not in earlier:
            if target_id in every_id:
                self.report(question_node, N_('The question “%(value)s” comes after this one: a '
                                              "condition can only use an earlier question."),
                            place, value=target_id)
            else:
                suggestion = _hint(target_id, list(earlier))
                if suggestion:
                    self.report(question_node, N_('No question “%(value)s” comes before this one; '
                                                  'did you mean “%(suggestion)s”?'),
                                place, value=target_id, suggestion=suggestion)
                else:
                    self.report(question_node, N_('No question “%(value)s” comes before this one: a '
                                                  "condition can only use an earlier question."),
                                place, value=target_id)
            return None
        target = earlier[target_id]
        if target is not None and target.type in (QuestionType.NOTE, QuestionType.TEXT, QuestionType.COMMITMENTS):
            self.report(question_node, N_('“%(value)s” is a %(type)s question: a condition can only '
                                          "use a question answered with buttons."),
                        place, value=target_id, type=target.type.value)
            return None
        if in_node is None:
            return None
        if not isinstance(in_node, SequenceNode) or not in_node.value:
            self.report(in_node, N_('“in” must list the answers that show this question, such as '
                                    "[no, maybe]."), place)
            return None
        values: list[str] = []
        for item in in_node.value:
            value = self.scalar(item, "in", place)
            if value is None or target is None:
                continue
            accepted = self.answer_value(item, value, target, place)
            if accepted is not None and accepted not in values:
                values.append(accepted)
        if target is None or len(values) != len(in_node.value):
            return None
        return Condition(question=target_id, values=tuple(values))

    def answer_value(self, node: Node, value: str, target: Question, place: Place) -> str | None:
        """``value`` as the stored answer of ``target`` it stands for, or a problem."""
        if target.type is QuestionType.RATING:
            if _WHOLE_NUMBER.fullmatch(value) and int(value) in target.scale():
                return str(int(value))
            self.report(node, N_('“%(value)s” is not on the scale of “%(question_id)s”: write a whole '
                                 "number from %(min)d to %(max)d."), place, value=value,
                        question_id=target.id, min=target.scale_min, max=target.scale_max)
            return None
        allowed = target.option_ids()
        if value in allowed:
            return value
        self.report(node, N_('“%(value)s” is not an answer of “%(question_id)s”; its answers are: '
                             "%(allowed)s."), place, value=value, question_id=target.id,
                    allowed=", ".join(allowed))
        return None

