"""An organiser's questionnaires as plain data: what /questionnaires lists and what an
upload or /questionnaire did, for rendering (which never reads the database)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.questionnaires.model import Questionnaire, Text


class Slot(enum.StrEnum):
    """Which questionnaire of a workshop ``/questionnaire`` sets (the command decides, not
    the file's ``kind``)."""

    EVALUATION = "evaluation"
    FOLLOWUP = "followup"


@dataclass(frozen=True)
class LibraryEntry:
    """One key of /questionnaires: its latest version, and the organiser's workshops that
    use any version of it (by join code)."""

    key: str
    title: Text
    version: int
    questions: int  # questions to answer (notes left out)
    built_in: bool
    workshops: tuple[str, ...]


@dataclass(frozen=True)
class Upload:
    """A file stored (``new``) or found identical to an earlier one of the same organiser."""

    row_id: int
    version: int
    new: bool
    questionnaire: Questionnaire


@dataclass(frozen=True)
class SlotSet:
    """``/questionnaire``'s effect: the workshop now uses this version in this slot."""

    workshop_title: str
    slot: Slot
    key: str
    title: Text
    version: int
