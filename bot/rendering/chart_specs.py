"""Statistics → chart specifications, in the organiser's language.

The charts package only draws; this decides what each chart says, every phrase and figure
already written by ``texts`` (percentages, means and medians as in messages and the
report). Hidden groups (fewer than 3 respondents, and those hidden with them so that they
cannot be subtracted out) are passed with zero counts, so their figures never reach an
image, and their legend entry carries no n but why; groups nobody belongs to are left out.
"""

from __future__ import annotations

from bot.charts import ChartLabels, ChartSpec, Series
from bot.i18n import Translator
from bot.questionnaires.model import QuestionType
from bot.rendering import texts
from bot.results.questions import QuestionView
from bot.results.stats import QuestionStats, Stats, Tally

CHARTED: dict[QuestionType, str] = {
    QuestionType.RATING: "rating",
    QuestionType.CHOICE: "choice",
    QuestionType.YESNO: "yesno",
    QuestionType.MULTI: "multi",
}


def _counts(question_stats: QuestionStats, tally: Tally) -> tuple[int, ...]:
    question = question_stats.question
    if question.type is QuestionType.RATING:
        return tuple(tally.rating_counts.get(v, 0) for v in question.scale())
    return tuple(tally.option_counts.get(o, 0) for o in question.option_ids())


def _series(tr: Translator, stats: Stats, question_stats: QuestionStats) -> tuple[Series, ...]:
    if not question_stats.groups:
        return (Series("", _counts(question_stats, question_stats.tally), question_stats.answered),)
    series = []
    for group in question_stats.groups:
        if not group.tally.answered:
            continue
        name = texts.group_label(tr, stats, group)
        if group.hidden:
            series.append(Series(name, (0,) * len(_counts(question_stats, group.tally)), 0, hidden=True,
                                 hidden_note=texts.withheld_group(tr) if group.withheld else ""))
        else:
            series.append(Series(texts.legend_label(name, group.tally.answered), _counts(question_stats, group.tally),
                                 group.tally.answered))
    return tuple(series) or (Series("", _counts(question_stats, question_stats.tally), question_stats.answered),)


def _categories(tr: Translator, stats: Stats, question_stats: QuestionStats) -> tuple[str, ...]:
    question = question_stats.question
    if question.type is QuestionType.RATING:
        return tuple(str(v) for v in question.scale())
    view = QuestionView(response_id=0, questionnaire=stats.questionnaire, index=0, question=question)
    return tuple(texts.option_label(tr, view, o) for o in question.option_ids())


def _rating_lines(tr: Translator, question_stats: QuestionStats) -> str:
    """Under a rating's title: its NPS (a recommendation score), then its average, one a line."""
    tally = question_stats.tally
    mean = texts.mean_text(tr, tally, question_stats.question.scale_max)
    if question_stats.question.nps and tally.mean is not None:
        return f"{texts.nps_text(tr, tally.nps)}\n{mean}"
    return mean


def _no_answer_note(tr: Translator, question_stats: QuestionStats) -> str:
    """Who did not answer, of those the question was put to (a conditional one: those shown it)."""
    if not question_stats.received:
        return ""
    if question_stats.conditional:
        return texts.shown_to_text(tr, question_stats)
    return texts.no_answer_text(tr, question_stats.no_answer, question_stats.received)


def chart_spec(tr: Translator, stats: Stats, question_stats: QuestionStats) -> ChartSpec:
    question = question_stats.question
    rating = question.type is QuestionType.RATING
    return ChartSpec(
        kind=CHARTED[question.type],  # type: ignore[arg-type]
        title=question.text.get(tr.language),
        categories=_categories(tr, stats, question_stats),
        series=_series(tr, stats, question_stats),
        answered=question_stats.answered,
        joined=stats.joined,
        language=tr.language,
        labels=ChartLabels(
            n_line=texts.chart_n_line(tr, question_stats.answered),
            percent_note=texts.multi_note(tr) if question.type is QuestionType.MULTI else "",
            mean_line=_rating_lines(tr, question_stats) if rating else "",
            hidden_note=texts.hidden_group(tr),
            scale_line=texts.scale_anchors(tr, question) if rating else "",
            no_answer_note=_no_answer_note(tr, question_stats),
        ),
        mean=question_stats.mean,
    )


def chart_specs(stats: Stats, tr: Translator) -> list[ChartSpec]:
    """One chart per charted question (free text goes in the summary, not in a chart)."""
    return [chart_spec(tr, stats, q) for q in stats.questions if q.question.type in CHARTED]
