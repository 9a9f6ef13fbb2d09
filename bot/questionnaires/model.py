"""Questionnaires as immutable data.

A questionnaire is data, not code: the text of every question exists once per language,
and the bot only needs to know each question's *type* to draw its buttons and store its
answer. These frozen dataclasses are what the YAML loader produces and what the rest of
the bot consumes; they are also serialised to JSON and stored in the database, so a
workshop keeps the exact questionnaire its participants answered even if a file changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from collections.abc import Collection, Mapping
from typing import Any

LANGUAGES: tuple[str, ...] = ("ar", "fr", "en")
"""Languages every questionnaire text must exist in, in order of preference."""


class QuestionType(StrEnum):
    """The kinds of question the bot knows how to ask and store."""

    RATING = "rating"  # integer scale, 1-5 by default, one button per value
    CHOICE = "choice"  # exactly one option
    YESNO = "yesno"  # yes / no (/ maybe): labels come from the interface catalogs
    MULTI = "multi"  # any number of options, toggled with ✓, then confirmed
    TEXT = "text"  # free text typed as a message
    NOTE = "note"  # a text shown between questions, nothing to answer
    COMMITMENTS = "commitments"  # up to max_choices short texts, typed one per message


class QuestionnaireKind(StrEnum):
    """What a questionnaire is used for in a workshop's life."""

    PROFILE = "profile"  # optional questions when joining (organisation type, gender)
    EVALUATION = "evaluation"  # sent at /close
    FOLLOWUP = "followup"  # sent weeks later
    PRE = "pre"  # optional, answered when joining: level before the workshop, expectations


@dataclass(frozen=True)
class Text:
    """One string per language. ``get`` falls back so a missing language never crashes.

    An organiser's file may provide only some languages (its ``languages:``); the others
    stay empty and readers of that language see the first one provided.
    """

    ar: str = ""
    fr: str = ""
    en: str = ""

    def get(self, language: str) -> str:
        value = getattr(self, language, None) if language in LANGUAGES else None
        return value or self.en or self.fr or self.ar

    def to_dict(self) -> dict[str, str]:
        return {language: value for language, value in self.items()}

    def items(self) -> tuple[tuple[str, str], ...]:
        """The languages provided, with their text, in ``LANGUAGES`` order."""
        return tuple((language, getattr(self, language)) for language in LANGUAGES if getattr(self, language))

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Text:
        return cls(ar=data.get("ar", ""), fr=data.get("fr", ""), en=data.get("en", ""))


@dataclass(frozen=True)
class Option:
    """A choice of a CHOICE or MULTI question; ``id`` is what gets stored and exported."""

    id: str
    text: Text


YESNO_OPTION_IDS: tuple[str, ...] = ("yes", "no", "maybe")

NPS_PROMOTERS = range(9, 11)  # 9-10 on the 0-10 recommendation scale
NPS_DETRACTORS = range(0, 7)  # 0-6


@dataclass(frozen=True)
class Condition:
    """``show_if``: ask a question only when an earlier answer is one of ``values``.

    ``values`` are stored answer values as strings: option ids (``yes``/``no``/``maybe``
    for yes/no questions) or rating values ("9"). A multiple choice satisfies the
    condition when any chosen option is listed; a skipped or hidden question never does.
    """

    question: str
    values: tuple[str, ...]

    def holds(self, chosen: Collection[str]) -> bool:
        return any(value in self.values for value in chosen)


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    text: Text
    optional: bool = False
    options: tuple[Option, ...] = ()  # CHOICE and MULTI only
    scale_min: int = 1  # RATING only
    scale_max: int = 5  # RATING only
    low_label: Text | None = None  # RATING only, e.g. "very poor"
    high_label: Text | None = None  # RATING only, e.g. "excellent"
    maybe: bool = True  # YESNO only: offer "maybe" as a third answer
    max_choices: int | None = None  # MULTI only: at most this many options (None: any)
    max_length: int | None = None  # TEXT only: at most this many characters (None: the bot's limit)
    show_if: Condition | None = None  # asked only when an earlier answer meets it
    nps: bool = False  # RATING 0-10 only: a recommendation score, summarised as an NPS
    # RATING only: the same measure in a pre-survey and an end-of-session questionnaire
    # (e.g. "open_data_knowledge"), compared per participant, before → after.
    measure: str | None = None
    # RATING with a measure, in an end-of-session questionnaire: asks about *before* the
    # workshop ("how well did you know it before today?"), for when no pre-survey ran.
    retrospective: bool = False

    @property
    def answerable(self) -> bool:
        """False for a NOTE, which is shown but stores nothing."""
        return self.type is not QuestionType.NOTE

    def option_ids(self) -> tuple[str, ...]:
        """The stored values a choice-like question accepts, in questionnaire order."""
        if self.type is QuestionType.YESNO:
            return YESNO_OPTION_IDS if self.maybe else YESNO_OPTION_IDS[:2]
        return tuple(option.id for option in self.options)

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)

    def scale(self) -> range:
        return range(self.scale_min, self.scale_max + 1)


@dataclass(frozen=True)
class Questionnaire:
    key: str  # stable name, e.g. "default-evaluation"
    kind: QuestionnaireKind
    title: Text
    intro: Text | None
    questions: tuple[Question, ...] = field(default_factory=tuple)
    languages: tuple[str, ...] = LANGUAGES  # the languages the file provides, preferred first

    def answerable(self) -> tuple[Question, ...]:
        """The questions that store an answer (every question but notes)."""
        return tuple(q for q in self.questions if q.answerable)

    def shown(self, question: Question, answers: Mapping[str, Collection[str]]) -> bool:
        """Whether ``question`` is asked, given the answers so far (question id → stored
        values as strings; a skipped question maps to nothing). Conditions only name earlier
        questions, so a question whose condition names a hidden question is hidden too."""
        condition = question.show_if
        if condition is None:
            return True
        earlier = self.question(condition.question)
        if earlier is None or not self.shown(earlier, answers):
            return False
        return condition.holds(answers.get(condition.question, ()))

    def visible(self, answers: Mapping[str, Collection[str]]) -> tuple[Question, ...]:
        """The questions asked of someone with these answers, notes included, in order."""
        return tuple(q for q in self.questions if self.shown(q, answers))

    def next_index(self, after: int, answers: Mapping[str, Collection[str]]) -> int | None:
        """The index of the first question after ``after`` that is shown (None: the end)."""
        for index in range(after + 1, len(self.questions)):
            if self.shown(self.questions[index], answers):
                return index
        return None

    def previous_index(self, before: int, answers: Mapping[str, Collection[str]]) -> int | None:
        """The index of the last question before ``before`` that is shown (None: none)."""
        for index in range(before - 1, -1, -1):
            if self.shown(self.questions[index], answers):
                return index
        return None

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def index_of(self, question_id: str) -> int:
        for index, question in enumerate(self.questions):
            if question.id == question_id:
                return index
        raise KeyError(question_id)

    # --- JSON round trip, for storing the exact questionnaire in the database -------------

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "kind": self.kind.value,
            "title": self.title.to_dict(),
            "intro": self.intro.to_dict() if self.intro else None,
            "questions": [_question_to_dict(q) for q in self.questions],
        }
        if self.languages != LANGUAGES:  # only when set, so stored hashes stay as they were
            data["languages"] = list(self.languages)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Questionnaire:
        return cls(
            key=data["key"],
            kind=QuestionnaireKind(data["kind"]),
            title=Text.from_dict(data["title"]),
            intro=Text.from_dict(data["intro"]) if data.get("intro") else None,
            questions=tuple(_question_from_dict(q) for q in data["questions"]),
            languages=tuple(data.get("languages", LANGUAGES)),
        )


def _question_to_dict(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": question.id,
        "type": question.type.value,
        "text": question.text.to_dict(),
        "optional": question.optional,
        "options": [{"id": o.id, "text": o.text.to_dict()} for o in question.options],
        "scale_min": question.scale_min,
        "scale_max": question.scale_max,
        "low_label": question.low_label.to_dict() if question.low_label else None,
        "high_label": question.high_label.to_dict() if question.high_label else None,
        "maybe": question.maybe,
    }
    # Newer fields only when set, so the stored hashes of older questionnaires stay the same.
    if question.max_choices is not None:
        data["max_choices"] = question.max_choices
    if question.max_length is not None:
        data["max_length"] = question.max_length
    if question.show_if is not None:
        data["show_if"] = {"question": question.show_if.question, "in": list(question.show_if.values)}
    if question.nps:
        data["nps"] = True
    if question.measure is not None:
        data["measure"] = question.measure
    if question.retrospective:
        data["retrospective"] = True
    return data


def _question_from_dict(data: dict[str, Any]) -> Question:
    return Question(
        id=data["id"],
        type=QuestionType(data["type"]),
        text=Text.from_dict(data["text"]),
        optional=data.get("optional", False),
        options=tuple(
            Option(id=o["id"], text=Text.from_dict(o["text"])) for o in data.get("options", [])
        ),
        scale_min=data.get("scale_min", 1),
        scale_max=data.get("scale_max", 5),
        low_label=Text.from_dict(data["low_label"]) if data.get("low_label") else None,
        high_label=Text.from_dict(data["high_label"]) if data.get("high_label") else None,
        maybe=data.get("maybe", True),
        max_choices=data.get("max_choices"),
        max_length=data.get("max_length"),
        show_if=(
            Condition(question=data["show_if"]["question"], values=tuple(data["show_if"]["in"]))
            if data.get("show_if")
            else None
        ),
        nps=data.get("nps", False),
        measure=data.get("measure"),
        retrospective=data.get("retrospective", False),
    )
