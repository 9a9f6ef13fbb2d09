"""An organiser's questionnaire file: the new features parse to the right model, a broken
file lists every problem at once with its line, hostile files cost nothing, and the list
reads in French and Arabic."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from bot.domain.questionnaire_store import content_hash
from bot.i18n import translator
from bot.questionnaires import loader
from bot.questionnaires.files import MAX_UPLOAD_BYTES, read_questionnaire_file
from bot.questionnaires.loader import default_questionnaire, load_questionnaire, load_questionnaire_file
from bot.questionnaires.model import Condition, QuestionnaireKind, QuestionType, Text
from bot.questionnaires.problems import Problem, QuestionnaireProblems
from bot.rendering import texts
from bot.rendering.texts.markup import LRI, PDI, visible_len
from bot.storage.models import TEXT_ANSWER_MAX

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "workshop-evaluation.yaml"

HEAD = """\
key: my-form
languages: [fr, ar]
title: {fr: Évaluation, ar: تقييم}
questions:
"""


def load(questions: str, head: str = HEAD):
    return load_questionnaire(head + questions, name="form.yaml")


def problems_of(source: str) -> list[Problem]:
    with pytest.raises(QuestionnaireProblems) as caught:
        load_questionnaire(source, name="form.yaml")
    return list(caught.value.problems)


def lines_and_messages(source: str) -> list[tuple[int | None, str]]:
    return [(p.line, p.english()) for p in problems_of(source)]


# --- the new features, each parsed to the model ------------------------------------------------


def test_languages_declared_and_kind_by_default() -> None:
    questionnaire = load("  - {id: q1, type: yesno, text: {fr: Oui ?, ar: نعم؟}}\n")
    assert questionnaire.languages == ("fr", "ar")
    assert questionnaire.kind is QuestionnaireKind.EVALUATION
    assert questionnaire.title == Text(fr="Évaluation", ar="تقييم")
    assert questionnaire.to_dict()["languages"] == ["fr", "ar"]


def test_languages_default_to_those_of_the_title() -> None:
    head = "key: my-form\ntitle: {ar: تقييم, fr: Évaluation}\nquestions:\n"
    questionnaire = load("  - {id: q1, type: yesno, text: {fr: Oui ?, ar: نعم؟}}\n", head)
    assert questionnaire.languages == ("ar", "fr")
    assert lines_and_messages(head + "  - {id: q1, type: yesno, text: {fr: Oui ?}}\n") == [
        (4, "The “ar” text is missing."),
    ]


def test_required_false_is_optional() -> None:
    questionnaire = load(
        "  - {id: q1, type: text, required: false, text: {fr: Texte, ar: نص}}\n"
        "  - {id: q2, type: text, required: true, text: {fr: Texte, ar: نص}}\n"
        "  - {id: q3, type: text, optional: true, text: {fr: Texte, ar: نص}}\n"
    )
    assert [q.optional for q in questionnaire.questions] == [True, False, True]


def test_zero_to_ten_is_a_recommendation_score() -> None:
    questionnaire = load(
        "  - {id: nps, type: rating, min: 0, max: 10, text: {fr: Note, ar: نقطة}}\n"
        "  - {id: plain, type: rating, min: 0, max: 10, nps: false, text: {fr: Note, ar: نقطة}}\n"
        "  - {id: five, type: rating, text: {fr: Note, ar: نقطة}}\n"
    )
    nps, plain, five = questionnaire.questions
    assert (nps.nps, nps.scale_min, nps.scale_max) == (True, 0, 10)
    assert not plain.nps and not five.nps
    assert lines_and_messages(
        HEAD + "  - {id: q, type: rating, min: 1, max: 5, nps: true, text: {fr: Note, ar: نقطة}}\n"
    ) == [(5, "“nps: true” (a recommendation score) needs a scale from 0 to 10; this one goes from 1 to 5.")]


def test_yes_no_and_maybe() -> None:
    questionnaire = load(
        "  - {id: a, type: yesno, text: {fr: Oui ?, ar: نعم؟}}\n"
        "  - {id: b, type: yesnomaybe, text: {fr: Oui ?, ar: نعم؟}}\n"
        "  - {id: c, type: yesno, maybe: true, text: {fr: Oui ?, ar: نعم؟}}\n"
    )
    a, b, c = questionnaire.questions
    assert a.type is b.type is c.type is QuestionType.YESNO
    assert a.option_ids() == ("yes", "no")
    assert b.option_ids() == c.option_ids() == ("yes", "no", "maybe")


OPTIONS = (
    "    options:\n"
    "      - {id: a, text: {fr: A, ar: أ}}\n"
    "      - {id: b, text: {fr: B, ar: ب}}\n"
    "      - {id: c, text: {fr: C, ar: ج}}\n"
)


def test_multi_with_max() -> None:
    questionnaire = load("  - id: m\n    type: multi\n    max: 2\n    text: {fr: M, ar: م}\n" + OPTIONS)
    assert questionnaire.questions[0].max_choices == 2
    assert load("  - id: m\n    type: multi\n    text: {fr: M, ar: م}\n" + OPTIONS).questions[0].max_choices is None
    assert lines_and_messages(HEAD + "  - id: m\n    type: multi\n    max: 4\n    text: {fr: M, ar: م}\n"
                              + OPTIONS) == [
        (7, "“max” is the most options one may tick: between 1 and the number of options (3), not 4."),
    ]


def test_text_with_max_length() -> None:
    questionnaire = load("  - {id: t, type: text, max_length: 280, text: {fr: T, ar: ت}}\n")
    assert questionnaire.questions[0].max_length == 280
    assert loader.MAX_TEXT_ANSWER_CHARS == TEXT_ANSWER_MAX  # the bot's own limit for a typed answer
    assert lines_and_messages(HEAD + "  - {id: t, type: text, max_length: 2001, text: {fr: T, ar: ت}}\n") == [
        (5, "“max_length” must be between 1 and 2000 characters, not 2001."),
    ]


def test_note() -> None:
    questionnaire = load(
        "  - {id: hello, type: note, text: {fr: Bonjour, ar: مرحبًا}}\n"
        "  - {id: q, type: yesno, text: {fr: Oui ?, ar: نعم؟}}\n"
    )
    note = questionnaire.questions[0]
    assert note.type is QuestionType.NOTE and not note.answerable
    assert [q.id for q in questionnaire.answerable()] == ["q"]
    assert lines_and_messages(HEAD + "  - {id: n, type: note, optional: true, text: {fr: N, ar: ن}}\n"
                              "  - {id: q, type: yesno, text: {fr: Oui ?, ar: نعم؟}}\n") == [
        (5, "A note only has “id”, “type”, “text” and “show_if”; remove “optional”."),
    ]
    assert lines_and_messages(HEAD + "  - {id: n, type: note, text: {fr: N, ar: ن}}\n") == [
        (5, "Every question is a note: at least one must ask for an answer."),
    ]


def test_show_if_on_each_kind_of_earlier_answer() -> None:
    questionnaire = load(
        "  - id: pick\n    type: choice\n    text: {fr: C, ar: ج}\n" + OPTIONS
        + "  - {id: yn, type: yesnomaybe, text: {fr: Oui ?, ar: نعم؟}}\n"
        "  - {id: score, type: rating, min: 0, max: 10, text: {fr: Note, ar: نقطة}}\n"
        "  - {id: a, type: text, show_if: {question: pick, in: [a, c]}, text: {fr: T, ar: ت}}\n"
        "  - {id: b, type: text, show_if: {question: yn, in: [no, maybe]}, text: {fr: T, ar: ت}}\n"
        "  - {id: c, type: note, show_if: {question: score, in: [0, 06]}, text: {fr: T, ar: ت}}\n"
    )
    by_id = {q.id: q for q in questionnaire.questions}
    assert by_id["a"].show_if == Condition("pick", ("a", "c"))
    assert by_id["b"].show_if == Condition("yn", ("no", "maybe"))
    assert by_id["c"].show_if == Condition("score", ("0", "6"))
    assert questionnaire.visible({"pick": ["b"], "yn": ["no"], "score": ["6"]}) == tuple(
        by_id[i] for i in ("pick", "yn", "score", "b", "c"))


def test_show_if_problems() -> None:
    source = HEAD + (
        "  - {id: note, type: note, text: {fr: N, ar: ن}}\n"                                     # 5
        "  - {id: free, type: text, text: {fr: T, ar: ت}}\n"                                     # 6
        "  - {id: yn, type: yesno, text: {fr: Oui ?, ar: نعم؟}}\n"                               # 7
        "  - {id: r, type: rating, text: {fr: N, ar: ن}}\n"                                      # 8
        "  - {id: q1, type: yesno, show_if: {question: later, in: [yes]}, text: {fr: A, ar: أ}}\n"  # 9
        "  - {id: q2, type: yesno, show_if: {question: yn2, in: [yes]}, text: {fr: A, ar: أ}}\n"    # 10
        "  - {id: q3, type: yesno, show_if: {question: note, in: [yes]}, text: {fr: A, ar: أ}}\n"   # 11
        "  - {id: q4, type: yesno, show_if: {question: free, in: [yes]}, text: {fr: A, ar: أ}}\n"   # 12
        "  - {id: q5, type: yesno, show_if: {question: yn, in: [maybe]}, text: {fr: A, ar: أ}}\n"   # 13
        "  - {id: q6, type: yesno, show_if: {question: r, in: [6, high]}, text: {fr: A, ar: أ}}\n"  # 14
        "  - {id: q7, type: yesno, show_if: {question: q7, in: [yes]}, text: {fr: A, ar: أ}}\n"    # 15
        "  - {id: later, type: yesno, text: {fr: A, ar: أ}}\n"                                   # 16
    )
    assert lines_and_messages(source) == [
        (9, "The question “later” comes after this one: a condition can only use an earlier question."),
        (10, "No question “yn2” comes before this one; did you mean “yn”?"),
        (11, "“note” is a note question: a condition can only use a question answered with buttons."),
        (12, "“free” is a text question: a condition can only use a question answered with buttons."),
        (13, "“maybe” is not an answer of “yn”; its answers are: yes, no."),
        (14, "“6” is not on the scale of “r”: write a whole number from 1 to 5."),
        (14, "“high” is not on the scale of “r”: write a whole number from 1 to 5."),
        (15, "A question cannot depend on its own answer."),
    ]


# --- every problem at once, each with its line ----------------------------------------------

BROKEN = """\
key: My Form
languages: [fr, ar]
title: {fr: Évaluation}
questions:
  - id: q1
    type: ratng
    text: {fr: Note, ar: نقطة}
  - id: q2
    type: choice
    text: {fr: Choix, ar: اختيار, en: Choice}
    options:
      - {id: a, text: {fr: A, ar: أ}}
  - id: q3
    type: multi
    optional: true
    required: false
    text: {fr: Plusieurs, ar: عدة}
    options:
      - {id: a, text: {fr: A, ar: أ}}
      - {id: b, text: {fr: "%(long)s", ar: ب}}
  - id: q3
    type: yesno
    show_if: {question: q9, in: [yes]}
    text: {fr: Oui ?, ar: نعم؟}
""".replace("%(long)s", "x" * 120)


def test_a_file_with_many_problems_lists_them_all_with_their_lines() -> None:
    problems = problems_of(BROKEN)
    assert [(p.line, p.english()) for p in problems] == [
        (1, "The key “My Form” is not valid: use 1 to 40 lowercase letters, digits or “-”."),
        (3, "The “ar” text is missing."),
        (6, "Unknown type “ratng”; did you mean “rating”?"),
        (10, "“en” is not one of the languages of the file (fr, ar): remove this text or add the "
             "language to “languages:”."),
        (12, "A choice question needs at least 2 options; this one has 1."),
        (16, "Give either “optional” or “required”, not both."),
        (20, "The “fr” text has 120 characters; a button holds at most 100."),
        (21, "The question id “q3” is used twice (first on line 13)."),
        (23, "No question “q9” comes before this one: a condition can only use an earlier question."),
    ]
    assert problems[1].values["at_field"] == "title"
    assert problems[6].values["at_question"] == "q3" and problems[6].values["at_option"] == "b"


# --- hostile files --------------------------------------------------------------------------

BILLION_LAUGHS = "\n".join(
    ['key: lol', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + n)}: &{chr(98 + n)} [" + ",".join([f"*{chr(97 + n)}"] * 9) + "]" for n in range(8)]
    + ["title: *i"]
)


def test_billion_laughs_is_refused_fast_before_anything_is_built() -> None:
    start = time.perf_counter()
    problems = problems_of(BILLION_LAUGHS)
    assert time.perf_counter() - start < 0.5
    assert problems[0] == Problem(
        "“&%(name)s” marks a part of the file to repeat (a YAML anchor), which is not allowed; "
        "remove it and write the text out where it is needed.", {"name": "a"}, line=2, column=4)
    assert {p.line for p in problems} == set(range(2, 12))
    assert problems[-1].english().startswith("“*i” repeats another part of the file")


def test_a_file_over_one_megabyte_is_refused_before_parsing() -> None:
    data = (HEAD + "  - {id: q, type: text, text: {fr: T, ar: ت}}\n").encode() + b"#" * MAX_UPLOAD_BYTES
    for read in (lambda: load_questionnaire(data, name="form.yaml"),
                 lambda: read_questionnaire_file(data, "form.yaml")):
        with pytest.raises(QuestionnaireProblems) as caught:
            read()
        assert [p.english() for p in caught.value.problems] == [
            f"The file is {len(data) // 1024 + 1} KB; a questionnaire file may be at most 1024 KB."]


def test_a_file_just_under_one_megabyte_loads() -> None:
    question = "  - {{id: q{n}, type: text, text: {{fr: T, ar: ت}}}}\n"
    source = HEAD + "".join(question.format(n=n) for n in range(60))
    source += "#" * (MAX_UPLOAD_BYTES - len(source.encode()) - 1) + "\n"
    assert len(source.encode()) == MAX_UPLOAD_BYTES
    assert len(load_questionnaire(source.encode()).questions) == 60


def test_explicit_tags_are_refused_with_their_lines() -> None:
    assert lines_and_messages(HEAD.replace("key: my-form", "key: !!python/name:os.system x")
                              + "  - {id: q, type: text, text: !custom {fr: T, ar: ت}}\n") == [
        (1, "YAML tags such as “!!python/name:os.system” are not allowed; remove it."),
        (5, "YAML tags such as “!custom” are not allowed; remove it."),
    ]


# --- the built-ins and the example -------------------------------------------------------------

BUILT_IN_HASHES = {
    QuestionnaireKind.PROFILE: "5fce220f12d1be88ef29c4a5ed65c738d44ef6665c5aec7143b8f47bedbea9b0",
    QuestionnaireKind.EVALUATION: "a655ed38b64a4953dcd5c28262cb3989b0deddd3f3040acd146fad0787d3a2a7",  # + before → after, + commitments
    QuestionnaireKind.FOLLOWUP: "a68cd32e65b13671f633a8d90b9a579b88693d6cb6ccb8d9651c05009b25b914",
    QuestionnaireKind.PRE: "29162a4fb5c0504e7082578be3ee04ec537a339f229db650a4c1e5d14d9f39ec",
}


@pytest.mark.parametrize("kind", list(QuestionnaireKind))
def test_built_ins_keep_their_content_hash(kind: QuestionnaireKind) -> None:
    """Stored workshops point at these rows: the same file must parse to the same questionnaire."""
    assert content_hash(default_questionnaire(kind)) == BUILT_IN_HASHES[kind]


def test_the_example_file_uses_every_feature() -> None:
    questionnaire = load_questionnaire_file(EXAMPLE)
    assert questionnaire.key == "workshop-evaluation"
    assert questionnaire.languages == ("fr", "ar", "en")
    assert questionnaire.kind is QuestionnaireKind.EVALUATION
    types = {q.type for q in questionnaire.questions}
    assert types == set(QuestionType)
    by_id = {q.id: q for q in questionnaire.questions}
    assert by_id["recommend_score"].nps
    assert by_id["useful_aspects"].max_choices == 2
    assert by_id["pace_detail"].max_length == 300 and by_id["pace_detail"].optional
    assert by_id["pace_detail"].show_if == Condition("pace", ("too_slow", "too_fast"))
    assert by_id["apply"].maybe and not by_id["need_support"].maybe
    assert read_questionnaire_file(EXAMPLE.read_bytes(), EXAMPLE.name) == questionnaire


# --- the list, as the organiser reads it --------------------------------------------------------

# English words of the messages that are not French words too ("question", "option" are).
ENGLISH_WORDS = re.compile(r"\b(?:the|is|must|missing|line|key|text|not|file|used|twice|cannot|"
                           r"problems?|sheet|row)\b")


def _shown(messages: list[str]) -> str:
    return re.sub(r"<[^>]+>", "", "\n".join(messages))


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_problems_read_in_the_organisers_language(language: str) -> None:
    with pytest.raises(QuestionnaireProblems) as caught:
        load_questionnaire(BROKEN.replace("My Form", "My <Form>"), name="évaluation <v2>.yaml")
    messages = texts.questionnaire_problems(translator(language), caught.value)
    assert len(messages) == 1
    shown = _shown(messages)
    # Values from the file (ids, keys, types) are quoted as they are; the words around them are not English.
    words = re.sub(r"[“«]\u202f?[^”»]*\u202f?[”»]|\u2066[^\u2069]*\u2069", "", shown)
    assert not ENGLISH_WORDS.search(words), words
    assert "&lt;v2&gt;" in messages[0] and "&lt;Form&gt;" in messages[0]  # escaped for HTML
    if language == "fr":
        assert "Ligne 10 · question «\u202fq2\u202f» · clé «\u202ftext\u202f»" in shown
        assert "Ligne 20 · question «\u202fq3\u202f» · option «\u202fb\u202f» · clé «\u202ftext\u202f»" in shown
        assert "Le texte «\u202far\u202f» manque." in shown
        assert "9\u202fproblèmes à corriger" in shown or "9 problèmes à corriger" in shown
    else:
        assert f"السطر 10 · السؤال «{LRI}q2{PDI}» · المفتاح «{LRI}text{PDI}»" in shown
        assert f"السطر 20 · السؤال «{LRI}q3{PDI}» · الخيار «{LRI}b{PDI}»" in shown
        assert f"النص «{LRI}ar{PDI}» ناقص." in shown
        assert "فيه 9 مشكلات" in shown


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_a_long_list_is_cut_into_messages_within_telegrams_limit(language: str) -> None:
    question = "  - {{id: q{n}, type: ratng, text: {{fr: T, ar: ت}}}}\n"
    source = HEAD + "".join(question.format(n=n) for n in range(58))
    with pytest.raises(QuestionnaireProblems) as caught:
        load_questionnaire(source, name="x" * 300 + ".yaml")
    assert len(caught.value.problems) == 58
    messages = texts.questionnaire_problems(translator(language), caught.value)
    assert all(visible_len(message) <= 4096 for message in messages)
    shown = _shown(messages)
    assert shown.count("ratng") == 50  # the first 50, then how many more
    assert ("8" in shown.splitlines()[-1]) and shown.splitlines()[-1].startswith("…")


def test_xlsform_places_read_as_sheet_and_row() -> None:
    error = QuestionnaireProblems("form.xlsx", [
        Problem("The list of questions is empty.", sheet="survey", row=7),
        Problem("The file cannot be read as YAML."),
    ])
    fr = _shown(texts.questionnaire_problems(translator("fr"), error))
    ar = _shown(texts.questionnaire_problems(translator("ar"), error))
    assert "Feuille survey, ligne 7\nLa liste des questions est vide." in fr
    assert "Tout le fichier\n" in fr
    assert f"الورقة {LRI}survey{PDI}، الصف 7\nقائمة الأسئلة فارغة." in ar
    assert "الملف كله\n" in ar


def test_a_control_character_is_found_on_its_line_after_arabic_text() -> None:
    """libyaml counts bytes, so the line is found from the character itself."""
    source = HEAD.replace("تقييم", "تقييم الورشة " * 20) + "  - {id: q, type: text, text: {fr: \x01T, ar: ت}}\n"
    assert lines_and_messages(source) == [
        (5, "This line contains a character that is not allowed (code 0x0001); remove it.")]
