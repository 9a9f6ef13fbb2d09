"""XLSForm workbooks (KoboToolbox/ODK) read into questionnaires: what maps, what is refused.

The workbooks are built here with openpyxl, as an organiser's spreadsheet program would save
them; every problem must come back with its sheet and row, all at once, and in Arabic and
French as well as English.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from openpyxl import Workbook

from bot.i18n.catalogs import translator
from bot.questionnaires.files import read_questionnaire_file
from bot.questionnaires.model import Condition, QuestionnaireKind, QuestionType
from bot.questionnaires.problems import Problem, QuestionnaireProblems
from bot.questionnaires.xlsform import load_xlsform
from bot.rendering.texts.file_problems import problem_text

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "workshop-evaluation.xlsx"

Rows = list[list[object]]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")

SURVEY_HEADER = ["type", "name", "label::Arabic (ar)", "label::French (fr)", "hint", "required",
                 "relevant", "parameters", "constraint"]
CHOICES_HEADER = ["list_name", "name", "label::Arabic (ar)", "label::French (fr)"]
CHOICES: Rows = [
    ["yes_no", "yes", "نعم", "Oui"],
    ["yes_no", "no", "لا", "Non"],
    ["topics", "data", "البيانات", "Les données"],
    ["topics", "maps", "الخرائط", "Les cartes"],
    ["topics", "law", "القانون", "Le droit"],
]


def workbook(survey: Rows, choices: Rows | None = None, settings: Rows | None = None) -> bytes:
    """An .xlsx with these sheets; each list of rows starts with its header row."""
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    if choices is not None:
        choices_sheet = book.create_sheet("choices")
        for row in choices:
            choices_sheet.append(row)
    if settings is not None:
        settings_sheet = book.create_sheet("settings")
        for row in settings:
            settings_sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def problems_of(data: bytes, name: str = "form.xlsx") -> tuple[Problem, ...]:
    with pytest.raises(QuestionnaireProblems) as caught:
        load_xlsform(data, name=name)
    return caught.value.problems


def where(problems: tuple[Problem, ...]) -> list[tuple[str | None, int | None, str]]:
    return [(p.sheet, p.row, p.english()) for p in problems]


GOOD_SURVEY: Rows = [
    SURVEY_HEADER,
    ["start", "start", None, None, None, None, None, None, None],
    ["begin_group", "about", None, None, None, None, None, None, None],
    ["select_one yes_no", "useful", "هل كانت الورشة مفيدة؟", "L’atelier était-il utile ?",
     "Un indice", "yes", None, None, None],
    ["text", "why_not", "لماذا؟", "Pourquoi ?", None, None, "${useful} = 'no'", None,
     "string-length(.) <= 300"],
    ["end_group", None, None, None, None, None, None, None, None],
    ["range", "recommend", "هل توصي بها؟", "La recommanderiez-vous ?", None, "true", None,
     "start=0 end=10", None],
    ["note", None, "شكرًا", "Merci !", None, None, None, None, None],
    ["select_multiple topics", "topics", "المواضيع", "Les thèmes", None, None,
     "${recommend} >= 9 or ${recommend} = 0", None, "count-selected(.) <= 2"],
    ["integer", "days", "كم يومًا؟", "Combien de jours ?", None, None,
     "selected(${topics}, 'maps')", None, ". >= 1 and . <= 5"],
]


def test_a_good_workbook_becomes_the_questionnaire() -> None:
    data = workbook(
        GOOD_SURVEY, [CHOICES_HEADER, *CHOICES],
        [["form_title", "form_id", "default_language", "version"],
         ["Atelier données ouvertes", "Atelier_Rabat 2026", "French (fr)", "3"]],
    )
    questionnaire = load_xlsform(data, name="atelier.xlsx")

    assert questionnaire.key == "atelier-rabat-2026"
    assert questionnaire.kind is QuestionnaireKind.EVALUATION
    assert questionnaire.languages == ("fr", "ar")
    assert questionnaire.title.get("fr") == questionnaire.title.get("ar") == "Atelier données ouvertes"
    assert questionnaire.intro is None
    ids = [q.id for q in questionnaire.questions]
    assert ids == ["useful", "why_not", "recommend", "note_8", "topics", "days"]
    useful, why_not, recommend, note, topics, days = questionnaire.questions

    assert useful.type is QuestionType.CHOICE and not useful.optional
    assert [o.id for o in useful.options] == ["yes", "no"]
    assert useful.options[0].text.ar == "نعم" and useful.options[0].text.fr == "Oui"
    assert useful.text.fr == "L’atelier était-il utile ?" and useful.text.en == ""

    assert why_not.type is QuestionType.TEXT and why_not.optional
    assert why_not.show_if == Condition("useful", ("no",))
    assert why_not.max_length == 300

    assert recommend.type is QuestionType.RATING and not recommend.optional
    assert (recommend.scale_min, recommend.scale_max, recommend.nps) == (0, 10, True)

    assert note.type is QuestionType.NOTE and note.text.fr == "Merci !"

    assert topics.type is QuestionType.MULTI and topics.max_choices == 2
    assert topics.show_if == Condition("recommend", ("0", "9", "10"))
    assert [o.id for o in topics.options] == ["data", "maps", "law"]

    assert days.type is QuestionType.RATING and (days.scale_min, days.scale_max) == (1, 5)
    assert not days.nps
    assert days.show_if == Condition("topics", ("maps",))

    # What the bot stores survives the JSON round trip.
    assert type(questionnaire).from_dict(questionnaire.to_dict()) == questionnaire


def test_plain_labels_are_the_default_language_and_groups_pass_their_condition_on() -> None:
    data = workbook(
        [["type", "name", "label", "label::English (en)", "relevant"],
         ["select_one yes_no", "came", "Êtes-vous venu ?", "Did you come?", None],
         ["begin group", "details", "Détails", "Details", "${came} != 'no'"],
         ["text", "what", "Quoi ?", "What?", None],
         ["end group", None, None, None, None]],
        [["list_name", "name", "label", "label::English (en)"],
         ["yes_no", "yes", "Oui", "Yes"], ["yes_no", "no", "Non", "No"],
         ["yes_no", "later", "Plus tard", "Later"]],
    )
    questionnaire = load_xlsform(data, name="Venue.xlsx")
    assert questionnaire.languages == ("fr", "en")  # no default_language: a plain label is French
    assert questionnaire.key == "venue"  # no form_id: the file name
    assert questionnaire.title.fr == "Venue"
    what = questionnaire.question("what")
    assert what is not None and what.show_if == Condition("came", ("yes", "later"))


def test_a_bad_workbook_lists_every_problem_with_sheet_and_row_and_imports_nothing() -> None:
    data = workbook(
        [SURVEY_HEADER,
         ["select_one yes_no", "Q-1", "سؤال", "Question", None, None, None, None, None],
         ["geopoint", "where", "أين؟", "Où ?", None, None, None, None, None],
         ["begin_repeat", "people", "الأشخاص", "Les personnes", None, None, None, None, None],
         ["text", "person", "الاسم", "Nom", None, None, None, None, None],
         ["end_repeat", None, None, None, None, None, None, None, None],
         ["text", "why", "لماذا؟", "Pourquoi ?", None, None,
          "${q_1} = 'no' and ${q_1} != 'yes'", None, None],
         ["select_one colours", "colour", "اللون", "Couleur", None, None, None, None, None],
         ["text", "later", "لاحقًا", None, None, None, "${after} = 'x'", None, None],
         ["calculate", "total", None, None, None, None, None, None, None],
         ["range", "score", "النقطة", "Note", None, None, None, "start=1 end=20", None],
         ["integer", "age", "العمر", "Âge", None, "maybe", None, None, None],
         ["text", "after", "بعد", "Après", None, None, None, None, None],
         ["text", "after", "بعد", "Après", None, None, None, None, None]],
        [CHOICES_HEADER, *CHOICES],
    )
    problems = where(problems_of(data))
    rows = [(sheet, row) for sheet, row, _ in problems]
    assert ("survey", 3) in rows and "geopoint" in problems[rows.index(("survey", 3))][2]
    assert ("survey", 4) in rows and "begin_repeat" in problems[rows.index(("survey", 4))][2]
    assert ("survey", 5) not in rows  # a repeat's content is not reported again
    assert ("survey", 7) in rows and "simple conditions" in problems[rows.index(("survey", 7))][2]
    assert ("survey", 8) in rows and "colours" in problems[rows.index(("survey", 8))][2]
    messages_9 = [m for sheet, row, m in problems if (sheet, row) == ("survey", 9)]
    assert any("label::French (fr)" in m for m in messages_9)
    assert any("not a question above this row" in m for m in messages_9)
    assert ("survey", 10) in rows and "calculate" in problems[rows.index(("survey", 10))][2]
    assert ("survey", 11) in rows and "1 to 20" in problems[rows.index(("survey", 11))][2]
    messages_12 = [m for sheet, row, m in problems if (sheet, row) == ("survey", 12)]
    assert any("constraint" in m for m in messages_12) and any("maybe" in m for m in messages_12)
    assert ("survey", 14) in rows and "first on row 13" in problems[rows.index(("survey", 14))][2]
    assert all(sheet is not None and row is not None for sheet, row, _ in problems)
    assert rows == sorted(rows)


def test_choice_problems_point_at_the_choices_sheet() -> None:
    data = workbook(
        [SURVEY_HEADER,
         ["select_one topics", "topic", "الموضوع", "Le thème", None, None, None, None, None],
         ["select_multiple lonely", "lonely", "وحيد", "Seul", None, None, None, None, None]],
        [CHOICES_HEADER,
         ["topics", "data", "البيانات", None],
         ["topics", "Données", "الخرائط", "Les cartes"],
         ["topics", "DATA", "مكرر", "Encore"],
         ["lonely", "one", "واحد", "Un"]],
    )
    problems = where(problems_of(data))
    assert ("choices", 2) in [(s, r) for s, r, _ in problems]
    assert any(s == "choices" and r == 3 and "Données" in m for s, r, m in problems)
    assert any(s == "choices" and r == 4 and "first on row 2" in m for s, r, m in problems)
    assert any(s == "survey" and r == 3 and "too few options (1)" in m for s, r, m in problems)


def test_an_unknown_label_language_and_a_label_quoting_an_answer_are_refused() -> None:
    data = workbook(
        [["type", "name", "label::French (fr)", "label::Tamazight (zgh)"],
         ["text", "name", "Votre nom ?", "ⵉⵙⵎ"],
         ["text", "hello", "Bonjour ${name} !", "ⴰⵣⵓⵍ"]],
    )
    problems = where(problems_of(data))
    assert any(s == "survey" and r == 1 and "label::Tamazight (zgh)" in m for s, r, m in problems)
    assert any(s == "survey" and r == 3 and "${name}" in m for s, r, m in problems)


def test_pyxform_refusals_come_back_with_their_row() -> None:
    # An unclosed group: only pyxform's own check sees it.
    data = workbook(
        [["type", "name", "label::French (fr)"],
         ["begin_group", "g", "Groupe"],
         ["text", "a", "A ?"]],
    )
    (problem,) = problems_of(data)
    assert problem.sheet == "survey" and problem.row == 2
    assert "%(reason)s" in problem.message and "group" in problem.english().lower()


@pytest.mark.parametrize("data", [b"not a spreadsheet at all", b"PK\x03\x04broken zip",
                                  "survey;type\n".encode()])
def test_a_file_that_is_not_a_workbook_is_one_problem_not_a_traceback(data: bytes) -> None:
    (problem,) = problems_of(data, name="questions.xlsx")
    assert "not an Excel workbook" in problem.english()
    # The same through the door every uploaded file takes.
    with pytest.raises(QuestionnaireProblems):
        read_questionnaire_file(data, "questions.xlsx")


def test_a_workbook_that_unpacks_to_gigabytes_is_refused_before_reading() -> None:
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * (30 * 1024 * 1024))
    (problem,) = problems_of(out.getvalue())
    assert "at most 20 MB" in problem.english()


def test_the_example_workbook_loads_and_is_what_its_script_makes(tmp_path: Path) -> None:
    questionnaire = read_questionnaire_file(EXAMPLE.read_bytes(), EXAMPLE.name)
    assert questionnaire.languages == ("fr", "ar")
    assert questionnaire.title.fr == "Évaluation de l’atelier données ouvertes (Rabat–Tunis)"
    assert questionnaire.title.ar == "تقييم ورشة البيانات المفتوحة (الرباط–تونس)"
    assert any(q.nps for q in questionnaire.questions)
    assert any(q.show_if for q in questionnaire.questions)
    target = tmp_path / "again.xlsx"
    subprocess.run([sys.executable, str(ROOT / "examples" / "make_xlsform_example.py"),
                    str(target)], check=True)
    assert load_xlsform(target.read_bytes(), name=EXAMPLE.name) == questionnaire


def _xlsform_messages() -> list[str]:
    path = ROOT / "bot" / "questionnaires" / "xlsform.py"
    return [message for _line, message, _comments, _context
            in extract_from_file("python", str(path), keywords={"N_": None})]


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_every_problem_of_an_xlsform_is_translated(language: str) -> None:
    tr = translator(language)
    messages = _xlsform_messages()
    assert len(messages) > 20
    for message in messages:
        text = tr.gettext(message)
        assert text != message, (language, message)
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(message)), message


def test_problems_read_in_arabic_and_french() -> None:
    """As the organiser reads them: translated, the place first, Latin values kept whole."""
    data = workbook(
        [SURVEY_HEADER,
         ["geopoint", "where", "أين؟", "Où ?", None, None, None, None, None],
         ["text", "why", "لماذا؟", None, None, None, "${x} = 'y' and ${x} = 'z'", None, None]],
    )
    problems = problems_of(data)
    arabic = [problem_text(translator("ar"), p) for p in problems]
    french = [problem_text(translator("fr"), p) for p in problems]
    assert "الصف 2" in arabic[0] and "لا يستطيع البوت طرح سؤال" in arabic[0]
    assert "\u2066geopoint\u2069" in arabic[0]
    assert "ligne 2" in french[0] and "Le bot ne peut pas poser une question «\u202fgeopoint\u202f»" in french[0]
    assert "العمود «\u2066label::French (fr)\u2069» فارغ" in arabic[1]
    assert "La colonne «\u202flabel::French (fr)\u202f» est vide" in french[1]
    assert "${x} = &#x27;y&#x27; and ${x} = &#x27;z&#x27;" in french[2] or "${x} = 'y' and" in french[2]
    assert "Seules des conditions simples" in french[2] and "لا تُقبل إلا الشروط البسيطة" in arabic[2]
