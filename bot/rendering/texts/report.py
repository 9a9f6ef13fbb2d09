"""The words of the PDF report (plain text: the report draws it, no HTML)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape, unescape

from bot.i18n import Translator
from bot.rendering.texts.markup import TAG, yesno_label
from bot.results.stats import (
    MIN_GROUP_SIZE,
    Breakdown,
)


def report_subtitle(tr: Translator) -> str:
    return tr.gettext("Evaluation report")


def report_fact_labels(tr: Translator) -> dict[str, str]:
    return {
        "date": tr.gettext("Date of the workshop"),
        "joined": tr.gettext("Participants who joined"),
        "reached": tr.gettext("Questionnaire received by"),
        "completed": tr.gettext("Answered the whole questionnaire"),
        "rate": tr.gettext("Response rate (of those who joined)"),
    }


def report_headings(tr: Translator) -> dict[str, str]:
    return {
        "charts": tr.gettext("Results, question by question"),
        "free_text": tr.gettext("In the participants' words"),
        "followup": tr.gettext("Weeks later: intentions and practice"),
        "at_close": tr.gettext("End of the session"),
        "followup_column": tr.gettext("Follow-up survey"),
    }


def outcome_label(tr: Translator, intention_question: str, outcome_question: str) -> str:
    if (intention_question, outcome_question) == ("apply", "used_since"):
        return tr.gettext("Will apply what they learnt → have used open data since")
    return f"{intention_question} → {outcome_question}"


def share_text(tr: Translator, yes: int, respondents: int) -> str:
    """"80 % (4 sur 5)": no slash, which the bidi algorithm reverses in Arabic."""
    return f"{tr.share(yes, respondents)} ({tr.out_of(str(yes), respondents)})"


def report_footer(tr: Translator, generated: str) -> str:
    return tr.gettext("workshop-bot · generated on %(date)s") % {"date": generated}


def report_caption(tr: Translator, title: str) -> str:
    return tr.gettext("Evaluation report of «%(title)s»") % {"title": escape(title)}


def report_summary_labels(tr: Translator) -> dict[str, str]:
    """The summary table of the report: its heading, column headers, and a free-text row."""
    return {
        "heading": tr.gettext("Summary of the answers"),
        "question": tr.gettext("Question"),
        "respondents": tr.gettext("Respondents"),
        "result": tr.gettext("Average or top answer"),
        "positive": tr.gettext("% positive"),
        "free_text": tr.gettext("free text"),
    }


def report_summary_notes(tr: Translator, ratings: str) -> tuple[str, ...]:
    """What the summary's columns mean, under the table; *ratings*: the positive ones ("4–5")."""
    return (
        tr.gettext("Respondents: participants who answered the question; those who skipped it are not counted."),
        tr.gettext("Average: the mean of the ratings, rounded to one decimal. Top answer: the option chosen "
                   "most often, with its share of the respondents."),
        tr.gettext("%(column)s: the share of respondents who gave one of the two highest ratings (%(ratings)s) "
                   "or answered “%(yes)s”. Questions without a positive answer (choices, free text) show –.")
        % {"column": tr.gettext("% positive"), "ratings": ratings, "yes": yesno_label(tr, "yes")},
    )


def summary_average(tr: Translator, mean: float, scale_max: int) -> str:
    """A rating's average in the summary table: "4,2 sur 5", «4,2 من 5» (rounded half up)."""
    return tr.out_of(tr.decimal(mean), scale_max)


def summary_top_answer(tr: Translator, labels: Sequence[str], count: int, respondents: int) -> str:
    """The answer chosen most often and its share: "Oui (80 %)"; two tied answers are both
    named, more end with "…"."""
    named = " / ".join(labels[:2]) + (" / …" if len(labels) > 2 else "")
    return f"{named} ({tr.share(count, respondents)})"


def report_breakdown_heading(tr: Translator, breakdown: Breakdown) -> str:
    if breakdown is Breakdown.GENDER:
        return tr.gettext("Breakdown by gender")
    return tr.gettext("Breakdown by type of organisation")


def report_overall_only(tr: Translator) -> str:
    """A breakdown whose groups are all hidden, some of them only so as not to give a smaller one away."""
    return tr.gettext("Showing any group would let a smaller one be worked out from the totals: "
                      "only the overall results are given.")


def report_no_group_shown(tr: Translator) -> str:
    """A breakdown in which every group is too small to be shown."""
    return tr.ngettext(
        "No group has %(n)d respondent or more yet: none can be shown without singling somebody out.",
        "No group has %(n)d respondents or more yet: none can be shown without singling somebody out.",
        MIN_GROUP_SIZE,
    ) % {"n": MIN_GROUP_SIZE}


def plain(html_text: str) -> str:
    """A message text without its HTML, for the PDF (which draws plain text)."""
    return unescape(TAG.sub("", html_text))
