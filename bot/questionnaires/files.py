"""One door for a questionnaire file an organiser sends: YAML or an XLSForm workbook.

The chat hands over bytes and a file name; this decides which reader applies (by the
content first: an .xlsx is a ZIP archive, whatever it is called) and enforces the limits
that hold for both, so every caller gets a ``Questionnaire`` or a ``QuestionnaireProblems``
listing everything to fix, and never a traceback.
"""

from __future__ import annotations

from bot.questionnaires.model import Questionnaire
from bot.questionnaires.problems import N_, Problem, QuestionnaireProblems

MAX_UPLOAD_BYTES = 1024 * 1024
"""A questionnaire file is a few KB; anything over 1 MB is refused before it is read."""

YAML_SUFFIXES = (".yaml", ".yml")
XLSFORM_SUFFIXES = (".xlsx",)
_ZIP_MAGIC = b"PK\x03\x04"


def too_big(file_name: str, size: int) -> QuestionnaireProblems:
    """The refusal of a file over the limit: raised here, and by the chat before downloading a
    document whose announced size is already too big."""
    return QuestionnaireProblems(file_name, [Problem(
        N_("The file is %(size)s KB; a questionnaire file may be at most %(limit)s KB."),
        {"size": (size + 1023) // 1024, "limit": MAX_UPLOAD_BYTES // 1024},
    )])


def read_questionnaire_file(data: bytes, file_name: str) -> Questionnaire:
    """The questionnaire in ``data``, or ``QuestionnaireProblems`` naming every problem."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise too_big(file_name, len(data))
    lower = file_name.lower()
    if data.startswith(_ZIP_MAGIC) or lower.endswith(XLSFORM_SUFFIXES):
        from bot.questionnaires.xlsform import load_xlsform  # openpyxl/pyxform load on demand

        return load_xlsform(data, name=file_name)
    if lower.endswith(YAML_SUFFIXES):
        from bot.questionnaires.loader import load_questionnaire

        return load_questionnaire(data, name=file_name)
    raise QuestionnaireProblems(file_name, [Problem(
        N_("This is not a questionnaire file: send a YAML file (.yaml) or an XLSForm "
           "spreadsheet (.xlsx)."),
    )])
