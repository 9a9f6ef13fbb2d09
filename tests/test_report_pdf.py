"""The PDF evaluation report: pages, pagination, metadata, mirroring, and a look at it.

The page plan (``layout_report``) says what went on which page and where; the PDF is
checked for its page objects and metadata, and, with poppler (``pdftoppm``,
``pdftotext``; those tests are skipped without it), for ink only where the plan puts
it, for text that looks exactly like the charts' outlines, and for text that can be
copied.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.ft2font import LoadFlags
from PIL import Image

from bot.charts import ChartLabels, ChartSpec, Series
from bot.charts import draw as chart_draw
from bot.charts.draw import ShapedText
from bot.charts.fonts import font_properties, ft2font
from bot.charts.text import RLM, strip_marks, text_width
from bot.questionnaires.loader import default_questionnaire
from bot.questionnaires.model import Question, QuestionnaireKind, QuestionType
from bot.reports import FollowupRow, FreeText, ReportData, layout_report, render_report
from bot.reports.canvas import ReportText, page_figure
from bot.reports.layout import (
    BOTTOM,
    CONTENT_W,
    HALF_FILLED,
    MARGIN_X,
    PAGE_H,
    PAGE_W,
    SHRINK_SCALE,
    TOP,
    Block,
    ChartItem,
    RuleItem,
    Section,
    TextItem,
    balance,
    line_blocks,
    paginate,
)
from bot.reports.paragraphs import clean, height_of, visible, wrap_lines, wrap_paragraph
from bot.reports.pdf import ANSWER_SIZE, BULLET_INDENT, TITLE_SIZE
from bot.reports.pdf_text import text_units

# --------------------------------------------------------------------------- content

YESNO = {"fr": ("Oui", "Non", "Peut-être"), "ar": ("نعم", "لا", "ربما"), "en": ("Yes", "No", "Maybe")}
PHRASES = {
    "fr": {
        "title": "Atelier Open Data et participation citoyenne — Rabat",
        "subtitle": "Rapport d'évaluation",
        "facts": (("Date", "24/06/2025"), ("Participants inscrits", "20"), ("Questionnaire envoyé à", "20"),
                  ("Réponses complètes", "5"), ("Taux de réponse", "25\u202f%")),
        "notes": ("Résultats ventilés par genre ; les groupes de moins de 3 répondants sont masqués.",
                  "Attention : à la question « Comment évaluez-vous les formateurs ? », les femmes et les "
                  "hommes répondent en sens inverse de l'ensemble du groupe. Les effectifs sont faibles ; "
                  "à interpréter avec prudence."),
        "charts": "Résultats", "free": "Commentaires des participants", "followup": "Enquête de suivi de l’atelier",
        "columns": ("", "Fin de session", "Enquête de suivi"),
        "rows": (FollowupRow("Comptaient appliquer ce qu'ils ont appris → ont utilisé l'open data depuis",
                             "80\u202f% (4 / 5)", "40\u202f% (2 / 5)"),
                 FollowupRow("Souhaitaient d'autres ateliers → ont demandé un accompagnement",
                             "100\u202f% (5 / 5)", "60\u202f% (3 / 5)")),
        "footer": "workshop-bot · généré le 23/11/2026",
        "labels": ChartLabels("n = 5 réponses / 20 inscrits", "% des répondants, plusieurs réponses possibles",
                              "moyenne 4,2 / 5 (n = 5)", "masqué : moins de 3"),
        "answers": ("La poursuite de ces initiatives.", "Plus d'informations sur le côté technique",
                    "Merci !", "مواصلة التكوين وخاصة على مستوى استثمار المعطيات المفتوحة",
                    "Prévoir une deuxième journée consacrée aux exercices pratiques sur les portails de "
                    "données, avec des jeux de données de notre région et du temps pour les questions."),
        "groups": ("Femmes", "Hommes", "Préfère ne pas dire"),
    },
    "ar": {
        "title": "ورشة البيانات المفتوحة والمشاركة المواطنة — الرباط",
        "subtitle": "تقرير التقييم",
        "facts": (("التاريخ", "24/06/2025"), ("المشاركون المسجلون", "20"), ("أُرسل الاستبيان إلى", "20"),
                  ("إجابات كاملة", "5"), ("نسبة الإجابة", "25%")),
        "notes": ("النتائج مفصلة حسب الجنس؛ المجموعات التي تضم أقل من 3 مجيبين مخفية.",
                  "تنبيه: في سؤال «كيف تقيّم أداء المؤطرين؟» تجيب النساء والرجال عكس مجموع المشاركين. "
                  "الأعداد صغيرة، لذا يجب قراءة هذه النتيجة بحذر."),
        "charts": "النتائج", "free": "تعليقات المشاركين", "followup": "المتابعة بعد الورشة",
        "columns": ("", "في نهاية الورشة", "عند المتابعة"),
        "rows": (FollowupRow("ينوون تطبيق ما تعلموه ← استعملوا البيانات المفتوحة منذ الورشة",
                             "80% (4 / 5)", "40% (2 / 5)"),
                 FollowupRow("يرغبون في ورشات أخرى ← طلبوا مواكبة", "100% (5 / 5)", "60% (3 / 5)")),
        "footer": "workshop-bot · أُنشئ في 23/11/2026",
        "labels": ChartLabels("ن = 5 أجابوا من أصل 20 انضموا", "٪ من المجيبين، يمكن اختيار أكثر من إجابة",
                              "المتوسط 4.2 / 5 (ن = 5)", "مخفي: أقل من 3"),
        "answers": ("مواصلة التكوين وخاصة على مستوى استثمار المعطيات المفتوحة بما يتضمن المهنية والاحترافية",
                    ". شكرا لكم", "لا", "Avoir plus d'information sur le côté technique.",
                    "بعد مكان النشاط عن التواصل"),
        "groups": ("نساء", "رجال", "أفضل عدم القول"),
    },
}


def counts(n: int, shift: int = 0) -> tuple[int, ...]:
    base = [2, 1, 0, 1, 1, 0]
    return tuple(base[(i + shift) % len(base)] for i in range(n))


def question_spec(question: Question, language: str, by_gender: bool = False) -> ChartSpec:
    phrases = PHRASES[language]
    kind = {QuestionType.RATING: "rating", QuestionType.CHOICE: "choice", QuestionType.YESNO: "yesno",
            QuestionType.MULTI: "multi"}[question.type]
    if question.type is QuestionType.RATING:
        categories = tuple(str(v) for v in question.scale())
    elif question.type is QuestionType.YESNO:
        categories = YESNO[language][: len(question.option_ids())]
    else:
        categories = tuple(option.text.get(language) for option in question.options)
    if by_gender:
        women, men, other = phrases["groups"]
        series = (Series(women, counts(len(categories)), 5), Series(men, counts(len(categories), 2), 4),
                  Series(other, (0,) * len(categories), 0, hidden=True))
    else:
        series = (Series("", counts(len(categories)), 5),)
    labels: ChartLabels = phrases["labels"]
    return ChartSpec(kind, question.text.get(language), categories, series, 5, 20, language,  # type: ignore[arg-type]
                     ChartLabels(labels.n_line, labels.percent_note if kind == "multi" else "",
                                 labels.mean_line if kind == "rating" else "", labels.hidden_note),
                     mean=4.2 if kind == "rating" else None)


def default_specs(language: str, by_gender: bool = False) -> tuple[ChartSpec, ...]:
    """The charts of the default evaluation (all but its typed questions) and the first of the follow-up."""
    evaluation = default_questionnaire(QuestionnaireKind.EVALUATION).questions
    followup = default_questionnaire(QuestionnaireKind.FOLLOWUP).questions
    typed = (QuestionType.TEXT, QuestionType.COMMITMENTS)
    charted = [q for q in evaluation if q.type not in typed] + [followup[0]]
    return tuple(question_spec(q, language, by_gender) for q in charted)


def text_questions(language: str) -> list[str]:
    evaluation = default_questionnaire(QuestionnaireKind.EVALUATION).questions
    followup = default_questionnaire(QuestionnaireKind.FOLLOWUP).questions
    return [q.text.get(language) for q in (*evaluation, *followup) if q.type in (QuestionType.TEXT, QuestionType.COMMITMENTS)]


def make_report(language: str, *, answers: int = 5, followup: bool = True, charts: int | None = None,
                by_gender: bool = False) -> ReportData:
    phrases = PHRASES[language]
    sample = phrases["answers"]
    questions = text_questions(language)
    specs = default_specs(language, by_gender)
    return ReportData(
        language=language,
        title=phrases["title"],
        subtitle=phrases["subtitle"],
        facts=phrases["facts"],
        notes=phrases["notes"],
        charts_heading=phrases["charts"],
        charts=specs if charts is None else specs[:charts],
        free_text_heading=phrases["free"],
        free_texts=(FreeText(questions[0], tuple(sample[i % len(sample)] for i in range(answers))),
                    FreeText(questions[1], tuple(reversed(sample)))),
        followup_heading=phrases["followup"],
        followup_columns=phrases["columns"],
        followup=phrases["rows"] if followup else (),
        footer=phrases["footer"],
    )


# --------------------------------------------------------------------------- PDF helpers


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def info_string(pdf: bytes, key: str) -> str:
    """A metadata string of the Info dictionary (literal or UTF-16BE with BOM)."""
    match = re.search(rb"/" + key.encode() + rb"\s*\(((?:\\.|[^\\)])*)\)", pdf, re.S)
    assert match, key
    raw = re.sub(rb"\\([0-7]{1,3}|.)", lambda m: bytes([int(m.group(1), 8)]) if m.group(1)[:1].isdigit()
                 else {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(m.group(1), m.group(1)), match.group(1))
    return raw[2:].decode("utf-16-be") if raw.startswith(b"\xfe\xff") else raw.decode("latin-1")


def page_texts(page) -> list[str]:
    return [strip_marks(item.text) for item in page.items if isinstance(item, TextItem)]


# --------------------------------------------------------------------------- structure


def body_texts(page) -> list[TextItem]:
    """The text items of a page's body (not the running title, footer, page number)."""
    return [item for item in page.items if isinstance(item, TextItem) and TOP - 1e-9 <= item.y < BOTTOM]


def bottom_of(item: TextItem) -> float:
    return item.y + height_of(item.text.split("\n"), item.size, item.bold)


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_report_is_a_pdf_with_the_planned_pages_and_metadata(language: str) -> None:
    data = make_report(language)
    pages = layout_report(data)
    pdf = render_report(data)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert page_count(pdf) == len(pages)
    assert info_string(pdf, "Title") == data.title
    assert info_string(pdf, "Creator") == "workshop-bot"
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert len(boxes) == len(pages)  # A4 portrait, every page
    assert all(abs(float(w) - 595.28) < 0.5 and abs(float(h) - 841.89) < 0.5 for w, h in boxes)
    # cover · 17 charts (16 of the evaluation, 1 of the follow-up), as many a page as fit, no page of them half empty · comments,
    # under the last charts when there is room, with the small follow-up table under them
    assert pages[0].tags[:2] == ["subtitle", "title"] and pages[0].tags.count("fact") == 5
    chart_pages = [p for p in pages if "chart" in p.tags]
    assert pages[1:1 + len(chart_pages)] == chart_pages
    assert sum(p.tags.count("chart") for p in chart_pages) == len(default_specs(language))
    assert 7 <= len(chart_pages) <= 11 and chart_pages[0].tags[0] == "charts-heading"
    assert all(p.filled >= HALF_FILLED for p in chart_pages[:-1])
    assert len(pages) - 1 - len(chart_pages) in (0, 1)
    assert "free-text-heading" in chart_pages[-1].tags + pages[-1].tags
    assert pages[-1].tags[-3:] == ["followup-head", "followup-row", "followup-row"]
    assert len(pdf) < 400_000  # text is PDF text (fonts stored once), not outlines


def test_every_page_has_its_number_and_the_footer() -> None:
    data = make_report("fr", answers=150)
    pages = layout_report(data)
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        texts = page_texts(page)
        assert f"{number} / {total}" in texts
        assert data.footer in texts
        assert (data.title in texts) == (number > 1)  # the running title, after the cover


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_hundreds_of_answers_paginate_and_none_is_lost(language: str) -> None:
    long_answer = " ".join([PHRASES[language]["answers"][0]] * 40)  # about a full Telegram message
    data = make_report(language, answers=400, followup=False, charts=2)
    first = FreeText(data.free_texts[0].question, data.free_texts[0].answers + (long_answer,))
    data = replace(data, free_texts=(first, *data.free_texts[1:]))
    pages = layout_report(data)
    answer_pages = [p for p in pages if "answer" in p.tags]
    assert len(answer_pages) >= 8
    # one bullet per answer, one block per wrapped line, all of them placed
    answers = [a for group in data.free_texts for a in group.answers]
    assert sum(page_texts(p).count("•") for p in answer_pages) == len(answers) == 406
    expected_lines = sum(len(lines) for a in answers
                         for lines in wrap_lines(a, CONTENT_W - BULLET_INDENT, ANSWER_SIZE))
    assert sum(p.tags.count("answer") for p in pages) == expected_lines
    # nothing below the body, nothing above it
    for page in answer_pages:
        body = body_texts(page)
        assert body and max(bottom_of(item) for item in body) <= BOTTOM + 1e-9
        assert all(item.y >= TOP - 1e-9 or item.y < 0.6 or item.y > PAGE_H - 0.8
                   for item in page.items if isinstance(item, TextItem))
    # a page the answers continue onto starts with the question again (greyed)
    for page in answer_pages[1:]:
        if page.tags[0] != "free-text-heading" and page.tags[0] != "question":
            assert page.tags[0] == "question-repeat"
    pdf = render_report(data)
    assert page_count(pdf) == len(pages)


def test_no_line_is_left_alone_at_the_foot_or_head_of_a_page() -> None:
    def answer(lines: int) -> list[Block]:
        text = "\n".join(["un mot"] * lines)  # one line per paragraph
        return line_blocks(text, x=MARGIN_X, width=CONTENT_W, size=ANSWER_SIZE, rtl=False, tag="answer")

    short, long = answer(3), answer(8)
    assert [b.keep_with_next for b in short] == [True, True, False]
    kept = [i for i, b in enumerate(long) if b.keep_with_next]
    assert kept == [0, len(long) - 2]
    filler = Block(BOTTOM - TOP - 1.5 * short[0].height, (), tag="filler")  # room for one line
    pages = paginate([Section((filler, *short))])
    assert pages[0].tags == ["filler"] and pages[1].tags == ["answer"] * 3
    filler = Block(BOTTOM - TOP - 2.5 * long[0].height, (), tag="filler")  # room for two lines
    pages = paginate([Section((filler, *long))])
    assert pages[0].tags.count("answer") == 2 and pages[1].tags.count("answer") == len(long) - 2
    filler = Block(BOTTOM - TOP - (len(long) - 0.5) * long[0].height, (), tag="filler")  # all but one line
    pages = paginate([Section((filler, *long))])
    assert pages[1].tags.count("answer") == 2  # the last line does not go over alone


def test_long_words_wrap_inside_the_column_and_nothing_is_cut() -> None:
    url = "https://data.gov.ma/fr/dataset/" + "x" * 80
    words = ["anticonstitutionnellement", "données", "ouvertes", url]
    answer = " ".join(words[i % 4] for i in range(300))
    data = make_report("fr", answers=0, followup=False, charts=0)
    data = replace(data, free_texts=(FreeText("Q ?", (answer,)),))
    pages = layout_report(data)
    answer_x = MARGIN_X + BULLET_INDENT
    drawn = []
    for page in pages:
        for item in page.items:
            if isinstance(item, TextItem) and abs(item.x - answer_x) < 1e-9:
                for line in item.text.split("\n"):
                    assert text_width(line, item.size, item.bold) / 72 <= CONTENT_W - BULLET_INDENT + 1e-6
                    drawn.append(strip_marks(line))
    joined = "".join(drawn).replace(" ", "")
    assert joined == answer.replace(" ", "")
    assert len(pages) >= 3


def test_french_punctuation_never_starts_a_line() -> None:
    for width in [x / 100 for x in range(150, 400, 7)]:
        text = "Avez-vous des suggestions ou des remarques pour les formateurs ? « Oui » : 25 %"
        lines = wrap_paragraph(text, width, 11.5, True)
        assert " ".join(lines) == text
        assert not any(line.split(" ")[0] in {"?", "»", ":", "%"} for line in lines[1:]), lines
        assert not any(line.split(" ")[-1] == "«" for line in lines[:-1] if len(line.split(" ")) > 1)


def test_chat_text_is_cleaned_for_the_page() -> None:
    assert clean("Super 👍\ufe0f merci 🙏") == "Super  merci "  # no empty boxes for emoji
    assert clean("tab\there\x00\x07 ok\r\nnext") == "tab here ok\nnext"
    assert clean("25\u202f% \u200fنعم، بالكامل ✓") == "25\u202f% \u200fنعم، بالكامل ✓"
    assert not visible("\u200b \u200f\t") and not visible("🙏") and visible("ok")
    data = replace(make_report("fr", answers=0, followup=False, charts=0),
                   free_texts=(FreeText("Q ?", ("🙏", "\u200b", " ", "Merci 🙏")),))
    pages = layout_report(data)
    assert [t for t in page_texts(pages[-1]) if t.startswith("Merci")] == ["Merci"]
    assert page_texts(pages[-1]).count("•") == 1


def test_followup_section_only_when_rows_are_given() -> None:
    with_rows = layout_report(make_report("fr"))
    without = layout_report(make_report("fr", followup=False))
    assert len(with_rows) == len(without)  # it fits under the comments
    assert with_rows[-1].tags.count("followup-row") == 2 and "followup-heading" in with_rows[-1].tags
    assert not any("followup-heading" in p.tags or "followup-row" in p.tags for p in without)
    assert page_count(render_report(make_report("fr", followup=False))) == len(without)
    # without comments, or when it does not fit, it has a page of its own
    no_comments = replace(make_report("fr"), free_texts=())
    alone = layout_report(no_comments)
    assert alone[-1].tags[0] == "followup-heading" and "chart" not in alone[-1].tags
    assert len(alone) == len(without)  # one comments page fewer, one follow-up page more


def test_empty_sections_are_left_out() -> None:
    data = make_report("fr", answers=0, followup=False, charts=0)
    data = replace(data, free_texts=(FreeText("Q ?", ("", "  ")),))
    pages = layout_report(data)
    assert len(pages) == 1 and page_count(render_report(data)) == 1


def test_arabic_report_is_mirrored_and_marked_right_to_left() -> None:
    fr, ar = make_report("fr"), make_report("ar")
    ar_pages = layout_report(ar)
    # every line of the Arabic report starts with a right-to-left mark, except the
    # participants' own words written in a left-to-right script, which keep their direction
    french_answer = "Avoir plus d'information sur le côté technique."
    for page in ar_pages:
        for item in page.items:
            if isinstance(item, TextItem) and item.text:
                for line in item.text.split("\n"):
                    assert line.startswith(RLM) or strip_marks(line) == french_answer, line

    def placed(data: ReportData) -> dict[str, tuple[float, str]]:
        figure = page_figure(layout_report(data)[-1], data.rtl)
        return {strip_marks(t.get_text()).replace("\n", " "): (t.get_position()[0], t.get_horizontalalignment())
                for t in figure.texts}

    row = PHRASES["ar"]["rows"][0]
    texts = placed(ar)
    (label_x, label_ha), (intended_x, _), (actual_x, _) = (texts[row.label], texts[row.intended], texts[row.actual])
    assert label_ha == "right" and abs(label_x - (PAGE_W - MARGIN_X)) < 1e-9
    assert label_x > intended_x > actual_x  # columns right to left
    row = PHRASES["fr"]["rows"][0]
    texts = placed(fr)
    (label_x, label_ha), (intended_x, _), (actual_x, _) = (texts[row.label], texts[row.intended], texts[row.actual])
    assert label_ha == "left" and abs(label_x - MARGIN_X) < 1e-9
    assert label_x < intended_x < actual_x


def test_charts_are_vector_and_line_up_with_the_text_column() -> None:
    data = make_report("fr", charts=3, answers=0, followup=False)
    pages = layout_report(data)
    charts = [item for page in pages for item in page.items if isinstance(item, ChartItem)]
    assert len(charts) == 3 and all(c.scale == 1.0 for c in charts)
    assert all(abs(c.x + chart_draw.MARGIN - MARGIN_X) < 1e-9 for c in charts)
    assert b"/Subtype /Image" not in render_report(data)  # no pictures: charts are paths and text


def test_a_chart_taller_than_a_page_is_drawn_smaller_not_cut() -> None:
    spec = default_specs("fr")[0]
    groups = tuple(Series(f"Groupe {i}", counts(5, i), 5) for i in range(8))
    tall = ChartSpec(spec.kind, spec.title, spec.categories, groups, 5, 20, "fr", spec.labels)
    data = replace(make_report("fr", charts=0, answers=0, followup=False), charts=(tall, spec))
    pages = layout_report(data)
    (big,) = [i for p in pages for i in p.items if isinstance(i, ChartItem) and i.scale < 1]
    assert big.y + big.figure.get_figheight() * big.scale <= BOTTOM + 1e-9
    assert page_count(render_report(data)) == len(pages)


def chart_like(height: float, tag: str = "chart", scale: float = 1.0) -> Block:
    """A stand-in for a chart block: *height* inches, drawable smaller."""
    return Block(height, (RuleItem(0, 1, 0),), tag=tag, space_before=0.3, scale=scale,
                 scaled=lambda factor: chart_like(height * factor, tag, scale * factor))


def test_charts_are_broken_into_pages_so_that_none_is_left_half_empty() -> None:
    body = BOTTOM - TOP
    heading = Block(0.8, (RuleItem(0, 1, 0),), tag="heading", keep_with_next=True)
    # the last gender chart, then the organisation section whose first chart is a page tall:
    # placed greedily, the short chart stays alone on a page a third full
    run = [heading, chart_like(6.0), chart_like(4.0),
           replace(heading, space_before=0.5), chart_like(body - 0.8 - 0.3), chart_like(5.0), chart_like(4.0)]
    greedy = paginate([Section(tuple(run))])
    assert [page.tags.count("chart") for page in greedy] == [1, 1, 1, 2]
    assert greedy[1].filled < HALF_FILLED  # what balance is for: 4 inches of chart alone on a page
    pages = paginate([Section(tuple(balance(run)))])
    assert all(page.filled >= HALF_FILLED for page in pages[:-1]), [round(p.filled, 2) for p in pages]
    assert [page.tags.count("chart") for page in pages] == [2, 1, 2]  # the first two drawn a little smaller
    assert len(pages) < len(greedy)
    drawn = [item for page in pages for item in page.items]
    assert len(drawn) == len(run)  # nothing lost, nothing repeated
    for block in balance(run):
        assert block.scale >= SHRINK_SCALE or block.scaled is None


def test_paginate_keeps_headings_with_what_follows() -> None:
    line = Block(0.5, (RuleItem(0, 1, 0),), tag="line")
    heading = Block(0.5, (RuleItem(0, 1, 0),), tag="heading", keep_with_next=True)
    room = int((BOTTOM - TOP) / 0.5)
    pages = paginate([Section(tuple([line] * (room - 1) + [heading, line]))])
    assert pages[0].tags == ["line"] * (room - 1) and pages[1].tags == ["heading", "line"]



def test_rendering_is_deterministic_and_thread_safe() -> None:
    reports = [make_report("ar", charts=3), make_report("fr", charts=3, by_gender=True)]

    def render(data: ReportData) -> bytes:
        return re.sub(rb"/CreationDate \(D:[^)]*\)", b"", render_report(data))

    sequential = [render(data) for data in reports]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(render, reports * 2))
    assert threaded == sequential * 2


def test_thirteen_charts_make_a_compact_pdf() -> None:
    """Fonts are subset, charts are vectors: a whole report stays small enough to send.

    (How long it takes is measured by ``bench/stats.py``, never decided
    by a timed unit test on a busy machine.)"""
    pdf = render_report(make_report("fr", by_gender=True))
    assert len(pdf) < 400_000


# --------------------------------------------------------------------------- looking at it


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    return path


def _rasterise(pdf: bytes, tmp_path: Path, name: str, dpi: int = 60) -> list[np.ndarray]:
    tool = _poppler("pdftoppm")
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run([tool, "-r", str(dpi), "-png", str(source), str(tmp_path / name)], check=True)
    files = sorted(tmp_path.glob(f"{name}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return [np.asarray(Image.open(f).convert("L")) < 160 for f in files]


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_pages_have_ink_only_inside_the_margins_and_start_on_the_right_side(language: str,
                                                                             tmp_path: Path) -> None:
    data = make_report(language, answers=60)
    pages = layout_report(data)
    images = _rasterise(render_report(data), tmp_path, language)
    assert len(images) == len(pages)
    for image in images:
        height, width = image.shape
        assert abs(width / height - PAGE_W / PAGE_H) < 0.01
        columns = np.flatnonzero(image.any(axis=0)) / width * PAGE_W
        rows = np.flatnonzero(image.any(axis=1)) / height * PAGE_H
        assert columns.min() > MARGIN_X - 0.1 and columns.max() < PAGE_W - MARGIN_X + 0.1
        assert rows.min() > 0.3 and rows.max() < PAGE_H - 0.4
    # the cover's title starts on the side the language starts: left in French, right in Arabic
    title = next(item for item in pages[0].items if isinstance(item, TextItem) and item.size == TITLE_SIZE)
    cover = images[0]
    band = cover[int((title.y + 0.05) / PAGE_H * cover.shape[0]):int((title.y + 0.3) / PAGE_H * cover.shape[0])]
    columns = np.flatnonzero(band.any(axis=0)) / cover.shape[1] * PAGE_W
    if language == "fr":
        assert abs(columns.min() - MARGIN_X) < 0.08 and columns.max() < PAGE_W - MARGIN_X - 0.2
    else:
        assert abs(columns.max() - (PAGE_W - MARGIN_X)) < 0.08 and columns.min() > MARGIN_X + 0.2


def _similarity(a: np.ndarray, b: np.ndarray, k: int = 2) -> float:
    """Correlation of two ink masks after a small box blur (anti-aliasing may differ)."""
    def blur(mask: np.ndarray) -> np.ndarray:
        out = mask.astype(float)
        for axis in (0, 1):
            out = sum(np.roll(out, shift, axis=axis) for shift in range(-k, k + 1)) / (2 * k + 1)
        return out
    return float(np.corrcoef(blur(a).ravel(), blur(b).ravel())[0, 1])


def test_pdf_text_draws_the_same_glyphs_as_the_charts_outlines(tmp_path: Path) -> None:
    """Report text is written as PDF text; it must look exactly like ShapedText's outlines.

    Measured when written: 0.95-0.98 for the four lines (anti-aliasing of outlines and
    of font glyphs differs slightly); the negative control (the Arabic line with its
    words in the opposite order) 0.48.
    """
    lines = [RLM + "ما الجوانب التي وجدتها الأكثر فائدة في هذه الورشة؟ 25%", RLM + "ن = 5 أجابوا من أصل 20",
             "Les effectifs → ont utilisé l'open data", RLM + "workshop-bot · أُنشئ في 23/11/2026"]
    control = RLM + " ".join(reversed(lines[0][1:].split(" ")))
    rows = [(line, ShapedText) for line in lines] + [(line, ReportText) for line in lines] + [(control, ReportText)]
    figure = Figure(figsize=(6, len(rows)), dpi=72)
    for row, (line, cls) in enumerate(rows):
        text = cls(5.8, len(rows) - row - 0.2, line, transform=figure.dpi_scale_trans,
                   fontproperties=font_properties(14), ha="right", va="top", parse_math=False)
        text.set_figure(figure)
        figure.texts.append(text)
    buffer = io.BytesIO()
    with PdfPages(buffer) as pdf:
        pdf.savefig(figure)
    (image,) = _rasterise(buffer.getvalue(), tmp_path, "glyphs", dpi=150)
    bands = [image[row * 150:(row + 1) * 150] for row in range(len(rows))]
    for index, line in enumerate(lines):
        outline, native = bands[index], bands[len(lines) + index]
        assert outline.sum() > 500
        assert _similarity(outline, native) > 0.93, line
    assert _similarity(bands[0], bands[-1]) < 0.8


def test_each_glyph_written_stands_for_its_own_characters() -> None:
    """What ``write_text`` writes, in content-stream (visual) order: read backwards, a
    right-to-left line is its logical text again — lam-alef ligatures, harakat and shadda
    included — with one character a glyph; the direction mark is not written."""
    font = ft2font(font_properties(12))
    font.set_size(12, 72)
    line = "الاستبيان أُرسل إلى المشاركين، كيف تقيّم؟"
    units = text_units(list(font._layout(RLM + line, LoadFlags.NO_HINTING)))
    written = [unit for unit in units if not unit.outline]
    assert all(len(unit.chars) == 1 for unit in written)
    assert "".join(unit.chars for unit in reversed(written)) == line
    assert [unit.glyph for unit in units if unit.outline]  # the damma and the shadda, drawn as shapes
    latin = text_units(list(font._layout("Un atelier efficace, l’équipe", LoadFlags.NO_HINTING)))
    assert "".join(unit.chars for unit in latin) == "Un atelier efficace, l’équipe"
    assert "ffi" in [unit.chars for unit in latin]  # one glyph, its three letters


def test_report_text_can_be_copied(tmp_path: Path) -> None:
    tool = _poppler("pdftotext")
    source = tmp_path / "fr.pdf"
    source.write_bytes(render_report(make_report("fr", charts=1)))
    text = subprocess.run([tool, "-layout", str(source), "-"], capture_output=True, text=True, check=True).stdout
    assert "Prévoir une deuxième journée consacrée aux exercices pratiques" in text
    assert "Commentaires des participants" in text and "Réponses complètes" in text
