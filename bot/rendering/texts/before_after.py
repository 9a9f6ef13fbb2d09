"""Before → after: /pre, and the matched pairs in /stats and the report."""

from __future__ import annotations

from html import escape

from bot.i18n import Translator
from bot.i18n.figures import NO_FIGURE
from bot.rendering.texts.markup import LRM, ltr, split_blocks
from bot.results.before_after import BeforeAfter, BeforeSource, Change, GroupChange, MeasureChange, PreSurveyState
from bot.results.stats import MIN_GROUP_SIZE, NOT_STATED

# --- /pre ----------------------------------------------------------------------------------


def pre_usage(tr: Translator) -> str:
    return tr.gettext("A short questionnaire when participants join, compared with the end of the session:\n"
                      "/pre CODE on — the built-in one (their level, their expectations)\n"
                      "/pre CODE KEY — one of yours, of kind pre\n"
                      "/pre CODE off — none")


def pre_state(tr: Translator, state: PreSurveyState) -> str:
    if state.questionnaire is None:
        return tr.gettext("No pre-survey for <b>%(title)s</b>. With %(command)s, participants who join from now "
                          "on first say where they stand on the workshop's topics, and /stats shows before → "
                          "after.") % {"title": escape(state.workshop_title),
                                       "command": ltr(tr, f"/pre {escape(state.join_code)} on")}
    return tr.gettext("Pre-survey of <b>%(title)s</b>: <b>%(questionnaire)s</b>. Participants who join from now "
                      "on answer it after the profile questions (not those already there), until the first "
                      "/close. Answered so far: %(n)d.") % {
        "title": escape(state.workshop_title),
        "questionnaire": escape(state.questionnaire.title.get(tr.language)), "n": state.answered}


def pre_too_late(tr: Translator, title: str) -> str:
    return tr.gettext("A session of <b>%(title)s</b> has been closed: a pre-survey would no longer come "
                      "before the workshop.") % {"title": escape(title)}


def not_a_pre_survey(tr: Translator, key: str) -> str:
    return tr.gettext("The questionnaire %(key)s is not a pre-survey: its file must say “kind: pre”.") % {
        "key": ltr(tr, f"<code>{escape(key[:64])}</code>")}


# --- figures ---------------------------------------------------------------------------------


def signed_change(tr: Translator, value: float) -> str:
    """+1,7 / −0,3 / 0,0 (a true minus); in Arabic a left-to-right mark keeps the sign on
    the figure's left, as in ``nps_score``."""
    figure = tr.decimal(abs(value))
    if figure == tr.decimal(0):
        return figure
    signed = f"+{figure}" if value > 0 else f"\u2212{figure}"
    return f"{LRM}{signed}" if tr.rtl else signed


def change_line(tr: Translator, change: Change, scale_max: int) -> str:
    """"2,3 → 4,0 sur 5 (+1,7) · 3 paires appariées" (the arrow points the reading way)."""
    return tr.ngettext("%(before)s → %(after)s (%(change)s) · %(n)d matched pair",
                       "%(before)s → %(after)s (%(change)s) · %(n)d matched pairs", change.pairs) % {
        "before": tr.decimal(change.mean_before), "after": tr.out_of(tr.decimal(change.mean_after), scale_max),
        "change": signed_change(tr, change.mean_change), "n": change.pairs}


def shares_line(tr: Translator, change: Change) -> str:
    return tr.ngettext("%(improved)d of %(n)d improved (%(share)s) · %(same)d unchanged · %(worse)d lower",
                       "%(improved)d of %(n)d improved (%(share)s) · %(same)d unchanged · %(worse)d lower",
                       change.pairs) % {
        "improved": change.improved, "n": change.pairs, "share": tr.share(change.improved, change.pairs),
        "same": change.same, "worse": change.worse}


def source_line(tr: Translator, change: Change) -> str:
    """Which "before" the pairs use: the pre-survey, the retrospective question, or both."""
    sources = change.sources
    if sources == (BeforeSource.PRE,):
        return tr.gettext("Before: the pre-survey, answered on joining.")
    if sources == (BeforeSource.RETROSPECTIVE,):
        return tr.gettext("Before: asked at the end of the session, looking back (no pre-survey).")
    return tr.gettext("Before: the pre-survey, else asked at the end of the session, looking back.")


def too_few_pairs(tr: Translator) -> str:
    return tr.ngettext("not shown: fewer than %(n)d matched pair", "not shown: fewer than %(n)d matched pairs",
                       MIN_GROUP_SIZE) % {"n": MIN_GROUP_SIZE}


def _group_name(tr: Translator, result: BeforeAfter, key: str) -> str:
    question = result.profile.question(result.breakdown.value) if result.profile and result.breakdown else None
    option = question.option(key) if question is not None and key != NOT_STATED else None
    return option.text.get(tr.language) if option is not None else tr.gettext("not stated")


def _group_line(tr: Translator, result: BeforeAfter, measure: MeasureChange, group: GroupChange) -> str:
    if group.withheld:
        figures = tr.gettext("also hidden, otherwise a smaller group could be worked out from the totals")
    elif group.hidden:
        figures = too_few_pairs(tr)
    else:
        figures = f"{change_line(tr, group.change, measure.scale_max)} · {shares_line(tr, group.change)}"
    return f"• {escape(_group_name(tr, result, group.profile_key))}: {figures}"


def measure_block(tr: Translator, result: BeforeAfter, measure: MeasureChange) -> str:
    lines = [f"<b>{escape(measure.question.text.get(tr.language))}</b>"]
    overall = measure.overall
    if not overall.shown:
        lines.append(too_few_pairs(tr))
        return "\n".join(lines)
    lines += [change_line(tr, overall, measure.scale_max), shares_line(tr, overall), source_line(tr, overall)]
    lines += [_group_line(tr, result, measure, group) for group in measure.groups]
    return "\n".join(lines)


def before_after_heading(tr: Translator) -> str:
    return tr.gettext("<b>Before → after</b>: each participant's level before the workshop beside their own "
                      "answer at the end.")


def before_after_summary(tr: Translator, result: BeforeAfter) -> list[str]:
    """The "Before → after" section of /stats, as messages; none without any measure."""
    if not result.measures:
        return []
    blocks = [f"{before_after_heading(tr)}\n\n{measure_block(tr, result, result.measures[0])}"]
    blocks += [measure_block(tr, result, measure) for measure in result.measures[1:]]
    return split_blocks(blocks)


# --- the report ------------------------------------------------------------------------------


def report_before_after_labels(tr: Translator) -> dict[str, str]:
    return {
        "heading": tr.gettext("Before → after"),
        "measure": tr.gettext("Level, per participant"),
        "pairs": tr.gettext("Matched pairs"),
        "before": tr.gettext("Before"),
        "after": tr.gettext("After"),
        "change": tr.gettext("Change"),
        "improved": tr.gettext("Improved"),
    }


def report_before_after_row(tr: Translator, measure: MeasureChange) -> tuple[str, str, str, str, str, str]:
    """(measure, pairs, before, after, change, improved), "–" where too few pairs."""
    change = measure.overall
    label = measure.question.text.get(tr.language)
    if not change.shown:
        return label, str(change.pairs), NO_FIGURE, NO_FIGURE, NO_FIGURE, NO_FIGURE
    return (f"{label} — {source_line(tr, change)}", str(change.pairs), tr.decimal(change.mean_before),
            tr.out_of(tr.decimal(change.mean_after), measure.scale_max), signed_change(tr, change.mean_change),
            tr.share(change.improved, change.pairs))


def report_before_after_note(tr: Translator) -> str:
    return tr.ngettext(
        "Only participants who answered both before and at the end count, each compared with themselves; "
        "a measure with fewer than %(n)d matched pair is not shown.",
        "Only participants who answered both before and at the end count, each compared with themselves; "
        "a measure with fewer than %(n)d matched pairs is not shown.", MIN_GROUP_SIZE) % {"n": MIN_GROUP_SIZE}
