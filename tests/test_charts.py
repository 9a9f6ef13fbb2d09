"""Charts: PNG from plain data, Arabic shaped and ordered right to left.

The Arabic tests check glyphs, not strings: the glyph names of Noto Sans Arabic are the
Unicode presentation forms (``uniFEDF`` = LAM initial form), so the expected sequence
of joined initial / medial / final forms in visual order can be computed independently
(``expected_rtl_glyphs`` below, from the Unicode joining rules) and compared with what
the chart code path lays out. Negative controls show that unshaped, left-to-right or
doubly reversed text (arabic-reshaper + python-bidi on top of matplotlib 3.11) fails the
same comparison.
"""

from __future__ import annotations

import dataclasses
import struct
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from matplotlib import colors as mcolors
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.patches import Rectangle

from bot.charts import (
    ChartLabels,
    ChartSpec,
    Series,
    build_figure,
    render_chart,
    render_charts,
)
from bot.charts import draw as chart_draw
from bot.charts.draw import ZERO_TICK, series_color
from bot.charts.fonts import FONT_DIR, FONT_FILES, font_paths, font_properties
from bot.charts.text import (
    RLM,
    directional,
    percent,
    shape_line,
    strip_marks,
    text_width,
    value_label,
    wrap,
)
from bot.i18n import translator
from bot.i18n.figures import NNBSP
from bot.questionnaires.loader import default_questionnaire
from bot.questionnaires.model import QuestionnaireKind
from bot.rendering import texts as message_texts
from bot.rendering.chart_specs import chart_specs
from bot.results.stats import (
    NOT_STATED,
    Breakdown,
    Group,
    QuestionStats,
    Stats,
    Tally,
    WorkshopFigures,
    suppress_small_groups,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# --------------------------------------------------------------------------- glyph oracle

# Unicode Arabic joining: (isolated, final, initial, medial) presentation forms; letters
# with only two forms join to the previous letter only (right-joining).
FORMS: dict[str, tuple[int, ...]] = {
    "ا": (0xFE8D, 0xFE8E),
    "ب": (0xFE8F, 0xFE90, 0xFE91, 0xFE92),
    "ة": (0xFE93, 0xFE94),
    "ت": (0xFE95, 0xFE96, 0xFE97, 0xFE98),
    "ح": (0xFEA1, 0xFEA2, 0xFEA3, 0xFEA4),
    "ر": (0xFEAD, 0xFEAE),
    "ط": (0xFEC1, 0xFEC2, 0xFEC3, 0xFEC4),
    "ع": (0xFEC9, 0xFECA, 0xFECB, 0xFECC),
    "ف": (0xFED1, 0xFED2, 0xFED3, 0xFED4),
    "ل": (0xFEDD, 0xFEDE, 0xFEDF, 0xFEE0),
    "م": (0xFEE1, 0xFEE2, 0xFEE3, 0xFEE4),
    "ن": (0xFEE5, 0xFEE6, 0xFEE7, 0xFEE8),
    "ه": (0xFEE9, 0xFEEA, 0xFEEB, 0xFEEC),
    "و": (0xFEED, 0xFEEE),
    "ى": (0xFEEF, 0xFEF0),
    "ي": (0xFEF1, 0xFEF2, 0xFEF3, 0xFEF4),
}
# The one ligature of Noto Sans Arabic our phrases meet: LAM medial + ALEF MAKSURA final.
LIGATURES = {("uniFEE0", "uniFEF0"): "uniFC86"}


def _form_name(letter: str, joins_before: bool, joins_after: bool) -> str:
    forms = FORMS[letter]
    if joins_before and joins_after:
        code = forms[3]
    elif joins_before:
        code = forms[1]
    elif joins_after:
        code = forms[2]
    else:
        return f"uni{ord(letter):04X}"  # Noto names isolated forms after the base letter
    return f"uni{code:04X}"


def _word_glyphs(word: str) -> list[str]:
    """Glyph names of one Arabic word in logical order, joined, ligatures applied."""
    names = []
    for i, letter in enumerate(word):
        dual = len(FORMS[letter]) == 4
        before = i > 0 and len(FORMS[word[i - 1]]) == 4
        after = dual and i + 1 < len(word)
        names.append(_form_name(letter, before, after))
    out: list[str] = []
    for name in names:
        if out and (out[-1], name) in LIGATURES:
            out[-1] = LIGATURES[(out[-1], name)]
        else:
            out.append(name)
    return out


def expected_rtl_glyphs(text: str) -> list[str]:
    """Joined forms of an all-Arabic phrase, in visual order (left to right on the page)."""
    logical: list[str] = []
    for k, word in enumerate(text.split(" ")):
        if k:
            logical.append("space")
        logical.extend(_word_glyphs(word))
    return logical[::-1]


_FONTS_BY_PS_NAME: dict[str, FT2Font] = {}


def glyph_name(ps_name: str, index: int) -> str:
    if not _FONTS_BY_PS_NAME:
        for path in font_paths() + font_paths(bold=True):
            font = FT2Font(path)
            _FONTS_BY_PS_NAME[font.postscript_name] = font
    return _FONTS_BY_PS_NAME[ps_name].get_glyph_name(index)


def laid_out_glyphs(text: str, size: float = 12.0, bold: bool = False) -> list[str]:
    """Glyph names, left to right, of *text* laid out by the charts' text path."""
    return [glyph_name(ps, index) for ps, index, _x in shape_line(text, size, bold).glyphs]


def without_direction_marks(names: list[str], text: str) -> list[str]:
    """Drop the zero-width glyph(s) a leading RLM becomes (at the right end of an RTL line)."""
    marks = sum(1 for ch in text if ch == RLM)
    return names[:-marks] if marks else names


PHRASE = "التعرف على مفهوم البيانات المفتوحة"  # option 1 of the Rabat form

# What the oracle gives for PHRASE, spelled out (visual order, left to right):
# المفتوحة → ة fin, ح init (after و, which never joins forward), و fin, ت med, ف med,
#            م med, ل init, ا isolated; البيانات → ت isolated (after ا), ا fin, ن init ...
PHRASE_GLYPHS = [
    "uniFE94", "uniFEA3", "uniFEEE", "uniFE98", "uniFED4", "uniFEE4", "uniFEDF", "uni0627",
    "space",
    "uni062A", "uniFE8E", "uniFEE7", "uniFE8E", "uniFEF4", "uniFE92", "uniFEDF", "uni0627",
    "space",
    "uni0645", "uniFEEE", "uniFEEC", "uniFED4", "uniFEE3",
    "space",
    "uniFC86", "uniFECB",
    "space",
    "uni0641", "uniFEAE", "uniFECC", "uniFE98", "uniFEDF", "uni0627",
]


# --------------------------------------------------------------------------- spec helpers

AR_LABELS = ChartLabels("ن = 5 أجابوا من أصل 20 انضموا", "٪ من المجيبين، يمكن اختيار أكثر من إجابة",
                        "المتوسط 4.2 (ن = 5)", "مخفي: أقل من 3")
FR_LABELS = ChartLabels("n = 5 réponses / 20 inscrits", "% des répondants, plusieurs réponses possibles",
                        "moyenne 4,2 (n = 5)", "masqué : moins de 3")
EN_LABELS = ChartLabels("n = 5 answered / 20 joined", "% of respondents, several answers possible",
                        "mean 4.2 (n = 5)", "hidden: fewer than 3")
LABELS = {"ar": AR_LABELS, "fr": FR_LABELS, "en": EN_LABELS}

QUESTIONS = {
    "ar": {
        "choice": ("كيف تقيّم أداء المؤطرين؟", ("ممتاز", "جيد جداً", "متوسط", "ضعيف")),
        "multi": ("ما الجوانب التي وجدتها الأكثر فائدة في هذه الورشة؟",
                  (PHRASE, "الأسئلة والتجارب الواقعية", "التفاعل مع المشاركين الآخرين",
                   "فهم الحقوق ودور المواطن", "الموارد والأدوات المقدمة")),
        "rating": ("على مقياس من 1 إلى 5، كيف تقيّم فائدة هذا التكوين؟", ("1", "2", "3", "4", "5")),
        "yesno": ("هل تنوي تطبيق المعارف المكتسبة أو مشاركتها؟", ("نعم", "لا", "ربما")),
    },
    "fr": {
        "choice": ("Comment évaluez-vous les formateurs ?", ("Excellent", "Très bien", "Moyen", "Faible")),
        "multi": ("Quels aspects de cet atelier vous ont été les plus utiles ?",
                  ("Découverte des concepts de l'open data", "Questions et expériences concrètes",
                   "Échanges avec les autres participants", "Les droits et le rôle du citoyen",
                   "Supports et outils fournis")),
        "rating": ("Sur une échelle de 1 à 5, comment évaluez-vous le bénéfice de cette formation ?",
                   ("1", "2", "3", "4", "5")),
        "yesno": ("Comptez-vous appliquer ou partager ce que vous avez appris ?", ("Oui", "Non", "Peut-être")),
    },
    "en": {
        "choice": ("How do you rate the trainers?", ("Excellent", "Very good", "Average", "Poor")),
        "multi": ("Which aspects of this workshop did you find most useful?",
                  ("Discovering open data concepts", "Real questions and experiences",
                   "Interacting with other participants", "Understanding rights and citizens' role",
                   "The materials and tools provided")),
        "rating": ("On a scale of 1 to 5, how do you rate the benefit of this training?",
                   ("1", "2", "3", "4", "5")),
        "yesno": ("Will you apply or share what you have learnt?", ("Yes", "No", "Maybe")),
    },
}


def counts_for(n: int) -> tuple[int, ...]:
    return tuple([2, 1, 0, 1, 1][:n]) if n <= 5 else tuple([1] * n)


def make_spec(kind: str, language: str, series: tuple[Series, ...] | None = None) -> ChartSpec:
    title, categories = QUESTIONS[language][kind]
    labels = LABELS[language]
    if series is None:
        series = (Series("", counts_for(len(categories)), 5),)
    return ChartSpec(
        kind=kind, title=title, categories=categories, series=series, answered=5, joined=20,
        language=language,
        labels=ChartLabels(
            n_line=labels.n_line,
            percent_note=labels.percent_note if kind == "multi" else "",
            mean_line=labels.mean_line if kind == "rating" else "",
            hidden_note=labels.hidden_note,
        ),
        mean=4.2 if kind == "rating" else None,
    )


def texts_of(fig: Figure) -> list[str]:
    return [strip_marks(t.get_text()) for t in fig.texts]


def bars(fig: Figure, series_index: int | None = None) -> list[Rectangle]:
    prefix = "bar:" if series_index is None else f"bar:{series_index}:"
    return [a for a in fig.artists if isinstance(a, Rectangle) and (a.get_gid() or "").startswith(prefix)]


def png_size(png: bytes) -> tuple[int, int]:
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def ink(fig: Figure) -> np.ndarray:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].min(axis=2) < 128


# --------------------------------------------------------------------------- Arabic shaping


def test_oracle_reproduces_the_spelled_out_expectation() -> None:
    assert expected_rtl_glyphs(PHRASE) == PHRASE_GLYPHS


def test_arabic_is_joined_and_right_to_left() -> None:
    assert laid_out_glyphs(PHRASE) == PHRASE_GLYPHS
    for label in ("الأسئلة والتجارب الواقعية", "فهم الحقوق ودور المواطن"):
        names = laid_out_glyphs(label)
        # no isolated letters where the word has joining neighbours: the oracle for words
        # whose letters are all in FORMS, presence of presentation forms for the others
        assert sum(n.startswith("uniFE") for n in names) >= len(label.replace(" ", "")) // 2


def test_other_arabic_words_match_the_oracle() -> None:
    for phrase in ("الرباط", "مفهوم البيانات", "على"):
        assert laid_out_glyphs(phrase) == expected_rtl_glyphs(phrase)


def test_negative_controls_fail_the_same_comparison() -> None:
    # What plain matplotlib < 3.11 drew: one isolated glyph per character, left to right.
    unshaped = ["space" if ch == " " else f"uni{ord(ch):04X}" for ch in PHRASE]
    assert unshaped != PHRASE_GLYPHS
    # Isolated glyphs in the right order (python-bidi alone): still not joined.
    assert unshaped[::-1] != PHRASE_GLYPHS
    # Shaped but left to right (the joined forms in logical order).
    assert PHRASE_GLYPHS[::-1] != PHRASE_GLYPHS
    # arabic-reshaper + python-bidi on top of matplotlib 3.11: their output is already in
    # visual order (presentation-form characters), and libraqm reverses it once more.
    pre_processed = "".join(" " if n == "space" else chr(int(n[3:], 16)) for n in PHRASE_GLYPHS)
    doubly_reversed = laid_out_glyphs(pre_processed)
    assert doubly_reversed != PHRASE_GLYPHS
    assert doubly_reversed == PHRASE_GLYPHS[::-1]


def test_mixed_arabic_and_latin_in_an_arabic_chart_reads_right_to_left() -> None:
    title = "Atelier Open Data — الرباط 2025"
    drawn = directional(title, rtl=True)
    names = without_direction_marks(laid_out_glyphs(drawn), drawn)
    latin = ["A", "t", "e", "l", "i", "e", "r", "space", "O", "p", "e", "n", "space", "D", "a", "t", "a"]
    # Right to left: "Atelier Open Data" at the right end, then "—", the city, the year.
    assert names == ["two", "zero", "two", "five", "space", *expected_rtl_glyphs("الرباط"),
                     "space", "emdash", "space", *latin]
    # In a French or English chart the same string is a left-to-right paragraph.
    assert laid_out_glyphs(title) == [*latin, "space", "emdash", "space", "two", "zero", "two", "five",
                                      "space", *expected_rtl_glyphs("الرباط")]


def test_value_labels_read_count_first_in_arabic() -> None:
    drawn = directional(value_label(2, 5, "ar"), rtl=True)
    # "2 · 40%" in a right-to-left line: the count is at the right, the percent at the left.
    assert without_direction_marks(laid_out_glyphs(drawn), drawn) == [
        "four", "zero", "percent", "space", "periodcentered", "space", "two"]


def test_the_chart_draws_arabic_through_the_checked_path(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, list[str]] = {}
    real = chart_draw.shape_line

    def spy(text: str, size: float, bold: bool = False):  # noqa: ANN202
        line = real(text, size, bold)
        seen[text] = [glyph_name(ps, index) for ps, index, _x in line.glyphs]
        return line

    monkeypatch.setattr(chart_draw, "shape_line", spy)
    png = render_chart(make_spec("multi", "ar"))
    assert png.startswith(PNG_SIGNATURE)
    drawn = [text for text in seen if strip_marks(text) == PHRASE]
    assert drawn == [RLM + PHRASE]
    assert without_direction_marks(seen[drawn[0]], drawn[0]) == PHRASE_GLYPHS


def _single_text_figure(text: str, *, native: bool) -> Figure:
    fig = Figure(figsize=(4.0, 0.6), dpi=150, facecolor="white")
    kwargs = dict(fontproperties=font_properties(16.0), ha="left", va="center", parse_math=False)
    if native:
        fig.text(0.05, 0.5, text, **kwargs)
    else:
        fig.add_artist(chart_draw.ShapedText(0.05, 0.5, text, transform=fig.transFigure, **kwargs))
    return fig


def _blur(mask: np.ndarray, k: int = 3) -> np.ndarray:
    """Box blur of a 0/1 ink mask (so a one-pixel drift of hinted advances does not count)."""
    a = mask.astype(float)
    for axis in (0, 1):
        padding = [(k + 1, k) if ax == axis else (0, 0) for ax in (0, 1)]
        c = np.cumsum(np.pad(a, padding), axis=axis)
        n = c.shape[axis]
        a = (np.take(c, range(2 * k + 1, n), axis=axis) - np.take(c, range(0, n - 2 * k - 1), axis=axis)) / (2 * k + 1)
    return a


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(_blur(a).ravel(), _blur(b).ravel())[0, 1])


def test_outline_text_matches_matplotlibs_own_text_rendering() -> None:
    """Pixel check: our outlines look like what matplotlib's own Text draws (same shaping).

    Measured when written: 0.92 against matplotlib's Text (its hinted advances make it
    ~4 px wider over the phrase), 0.60 against the same letters in reverse order.
    """
    ours = ink(_single_text_figure(PHRASE, native=False))
    native = ink(_single_text_figure(PHRASE, native=True))
    assert ours.sum() > 500
    assert _similarity(ours, native) > 0.85
    # Negative control: the same letters in the opposite order do not match.
    reversed_native = ink(_single_text_figure(PHRASE[::-1], native=True))
    assert _similarity(ours, reversed_native) < 0.75


# --------------------------------------------------------------------------- rendering


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
@pytest.mark.parametrize("kind", ["choice", "multi", "rating", "yesno"])
def test_every_kind_renders_in_every_language(kind: str, language: str) -> None:
    spec = make_spec(kind, language)
    png = render_chart(spec)
    assert png.startswith(PNG_SIGNATURE)
    assert len(png) <= 1_000_000
    width, height = png_size(png)
    assert width == 1200
    assert 300 <= height <= 4000
    fig = build_figure(spec)
    texts = texts_of(fig)
    assert spec.labels.n_line in texts  # the footer
    assert spec.title in " ".join(texts).replace("\n", " ")
    if kind == "multi":
        assert spec.labels.percent_note in texts
    else:
        assert spec.labels.percent_note not in texts or not spec.labels.percent_note
    if kind == "rating":
        assert spec.labels.mean_line in texts
    for category in spec.categories:
        assert category in [t.replace("\n", " ") for t in texts]


def test_the_footer_is_inside_the_picture_at_the_bottom() -> None:
    fig = build_figure(make_spec("choice", "fr"))
    renderer = FigureCanvasAgg(fig).get_renderer()
    footer = next(t for t in fig.texts if strip_marks(t.get_text()) == FR_LABELS.n_line)
    box = footer.get_window_extent(renderer)
    assert 0 <= box.x0 and box.x1 <= fig.bbox.width and 0 <= box.y0
    assert box.y1 < min(t.get_window_extent(renderer).y0 for t in fig.texts if t is not footer) + 1


def test_percentages_written_on_the_bars() -> None:
    spec = ChartSpec("choice", "Q", ("a", "b", "c"), (Series("", (2, 3, 0), 5),), 5, 9, "fr",
                     ChartLabels("n = 5 / 9"))
    texts = texts_of(build_figure(spec))
    assert "2 · 40\u202f%" in texts
    assert "3 · 60\u202f%" in texts
    assert "0 · 0\u202f%" in texts
    assert value_label(2, 5, "en") == "2 · 40%"
    assert value_label(2, 5, "ar") == "2 · 40%"
    assert percent(1, 8) == 13 and percent(1, 3) == 33 and percent(2, 3) == 67 and percent(0, 0) == 0


def test_bar_length_is_the_percentage_of_the_series() -> None:
    series = (Series("A", (2, 3), 5), Series("B", (1, 3), 4))
    spec = ChartSpec("choice", "Q", ("x", "y"), series, 9, 9, "en", ChartLabels("n"))
    fig = build_figure(spec)
    full = next(a for a in fig.artists if a.get_gid() == "track:0:0").get_width()
    for (i, c), expected in {(0, 0): 0.4, (0, 1): 0.6, (1, 0): 0.25, (1, 1): 0.75}.items():
        bar = next(a for a in fig.artists if a.get_gid() == f"bar:{i}:{c}")
        assert bar.get_width() == pytest.approx(full * expected)


def test_categories_top_to_bottom_in_questionnaire_order() -> None:
    for language in ("fr", "ar"):
        for kind in ("multi", "rating"):
            spec = make_spec(kind, language)
            fig = build_figure(spec)
            ys = [next(t for t in fig.texts if strip_marks(t.get_text()) == c).get_position()[1]
                  for c in spec.categories]
            assert ys == sorted(ys, reverse=True)


def test_hidden_series_draws_no_bars_and_says_so_in_the_legend() -> None:
    series = (Series("Femmes", (2, 1, 0, 1), 4), Series("Hommes", (1, 2, 1, 1), 5),
              Series("Préfère ne pas dire", (1, 0, 0, 0), 2, hidden=True))
    spec = make_spec("choice", "fr", series)
    fig = build_figure(spec)
    assert len(bars(fig, 0)) == 4 and len(bars(fig, 1)) == 4
    assert bars(fig, 2) == []
    texts = texts_of(fig)
    assert "Préfère ne pas dire — masqué : moins de 3" in texts
    assert "Femmes" in texts and "Hommes" in texts
    # no count of the hidden group leaks into the picture
    assert sum(t.startswith("1 · 50") for t in texts) == 0


def test_all_series_hidden_still_renders() -> None:
    series = (Series("Médias", (1, 0), 1, hidden=True), Series("Recherche", (0, 2), 2, hidden=True))
    spec = ChartSpec("yesno", "Q ?", ("Oui", "Non"), series, 3, 10, "fr", FR_LABELS)
    fig = build_figure(spec)
    assert bars(fig) == []
    assert render_chart(spec).startswith(PNG_SIGNATURE)


def test_no_answers_yet() -> None:
    spec = ChartSpec("rating", "Q", ("1", "2", "3", "4", "5"), (Series("", (0,) * 5, 0),), 0, 12, "en",
                     ChartLabels("n = 0 answered / 12 joined", mean_line=""))
    assert "0 · 0%" in texts_of(build_figure(spec))
    assert render_chart(spec).startswith(PNG_SIGNATURE)


def test_several_series_have_a_legend_and_one_series_none() -> None:
    grouped = build_figure(make_spec("yesno", "en", (Series("Workshop 1", (3, 1, 1), 5),
                                                    Series("Workshop 2", (2, 2, 0), 4))))
    assert {"Workshop 1", "Workshop 2"} <= set(texts_of(grouped))
    single = build_figure(make_spec("yesno", "en"))
    assert [a for a in single.artists if (a.get_gid() or "").startswith("legend:")] == []


def test_arabic_layout_is_mirrored() -> None:
    spec = make_spec("multi", "ar")
    fig = build_figure(spec)
    by_text = {strip_marks(t.get_text()): t for t in fig.texts}
    for key in (spec.title, spec.labels.n_line, *spec.categories):
        text = next(t for s, t in by_text.items() if s.replace("\n", " ") == key)
        assert text.get_horizontalalignment() == "right"
        assert text.get_text().startswith(RLM)
    width = fig.get_figwidth()
    ends = {round(b.get_x() + b.get_width(), 6) for b in bars(fig)}
    assert len(ends) == 1 and ends.pop() > width / 2  # every bar grows from the right edge
    fr = build_figure(make_spec("multi", "fr"))
    assert {round(b.get_x(), 6) for b in bars(fr)} == {round(min(b.get_x() for b in bars(fr)), 6)}
    assert all(t.get_horizontalalignment() == "left" for t in fr.texts)


def test_long_labels_wrap_and_nothing_is_cut() -> None:
    long_fr = "Données non disponibles sur les portails nationaux ou régionaux du pays"
    long_ar = "سأستفيد من البيانات المفتوحة في أنشطتي كموارد أو فاعل مدني في جمعيتي"
    for text, size in ((long_fr, 12.0), (long_ar, 12.0)):
        lines = wrap(text, 150.0, size)
        assert len(lines) >= 3
        assert " ".join(lines).split() == text.split()
        assert all(text_width(line, size) <= 150.0 for line in lines)
    word = "Anticonstitutionnellementextraordinairement"
    pieces = wrap(word, 80.0, 12.0)
    assert len(pieces) > 1 and "".join(pieces) == word
    assert all(text_width(p, 12.0) <= 80.0 for p in pieces)
    # in a chart: every word of a long label is there, and no line is wider than the picture
    spec = ChartSpec("multi", "Q", (long_fr + " " + long_fr,), (Series("", (1,), 2),), 2, 3, "fr",
                     ChartLabels("n = 2 / 3"))
    fig = build_figure(spec)
    renderer = FigureCanvasAgg(fig).get_renderer()
    label = next(t for t in fig.texts if "Données" in t.get_text())
    assert "\n" in label.get_text()
    assert label.get_text().split() == spec.categories[0].split()
    box = label.get_window_extent(renderer)
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width


def test_dollar_signs_are_not_mathtext() -> None:
    spec = ChartSpec("choice", "Budget de 10$ à 20$ ?", ("10$", "20$"), (Series("", (1, 1), 2),), 2, 2, "fr",
                     ChartLabels("n = 2 $ / 2 $"))
    fig = build_figure(spec)
    assert "Budget de 10$ à 20$ ?" in texts_of(fig)
    assert render_chart(spec).startswith(PNG_SIGNATURE)


def test_spec_validation() -> None:
    with pytest.raises(ValueError):
        ChartSpec("choice", "Q", ("a", "b"), (Series("", (1,), 1),), 1, 1, "fr", FR_LABELS)
    with pytest.raises(ValueError):
        ChartSpec("pie", "Q", ("a",), (Series("", (1,), 1),), 1, 1, "fr", FR_LABELS)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ChartSpec("choice", "Q", ("a",), (Series("", (1,), 1),), 1, 1, "de", FR_LABELS)


# --------------------------------------------------------------------------- fonts, imports, threads


def test_bundled_fonts_are_the_ones_used() -> None:
    for name in FONT_FILES:
        assert (FONT_DIR / name).is_file()
    assert "SIL OPEN FONT LICENSE Version 1.1" in (FONT_DIR / "OFL.txt").read_text(encoding="utf-8")
    for bold in (False, True):
        paths = [Path(p).resolve() for p in font_paths(bold)]
        assert paths[0].parent == FONT_DIR and paths[1].parent == FONT_DIR
        assert ("Bold" in paths[0].name) == bold and "Arabic" in paths[1].name


def test_drawing_a_chart_loads_neither_pyplot_nor_telegram_nor_sqlalchemy() -> None:
    """At run time, not only in the source (the import rules are in test_architecture.py)."""
    code = ("import sys; import bot.charts as c; "
            "c.render_chart(c.ChartSpec('yesno','Q',('a','b'),(c.Series('',(1,0),1),),1,1,'en',c.ChartLabels('n')));"
            "print('matplotlib.pyplot' in sys.modules, 'telegram' in sys.modules, 'sqlalchemy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]


def test_rendering_is_deterministic_and_thread_safe() -> None:
    specs = [make_spec(kind, language) for kind in ("multi", "rating") for language in ("ar", "fr")]
    sequential = render_charts(specs)
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(render_chart, specs * 2))
    assert threaded == sequential * 2


# --------------------------------------------------------------------------- timing

QUESTIONNAIRE_AR: list[tuple[str, str, tuple[str, ...]]] = [
    ("multi", "ما الجوانب التي وجدتها الأكثر فائدة في هذه الورشة؟", QUESTIONS["ar"]["multi"][1]),
    ("rating", "على مقياس من 1 إلى 5، كيف تقيّم فائدة هذا التكوين؟", ()),
    ("rating", "على مقياس من 1 إلى 5، كيف تقيّم وضوح هذا التكوين؟", ()),
    ("rating", "على مقياس من 1 إلى 5، كيف تقيّم أهمية الموضوع الذي تناولته الورشة؟", ()),
    ("choice", "كيف تقيّم أداء المؤطرين؟", ("ممتاز", "جيد جداً", "متوسط", "ضعيف")),
    ("choice", "هل استجابت الورشة لتطلعاتك؟", ("نعم، بالكامل", "نعم، جزئياً", "لا")),
    ("choice", "ماذا استفدت من هذه الورشة؟", ("لم أستفد كثيراً", "اكتسبت أفكاراً جديدة",
                                           "أصبحت لدي رؤية أوضح حول البيانات المفتوحة",
                                           "سأستفيد من البيانات المفتوحة في أنشطتي")),
    ("rating", "كيف تقيّم المواد المستعملة في الورشة (المحاضرات، التمارين، الوثائق)؟", ()),
    ("rating", "هل ساعدتك الأنشطة التطبيقية على فهم أفضل للمواضيع المطروحة؟", ()),
    ("yesno", "هل تنوي تطبيق المعارف المكتسبة أو مشاركتها؟", ("نعم", "لا", "ربما")),
    ("yesno", "هل ترغب في المشاركة في ورشات أو تكوينات أخرى؟", ("نعم", "لا", "ربما")),
    ("yesno", "هل توصي بهذه الورشة لأشخاص آخرين من المجتمع المدني؟", ("نعم", "لا")),
    ("yesno", "هل استعملت البيانات المفتوحة في عملك منذ الورشة؟", ("نعم", "لا")),
    ("multi", "ما الذي منعك من استعمال البيانات المفتوحة أو جعل ذلك صعباً؟",
     ("البيانات غير متوفرة", "صيغ غير قابلة للاستعمال (مثل PDF)", "نقص في المهارات", "ضيق الوقت", "أسباب أخرى")),
]


def questionnaire_specs(by_gender: bool = False) -> Iterator[ChartSpec]:
    for kind, title, categories in QUESTIONNAIRE_AR:
        categories = categories or ("1", "2", "3", "4", "5")
        counts = counts_for(len(categories))
        if by_gender:
            series = (Series("نساء", counts, 5), Series("رجال", counts[::-1], 5),
                      Series("أفضل عدم القول", counts, 1, hidden=True))
        else:
            series = (Series("", counts, 5),)
        yield ChartSpec(kind, title, categories, series, 5, 20, "ar",
                        ChartLabels(AR_LABELS.n_line, AR_LABELS.percent_note if kind == "multi" else "",
                                    AR_LABELS.mean_line if kind == "rating" else "", AR_LABELS.hidden_note),
                        mean=4.2 if kind == "rating" else None)


@pytest.mark.parametrize("by_gender", [False, True], ids=["overall", "by-gender"])
def test_a_whole_questionnaire_renders_within_size_limits(by_gender: bool) -> None:
    """14 charts of the default questionnaire in Arabic (timings: bench/charts.py)."""
    specs = list(questionnaire_specs(by_gender))
    assert len(specs) == 14
    pngs = render_charts(specs)
    assert all(png.startswith(b"\x89PNG") and len(png) <= 1_000_000 for png in pngs)


def test_wrap_keeps_french_signs_and_no_break_spaces_with_their_word() -> None:
    from bot.charts.text import breakable_units, text_width, wrap

    assert breakable_units("les formateurs ? « Oui » 25\u202f% ok") == ["les", "formateurs ?", "« Oui »", "25\u202f%", "ok"]
    text = "Avez-vous des suggestions ou des remarques pour les formateurs ? « Oui » à 25\u202f%"
    widest = max(text_width(unit, 12) for unit in breakable_units(text))  # narrower: a unit must split
    for width in range(int(widest) + 1, 400, 7):
        for line in wrap(text, width, 12):
            assert not line.startswith(("?", "»", "%")) and not line.endswith("«")
            assert "25 %" not in line  # the narrow no-break space survives


# --------------------------------------------------------------------------- from statistics to charts
# What /stats and the report draw: chart specifications made from plain Stats by
# bot.rendering.chart_specs, in French and Arabic, read back from the drawn figure.

NBSP = "\u00a0"
EVALUATION = default_questionnaire(QuestionnaireKind.EVALUATION)
PROFILE = default_questionnaire(QuestionnaireKind.PROFILE)
FIGURES = WorkshopFigures("Atelier Open Data — Rabat", "CODE", datetime(2026, 6, 24, tzinfo=UTC), None, 12, 10, 4)


def question_stats(question_id: str, tally: Tally, groups: tuple[Group, ...] = (), received: int = 10) -> QuestionStats:
    question = EVALUATION.question(question_id)
    assert question is not None
    return QuestionStats(question, tally, groups, (), received)


def specs_for(language: str, *questions: QuestionStats, breakdown: Breakdown | None = None) -> list[ChartSpec]:
    stats = Stats((FIGURES,), EVALUATION, questions, breakdown, PROFILE if breakdown else None)
    return chart_specs(stats, translator(language))


# 3.25 is 3,3 (half up, as a spreadsheet rounds), not 3,2 (Python's round, to even).
BENEFIT = question_stats("benefit", Tally(4, 1, {}, {3: 3, 4: 1}))
ASPECTS_BY_GENDER = question_stats(
    "useful_aspects", Tally(8, 0, {"concepts": 6, "rights": 2}, {}),
    (Group(None, "woman", Tally(4, 0, {"concepts": 4}, {})), Group(None, "man", Tally(3, 0, {"concepts": 2, "rights": 2}, {})),
     Group(None, "undisclosed", Tally(1, 0, {"rights": 1}, {}))),
)


def test_tally_median_from_the_rating_counts() -> None:
    assert Tally(rating_counts={}).median is None
    assert Tally(rating_counts={4: 1}).median == 4
    assert Tally(rating_counts={3: 3, 4: 1}).median == 3
    assert Tally(rating_counts={4: 1, 5: 1}).median == 4.5
    assert Tally(rating_counts={1: 1, 5: 3}).median == 5
    assert Tally(rating_counts={1: 2, 2: 1, 5: 2}).median == 2


@pytest.mark.parametrize(("language", "anchors", "mean"), [
    ("fr", "1 = Très faible · 5 = Excellent", "moyenne 3,3 sur 5 · médiane 3"),
    ("ar", "1 = ضعيف جدًا · 5 = ممتاز", "المتوسط 3,3 من 5 · الوسيط 3"),
])
def test_a_rating_chart_carries_its_anchors_mean_and_median(language: str, anchors: str, mean: str) -> None:
    (spec,) = specs_for(language, BENEFIT)
    assert (spec.labels.scale_line, spec.labels.mean_line) == (anchors, mean)
    drawn = texts_of(build_figure(spec))
    assert anchors in drawn and mean in drawn
    # the summary says the same, in the same words
    summary = "\n".join(message_texts.stats_summary(translator(language), Stats((FIGURES,), EVALUATION, (BENEFIT,))))
    assert f"{mean}\n<i>{anchors}</i>" in summary


def test_choice_charts_have_no_anchors_and_ratings_without_labels_none() -> None:
    spec = specs_for("fr", ASPECTS_BY_GENDER, breakdown=Breakdown.GENDER)[0]
    assert spec.labels.scale_line == "" and spec.labels.mean_line == ""
    unlabelled = dataclasses.replace(BENEFIT, question=dataclasses.replace(BENEFIT.question, low_label=None))
    assert specs_for("fr", unlabelled)[0].labels.scale_line == ""


@pytest.mark.parametrize(("language", "expected"), [
    ("fr", {0: "n = 0 répondant", 1: "n = 1 répondant", 2: "n = 2 répondants", 5: "n = 5 répondants"}),
    ("ar", {0: "ن = 0 مجيب", 1: "ن = 1 مجيب", 2: "ن = 2 مجيبان", 3: "ن = 3 مجيبين", 11: "ن = 11 مجيبًا",
            100: "ن = 100 مجيب"}),
    ("en", {1: "n = 1 respondent", 5: "n = 5 respondents"}),
])
def test_the_count_under_a_chart_agrees_with_its_number(language: str, expected: dict[int, str]) -> None:
    tr = translator(language)
    assert {n: message_texts.chart_n_line(tr, n) for n in expected} == expected


@pytest.mark.parametrize(("language", "footer"), [
    ("fr", f"n = 4 répondants · sans réponse{NBSP}: 6 sur 10 destinataires"),
    ("ar", "ن = 4 مجيبين · بلا إجابة: 6 من أصل 10 مستلمين"),
])
def test_no_answer_is_noted_under_the_chart(language: str, footer: str) -> None:
    (spec,) = specs_for(language, BENEFIT)
    fig = build_figure(spec)
    assert footer in texts_of(fig)
    lowest = min(fig.texts, key=lambda t: t.get_position()[1])
    assert strip_marks(lowest.get_text()) == footer
    # one who received the questionnaire skipped it, five never got that far: six without an answer
    assert BENEFIT.no_answer == 6
    summary = message_texts.stats_summary(translator(language), Stats((FIGURES,), EVALUATION, (BENEFIT,)))[0]
    assert footer.split(" · ", 1)[1] in summary


def test_no_answer_note_left_out_when_nobody_received_the_questionnaire() -> None:
    (spec,) = specs_for("fr", question_stats("benefit", Tally(1, 0, {}, {4: 1}), received=0))
    assert spec.labels.no_answer_note == ""
    assert texts_of(build_figure(spec))[-1] == "n = 1 répondant"


# As the domain builds it: 1 who prefers not to say is hidden, and the 3 who did not say
# with them (else the overall minus women and men would give that one away).
ASPECTS_FOUR_GROUPS = question_stats(
    "useful_aspects", Tally(13, 0, {"concepts": 10, "rights": 3}, {}),
    suppress_small_groups((
        Group(None, "woman", Tally(4, 0, {"concepts": 4}, {})), Group(None, "man", Tally(5, 0, {"concepts": 3, "rights": 2}, {})),
        Group(None, "undisclosed", Tally(1, 0, {"rights": 1}, {})), Group(None, NOT_STATED, Tally(3, 0, {"concepts": 3}, {})),
    )),
)


@pytest.mark.parametrize(("language", "legend"), [
    ("fr", ["Femme (n = 4)", "Homme (n = 5)", "Je préfère ne pas répondre — masqué\u00a0: moins de 3 répondants",
            "non précisé — masqué aussi, sinon un groupe plus petit se déduirait des totaux"]),
    ("ar", ["امرأة (n = 4)", "رجل (n = 5)", "أفضّل عدم الإجابة — مخفية: أقل من 3 مجيبين",
            "غير مُصرَّح به — مخفية أيضًا، وإلا أمكن استنتاج فئة أصغر من المجاميع"]),
])
def test_breakdown_legends_show_each_groups_n(language: str, legend: list[str]) -> None:
    (spec,) = specs_for(language, ASPECTS_FOUR_GROUPS, breakdown=Breakdown.GENDER)
    drawn = [text.replace("\n", " ") for text in texts_of(build_figure(spec))]  # a long entry wraps
    assert all(entry in drawn for entry in legend), drawn
    # a hidden group's size is not shown, nor its bars
    assert not any("(n = 1)" in text or "(n = 3)" in text for text in drawn)
    assert [s.counts for s in spec.series if s.hidden] == [(0,) * 5, (0,) * 5]


def _colour(artist: Rectangle) -> tuple[float, ...]:
    return tuple(artist.get_facecolor())


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_bar_has_its_groups_colour_even_at_zero(language: str) -> None:
    (spec,) = specs_for(language, ASPECTS_BY_GENDER, breakdown=Breakdown.GENDER)
    fig = build_figure(spec)
    by_gid = {a.get_gid(): a for a in fig.artists if isinstance(a, Rectangle) and a.get_gid()}
    zeros = 0
    for i, series in enumerate(spec.series):
        if series.hidden:
            assert not [g for g in by_gid if g.startswith((f"bar:{i}:", f"zero:{i}:"))]
            continue
        swatch = _colour(by_gid[f"legend:{i}"])
        assert swatch == mcolors.to_rgba(series_color(i))
        for c, count in enumerate(series.counts):
            bar = by_gid[f"bar:{i}:{c}"]
            assert _colour(bar) == swatch
            if count:
                assert bar.get_width() > 0 and f"zero:{i}:{c}" not in by_gid
            else:
                zeros += 1
                tick = by_gid[f"zero:{i}:{c}"]
                assert _colour(tick) == swatch and tick.get_width() == pytest.approx(ZERO_TICK)
                track = by_gid[f"track:{i}:{c}"]
                # the tick sits where the bar starts: the left end in French, the right end in Arabic
                start = track.get_x() + track.get_width() if spec.rtl else track.get_x()
                tick_start = tick.get_x() + tick.get_width() if spec.rtl else tick.get_x()
                assert tick_start == pytest.approx(start)
    assert zeros == 7  # women: 4 options at 0 of 5, men: 3


def test_percentages_in_french_charts_are_written_one_way() -> None:
    specs = specs_for("fr", BENEFIT, ASPECTS_BY_GENDER, breakdown=Breakdown.GENDER)
    drawn = [text for spec in specs for text in texts_of(build_figure(spec))]
    assert f"4 · 100{NNBSP}%" in drawn and f"2 · 67{NNBSP}%" in drawn
    assert f"plusieurs réponses possibles{NBSP}: pourcentages des répondants" in drawn
    for text in drawn:
        assert " %" not in text and " :" not in text  # only no-break spaces before % and :
    overall = question_stats("useful_aspects", ASPECTS_BY_GENDER.tally)
    arabic = [t for spec in specs_for("ar", overall) for t in texts_of(build_figure(spec))]
    assert "6 · 75%" in arabic  # no space in Arabic (and English), as in messages


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_anchors_legend_and_footer_do_not_overlap(language: str) -> None:
    (spec,) = specs_for(language, question_stats("benefit", Tally(7, 0, {}, {5: 4, 4: 3}), (
        Group(None, "woman", Tally(4, 0, {}, {5: 4})), Group(None, "man", Tally(3, 0, {}, {4: 3})),
    )), breakdown=Breakdown.GENDER)
    fig = build_figure(spec)
    renderer = FigureCanvasAgg(fig).get_renderer()
    boxes = [(strip_marks(t.get_text()), t.get_window_extent(renderer)) for t in fig.texts]
    for k, (text, box) in enumerate(boxes):
        assert 0 <= box.x0 and box.x1 <= fig.bbox.width and 0 <= box.y0 and box.y1 <= fig.bbox.height, text
        for other, other_box in boxes[k + 1:]:
            overlap_w = min(box.x1, other_box.x1) - max(box.x0, other_box.x0)
            overlap_h = min(box.y1, other_box.y1) - max(box.y0, other_box.y0)
            assert overlap_w <= 0.5 or overlap_h <= 0.5, (text, other)  # line boxes may touch
    drawn = [text for text, _box in boxes]
    assert {spec.labels.scale_line, spec.labels.mean_line} <= set(drawn)
