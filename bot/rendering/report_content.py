"""Statistics → the content of the PDF report, in the organiser's language.

The report says what the Rabat mission report said by hand — who came, how many
answered, every chart, the participants' own words — plus what the follow-up survey
found next to what people intended at the end of the session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain.outcomes import Outcome
from bot.domain.reversals import Reversal
from bot.i18n import Translator
from bot.questionnaires.model import QuestionType
from bot.rendering import texts
from bot.rendering.chart_specs import chart_specs
from bot.reports.data import FollowupRow, FreeText, ReportData
from bot.results.questions import QuestionView
from bot.results.stats import Stats


def _date(tr: Translator, stats: Stats, timezone: str) -> str:
    days = sorted({tr.date(w.closed_at or w.created_at, timezone) for w in stats.workshops})
    return " · ".join(days)


def report_content(
    tr: Translator,
    stats: Stats,
    reversals: Sequence[Reversal],
    outcomes: Sequence[Outcome],
    *,
    timezone: str,
    generated_at: datetime,
) -> ReportData:
    labels = texts.report_fact_labels(tr)
    headings = texts.report_headings(tr)
    rate = tr.share(stats.completed, stats.joined)
    facts = (
        (labels["date"], _date(tr, stats, timezone)),
        (labels["joined"], str(stats.joined)),
        (labels["reached"], str(stats.sent)),
        (labels["completed"], str(stats.completed)),
        (labels["rate"], rate),
    )
    notes = [texts.breakdown_line(tr, stats)] if stats.breakdown else []
    for reversal in reversals:
        question_stats = next(q for q in stats.questions if q.question.id == reversal.question.id)
        view = QuestionView(response_id=0, questionnaire=stats.questionnaire,
                                  index=stats.questions.index(question_stats), question=question_stats.question)
        notes.append(texts.plain(texts.reversal_note(tr, stats, reversal, view)))
    return ReportData(
        language=tr.language,
        title=stats.title,
        subtitle=texts.report_subtitle(tr),
        facts=facts,
        notes=tuple(notes),
        charts_heading=headings["charts"],
        charts=tuple(chart_specs(stats, tr)),
        free_text_heading=headings["free_text"],
        free_texts=tuple(
            FreeText(q.question.text.get(tr.language), q.texts)
            for q in stats.questions
            if q.question.type is QuestionType.TEXT and q.texts
        ),
        followup_heading=headings["followup"],
        followup_columns=("", headings["at_close"], headings["followup_column"]),
        followup=tuple(
            FollowupRow(
                texts.outcome_label(tr, o.intention_question, o.outcome_question),
                texts.share_text(tr, o.intended.yes, o.intended.respondents),
                texts.share_text(tr, o.actual.yes, o.actual.respondents),
            )
            for o in outcomes
        ),
        footer=texts.report_footer(tr, tr.date(generated_at, timezone)),
    )
