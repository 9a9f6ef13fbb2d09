"""Statistics → the content of the PDF report, in the organiser's language.

The report says what the Rabat mission report said by hand — who came, how many
answered, every chart, the participants' own words — plus a one-page summary of every
question, the charts again by gender and by type of organisation (what the Tunis
data-jams needed), and what the follow-up survey found next to what people intended
at the end of the session.

The handler hands over plain results (``bot.results``; reversals and outcomes are
plain dataclasses too, imported here for their types only): nothing here reaches the
database.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.i18n import Translator
from bot.i18n.figures import NO_FIGURE
from bot.questionnaires.model import Question, QuestionType
from bot.rendering import texts
from bot.rendering.chart_specs import chart_specs
from bot.reports.data import (
    ChartSection,
    FollowupRow,
    FreeText,
    ReportData,
    Summary,
    SummaryRow,
    TableSection,
)
from bot.results.before_after import BeforeAfter
from bot.results.commitments import CommitmentResults
from bot.results.nonresponse import NonResponse
from bot.results.questions import QuestionView
from bot.results.stats import MIN_GROUP_SIZE, NOT_STATED, QuestionStats, Stats, Tally

if TYPE_CHECKING:
    from bot.results.outcomes import Outcome
    from bot.results.reversals import Reversal

POSITIVE_RATINGS = 2
"""A rating is positive when it is one of the two highest of its scale (4 or 5 of 5)."""


def _date(tr: Translator, stats: Stats, timezone: str) -> str:
    return tr.dates((w.closed_at or w.created_at for w in stats.workshops), timezone)


def _session_facts(tr: Translator, stats: Stats) -> tuple[tuple[str, str], ...]:
    """The cover's line per session: each session's response rate, or the one session reported."""
    return tuple(
        (texts.session_name(tr, session.number, session.title), texts.session_rate(tr, session))
        for w in stats.workshops
        for session in (w.sessions or ((w.session,) if w.session is not None else ()))
    )


def _view(stats: Stats, question_stats: QuestionStats) -> QuestionView:
    return QuestionView(response_id=0, questionnaire=stats.questionnaire,
                        index=stats.questions.index(question_stats), question=question_stats.question)


# --------------------------------------------------------------------------- summary


def positive_count(question: Question, tally: Tally) -> int | None:
    """Respondents with a positive answer: a rating among the two highest of the scale,
    or "yes"; None for questions that have no positive answer (choices, free text)."""
    if question.type is QuestionType.RATING:
        lowest = question.scale_max - POSITIVE_RATINGS + 1
        return sum(count for value, count in tally.rating_counts.items() if value >= lowest)
    if question.type is QuestionType.YESNO:
        return tally.option_counts.get("yes", 0)
    return None


def top_options(question: Question, tally: Tally) -> tuple[list[str], int]:
    """The option(s) chosen most often, in questionnaire order, and how often."""
    counts = {option: tally.option_counts.get(option, 0) for option in question.option_ids()}
    top = max(counts.values(), default=0)
    return ([option for option, count in counts.items() if count == top] if top else []), top


def _summary_row(tr: Translator, stats: Stats, number: int, question_stats: QuestionStats,
                 labels: dict[str, str]) -> SummaryRow:
    question, tally = question_stats.question, question_stats.tally
    n = tally.answered
    if question.type in (QuestionType.TEXT, QuestionType.COMMITMENTS):
        result = labels["free_text"] if n else NO_FIGURE
    elif question.type is QuestionType.RATING:
        result = texts.summary_average(tr, tally.mean, question.scale_max) if tally.mean is not None else NO_FIGURE
        if question.nps and tally.mean is not None:  # a recommendation score: its NPS first
            result = f"{texts.nps_score(tr, tally.nps)} · {result}"
    else:
        options, count = top_options(question, tally)
        view = _view(stats, question_stats)
        result = (texts.summary_top_answer(tr, [texts.option_label(tr, view, o) for o in options], count, n)
                  if options else NO_FIGURE)
    positive = positive_count(question, tally)
    return SummaryRow(
        question=f"{number}. {question.text.get(tr.language)}",
        respondents=str(n),
        result=result,
        positive=tr.share(positive, n) if positive is not None else NO_FIGURE,
    )


def _summary(tr: Translator, stats: Stats) -> Summary:
    labels = texts.report_summary_labels(tr)
    scales = {q.question.scale_max for q in stats.questions if q.question.type is QuestionType.RATING} or {5}
    ratings = " · ".join(f"{top - POSITIVE_RATINGS + 1}–{top}" for top in sorted(scales))
    return Summary(
        heading=labels["heading"],
        columns=(labels["question"], labels["respondents"], labels["result"], labels["positive"]),
        rows=tuple(_summary_row(tr, stats, number, q, labels) for number, q in enumerate(stats.questions, start=1)),
        notes=(*texts.report_summary_notes(tr, ratings),
               *((texts.nps_definition(tr),) if any(q.question.nps for q in stats.questions) else ())),
    )


# --------------------------------------------------------------------------- breakdowns


def _shows_a_group(stats: Stats) -> bool:
    """Whether some chart of the breakdown shows a profile group (not only "not stated")."""
    return any(not group.hidden and group.profile_key not in (None, NOT_STATED) and group.tally.answered
               for question_stats in stats.questions for group in question_stats.groups)


def _breakdown(tr: Translator, stats: Stats, reversals: Sequence[Reversal]) -> ChartSection:
    """One breakdown: the rule on small groups, the reversals it shows, its charts."""
    assert stats.breakdown is not None
    heading = texts.report_breakdown_heading(tr, stats.breakdown)
    notes = [texts.small_groups_rule(tr)]  # the heading says what the breakdown is
    if not _shows_a_group(stats):
        withheld = any(g.withheld for q in stats.questions for g in q.groups)  # not all were small
        why = texts.report_overall_only(tr) if withheld else texts.report_no_group_shown(tr)
        return ChartSection(heading, (*notes, why), ())
    for reversal in reversals:
        question_stats = next(q for q in stats.questions if q.question.id == reversal.question.id)
        notes.append(texts.plain(texts.reversal_note(tr, stats, reversal, _view(stats, question_stats))))
    return ChartSection(heading, tuple(notes), tuple(chart_specs(stats, tr)))


# --------------------------------------------------------------------------- the report


def report_content(
    tr: Translator,
    stats: Stats,
    reversals: Sequence[Reversal],
    outcomes: Sequence[Outcome],
    *,
    timezone: str,
    generated_at: datetime,
    breakdowns: Sequence[tuple[Stats, Sequence[Reversal]]] = (),
    nonresponse: Sequence[NonResponse] = (),
    programme_title: str | None = None,
    before_after: BeforeAfter | None = None,
    commitments: CommitmentResults | None = None,
) -> ReportData:
    """The report of *stats* (one workshop, or workshops compared).

    *breakdowns*: the same statistics by gender, by type of organisation… each with the
    reversals found in it; each becomes a section of charts split by group. *reversals*
    are those of *stats* itself (when it is broken down), noted on the cover.
    *nonresponse*: who answered by profile group, stated on the cover with its warnings.
    *programme_title*: a programme's report, its workshops listed on the cover with their
    dates and response rates.
    """
    labels = texts.report_fact_labels(tr)
    headings = texts.report_headings(tr)
    rate = tr.share(stats.completed, stats.joined)
    facts: tuple[tuple[str, str], ...] = (
        (labels["date"], _date(tr, stats, timezone)),
        (labels["joined"], str(stats.joined)),
        (labels["reached"], str(stats.sent)),
        (labels["completed"], str(stats.completed)),
        (labels["rate"], rate),
    )
    if any(w.sessions for w in stats.workshops):  # several sessions: each one's rate, not answers per joiner
        facts = facts[:2]
    facts += _session_facts(tr, stats)
    if programme_title is not None:
        facts += tuple(
            (w.title, texts.programme_workshop_fact(tr, tr.dates([w.closed_at or w.created_at], timezone),
                                                    w.completed, w.joined, tr.share(w.completed, w.joined)))
            for w in stats.workshops
        )
    notes = [texts.plain(line) for line in texts.nonresponse_lines(tr, nonresponse)]
    if stats.breakdown:
        notes.append(texts.breakdown_line(tr, stats))
    if stats.not_compared:
        notes.append(texts.plain(texts.not_compared_text(tr, stats)))
    for reversal in reversals:
        question_stats = next(q for q in stats.questions if q.question.id == reversal.question.id)
        notes.append(texts.plain(texts.reversal_note(tr, stats, reversal, _view(stats, question_stats))))
    return ReportData(
        language=tr.language,
        title=programme_title or stats.title,
        subtitle=texts.programme_report_subtitle(tr) if programme_title is not None else texts.report_subtitle(tr),
        facts=facts,
        notes=tuple(notes),
        charts_heading=headings["charts"],
        charts=tuple(chart_specs(stats, tr)),
        free_text_heading=headings["free_text"],
        free_texts=tuple(
            FreeText(q.question.text.get(tr.language), tuple(text.replace("\n", " · ") for text in q.texts))
            for q in stats.questions
            if q.question.type in (QuestionType.TEXT, QuestionType.COMMITMENTS) and q.texts
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
        summary=_summary(tr, stats),
        breakdowns=tuple(_breakdown(tr, b, found) for b, found in breakdowns if b.breakdown is not None),
        before_after=_before_after(tr, before_after) if before_after is not None else None,
        commitments_heading=texts.commitments_heading(tr),
        commitments=_commitments(tr, commitments) if commitments is not None else (),
    )


def _commitments(tr: Translator, results: CommitmentResults) -> tuple[FreeText, ...]:
    """Commitments to change: how many, what became of them, what got in the way, a few
    quoted (pseudonymous, only from MIN_GROUP_SIZE respondents on)."""
    groups = [FreeText(texts.commitments_outcomes_heading(tr),
                       (*texts.commitments_figures_lines(tr, results), *texts.commitments_outcome_lines(tr, results)))]
    if barriers := texts.commitments_barrier_lines(tr, results):
        groups.append(FreeText(texts.commitments_barriers_heading(tr), tuple(barriers)))
    if results.quotes:
        groups.append(FreeText(texts.commitments_quotes_heading(tr), tuple(texts.commitments_quote_lines(tr, results))))
    elif results.answered:
        groups.append(FreeText(texts.commitments_quotes_heading(tr), (texts.commitments_quotes_withheld(tr, MIN_GROUP_SIZE),)))
    return tuple(groups)


def _before_after(tr: Translator, result: BeforeAfter) -> TableSection | None:
    """Each measure's matched pairs, before → after; None when no questionnaire has one."""
    if not result.measures:
        return None
    labels = texts.report_before_after_labels(tr)
    return TableSection(
        heading=labels["heading"],
        columns=tuple(labels[key] for key in ("measure", "pairs", "before", "after", "change", "improved")),
        rows=tuple(texts.report_before_after_row(tr, measure) for measure in result.measures),
        notes=(texts.report_before_after_note(tr),),
    )
