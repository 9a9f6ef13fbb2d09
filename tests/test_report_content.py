"""The report from statistics: summary table, breakdowns, and the PDF's text as a reader copies it.

Statistics are built here as plain ``bot.results`` data (the domain makes the same from
the database), turned into a report by ``report_content`` and drawn by ``render_report``.
With poppler (``pdffonts``, ``pdftotext``; those tests are skipped without it) the PDF is
checked for TrueType fonts and for text that copies as the exact words, in French and in
Arabic.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.i18n import translator
from bot.questionnaires.loader import default_questionnaire
from bot.questionnaires.model import Question, QuestionnaireKind, QuestionType
from bot.rendering.report_content import report_content
from bot.reports import ReportData, layout_report, render_report
from bot.reports.layout import HALF_FILLED, ChartItem
from bot.results.stats import (
    MIN_GROUP_SIZE,
    NOT_STATED,
    Breakdown,
    Group,
    QuestionStats,
    Stats,
    Tally,
    WorkshopFigures,
)
from bot.simulation.live_bot import LiveBot
from telegram_sim import FakeUser
from tests.conversation import new_workshop, say
from tests.test_results import run_workshop

EVALUATION = default_questionnaire(QuestionnaireKind.EVALUATION)
PROFILE = default_questionnaire(QuestionnaireKind.PROFILE)
GENERATED = datetime(2026, 11, 23, 12, tzinfo=UTC)
NNBSP, NBSP = "\u202f", "\u00a0"

# 20 participants: 9 women, 9 men, 2 who did not say (a group too small to be shown);
# by organisation: 7 · 6 · 4 · 2 (media, hidden) · 1 (research, hidden).
GENDERS = ["woman"] * 9 + ["man"] * 9 + [NOT_STATED] * 2
ORGS = ["civil_society"] * 7 + ["administration"] * 6 + ["private_sector"] * 4 + ["media"] * 2 + ["research"]
COMMENTS = {
    "fr": ["Un atelier très efficace, merci à toute l’équipe\u202f!", "Prévoir une deuxième journée pour l’atelier.",
           "Des exercices difficiles mais utiles."],
    "ar": ["ورشة مفيدة جدًا، شكرًا للمؤطرين", "نقترح يومًا ثانيًا للتمارين التطبيقية"],
    "en": ["A very effective workshop, thank you!", "Plan a second day."],
}


def answer(question: Question, person: int) -> object:
    """What participant *person* (0-19) answered; None: skipped."""
    if person == 19 and question.optional:
        return None
    if question.type is QuestionType.RATING:
        return 5 - (person * 7 + len(question.id)) % 4  # 2 to 5
    if question.type in (QuestionType.TEXT, QuestionType.COMMITMENTS):  # commitments: free text too
        return person if person % 3 == 0 else None
    options = question.option_ids()
    if question.type is QuestionType.MULTI:
        return [options[person % len(options)], options[(person + 2) % len(options)]]
    return options[0] if person % 5 else options[(person // 5) % len(options)]


def tally(question: Question, people: list[int], language: str) -> tuple[Tally, tuple[str, ...]]:
    options: Counter[str] = Counter()
    ratings: Counter[int] = Counter()
    texts: list[str] = []
    answered = skipped = 0
    for person in people:
        value = answer(question, person)
        if value is None:
            skipped += 1
            continue
        answered += 1
        if question.type is QuestionType.RATING:
            ratings[value] += 1  # type: ignore[index]
        elif question.type in (QuestionType.TEXT, QuestionType.COMMITMENTS):
            texts.append(COMMENTS[language][value // 3 % len(COMMENTS[language])])  # type: ignore[operator]
        elif question.type is QuestionType.MULTI:
            options.update(value)  # type: ignore[arg-type]
        else:
            options[value] += 1  # type: ignore[index]
    return Tally(answered, skipped, dict(options), dict(ratings)), tuple(texts)


def workshop_stats(language: str, breakdown: Breakdown | None = None) -> Stats:
    everyone = list(range(20))
    keys = {Breakdown.GENDER: GENDERS, Breakdown.ORG_TYPE: ORGS}.get(breakdown)  # type: ignore[arg-type]
    questions = []
    for question in EVALUATION.questions:
        overall, texts = tally(question, everyone, language)
        groups: tuple[Group, ...] = ()
        if keys is not None:
            order = [*PROFILE.question(breakdown.value).option_ids(), NOT_STATED]  # type: ignore[union-attr]
            groups = tuple(Group(None, key, tally(question, [p for p in everyone if keys[p] == key], language)[0])
                           for key in order)
        questions.append(QuestionStats(question, overall, groups, texts, received=20))
    figures = WorkshopFigures("Atelier Open Data — Rabat", "RABAT1", GENERATED, GENERATED, joined=24, sent=20,
                              completed=18)
    return Stats((figures,), EVALUATION, tuple(questions), breakdown, PROFILE if breakdown else None)


def full_report(language: str) -> ReportData:
    by_group = [workshop_stats(language, b) for b in (Breakdown.GENDER, Breakdown.ORG_TYPE)]
    return report_content(translator(language), workshop_stats(language), (), (), timezone="Africa/Casablanca",
                          generated_at=GENERATED, breakdowns=[(stats, ()) for stats in by_group])


# --------------------------------------------------------------------------- content


def test_summary_has_a_row_per_question_with_n_average_top_answer_and_positive_share() -> None:
    summary = full_report("fr").summary
    assert summary is not None and summary.heading == "Synthèse des réponses"
    assert summary.columns == ("Question posée", "Répondants", "Moyenne ou réponse la plus fréquente",
                               "Part d’avis positifs")
    assert len(summary.rows) == len(EVALUATION.questions) == 18
    rows = {row.question.split(". ", 1)[0]: row for row in summary.rows}
    benefit = rows["2"]  # a rating: its average and its share of 4s and 5s
    assert benefit.question.startswith("2. Sur une échelle de 1 à 5")
    ratings = Counter(answer(EVALUATION.questions[1], p) for p in range(20))
    mean = sum(v * c for v, c in ratings.items()) / 20
    assert benefit.respondents == "20"
    assert benefit.result == translator("fr").decimal(mean) + " sur 5"
    positive = ratings[4] + ratings[5]
    assert benefit.positive == f"{round(100 * positive / 20)}{NNBSP}%"
    trainers = rows["5"]  # a choice: its top answer (all but persons 5, 10, 15) and share, no positive share
    assert trainers.result == f"Excellent (85{NNBSP}%)" and trainers.positive == "–"
    apply = rows["10"]  # yes / no / maybe: "yes" is the positive answer
    assert apply.respondents == "20" and apply.result.startswith("Oui (") and apply.positive.endswith(f"{NNBSP}%")
    assert rows["17"].result == "texte libre" and rows["17"].positive == "–"  # the suggestions
    assert any("Part d’avis positifs" in note and "(4–5)" in note and f"«{NBSP}Oui{NBSP}»" in note
               for note in summary.notes)


def test_half_is_rounded_up_in_the_summary() -> None:
    question = EVALUATION.questions[1]
    stats = workshop_stats("en")
    odd = Tally(8, 0, {}, {5: 1, 2: 6, 1: 1})  # mean 18 / 8 = 2.25; positive 1 of 8 = 12.5 %
    stats = replace(stats, questions=(QuestionStats(question, odd, received=8), *stats.questions[1:]))
    summary = report_content(translator("en"), stats, (), (), timezone="UTC", generated_at=GENERATED).summary
    assert summary is not None
    assert (summary.rows[0].result, summary.rows[0].positive) == ("2.3 out of 5", "13%")  # not 2.2 and 12 %


def test_breakdowns_hide_small_groups_like_stats() -> None:
    report = full_report("fr")
    gender, org = report.breakdowns
    assert gender.heading == "Résultats par genre" and org.heading == "Résultats par type d’organisation"
    rule = "Les groupes de moins de 3 répondants sont masqués pour que personne ne puisse être reconnu."
    assert gender.notes == (rule,)
    assert len(gender.charts) == len(report.charts) == 16
    rating = gender.charts[1]
    series = {s.name.split(" (")[0]: s for s in rating.series}
    assert set(series) == {"Femme", "Homme", "non précisé"}
    assert series["non précisé"].hidden and set(series["non précisé"].counts) == {0}  # 2 people: hidden, zeroed
    assert not series["Femme"].hidden and sum(series["Femme"].counts) == 9
    names = {s.name.split(" (")[0]: s.hidden for s in org.charts[1].series}
    assert names == {"Société civile / association": False, "Administration publique": False,
                     "Secteur privé": False, "Médias": True, "Recherche / université": True}
    assert MIN_GROUP_SIZE == 3


def test_a_breakdown_with_no_group_large_enough_says_so_instead_of_empty_charts() -> None:
    stats = workshop_stats("fr", Breakdown.GENDER)
    small = tuple(replace(q, groups=tuple(replace(g, tally=Tally(2, 0, {}, {4: 2})) for g in q.groups))
                  for q in stats.questions)
    report = report_content(translator("fr"), workshop_stats("fr"), (), (), timezone="UTC", generated_at=GENERATED,
                            breakdowns=[(replace(stats, questions=small), ())])
    (section,) = report.breakdowns
    assert section.charts == ()
    assert section.notes[-1] == ("Aucun groupe n’a encore 3 répondants ou plus\u00a0: en montrer un permettrait "
                                 "de reconnaître quelqu’un.")


# --------------------------------------------------------------------------- layout


def test_the_summary_follows_the_cover_and_breakdowns_follow_the_charts() -> None:
    """The summary starts on the page after the cover; the default evaluation's 18 questions run
    onto a second page, which repeats the table's header; the charts start on a page of their own."""
    for language in ("fr", "ar"):
        pages = layout_report(full_report(language))
        assert "subtitle" in pages[0].tags and "summary-heading" not in pages[0].tags
        summary = [page for page in pages if any(tag.startswith("summary-") for tag in page.tags)]
        assert summary == pages[1:1 + len(summary)] and len(summary) <= 3
        assert summary[0].tags[:2] == ["summary-heading", "summary-head"]
        assert all(page.tags.count("summary-head") == 1 for page in summary if "summary-row" in page.tags)
        assert sum(page.tags.count("summary-row") for page in summary) == 18 and "summary-note" in summary[-1].tags
        assert not any("chart" in page.tags for page in summary)
        order = [tag for page in pages for tag in page.tags if tag.endswith("-heading")]
        assert order == ["summary-heading", "charts-heading", "breakdown-heading", "breakdown-heading",
                         "free-text-heading"]
        assert sum(page.tags.count("chart") for page in pages) == 48


def test_no_page_of_charts_is_left_half_empty() -> None:
    for language in ("fr", "ar"):
        pages = layout_report(full_report(language))
        last_summary = max(i for i, page in enumerate(pages) if any(t.startswith("summary-") for t in page.tags))
        flowing = pages[last_summary + 1:-1]  # after the cover and the summary; the last may be short
        assert flowing and all(page.filled >= HALF_FILLED for page in flowing), [
            (i, round(p.filled, 2), p.tags) for i, p in enumerate(pages) if p in flowing and p.filled < HALF_FILLED]
        charts = [item for page in pages for item in page.items if isinstance(item, ChartItem)]
        assert min(chart.scale for chart in charts) >= 0.6  # never shrunk out of legibility


# --------------------------------------------------------------------------- the PDF as a reader sees it


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    return path


BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _pdf_text(pdf: bytes, tmp_path: Path, name: str, *args: str) -> str:
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    result = subprocess.run([_poppler("pdftotext"), *args, str(source), "-"], capture_output=True, text=True,
                            check=True)
    return BIDI_CONTROLS.sub("", result.stdout)  # poppler marks right-to-left lines with RLE … PDF


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    return {language: render_report(full_report(language)) for language in ("fr", "ar")}


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_fonts_are_embedded_truetype_never_type3(language: str, pdfs: dict[str, bytes], tmp_path: Path) -> None:
    source = tmp_path / f"{language}.pdf"
    source.write_bytes(pdfs[language])
    listing = subprocess.run([_poppler("pdffonts"), str(source)], capture_output=True, text=True, check=True).stdout
    fonts = listing.splitlines()[2:]
    assert fonts and "Type 3" not in listing
    assert all(" CID TrueType " in line and re.search(r"\byes\s+yes\s+yes\b", line) for line in fonts), listing
    assert any("NotoSans-" in line for line in fonts)  # the shipped fonts, embedded and subset
    if language == "ar":
        assert any("NotoSansArabic" in line for line in fonts)


def test_french_text_copies_as_the_exact_words(pdfs: dict[str, bytes], tmp_path: Path) -> None:
    text = _pdf_text(pdfs["fr"], tmp_path, "fr")
    # a ligature ("ffi" is one glyph of Noto Sans), typographic apostrophes, guillemets with
    # no-break spaces, narrow no-break spaces before "!" and "%", from the comments, the
    # summary and the charts
    assert "Un atelier très efficace, merci à toute l’équipe\u202f!" in text
    assert "Prévoir une deuxième journée pour l’atelier." in text
    assert "Synthèse des réponses" in text and "Part d’avis positifs" in text
    assert f"«{NBSP}Oui{NBSP}»" in text
    assert re.search(f"\\d+{NNBSP}%", text)
    assert "Résultats par type d’organisation" in text
    assert "\ufb03" not in text and "\ufb01" not in text  # ligatures come back as their letters


def test_arabic_text_copies_as_the_words_in_reading_order(pdfs: dict[str, bytes], tmp_path: Path) -> None:
    text = _pdf_text(pdfs["ar"], tmp_path, "ar")
    question = next(q for q in EVALUATION.questions if q.id == "useful_aspects").text.get("ar")
    words = [word.strip("؟?،,.") for word in question.split()]
    missing = [word for word in words if word not in text]
    assert not missing, missing
    # lam-alef ligatures, harakat and shadda come back as the letters typed, in order
    for phrase in ("ملخص الإجابات", "النتائج حسب الجنس", "النتائج حسب نوع المؤسسة", "ورشة مفيدة جدًا",
                   "نسبة الإجابات الإيجابية", "تلقّى الاستبيان", "أُنشئ في", "الأكثر"):
        assert phrase in text, phrase
    assert "\ufefb" not in text and "اال" not in text  # no presentation form, no reversed lam-alef


# --------------------------------------------------------------------------- /report in the chat


def _document_text(pdf: bytes, tmp_path: Path) -> str:
    return " ".join(_pdf_text(pdf, tmp_path, "report").split())  # one line: wrapping is the page's business


async def test_report_command_sends_summary_and_both_breakdowns(live: LiveBot, organiser: FakeUser,
                                                                tmp_path: Path) -> None:
    _poppler("pdftotext")
    # 1 man and 2 who did not say: hidden, but 3 together, so the women can be shown (with
    # only 1 who did not say, the women would give those 2 away and be hidden too:
    # tests/test_small_groups.py)
    people = [(100 + i, "fr", "woman", 5) for i in range(3)] + [(200, "ar", "man", 2), (201, "fr", None, 4),
                                                              (202, "fr", None, 3)]
    code = await run_workshop(live, organiser, people)
    organiser.new_messages()
    await organiser.send(f"/report {code}")
    await live.settle()
    (document,) = organiser.new_messages()
    assert document.kind == "document" and document.file_bytes and document.file_bytes.startswith(b"%PDF")
    text = _document_text(document.file_bytes, tmp_path)
    assert "Synthèse des réponses" in text and "Part d’avis positifs" in text
    assert "Résultats par genre" in text and "Résultats par type d’organisation" in text
    # by gender: the three women are shown, the man alone and the one who did not say are not
    assert "Femme (n = 3)" in text
    assert "Homme — masqué : moins de 3" in text and "Homme (n =" not in text
    # nobody said their organisation: no group to show, and the report says why
    assert "Aucun groupe n’a encore 3 répondants ou plus" in text


async def test_report_by_gender_has_only_that_breakdown(live: LiveBot, organiser: FakeUser, tmp_path: Path) -> None:
    _poppler("pdftotext")
    code = await run_workshop(live, organiser, [(100 + i, "fr", "woman", 4) for i in range(3)])
    organiser.new_messages()
    await organiser.send(f"/report {code} by gender")
    await live.settle()
    (document,) = organiser.new_messages()
    assert document.file_bytes is not None
    text = _document_text(document.file_bytes, tmp_path)
    assert "Résultats par genre" in text and "Résultats par type d’organisation" not in text
    assert "Résultats, question par question" in text or "Synthèse des réponses" in text


async def test_report_before_any_answer_says_so(live: LiveBot, organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser)
    replies = await say(live, organiser, f"/report {code}")
    assert replies[0].startswith("Pas encore de réponse pour")
