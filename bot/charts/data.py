"""What a chart is made of: plain, frozen data (no database, no Telegram, no i18n).

The caller (``bot.rendering.chart_specs``) turns statistics into these objects and
supplies every translated phrase already formatted; this package only draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ChartKind = Literal["choice", "multi", "rating", "yesno"]
KINDS: tuple[str, ...] = ("choice", "multi", "rating", "yesno")
LANGUAGES: tuple[str, ...] = ("ar", "fr", "en")


@dataclass(frozen=True)
class Series:
    """One member of a bar group: the whole room, or one gender / org type / workshop."""

    name: str  # "" for the single overall series; else e.g. "Femmes", "Atelier 2"
    counts: tuple[int, ...]  # one per category, in category order
    respondents: int  # n of this series for this question (denominator of percentages)
    hidden: bool = False  # a disaggregated group under 3 respondents: no bars, legend says so
    hidden_note: str = ""  # why this series is hidden, when not the chart's ``labels.hidden_note``

    def __post_init__(self) -> None:
        if self.respondents < 0 or any(c < 0 for c in self.counts):
            raise ValueError(f"negative count in series {self.name!r}")


@dataclass(frozen=True)
class ChartLabels:
    """Translated fixed phrases, formatted by the caller."""

    n_line: str  # e.g. "n = 5 respondents"
    percent_note: str = ""  # multi: "% of respondents, several answers possible"
    mean_line: str = ""  # rating: "average 4.3 · median 4"
    hidden_note: str = ""  # "hidden: fewer than 3", appended to a hidden series' legend entry
    scale_line: str = ""  # rating: the scale's anchors, "1 = Very poor · 5 = Excellent"
    no_answer_note: str = ""  # after the n line: "no answer: 3 of 8 recipients"


@dataclass(frozen=True)
class ChartSpec:
    """One chart: one question, its categories in questionnaire order, one or more series."""

    kind: ChartKind
    title: str  # the question, in the organiser's language
    categories: tuple[str, ...]  # option labels in questionnaire order; "1".."5" for a rating
    series: tuple[Series, ...]  # 1 for overall; several for by gender / by org / compare workshops
    answered: int  # n answered this question (overall)
    joined: int  # participants who joined the workshop(s)
    language: str  # "ar" | "fr" | "en": direction and number format
    labels: ChartLabels
    mean: float | None = None  # rating: overall mean

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown chart kind {self.kind!r}")
        if self.language not in LANGUAGES:
            raise ValueError(f"unknown chart language {self.language!r}")
        if not self.series:
            raise ValueError("a chart needs at least one series")
        for series in self.series:
            if len(series.counts) != len(self.categories):
                raise ValueError(
                    f"series {series.name!r} has {len(series.counts)} counts "
                    f"for {len(self.categories)} categories"
                )

    @property
    def rtl(self) -> bool:
        return self.language == "ar"
