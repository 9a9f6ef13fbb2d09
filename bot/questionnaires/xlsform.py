"""Read an XLSForm workbook (KoboToolbox/ODK) into a Questionnaire, every problem at once.

NGOs author their forms in KoboToolbox or ODK as XLSForm spreadsheets, so an organiser can
send that same file. pyxform, the reference XLSForm library, reads the workbook (sheets,
``label::Arabic (ar)`` column groups, type and header aliases) and checks it as ODK would;
this module maps what a chat can ask onto the bot's model and reports, with its sheet and
row, everything it cannot ask (a location, a photo, a repeat…). One problem anywhere and
nothing is imported: the organiser gets the whole list to fix.
"""

from __future__ import annotations

import copy
import logging
import operator
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import PurePath
from typing import Any

from pyxform import aliases, constants
from pyxform.errors import PyXFormError, PyXFormReadError
from pyxform.parsing import parameters as pyxform_parameters
from pyxform.parsing.sheet_headers import dealias_and_group_headers, process_header
from pyxform.question import MultipleChoiceQuestion
from pyxform.question import Option as PyxformOption
from pyxform.survey import Survey
from pyxform.xls2json import workbook_to_json
from pyxform.xls2json_backends import DefinitionData, xlsx_to_dict

from bot.questionnaires.loader import (
    _OPTION_ID,
    _QUESTION_ID,
    _QUESTIONNAIRE_KEY,
    MAX_OPTION_CHARS,
    MAX_OPTIONS,
    MAX_QUESTION_CHARS,
    MAX_QUESTIONS,
    MAX_SCALE,
    MAX_TITLE_CHARS,
    MIN_OPTIONS,
)
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

log = logging.getLogger(__name__)

MAX_UNPACKED_BYTES = 20 * 1024 * 1024
"""An .xlsx is a ZIP archive: a 1 MB upload could unpack to gigabytes, so its declared
unpacked size is checked before any sheet is read."""

DEFAULT_LANGUAGE = "fr"
"""The language of a plain ``label`` column when the settings sheet names none."""

SURVEY, CHOICES, SETTINGS = "survey", "choices", "settings"
_PLAIN = "default"  # pyxform's language key for a column without ``::language``

# Types are compared lowercased with single spaces; pyxform accepts "_" or " " in most.
_TEXT_TYPES = frozenset({"text", "string"})
_INTEGER_TYPES = frozenset({"integer", "int"})
_SELECT_ONE = ("select_one ", "select one ")
_SELECT_MULTIPLE = ("select_multiple ", "select multiple ", "select all that apply ")
_BEGIN_GROUP = frozenset({"begin_group", "begin group"})
_END_GROUP = frozenset({"end_group", "end group"})
_BEGIN_REPEAT = frozenset({"begin_repeat", "begin repeat", "begin_loop", "begin loop"})
_END_REPEAT = frozenset({"end_repeat", "end repeat", "end_loop", "end loop"})
# Recorded by the phone, never asked: skipped without a word.
_METADATA = frozenset({
    "start", "end", "today", "deviceid", "device id", "subscriberid", "subscriber id",
    "simserial", "sim id", "phonenumber", "phone number", "username", "email", "audit",
    "imei", "start time", "end time", "start-geopoint", "background-audio",
    "get start time", "get end time", "get today", "get device id", "get subscriber id",
    "get sim id", "get phone number", "uri:deviceid", "uri:email", "uri:phonenumber",
    "uri:simserial", "uri:subscriberid", "uri:username",
})
# XLSForm types that exist but cannot be asked in a chat (the rest are unknown types).
_NOT_IN_A_CHAT = frozenset({
    "calculate", "hidden", "geopoint", "geotrace", "geoshape", "location", "gps",
    "image", "photo", "audio", "video", "file", "barcode", "date", "time", "datetime",
    "date time", "decimal", "acknowledge", "trigger", "rank", "osm", "xml-external",
    "csv-external", "background-geopoint", "begin_repeat", "begin repeat", "begin_loop",
    "begin loop", "select_one_from_file", "select one from file", "select_multiple_from_file",
    "select multiple from file", "select_one_external", "select one external", "percentage",
})

_LANGUAGE_NAMES = {
    "ar": "ar", "arabic": "ar", "arabe": "ar", "العربية": "ar",
    "fr": "fr", "french": "fr", "français": "fr", "francais": "fr",
    "en": "en", "english": "en", "anglais": "en",
}
_LANGUAGE_CODE = re.compile(r"\(\s*([a-z]{2,3})(?:[-_][a-z0-9]+)?\s*\)\s*$")
_PYXFORM_ROW = re.compile(r"\[row\s*:\s*(\d+)\]\s*")
_PYXFORM_SHEET = re.compile(r"'(survey|choices|settings)' sheet", re.IGNORECASE)
_REFERENCE = re.compile(r"\$\{[^}]*\}")

# relevant: `${q} = 'x'`, `${q} != 'x'`, `${q} >= 9`, `selected(${q}, 'x')`, joined by "or".
_VALUE = r"""(?:'([^']*)'|"([^"]*)"|(-?\d+))"""
_COMPARISON = re.compile(r"\$\{\s*([^}\s]+)\s*\}\s*(=|!=|<=|>=|<|>)\s*" + _VALUE)
_SELECTED = re.compile(r"selected\(\s*\$\{\s*([^}\s]+)\s*\}\s*,\s*" + _VALUE + r"\s*\)")
_OR = re.compile(r"\s+or\s+")
# constraint: `. >= 0 and . <= 10`, `string-length(.) <= 200`, `count-selected(.) <= 3`.
_BOUND = re.compile(r"\.\s*(<=|>=|<|>)\s*(-?\d+)")
_LENGTH = re.compile(r"string-length\(\s*\.\s*\)\s*(<=|<)\s*(\d+)")
_COUNT = re.compile(r"count-selected\(\s*\.\s*\)\s*(<=|<)\s*(\d+)")
_AND = re.compile(r"\s+and\s+")
_OPERATORS: dict[str, Callable[[int, int], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
}

_NAME_RULE = N_("The name “%(name)s” cannot be used: at most %(limit)d lowercase letters, "
                "digits or _.")
_NOT_ASKED = N_("The bot cannot ask a “%(type)s” question in a chat: remove this row or "
                'change its type.')
_TOO_LONG = N_("The text in the column “%(column)s” has %(length)d characters; the limit is "
               "%(limit)d.")
_EMPTY_LABEL = N_("The column “%(column)s” is empty on this row.")


def load_xlsform(data: bytes, *, name: str) -> Questionnaire:
    """The questionnaire of an XLSForm workbook, or ``QuestionnaireProblems`` listing all
    that must change, each with its sheet and row."""
    book = _read_workbook(data, name)
    reader = _Reader(name)
    questionnaire = reader.questionnaire(book)
    problems = reader.problems
    # pyxform stops at its first error, often one reported here already: kept when it is on
    # another row, or when it is the only problem (a row-less one follows from the others).
    checked = _pyxform_verdict(book)
    if checked is not None and not any(
        p.sheet == checked.sheet and p.row == checked.row for p in problems
    ) and (checked.row is not None or not problems):
        problems.append(checked)
    if problems or questionnaire is None:
        order = {None: 0, SETTINGS: 1, SURVEY: 2, CHOICES: 3}
        problems.sort(key=lambda p: (order.get(p.sheet, 4), p.row or 0))
        raise QuestionnaireProblems(name, problems)
    return questionnaire


def _read_workbook(data: bytes, name: str) -> DefinitionData:
    """The workbook's sheets as pyxform reads them (row n of the sheet is item n - 2)."""
    not_a_workbook = Problem(N_(
        "This file is not an Excel workbook (.xlsx): open it in a spreadsheet program and "
        "save it as an Excel workbook (.xlsx)."))
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise QuestionnaireProblems(name, [not_a_workbook]) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise QuestionnaireProblems(name, [Problem(
            N_("Unpacked, this workbook takes %(size)d MB; a questionnaire workbook may take "
               "at most %(limit)d MB."),
            {"size": unpacked // (1024 * 1024), "limit": MAX_UNPACKED_BYTES // (1024 * 1024)},
        )])
    try:
        book = xlsx_to_dict(BytesIO(data))
    except PyXFormReadError:
        raise QuestionnaireProblems(name, [not_a_workbook]) from None
    except PyXFormError as error:  # e.g. a column header given twice
        raise QuestionnaireProblems(name, [_from_pyxform(error)]) from None
    except Exception:  # a damaged archive can fail anywhere in openpyxl: still not a workbook
        log.info("unreadable workbook %s", name, exc_info=True)
        raise QuestionnaireProblems(name, [not_a_workbook]) from None
    return DefinitionData(**book)


def _pyxform_verdict(book: DefinitionData) -> Problem | None:
    """pyxform's own check of the whole form (what KoboToolbox would refuse), if any."""
    try:
        workbook_to_json(copy.deepcopy(book), warnings=[])
    except PyXFormError as error:
        return _from_pyxform(error)
    except Exception:  # a pyxform bug must not hide a form this module understood fully
        log.warning("pyxform failed on a workbook", exc_info=True)
    return None


def _from_pyxform(error: PyXFormError) -> Problem:
    """A pyxform error as a problem, at the sheet and row its (English) message names."""
    message = str(error).strip()
    row_match = _PYXFORM_ROW.search(message)
    sheet_match = _PYXFORM_SHEET.search(message)
    row = int(row_match.group(1)) if row_match else None
    sheet = sheet_match.group(1).lower() if sheet_match else (SURVEY if row else None)
    reason = _PYXFORM_ROW.sub("", message).strip()
    return Problem(N_("The XLSForm checker refuses this: %(reason)s"), {"reason": reason},
                   sheet=sheet, row=row)


def _language(tag: str) -> str | None:
    """``Arabic (ar)``, ``ar``, ``Arabic`` → "ar"; None for a language the bot does not speak."""
    lowered = tag.strip().lower()
    code = _LANGUAGE_CODE.search(lowered)
    if code:
        return code.group(1) if code.group(1) in LANGUAGES else None
    return _LANGUAGE_NAMES.get(lowered)


def _slug_id(name: str) -> str:
    """XLSForm names may use capitals, "-" and "."; the bot's ids are lowercase with "_"."""
    return name.strip().lower().replace("-", "_").replace(".", "_")


def _questionnaire_key(*candidates: str | None) -> str:
    for candidate in candidates:
        slug = re.sub(r"[^a-z0-9]+", "-", (candidate or "").lower()).strip("-")[:40].strip("-")
        if _QUESTIONNAIRE_KEY.fullmatch(slug):
            return slug
    return "xlsform"


@dataclass
class _Sheet:
    """One sheet: pyxform's grouped rows (``bind`` → {required, relevant…}) for the
    structure, its raw rows for the labels (pyxform's cleaning turns ’ into ' and joins
    lines, which the texts must keep), and which column holds which language."""

    rows: tuple[dict[str, Any], ...] = ()
    raw: tuple[dict[str, Any], ...] = ()
    labels: dict[str, list[str]] = field(default_factory=dict)  # language → column headers
    plain_labels: list[str] = field(default_factory=list)  # headers without a language
    strange_labels: list[str] = field(default_factory=list)  # headers in other languages


class _Reader:
    """Collects every problem of one workbook while mapping it onto the model."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[Problem] = []

    def problem(self, message: str, values: Mapping[str, str | int] | None = None, *,
                sheet: str | None = None, row: int | None = None) -> None:
        self.problems.append(Problem(message, dict(values or {}), sheet=sheet, row=row))

    def sheet(self, book: DefinitionData, sheet: str, default_language: str,
              header_aliases: dict[str, str], columns: set[str],
              text_column: str = "label") -> _Sheet:
        data = getattr(book, sheet) or []
        header = getattr(book, f"{sheet}_header") or []
        if not data and not header:
            return _Sheet()
        try:
            grouped = dealias_and_group_headers(
                sheet_name=sheet, sheet_data=data, sheet_header=header,
                header_aliases=header_aliases, header_columns=columns,
                default_language=_PLAIN, strip_whitespace=True,
            )
        except PyXFormError as error:
            self.problems.append(_from_pyxform(error))
            return _Sheet()
        result = _Sheet(rows=tuple(grouped.data), raw=tuple(data))
        originals = list(header[0]) if header else []
        double_colon = any("::" in original for original in originals)
        for original in originals:
            _, tokens = process_header(original, double_colon, header_aliases, columns)
            if tokens[0] != text_column:
                continue
            if len(tokens) == 1:
                result.plain_labels.append(original)
                continue
            code = _language(tokens[1])
            if code is None:
                result.strange_labels.append(original)
            else:
                result.labels.setdefault(code, []).append(original)
        if result.plain_labels:  # after the columns that name the default language: those win
            result.labels.setdefault(default_language, []).extend(result.plain_labels)
        for column in result.strange_labels:
            self.problem(N_("The column “%(column)s” is in a language the bot does not speak: "
                            "use Arabic (ar), French (fr) or English (en)."),
                         {"column": column}, sheet=sheet, row=1)
        return result

    def title(self, settings: _Sheet, languages: tuple[str, ...], fallback: str) -> Text:
        """``form_title`` for every language, unless ``form_title::Arabic (ar)``… (not
        standard XLSForm, which pyxform lets pass) gives one its own."""
        row = settings.raw[0] if settings.raw else {}
        titles: dict[str, str] = {}
        for language in languages:
            headers = [h for h in settings.labels.get(language, []) if h not in
                       settings.plain_labels] + settings.plain_labels
            values = (str(row.get(header) or "").strip() for header in headers)
            titles[language] = next((value for value in values if value), fallback)
            if len(titles[language]) > MAX_TITLE_CHARS:
                self.problem(_TOO_LONG, {"column": headers[0] if headers else "form_title",
                                         "length": len(titles[language]),
                                         "limit": MAX_TITLE_CHARS}, sheet=SETTINGS, row=2)
        return Text(**titles)

    def questionnaire(self, book: DefinitionData) -> Questionnaire | None:
        if not book.survey and not book.survey_header:
            self.problem(N_("The workbook has no sheet named “survey”."))
            return None
        settings = self.sheet(book, SETTINGS, DEFAULT_LANGUAGE, aliases.settings_header,
                              set(Survey.get_slot_names()), text_column="title")
        setting = settings.rows[0] if settings.rows else {}
        default_language = DEFAULT_LANGUAGE
        if setting.get("default_language"):
            code = _language(str(setting["default_language"]))
            if code is None:
                self.problem(N_("The default language “%(value)s” is not one the bot speaks: "
                                "use Arabic (ar), French (fr) or English (en)."),
                             {"value": str(setting["default_language"])}, sheet=SETTINGS, row=2)
            else:
                default_language = code
        kind = QuestionnaireKind.EVALUATION
        if setting.get("kind"):
            value = str(setting["kind"]).strip().lower()
            if value in (QuestionnaireKind.EVALUATION.value, QuestionnaireKind.FOLLOWUP.value):
                kind = QuestionnaireKind(value)
            else:
                self.problem(N_("“kind” must be evaluation or followup, not “%(value)s”."),
                             {"value": value}, sheet=SETTINGS, row=2)
        survey = self.sheet(book, SURVEY, default_language, aliases.survey_header,
                            set(MultipleChoiceQuestion.get_slot_names()))
        choices = self.sheet(book, CHOICES, default_language, aliases.list_header,
                             set(PyxformOption.get_slot_names()))
        if not survey.labels and not survey.strange_labels:
            self.problem(N_("The survey sheet has no “label” column."), sheet=SURVEY, row=1)
        languages = tuple(sorted(survey.labels, key=lambda code: (code != default_language,
                                                                   LANGUAGES.index(code))))
        questions = _SurveyWalk(self, survey, choices, languages, default_language).questions()
        stem = PurePath(self.name).stem
        title = self.title(settings, languages, str(setting.get("id_string") or "").strip()
                           or stem)
        if questions and not any(question.answerable for question in questions):
            self.problem(N_("Every question is a note: at least one must ask for an answer."),
                         sheet=SURVEY)
        if not questions and not self.problems:
            self.problem(N_("The survey sheet has no questions."), sheet=SURVEY)
        if len(questions) > MAX_QUESTIONS:
            self.problem(N_("There are %(count)d questions; a questionnaire may have at most "
                            "%(limit)d."), {"count": len(questions), "limit": MAX_QUESTIONS},
                         sheet=SURVEY)
        if self.problems or not languages:
            return None
        return Questionnaire(
            key=_questionnaire_key(setting.get("id_string"), stem),
            kind=kind,
            title=title,
            intro=None,
            questions=tuple(questions),
            languages=languages,
        )


class _SurveyWalk:
    """The survey sheet, row by row: groups flattened, each question mapped or refused."""

    def __init__(self, reader: _Reader, survey: _Sheet, choices: _Sheet,
                 languages: tuple[str, ...], default_language: str) -> None:
        self.reader = reader
        self.default_language = default_language
        self.survey = survey
        self.choices = choices
        self.languages = languages
        self.lists: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for index, row in enumerate(choices.rows):
            list_name = str(row.get(constants.LIST_NAME_S) or "").strip()
            if list_name:
                self.lists.setdefault(list_name, []).append((index + 2, row))
        self.read_lists: dict[str, tuple[Option, ...]] = {}
        self.asked: dict[str, Question] = {}
        self.rows_of: dict[str, int] = {}
        self.refused: set[str] = set()  # names of rows already reported

    def problem(self, message: str, values: Mapping[str, str | int] | None = None, *,
                row: int | None, sheet: str = SURVEY) -> None:
        self.reader.problem(message, values, sheet=sheet, row=row)

    def questions(self) -> list[Question]:
        groups: list[str] = []  # the relevant of each open group ("" when none)
        repeats = 0
        for index, row in enumerate(self.survey.rows):
            number = index + 2
            kind = " ".join(str(row.get("type") or "").split())
            lowered = kind.lower()
            if not kind:
                continue
            if repeats:
                repeats += (lowered in _BEGIN_REPEAT) - (lowered in _END_REPEAT)
                continue
            if lowered in _BEGIN_GROUP:
                groups.append(str(_bind(row, "relevant") or ""))
            elif lowered in _END_GROUP:
                if groups:
                    groups.pop()
            elif lowered in _METADATA:
                continue
            elif lowered in _BEGIN_REPEAT:
                repeats = 1
                self.problem(_NOT_ASKED, {"type": kind}, row=number)
            else:
                question = self.question(row, number, kind, [g for g in groups if g])
                if question is not None:
                    self.asked[question.id] = question
        return list(self.asked.values())

    def question(self, row: dict[str, Any], number: int, kind: str,
                 group_conditions: list[str]) -> Question | None:
        lowered = kind.lower()
        raw_name = str(row.get("name") or "").strip()
        if lowered in _NOT_IN_A_CHAT or lowered.startswith(tuple(
                f"{t} " for t in _NOT_IN_A_CHAT)):
            self.refused.add(_slug_id(raw_name))
            self.problem(_NOT_ASKED, {"type": kind.split()[0]}, row=number)
            return None
        question_type: QuestionType
        options: tuple[Option, ...] = ()
        if lowered.startswith(_SELECT_ONE) or lowered.startswith(_SELECT_MULTIPLE):
            question_type = (QuestionType.CHOICE if lowered.startswith(_SELECT_ONE)
                             else QuestionType.MULTI)
            words = kind.split()
            words = words[2:] if words[1].lower() in ("one", "multiple") else words[1:]
            if [word.lower() for word in words[:3]] == ["all", "that", "apply"]:
                words = words[3:]
            if len(words) > 1 and words[-1].lower() == "or_other":
                self.refused.add(_slug_id(raw_name))
                self.problem(N_("“or_other” is not supported: add an option “other” to the "
                                "list and a text question shown when it is chosen."), row=number)
                return None
            options = self.options(" ".join(words), number)
        elif lowered in _TEXT_TYPES:
            question_type = QuestionType.TEXT
        elif lowered == "note":
            question_type = QuestionType.NOTE
        elif lowered == "range" or lowered in _INTEGER_TYPES:
            question_type = QuestionType.RATING
        else:
            self.refused.add(_slug_id(raw_name))
            self.problem(N_("“%(type)s” is not a question type the bot knows."), {"type": kind},
                         row=number)
            return None
        question_id = self.question_id(raw_name, number, question_type)
        text = self.label(number)
        optional = self.optional(row, number)
        constraint = str(_bind(row, "constraint") or "").strip()
        scale = (0, 0)
        if lowered == "range":
            scale = self.range_scale(row, number)
        elif lowered in _INTEGER_TYPES:
            scale = self.integer_scale(constraint, number)
        relevant = group_conditions + ([str(_bind(row, "relevant"))]
                                       if _bind(row, "relevant") else [])
        condition = self.condition(relevant, number)
        choosing = question_type in (QuestionType.CHOICE, QuestionType.MULTI)
        if question_id is None or text is None or scale is None or (choosing and not options):
            self.refused.add(_slug_id(raw_name))  # conditions on it are not reported again
            return None
        low, high = scale
        return Question(
            id=question_id,
            type=question_type,
            text=text,
            optional=optional and question_type is not QuestionType.NOTE,
            options=options,
            scale_min=low if question_type is QuestionType.RATING else 1,
            scale_max=high if question_type is QuestionType.RATING else 5,
            max_choices=(_limit(_COUNT, constraint) if question_type is QuestionType.MULTI
                         else None),
            max_length=(_limit(_LENGTH, constraint) if question_type is QuestionType.TEXT
                        else None),
            show_if=condition,
            nps=question_type is QuestionType.RATING and (low, high) == (0, 10),
        )

    def question_id(self, raw_name: str, number: int, question_type: QuestionType) -> str | None:
        if not raw_name and question_type is QuestionType.NOTE:
            raw_name = f"note_{number}"  # pyxform names unnamed notes itself, likewise
        if not raw_name:
            self.problem(N_("This question has no name: fill the “name” column."), row=number)
            return None
        question_id = _slug_id(raw_name)
        if not _QUESTION_ID.fullmatch(question_id):
            self.refused.add(question_id)
            self.problem(_NAME_RULE, {"name": raw_name, "limit": 32}, row=number)
            return None
        if question_id in self.rows_of:
            self.problem(N_("“%(name)s” is used twice (first on row %(first)d)."),
                         {"name": raw_name, "first": self.rows_of[question_id]}, row=number)
            return None
        self.rows_of[question_id] = number
        return question_id

    def texts(self, row: dict[str, Any], number: int, sheet: str,
              columns: dict[str, list[str]], limit: int) -> Text | None:
        """The row's label in every language of the questionnaire, or None (reported)."""
        texts: dict[str, str] = {}
        for language, headers in columns.items():
            values = (str(row.get(header) or "").strip() for header in headers)
            texts[language] = next((value for value in values if value), "")
        fine = True
        for language in self.languages:
            value = texts.get(language, "")
            column = (columns.get(language) or [f"label::{language}"])[0]
            if not value:
                self.problem(_EMPTY_LABEL, {"column": column}, row=number, sheet=sheet)
                fine = False
            elif len(value) > limit:
                message = (N_("The text in the column “%(column)s” has %(length)d characters; "
                              "a button holds at most %(limit)d.") if sheet == CHOICES
                           else _TOO_LONG)
                self.problem(message, {"column": column, "length": len(value), "limit": limit},
                             row=number, sheet=sheet)
                fine = False
            elif sheet == SURVEY and _REFERENCE.search(value):
                self.problem(N_("A label cannot show an earlier answer (“%(reference)s”): "
                                "write the text without it."),
                             {"reference": _REFERENCE.search(value).group()},
                             row=number, sheet=sheet)
                fine = False
        return Text(**{language: texts[language] for language in self.languages}) if fine \
            else None

    def label(self, number: int) -> Text | None:
        return self.texts(self.survey.raw[number - 2], number, SURVEY, self.survey.labels,
                          MAX_QUESTION_CHARS)

    def optional(self, row: dict[str, Any], number: int) -> bool:
        required = str(_bind(row, "required") or "").strip()
        if not required:
            return True  # XLSForm questions are optional unless marked required
        if required in aliases.yes_no:
            return not aliases.yes_no[required]
        self.problem(N_("“required” must be yes or no, not “%(value)s”."), {"value": required},
                     row=number)
        return True

    def options(self, list_name: str, number: int) -> tuple[Option, ...]:
        if list_name in self.read_lists:  # a list shared by questions is checked once
            return self.read_lists[list_name]
        rows = self.lists.get(list_name)
        if not rows:
            self.problem(N_("The choice list “%(list)s” is not on the choices sheet."),
                         {"list": list_name}, row=number)
            return ()
        if len(rows) < MIN_OPTIONS:
            self.problem(N_("The list “%(list)s” has too few options (%(count)d); a question "
                            "needs at least %(min)d."), {"list": list_name, "min": MIN_OPTIONS,
                                                         "count": len(rows)}, row=number)
        elif len(rows) > MAX_OPTIONS:
            self.problem(N_("There are %(count)d options; a question may have at most "
                            "%(limit)d."), {"count": len(rows), "limit": MAX_OPTIONS}, row=number)
        options: list[Option] = []
        first_row: dict[str, int] = {}
        for choice_row, row in rows:
            raw_name = str(row.get("name") or "").strip()
            option_id = _slug_id(raw_name)
            text = self.texts(self.choices.raw[choice_row - 2], choice_row, CHOICES,
                              self.choices.labels, MAX_OPTION_CHARS)
            if not _OPTION_ID.fullmatch(option_id):
                self.problem(_NAME_RULE, {"name": raw_name, "limit": 24}, row=choice_row,
                             sheet=CHOICES)
                continue
            if option_id in first_row:
                self.problem(N_("“%(name)s” is used twice (first on row %(first)d)."),
                             {"name": raw_name, "first": first_row[option_id]}, row=choice_row,
                             sheet=CHOICES)
                continue
            first_row[option_id] = choice_row
            if text is not None:
                options.append(Option(id=option_id, text=text))
        self.read_lists[list_name] = tuple(options)
        return tuple(options)

    def range_scale(self, row: dict[str, Any], number: int) -> tuple[int, int] | None:
        try:
            parameters = pyxform_parameters.parse(str(row.get("parameters") or ""), number)
        except PyXFormError:
            parameters = {"start": "?"}
        start, end, step = (parameters.get(k, d) for k, d in
                            (("start", "1"), ("end", "10"), ("step", "1")))
        if not all(re.fullmatch(r"-?\d+", v) for v in (start, end, step)) or int(step) != 1 \
                or not 0 <= int(start) < int(end) <= MAX_SCALE:
            self.problem(N_("A range must go from 0 or more to %(max)d at most in steps of 1 "
                            "(the bot shows one button per value); here it goes from "
                            "%(start)s to %(end)s in steps of %(step)s."),
                         {"max": MAX_SCALE, "start": start, "end": end, "step": step},
                         row=number)
            return None
        return int(start), int(end)

    def integer_scale(self, constraint: str, number: int) -> tuple[int, int] | None:
        low: int | None = None
        high: int | None = None
        for term in _AND.split(constraint) if constraint else ():
            match = _BOUND.fullmatch(_unwrap(term))
            if match:
                value = int(match.group(2))
                relation = match.group(1)
                if relation.startswith(">"):
                    low = value + (relation == ">")
                else:
                    high = value - (relation == "<")
        if low is None or high is None or not 0 <= low < high <= MAX_SCALE:
            self.problem(N_("An integer question needs a constraint such as “%(example)s” (or "
                            "the type “range” with “%(parameters)s”): the bot shows one button "
                            "per value, from 0 to %(max)d at most."),
                         {"example": ". >= 0 and . <= 10", "parameters": "start=0 end=10",
                          "max": MAX_SCALE}, row=number)
            return None
        return low, high

    def condition(self, relevant: list[str], number: int) -> Condition | None:
        """``relevant`` (the groups' and the row's own) as a show_if on one earlier answer."""
        if not relevant:
            return None
        if len(relevant) > 1:
            self.problem(N_("This question and its group both have a condition (“relevant”); "
                            "the bot supports only one: move it to the questions."), row=number)
            return None
        expression = relevant[0].strip()
        terms = [_unwrap(term) for term in _OR.split(_unwrap(expression))]
        target: str | None = None
        values: list[str] = []
        for term in terms:
            parsed = _term(term)
            if parsed is None or (target is not None and parsed[0] != target):
                self.complex_condition(expression, number)
                return None
            target = parsed[0]
            name, relation, value = parsed
            earlier = self.asked.get(name)
            if earlier is None and name in self.refused:
                return None  # that row is reported already
            if earlier is None:
                self.problem(N_("The condition uses “%(value)s”, which is not a question "
                                "above this row."), {"value": name}, row=number)
                return None
            if not (earlier.option_ids() or earlier.type is QuestionType.RATING):
                self.problem(N_("The condition uses “%(value)s”, a %(type)s question: only a "
                                "question answered with buttons can be used."),
                             {"value": name, "type": earlier.type.value}, row=number)
                return None
            matching = _matching(earlier, relation, value)
            if matching is None:
                self.complex_condition(expression, number)
                return None
            if not matching and earlier.type is QuestionType.RATING:
                self.problem(N_("The condition compares “%(question_id)s” with %(value)s, which "
                                "is not on its scale (%(min)d to %(max)d)."),
                             {"value": value, "question_id": name, "min": earlier.scale_min,
                              "max": earlier.scale_max}, row=number)
                return None
            if not matching:
                self.problem(N_("The condition compares “%(question_id)s” with “%(value)s”, which "
                                "is not one of its options (%(allowed)s)."),
                             {"value": value, "question_id": name,
                                                        "allowed": ", ".join(earlier.option_ids())},
                             row=number)
                return None
            values += [v for v in matching if v not in values]
        assert target is not None
        order = self.asked[target].option_ids() or tuple(
            str(v) for v in self.asked[target].scale())
        return Condition(question=target, values=tuple(v for v in order if v in values))

    def complex_condition(self, expression: str, number: int) -> None:
        self.problem(N_("Only simple conditions on one earlier question can be used, such as "
                        "%(examples)s, joined by “or”; “%(relevant)s” is not one."),
                     {"examples": "${q1} = 'yes', selected(${q1}, 'yes'), ${q1} >= 9",
                      "relevant": expression}, row=number)


def _bind(row: dict[str, Any], key: str) -> Any:
    """pyxform groups ``required``, ``relevant``, ``constraint`` under ``bind``."""
    bind = row.get("bind")
    return bind.get(key) if isinstance(bind, dict) else row.get(key)


def _unwrap(text: str) -> str:
    """``(a or b)`` → ``a or b``, when the parentheses enclose the whole text."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        depth = 0
        for position, character in enumerate(text):
            depth += (character == "(") - (character == ")")
            if depth == 0 and position < len(text) - 1:
                return text
        text = text[1:-1].strip()
    return text


def _term(term: str) -> tuple[str, str, str] | None:
    """One comparison of a ``relevant``: (question id, relation, value), or None."""
    match = _COMPARISON.fullmatch(term)
    relation = match.group(2) if match else "selected"
    match = match or _SELECTED.fullmatch(term)
    if match is None:
        return None
    groups = match.groups()
    value = next(g for g in groups[-3:] if g is not None)
    return _slug_id(groups[0]), relation, value


def _matching(question: Question, relation: str, value: str) -> list[str] | None:
    """The stored answers of ``question`` that meet ``relation value`` (None: not simple)."""
    if question.type is QuestionType.RATING:
        if relation == "selected" or not re.fullmatch(r"-?\d+", value):
            return None if relation == "selected" else []
        compare = _OPERATORS[relation]
        return [str(v) for v in question.scale() if compare(v, int(value))]
    if question.type in (QuestionType.CHOICE, QuestionType.YESNO, QuestionType.MULTI):
        ids = question.option_ids()
        option = _slug_id(value)
        if question.type is QuestionType.MULTI and relation != "selected":
            return None  # "=" on a multiple choice means "exactly this set": not expressible
        if relation in ("=", "selected"):
            return [option] if option in ids else []
        if relation == "!=":
            return [i for i in ids if i != option] if option in ids else []
    return None


def _limit(pattern: re.Pattern[str], constraint: str) -> int | None:
    """``count-selected(.) <= 3`` → 3 (``< 4`` likewise); None when not stated."""
    for term in _AND.split(constraint) if constraint else ():
        match = pattern.fullmatch(_unwrap(term))
        if match:
            return int(match.group(2)) - (match.group(1) == "<")
    return None
