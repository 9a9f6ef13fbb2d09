"""The /stats summary: figures, shares, means, breakdowns and reversals."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.i18n import Translator
from bot.questionnaires.model import (
    QuestionType,
)
from bot.rendering.texts.markup import (
    LRM,
    MESSAGE_LIMIT,
    cut,
    local,
    ltr,
    option_label,
    scale_anchors,
    split_blocks,
)
from bot.rendering.texts.nonresponse import nonresponse_lines
from bot.rendering.texts.sessions import session_lines, session_name
from bot.results.nonresponse import NonResponse
from bot.results.questions import QuestionView
from bot.results.reversals import Reversal, ReversalKind
from bot.results.stats import (
    MIN_GROUP_SIZE,
    Breakdown,
    Group,
    Nps,
    QuestionStats,
    Stats,
    Tally,
    WorkshopFigures,
)


def group_label(tr: Translator, stats: Stats, group: Group) -> str:
    """A bar group's name: a workshop, a gender / type of organisation, or both (plain text)."""
    parts: list[str] = []
    if group.workshop_code is not None:
        parts.append(next(w.title for w in stats.workshops if w.join_code == group.workshop_code))
    if group.profile_key is not None:
        question = stats.profile.question(stats.breakdown.value) if stats.profile and stats.breakdown else None
        option = question.option(group.profile_key) if question else None
        parts.append(option.text.get(tr.language) if option else tr.gettext("not stated"))
    return " · ".join(parts)


def hidden_group(tr: Translator) -> str:
    return tr.ngettext("hidden: fewer than %(n)d respondent", "hidden: fewer than %(n)d respondents",
                       MIN_GROUP_SIZE) % {"n": MIN_GROUP_SIZE}


def withheld_group(tr: Translator) -> str:
    """Why a group of 3 or more is hidden: it would give a smaller hidden group away."""
    return tr.gettext("also hidden, otherwise a smaller group could be worked out from the totals")


def hidden_note(tr: Translator, group: Group) -> str:
    """What stands instead of a hidden group's figures."""
    return withheld_group(tr) if group.withheld else hidden_group(tr)


def mean_text(tr: Translator, tally: Tally, scale_max: int) -> str:
    """"average 4.3 out of 5 · median 4" (rounded half up, as everywhere; no slash, which the
    bidi algorithm reverses in Arabic: «المتوسط 4,2 من 5»); "" before any rating."""
    if tally.mean is None or tally.median is None:
        return ""
    median = tally.median
    return tr.gettext("average %(mean)s · median %(median)s") % {
        "mean": tr.out_of(tr.decimal(tally.mean), scale_max),
        "median": tr.decimal(median, 0 if median == int(median) else 1),  # 4, or 4.5 between two
    }


def nps_score(tr: Translator, nps: Nps) -> str:
    """"NPS +25", signed (a true minus, −10). In Arabic a left-to-right mark before the sign
    keeps it on the left of the figure, as written: the sign then sits between two
    left-to-right characters (rule W7 makes the digits left-to-right after the mark); one
    invisible character that charts and the PDF lay out as chats do."""
    score = nps.score
    signed = f"+{score}" if score > 0 else f"\u2212{-score}" if score < 0 else "0"
    return tr.gettext("NPS %(score)s") % {"score": f"{LRM}{signed}" if tr.rtl and score else signed}


def nps_text(tr: Translator, nps: Nps) -> str:
    """A recommendation score with what it is made of: "NPS +25 (promoters 50 %, passives
    25 %, detractors 25 %, n = 12)": % promoters (9–10) − % detractors (0–6)."""
    n = nps.respondents
    return tr.gettext("%(nps)s (promoters %(promoters)s, passives %(passives)s, detractors %(detractors)s, "
                      "n = %(n)d)") % {
        "nps": nps_score(tr, nps), "promoters": tr.share(nps.promoters, n), "passives": tr.share(nps.passives, n),
        "detractors": tr.share(nps.detractors, n), "n": n}


def nps_definition(tr: Translator) -> str:
    """How the NPS is counted, under the report's summary table."""
    return tr.gettext("NPS (recommendation score, 0 to 10): the share of promoters (9 or 10) minus the share of "
                      "detractors (0 to 6), from −100 to +100; 7 and 8 are passives.")


def rating_figures(tr: Translator, question_stats: QuestionStats, tally: Tally) -> str:
    """A rating's figures for a line: its NPS first when it is a recommendation score, then
    its average and median ("" before any rating)."""
    if tally.mean is None:
        return ""
    mean = mean_text(tr, tally, question_stats.question.scale_max)
    return f"{nps_text(tr, tally.nps)} · {mean}" if question_stats.question.nps else mean


def shown_to_text(tr: Translator, question_stats: QuestionStats) -> str:
    """A conditional question's own denominator: who was shown it, of those reached."""
    return tr.ngettext(
        "shown to %(shown)d of %(n)d recipient (depends on an earlier answer)",
        "shown to %(shown)d of %(n)d recipients (depends on an earlier answer)",
        question_stats.received,
    ) % {"shown": question_stats.asked, "n": question_stats.received}


def not_compared_text(tr: Translator, stats: Stats) -> str:
    """Questions left out of a comparison: asked differently (or not at all) in some workshop."""
    if not stats.not_compared:
        return ""
    names = tr.listing(local(q.text, tr) for q in stats.not_compared)
    return tr.ngettext(
        "Question not compared (its wording differs between these workshops): %(questions)s",
        "Questions not compared (their wording differs between these workshops): %(questions)s",
        len(stats.not_compared),
    ) % {"questions": names}


def answers_count(tr: Translator, n: int) -> str:
    return tr.ngettext("%(n)d answer", "%(n)d answers", n) % {"n": n}


def multi_note(tr: Translator) -> str:
    return tr.gettext("several answers possible: percentages of respondents")


def chart_n_line(tr: Translator, answered: int) -> str:
    """Under a chart: "n = 1 respondent", in the grammar of the number printed."""
    return tr.ngettext("n = %(n)d respondent", "n = %(n)d respondents", answered) % {"n": answered}


def no_answer_text(tr: Translator, missing: int, received: int) -> str:
    """Of those the questionnaire reached, how many have no answer to a question."""
    return tr.ngettext("no answer: %(missing)d of %(n)d recipient", "no answer: %(missing)d of %(n)d recipients",
                       received) % {"missing": missing, "n": received}


def legend_label(name: str, respondents: int) -> str:
    """A bar group in a chart's legend, with its n: "Women (n = 4)"."""
    return f"{name} (n = {respondents})"


def joined_text(tr: Translator, n: int) -> str:
    return tr.ngettext("%(n)d participant has joined.", "%(n)d participants have joined.", n) % {"n": n}


def no_answers_yet(tr: Translator, stats: Stats) -> str:
    """/stats before anybody answered: one message instead of empty charts."""
    lines = [
        tr.gettext("No answers yet for «%(title)s».") % {"title": escape(stats.title)},
        tr.ngettext("%(n)d participant has joined.", "%(n)d participants have joined.", stats.joined)
        % {"n": stats.joined},
        tr.ngettext("The questionnaire reached %(n)d participant.", "The questionnaire reached %(n)d participants.",
                    stats.sent) % {"n": stats.sent},
    ]
    if not stats.comparing and stats.workshops[0].closed_at is None:
        lines.append(tr.gettext("/close %(code)s sends the questionnaire.") % {"code": ltr(tr, escape(stats.join_code))})
    return "\n".join(lines)


def _group_line(tr: Translator, stats: Stats, question: QuestionStats, group: Group, view: QuestionView) -> str:
    label = escape(group_label(tr, stats, group))
    if group.hidden:
        return f"  ▸ {label}: {hidden_note(tr, group)}"
    tally = group.tally
    head = f"  ▸ {label} ({answers_count(tr, tally.answered)})"
    if question.question.type is QuestionType.RATING:
        return f"{head}: {rating_figures(tr, question, tally)}" if tally.mean is not None else head
    shares = [
        f"{escape(option_label(tr, view, o))} {tr.share(tally.option_counts[o], tally.answered)}"
        for o in question.question.option_ids() if tally.option_counts.get(o)
    ]
    return f"{head}: " + " · ".join(shares)


def reversal_note(tr: Translator, stats: Stats, reversal: Reversal, view: QuestionView) -> str:
    if reversal.kind is ReversalKind.SIMPSON:
        titles = {w.join_code: w.title for w in stats.workshops}
        return "⚠️ " + tr.gettext(
            "Reversal (Simpson's paradox): «%(a)s» scores higher than «%(b)s» overall, "
            "but lower within every group shown. The groups are not the same size in both "
            "workshops: compare group by group."
        ) % {"a": escape(titles[reversal.better_overall]), "b": escape(titles[reversal.worse_overall])}
    return "⚠️ " + tr.gettext(
        "Reversal: «%(option)s» comes first overall but first in none of the groups: "
        "the overall result describes no group well."
    ) % {"option": escape(option_label(tr, view, reversal.better_overall))}


QUOTE_MAX = MESSAGE_LIMIT // 2  # one typed answer quoted in /stats; longer ones end with "…"


def _question_block(
    tr: Translator, stats: Stats, number: int, question_stats: QuestionStats, reversals: Sequence[Reversal]
) -> str:
    question = question_stats.question
    view = QuestionView(response_id=0, questionnaire=stats.questionnaire, index=number - 1, question=question)
    lines = [f"<b>{number}. {local(question.text, tr)}</b>"]
    n_line = answers_count(tr, question_stats.answered)
    skipped = (tr.ngettext("%(n)d skipped", "%(n)d skipped", question_stats.skipped) % {"n": question_stats.skipped}
               if question_stats.skipped else "")
    if question_stats.conditional and question_stats.received:  # its own denominator: those shown it
        n_line += " · " + shown_to_text(tr, question_stats)
        n_line += f" ({skipped})" if skipped else ""
    elif question_stats.received:
        n_line += " · " + no_answer_text(tr, question_stats.no_answer, question_stats.received)
        n_line += f" ({skipped})" if skipped else ""
    elif skipped:
        n_line += " · " + skipped
    if question.type is QuestionType.RATING:
        lines.append(n_line)
        if question.nps and question_stats.mean is not None:
            lines.append(nps_text(tr, question_stats.tally.nps))
        if question_stats.mean is not None:
            lines.append(mean_text(tr, question_stats.tally, question.scale_max))
        if anchors := scale_anchors(tr, question):
            lines.append(f"<i>{escape(anchors)}</i>")
        for value in question.scale():
            count = question_stats.rating_counts.get(value, 0)
            lines.append(f"  {value}: {count} ({tr.share(count, question_stats.answered)})")
    elif question.type in (QuestionType.TEXT, QuestionType.COMMITMENTS):  # commitments: one per line
        lines.append(n_line)
        # each answer cut BEFORE escaping, to leave room in a message for the question line
        lines.extend(f"  « {escape(cut(text.replace(chr(10), ' · '), QUOTE_MAX))} »" for text in question_stats.texts)
        return "\n".join(lines)
    else:
        if question.type is QuestionType.MULTI:
            n_line += " · " + multi_note(tr)
        lines.append(n_line)
        for option_id in question.option_ids():
            count = question_stats.option_counts.get(option_id, 0)
            label = escape(option_label(tr, view, option_id))
            lines.append(f"  • {label}: {count} ({tr.share(count, question_stats.answered)})")
    lines.extend(
        _group_line(tr, stats, question_stats, group, view) for group in question_stats.groups if group.tally.answered
    )
    lines.extend(reversal_note(tr, stats, r, view) for r in reversals if r.question.id == question.id)
    return "\n".join(lines)


def _figures_line(tr: Translator, figures: WorkshopFigures) -> str:
    rate = tr.share(figures.completed, figures.joined)
    return tr.ngettext(
        "%(answered)d of %(n)d participant answered the whole questionnaire (%(rate)s).",
        "%(answered)d of %(n)d participants answered the whole questionnaire (%(rate)s).",
        figures.joined,
    ) % {"answered": figures.completed, "n": figures.joined, "rate": rate}


def breakdown_line(tr: Translator, stats: Stats) -> str:
    if stats.breakdown is Breakdown.GENDER:
        by = tr.gettext("Results by gender.")
    elif stats.breakdown is Breakdown.ORG_TYPE:
        by = tr.gettext("Results by type of organisation.")
    else:
        return ""
    return by + " " + small_groups_rule(tr)


def small_groups_rule(tr: Translator) -> str:
    return tr.ngettext(
        "Groups of fewer than %(n)d respondent are hidden so that nobody can be recognised.",
        "Groups of fewer than %(n)d respondents are hidden so that nobody can be recognised.",
        MIN_GROUP_SIZE,
    ) % {"n": MIN_GROUP_SIZE}


def stats_summary(
    tr: Translator, stats: Stats, reversals: Sequence[Reversal] = (),
    nonresponse: Sequence[NonResponse] = (), heading: str | None = None,
) -> list[str]:
    """The /stats text, split into messages that each fit Telegram's 4096 characters.

    *nonresponse*: who answered by profile group, stated under the response rates;
    *heading*: instead of the workshops' titles (a programme's name)."""
    head = [heading or f"📊 <b>{escape(stats.title)}</b>"]
    for figures in stats.workshops:
        prefix = f"{escape(figures.title)}: " if stats.comparing else ""
        if figures.sessions:  # several sessions: each one's response rate (their answers are merged below)
            head.append(prefix + joined_text(tr, figures.joined))
            head.extend(session_lines(tr, figures.sessions))
            continue
        if figures.session is not None:  # /stats CODE s2
            head.append(prefix + f"<b>{escape(session_name(tr, figures.session.number, figures.session.title))}</b>")
        head.append(prefix + _figures_line(tr, figures))
    if not stats.comparing and not stats.workshops[0].sessions:
        head.append(
            tr.ngettext(
                "The questionnaire reached %(n)d participant.",
                "The questionnaire reached %(n)d participants.",
                stats.sent,
            ) % {"n": stats.sent}
        )
    head.extend(nonresponse_lines(tr, nonresponse))
    if stats.breakdown is not None:
        head.append(breakdown_line(tr, stats))
    if reversals:
        head.append("⚠️ " + tr.ngettext(
            "%(n)d question looks different once broken down: see the notes below.",
            "%(n)d questions look different once broken down: see the notes below.",
            len(reversals),
        ) % {"n": len(reversals)})
    if stats.not_compared:
        head.append(not_compared_text(tr, stats))
    blocks = ["\n".join(head)]
    for number, question_stats in enumerate(stats.questions, start=1):
        blocks.append(_question_block(tr, stats, number, question_stats, reversals))
    return split_blocks(blocks)
