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


class QuestionnaireKind(StrEnum):
    """What a questionnaire is used for in a workshop's life."""

    PROFILE = "profile"  # optional questions when joining (organisation type, gender)
    EVALUATION = "evaluation"  # sent at /close
    FOLLOWUP = "followup"  # sent weeks later


@dataclass(frozen=True)
class Text:
    """One string per language. ``get`` falls back so a missing language never crashes."""

    ar: str
    fr: str
    en: str

    def get(self, language: str) -> str:
        value = getattr(self, language, None) if language in LANGUAGES else None
        return value or self.en or self.fr or self.ar

    def to_dict(self) -> dict[str, str]:
        return {"ar": self.ar, "fr": self.fr, "en": self.en}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Text:
        return cls(ar=data["ar"], fr=data["fr"], en=data["en"])


@dataclass(frozen=True)
class Option:
    """A choice of a CHOICE or MULTI question; ``id`` is what gets stored and exported."""

    id: str
    text: Text


YESNO_OPTION_IDS: tuple[str, ...] = ("yes", "no", "maybe")


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

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def index_of(self, question_id: str) -> int:
        for index, question in enumerate(self.questions):
            if question.id == question_id:
                return index
        raise KeyError(question_id)

    # --- JSON round trip, for storing the exact questionnaire in the database -------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind.value,
            "title": self.title.to_dict(),
            "intro": self.intro.to_dict() if self.intro else None,
            "questions": [_question_to_dict(q) for q in self.questions],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Questionnaire:
        return cls(
            key=data["key"],
            kind=QuestionnaireKind(data["kind"]),
            title=Text.from_dict(data["title"]),
            intro=Text.from_dict(data["intro"]) if data.get("intro") else None,
            questions=tuple(_question_from_dict(q) for q in data["questions"]),
        )


def _question_to_dict(question: Question) -> dict[str, Any]:
    return {
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
    )
