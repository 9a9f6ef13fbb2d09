"""The packaged questionnaires load, and a bad file says exactly where and what is wrong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.questionnaires.loader import (
    default_questionnaire,
    load_questionnaire,
    load_questionnaire_file,
)
from bot.questionnaires.model import (
    LANGUAGES,
    Question,
    Questionnaire,
    QuestionnaireKind,
    QuestionType,
    Text,
)
from bot.questionnaires.problems import Problem, QuestionnaireProblems

ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")

# Line numbers in the tests below refer to this file; keep it as it is.
VALID = """\
key: my-workshop
kind: evaluation
title:
  ar: تقييم الورشة
  fr: Évaluation
  en: Evaluation
questions:
  - id: benefit
    type: rating
    text:
      ar: ما مدى استفادتك؟
      fr: Quel bénéfice en avez-vous tiré ?
      en: How much did you benefit?
  - id: trainers
    type: choice
    text:
      ar: كيف تقيّم المؤطرين؟
      fr: Comment évaluez-vous les formateurs ?
      en: How do you rate the trainers?
    options:
      - id: good
        text: {ar: جيد, fr: Bien, en: Good}
      - id: poor
        text: {ar: ضعيف, fr: Faible, en: Poor}
"""


def broken(old: str, new: str) -> Problem:
    """Load VALID with one change, expecting exactly one problem, about it."""
    assert VALID.count(old) == 1, old
    return failing(VALID.replace(old, new))


def failing(source: str | bytes) -> Problem:
    """The one problem of a file (a file with one mistake reports it alone)."""
    with pytest.raises(QuestionnaireProblems) as caught:
        load_questionnaire(source, name="questions.yaml")
    assert caught.value.name == "questions.yaml"
    assert len(caught.value.problems) == 1, [p.english() for p in caught.value.problems]
    return caught.value.problems[0]


def texts_of(questionnaire: Questionnaire) -> list[Text]:
    texts = [questionnaire.title]
    if questionnaire.intro:
        texts.append(questionnaire.intro)
    for question in questionnaire.questions:
        texts.append(question.text)
        texts.extend(option.text for option in question.options)
        texts.extend(label for label in (question.low_label, question.high_label) if label)
    return texts


# --- the packaged questionnaires ------------------------------------------------------------


@pytest.mark.parametrize("kind", list(QuestionnaireKind))
def test_packaged_questionnaire_loads(kind: QuestionnaireKind) -> None:
    questionnaire = default_questionnaire(kind)
    assert questionnaire.kind is kind
    assert questionnaire.key == f"default-{kind.value}"
    assert questionnaire.intro is not None
    assert default_questionnaire(kind) is questionnaire  # cached


def test_default_evaluation_is_the_rabat_form() -> None:
    questions = default_questionnaire(QuestionnaireKind.EVALUATION).questions
    assert [(q.id, q.type) for q in questions] == [
        ("useful_aspects", QuestionType.MULTI),
        ("benefit", QuestionType.RATING),
        ("clarity", QuestionType.RATING),
        ("importance", QuestionType.RATING),
        ("trainers", QuestionType.CHOICE),
        ("expectations", QuestionType.CHOICE),
        ("gain", QuestionType.CHOICE),
        ("materials", QuestionType.RATING),
        ("exercises", QuestionType.RATING),
        ("apply", QuestionType.YESNO),
        ("more_workshops", QuestionType.YESNO),
        ("recommend", QuestionType.YESNO),
        ("knowledge_before", QuestionType.RATING),
        ("knowledge_now", QuestionType.RATING),
        ("skills_before", QuestionType.RATING),
        ("skills_now", QuestionType.RATING),
        ("suggestions", QuestionType.TEXT),
        ("commitments", QuestionType.COMMITMENTS),
    ]
    by_id = {q.id: q for q in questions}
    assert by_id["useful_aspects"].option_ids() == (
        "concepts",
        "real_cases",
        "interaction",
        "rights",
        "materials",
    )
    assert by_id["trainers"].option_ids() == ("excellent", "very_good", "average", "poor")
    assert by_id["expectations"].option_ids() == ("fully", "partly", "no")
    assert by_id["gain"].option_ids() == ("not_much", "new_ideas", "clearer_view", "will_use")
    for rating in ("benefit", "clarity", "importance", "materials", "exercises"):
        assert list(by_id[rating].scale()) == [1, 2, 3, 4, 5]
    assert by_id["benefit"].low_label is not None
    assert by_id["benefit"].low_label.en == "Very poor"
    assert by_id["apply"].option_ids() == ("yes", "no", "maybe")
    assert by_id["more_workshops"].option_ids() == ("yes", "no", "maybe")
    assert by_id["recommend"].option_ids() == ("yes", "no")
    assert [q.id for q in questions if q.optional] == ["suggestions", "commitments"]
    assert by_id["gain"].option("not_much") is not None
    assert by_id["gain"].option("not_much").text.ar == "لم أستفد كثيرًا"  # typo fixed


def test_default_profile_and_followup() -> None:
    profile = default_questionnaire(QuestionnaireKind.PROFILE)
    assert [(q.id, q.type, q.optional) for q in profile.questions] == [
        ("org_type", QuestionType.CHOICE, True),
        ("gender", QuestionType.CHOICE, True),
    ]
    assert profile.questions[0].option_ids() == (
        "administration",
        "civil_society",
        "private_sector",
        "media",
        "research",
        "other",
    )
    assert profile.questions[1].option_ids() == ("woman", "man", "undisclosed")

    followup = default_questionnaire(QuestionnaireKind.FOLLOWUP)
    assert [(q.id, q.type) for q in followup.questions] == [
        ("used_since", QuestionType.YESNO),
        ("used_for", QuestionType.TEXT),
        ("obstacles", QuestionType.MULTI),
        ("support", QuestionType.YESNO),
    ]
    assert followup.questions[0].option_ids() == ("yes", "no")
    assert followup.questions[1].optional
    assert followup.questions[2].option_ids() == (
        "not_available",
        "unusable_formats",
        "lack_of_skills",
        "lack_of_time",
        "other",
    )
    assert followup.questions[3].option_ids() == ("yes", "no", "maybe")


@pytest.mark.parametrize("kind", list(QuestionnaireKind))
def test_every_text_exists_in_every_language(kind: QuestionnaireKind) -> None:
    questionnaire = default_questionnaire(kind)
    for text in texts_of(questionnaire):
        for language in LANGUAGES:
            assert getattr(text, language).strip(), text
        assert ARABIC_LETTER.search(text.ar), text
        assert not ARABIC_LETTER.search(text.fr + text.en), text
    for question in questionnaire.questions:
        for option in question.options:
            for language in LANGUAGES:
                assert len(option.text.get(language)) <= 45, option  # fits on a button


@pytest.mark.parametrize("kind", list(QuestionnaireKind))
def test_round_trip_through_dict(kind: QuestionnaireKind) -> None:
    questionnaire = default_questionnaire(kind)
    assert Questionnaire.from_dict(questionnaire.to_dict()) == questionnaire


def test_file_on_disk_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "questions.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode("utf-8"))
    questionnaire = load_questionnaire_file(path)
    assert questionnaire.key == "my-workshop"
    assert questionnaire.intro is None
    benefit, trainers = questionnaire.questions
    assert benefit == Question(
        id="benefit",
        type=QuestionType.RATING,
        text=Text(
            ar="ما مدى استفادتك؟",
            fr="Quel bénéfice en avez-vous tiré ?",
            en="How much did you benefit?",
        ),
    )
    assert trainers.option_ids() == ("good", "poor")


def test_yaml_booleans_stay_words() -> None:
    """In YAML 1.1 a bare `no` is false; a trainer writing `id: no` means the word."""
    questionnaire = load_questionnaire(
        VALID.replace("id: poor", "id: no").replace("en: Poor", "en: No")
    )
    option = questionnaire.questions[1].options[1]
    assert option.id == "no"
    assert option.text.en == "No"


def test_file_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "my-questions.yaml"
    path.write_text(VALID.replace("type: choice", "type: choise"), encoding="utf-8")
    with pytest.raises(QuestionnaireProblems) as caught:
        load_questionnaire_file(path)
    assert str(caught.value).startswith("my-questions.yaml, line 15: ")
    assert caught.value.name == "my-questions.yaml"


# --- bad files: every problem says where, in words ---------------------------------------------


def test_syntax_error_points_at_the_problem() -> None:
    problem = broken("fr: Quel bénéfice en avez-vous tiré ?", "fr: Bénéfice: quel ?")
    assert problem.line == 12
    assert "quotes" in problem.english()


def test_tab_indentation() -> None:
    problem = broken("    type: rating\n", "\ttype: rating\n")
    assert problem.line == 9
    assert "tabs" in problem.english()


def test_unknown_type() -> None:
    problem = broken("type: rating", "type: ratng")
    assert problem.line == 9
    assert problem.values["at_question"] == "benefit"
    assert problem.english() == "Unknown type “ratng”; did you mean “rating”?"


def test_unknown_type_without_a_close_match() -> None:
    problem = broken("type: rating", "type: slider")
    assert problem.english() == (
        "Unknown type “slider”; the types are: rating, choice, yesno, yesnomaybe, multi, text, commitments, note."
    )


def test_missing_translation_points_at_the_mapping() -> None:
    problem = broken("      ar: ما مدى استفادتك؟\n", "")
    assert problem.line == 11  # the text mapping now starts with "fr:" on line 11
    assert problem.values["at_question"] == "benefit"
    assert problem.values["at_field"] == "text"
    assert problem.english() == "The “ar” text is missing."


def test_missing_translation_in_a_flow_mapping() -> None:
    problem = broken("{ar: ضعيف, fr: Faible, en: Poor}", "{ar: ضعيف, fr: Faible}")
    assert problem.line == 24
    assert problem.english() == "The “en” text is missing."
    assert problem.values["at_question"] == "trainers"
    assert problem.values["at_option"] == "poor"


def test_duplicate_question_id_points_at_the_second() -> None:
    problem = broken("- id: trainers", "- id: benefit")
    assert problem.line == 14
    assert problem.english() == "The question id “benefit” is used twice (first on line 8)."


def test_duplicate_key() -> None:
    problem = broken("    type: choice\n", "    type: choice\n    type: rating\n")
    assert problem.line == 16
    assert problem.values["at_question"] == "trainers"
    assert problem.english() == "“type” is given twice (first on line 15); keep one."


def test_duplicate_language() -> None:
    problem = broken("  en: Evaluation\n", "  en: Evaluation\n  fr: Autre\n")
    assert problem.line == 7
    assert problem.english().startswith("“fr” is given twice")


def test_unknown_key() -> None:
    problem = broken("    type: rating\n", "    type: rating\n    optinal: true\n")
    assert problem.line == 10
    assert problem.english() == "Unknown key “optinal”; did you mean “optional”?"


def test_unknown_top_level_key() -> None:
    problem = broken("kind: evaluation\n", "kind: evaluation\ncolour: blue\n")
    assert problem.line == 3
    assert problem.english().startswith("Unknown key “colour”; the keys allowed here are: key, kind")


def test_key_of_another_question_type() -> None:
    problem = broken("    type: rating\n", "    type: rating\n    maybe: false\n")
    assert problem.line == 10
    assert problem.english() == "“maybe” does not apply to a rating question (only to: yesno)."


def test_too_few_options() -> None:
    problem = broken("      - id: poor\n        text: {ar: ضعيف, fr: Faible, en: Poor}\n", "")
    assert problem.line == 21
    assert problem.english() == "A choice question needs at least 2 options; this one has 1."


def test_too_many_options() -> None:
    many = "".join(
        f"      - id: o{n}\n        text: {{ar: خيار, fr: Choix, en: Choice}}\n"
        for n in range(31)
    )
    problem = broken(
        "      - id: good\n        text: {ar: جيد, fr: Bien, en: Good}\n"
        "      - id: poor\n        text: {ar: ضعيف, fr: Faible, en: Poor}\n",
        many,
    )
    assert problem.line == 21
    assert "at most 30" in problem.english()


def test_duplicate_option_id() -> None:
    problem = broken("- id: poor", "- id: good")
    assert problem.line == 23
    assert problem.english() == "The option id “good” is used twice (first on line 21)."


def test_option_text_too_long_for_a_button() -> None:
    problem = broken("en: Poor}", f"en: {'x' * 101}}}")
    assert problem.line == 24
    assert problem.english() == "The “en” text has 101 characters; a button holds at most 100."


def test_bad_rating_scale() -> None:
    problem = broken("    type: rating\n", "    type: rating\n    min: 3\n    max: 2\n")
    assert problem.line == 11
    assert "“min” must be smaller than “max”" in problem.english()


def test_bad_boolean() -> None:
    problem = broken("    type: rating\n", "    type: rating\n    optional: sometimes\n")
    assert problem.line == 10
    assert problem.english() == "“optional” must be true or false, not “sometimes”."


def test_bad_question_id() -> None:
    problem = broken("- id: trainers", "- id: Trainers")
    assert problem.line == 14
    assert problem.values["at_question_number"] == 2  # no valid id to name it by
    assert problem.english().startswith("The id “Trainers” is not valid: use 1 to 32 lowercase letters")


def test_missing_questions() -> None:
    problem = failing(VALID.split("questions:")[0])
    assert problem.line == 1
    assert problem.english() == "“questions” is missing."


def test_empty_question_list() -> None:
    problem = failing(VALID.split("questions:")[0] + "questions: []\n")
    assert problem.line == 7
    assert problem.english() == "The list of questions is empty."


def test_too_many_questions() -> None:
    question = "  - id: q{n}\n    type: text\n    text: {{ar: سؤال, fr: Question, en: Question}}\n"
    source = VALID.split("questions:")[0] + "questions:\n"
    assert load_questionnaire(source + "".join(question.format(n=n) for n in range(60)))
    problem = failing(source + "".join(question.format(n=n) for n in range(61)))
    assert problem.line == 8
    assert problem.english() == "There are 61 questions; a questionnaire may have at most 60."


def test_invalid_utf8() -> None:
    source = VALID.encode("utf-8").replace("Évaluation".encode(), "Évaluation".encode("latin-1"))
    problem = failing(source)
    assert problem.line == 5
    assert problem.english().startswith("The file is not UTF-8 text")


def test_wrong_top_level_type() -> None:
    problem = failing("- benefit\n- trainers\n")
    assert problem.line == 1
    assert problem.english() == (
        "The file must describe one questionnaire: “key:”, “title:” and “questions:”, "
        "each at the start of a line."
    )


@pytest.mark.parametrize("source", ["", "\n\n", "# only a comment\n", b"", b"\xef\xbb\xbf"])
def test_empty_file(source: str | bytes) -> None:
    problem = failing(source)
    assert problem.line == 1
    assert problem.english().startswith("The file is empty")


def test_two_documents() -> None:
    problem = failing(VALID + "---\nkey: other\n")
    assert problem.line == 25
    assert "only one questionnaire" in problem.english()


def test_python_tags_are_refused() -> None:
    problem = broken("key: my-workshop", "key: !!python/object/apply:os.system [echo]")
    assert problem.line == 1
    assert "!!python/object/apply:os.system" in problem.english()


def test_file_too_large() -> None:
    problem = failing(VALID + "#" * (1024 * 1024))
    assert problem.line is None
    assert problem.english() == (
        "The file is 1025 KB; a questionnaire file may be at most 1024 KB."
    )


def test_merge_keys_are_refused() -> None:
    problem = broken("  - id: trainers\n", "  - <<: {optional: true}\n    id: trainers\n")
    assert problem.line == 14
    assert "“<<”" in problem.english()
