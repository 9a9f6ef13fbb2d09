"""What a report is made of: plain, frozen data (no database, no Telegram, no i18n).

The caller (``bot.rendering.report_content``) supplies every phrase already translated
and formatted; ``bot.reports.pdf`` only lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.charts.data import LANGUAGES, ChartSpec


@dataclass(frozen=True)
class FreeText:
    """A free-text question and its answers, in the order they should be listed."""

    question: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class FollowupRow:
    """Intention at the end of the session next to what happened weeks later."""

    label: str  # e.g. "Will apply what they learnt → have used open data since"
    intended: str  # formatted, e.g. "80 % (4 / 5)"
    actual: str  # formatted, e.g. "40 % (2 / 5)"


@dataclass(frozen=True)
class SummaryRow:
    """One question in the summary table, every figure already formatted."""

    question: str  # e.g. "2. Sur une échelle de 1 à 5, …"
    respondents: str  # e.g. "5"
    result: str  # a rating's average ("4,2 / 5") or the top answer ("Oui · 80 %"); "–" if none
    positive: str  # e.g. "80 %"; "–" when the question has no positive answer


@dataclass(frozen=True)
class Summary:
    """The one-page table after the cover: a row per question, its definitions under it."""

    heading: str
    columns: tuple[str, str, str, str]  # question, respondents, average or top answer, % positive
    rows: tuple[SummaryRow, ...]
    notes: tuple[str, ...]  # what the columns mean, e.g. how "% positive" is counted


@dataclass(frozen=True)
class ChartSection:
    """Charts under a heading and short notes: a breakdown by gender, by type of organisation."""

    heading: str
    notes: tuple[str, ...]
    charts: tuple[ChartSpec, ...]


@dataclass(frozen=True)
class TableSection:
    """A table under a heading, its first column the label (before → after per measure)."""

    heading: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # each as long as ``columns``
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportData:
    language: str  # "ar" | "fr" | "en": direction of the whole document
    title: str  # workshop title(s)
    subtitle: str  # e.g. "Evaluation report"
    facts: tuple[tuple[str, str], ...]  # cover table rows: ("Date", "24/06/2025"), ...
    notes: tuple[str, ...]  # short paragraphs under the facts
    charts_heading: str
    charts: tuple[ChartSpec, ...]
    free_text_heading: str
    free_texts: tuple[FreeText, ...]
    followup_heading: str
    followup_columns: tuple[str, str, str]  # ("", "End of session", "Follow-up")
    followup: tuple[FollowupRow, ...]  # empty: the section is omitted
    footer: str  # e.g. "workshop-bot · generated 23/11/2026"
    summary: Summary | None = None  # None: no summary page
    breakdowns: tuple[ChartSection, ...] = ()  # after the charts, e.g. by gender, by type of organisation
    # Commitments to change: figures, barriers and quotes, each group under its own heading
    # (laid out as the free texts); empty: the section is omitted.
    commitments_heading: str = ""
    commitments: tuple[FreeText, ...] = ()
    before_after: TableSection | None = None  # after the summary: levels before → after, matched

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"unknown report language {self.language!r}")

    @property
    def rtl(self) -> bool:
        return self.language == "ar"
