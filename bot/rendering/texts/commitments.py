"""Commitments to change: sent back at follow-up time, and what became of them (/stats, report).

A commitment is the participant's own words: cut, then escaped, wherever it is shown.
"""

from __future__ import annotations

from html import escape

from bot.i18n import Translator
from bot.questionnaires.model import Question
from bot.rendering.texts.markup import _fit, cut, ltr, split_blocks
from bot.rendering.texts.questions import RECAP_ANSWER
from bot.rendering.texts.report import share_text
from bot.results.commitments import (
    ASKS_BARRIERS,
    OUTCOMES,
    CommitmentOutcome,
    CommitmentPrompt,
    CommitmentRecap,
    CommitmentResults,
)

COMMITMENT_SHOWN = 300  # UTF-16 units of a commitment shown (the domain keeps them to 280 characters)
QUOTE_SHOWN = 200  # and of one quoted in /stats or the report


def commitments_full(tr: Translator) -> str:
    """A commitment typed when the question already has as many as it takes (after ◀ Back)."""
    return tr.gettext("You have written as many things as this question takes: your last message was not "
                      "kept. Tap “That’s all” to go on.")


def commitment_outcome_button(tr: Translator, outcome: CommitmentOutcome) -> str:
    """The four answers to "Did you do it?"."""
    return {
        CommitmentOutcome.DONE: tr.gettext("Yes"),
        CommitmentOutcome.PARTLY: tr.gettext("Partly"),
        CommitmentOutcome.NOT_YET: tr.gettext("Not yet"),
        CommitmentOutcome.NOT_RELEVANT: tr.gettext("No longer relevant"),
    }[outcome]


def commitment_outcome_label(tr: Translator, outcome: CommitmentOutcome) -> str:
    """An outcome as results name it ("Done" rather than the button's "Yes")."""
    return tr.gettext("Done") if outcome is CommitmentOutcome.DONE else commitment_outcome_button(tr, outcome)


def commitment_barrier_label(tr: Translator, question: Question | None, option_id: str) -> str:
    option = question.option(option_id) if question is not None else None
    return option.text.get(tr.language) if option is not None else option_id


def _you_wrote(tr: Translator, text: str) -> str:
    return tr.gettext("You wrote: “%(text)s”") % {"text": escape(cut(text, COMMITMENT_SHOWN))}


def commitment_recap_line(tr: Translator, recap: CommitmentRecap) -> str:
    """"✓ «…» — Partly · Lack of time" in one line, above what comes next."""
    answer = commitment_outcome_label(tr, recap.outcome)
    if recap.barriers:
        answer += " · " + ", ".join(commitment_barrier_label(tr, recap.barrier_question, b) for b in recap.barriers)
    folded = " ".join(recap.text.split())
    return f"✓ <i>{escape(cut(folded, RECAP_ANSWER))}</i> — {escape(cut(answer, RECAP_ANSWER))}"


def commitment_prompt_text(tr: Translator, prompt: CommitmentPrompt, recap: CommitmentRecap | None = None) -> str:
    """"You wrote: «…». Did you do it?", or, answered partly or not yet, "What got in the way?"."""
    parts: list[str] = []
    if recap is not None:
        parts.append(commitment_recap_line(tr, recap))
    elif prompt.number == 1 and prompt.outcome is None:
        parts.append(tr.gettext("At the end of the workshop, you wrote what you would do differently in your "
                                "work. Here it is again, one thing at a time."))
    header = tr.gettext("Commitment %(number)d of %(count)d") % {"number": prompt.number, "count": prompt.count}
    parts.append(f"<b>{header}</b>")
    wrote = _you_wrote(tr, prompt.text)
    if prompt.outcome is None:
        parts.append(wrote + "\n" + tr.gettext("Did you do it?"))
    else:
        parts.append(f"{wrote} — {escape(commitment_outcome_label(tr, prompt.outcome))}")
        hint = tr.gettext("Tick every answer that applies, then tap Confirm.")
        parts.append(tr.gettext("What got in the way?") + "\n<i>" + hint + "</i>")
    return _fit("\n\n".join(parts))


def commitment_after_last_text(tr: Translator, recap: CommitmentRecap, question_text: str) -> str:
    """After the last commitment: its recap above the follow-up's first question."""
    return _fit(commitment_recap_line(tr, recap) + "\n\n" + question_text)


# --- results: /stats and the report ------------------------------------------------------------


def commitments_heading(tr: Translator) -> str:
    return tr.gettext("Commitments to change")


def commitments_outcomes_heading(tr: Translator) -> str:
    return tr.gettext("What became of them at follow-up")


def commitments_figures_lines(tr: Translator, results: CommitmentResults) -> list[str]:
    """How many were written, how many we know the fate of, the share put into practice."""
    lines = [
        tr.gettext("Commitments written: %(n)d") % {"n": results.made},
        tr.gettext("Participants who wrote at least one: %(n)d") % {"n": results.writers},
        tr.gettext("Outcome known at follow-up: %(answered)d of %(made)d") % {
            "answered": results.answered, "made": results.made},
    ]
    if not results.answered:
        lines.append(tr.gettext("Nobody has said yet what became of their commitments."))
        return lines
    lines.append(tr.gettext("Put into practice (done or partly): %(share)s") % {
        "share": share_text(tr, results.put_into_practice, results.answered)})
    return lines


def commitments_outcome_lines(tr: Translator, results: CommitmentResults) -> list[str]:
    return [f"{commitment_outcome_label(tr, outcome)}: {share_text(tr, results.outcomes.get(outcome, 0), results.answered)}"
            for outcome in OUTCOMES] if results.answered else []


def commitments_barriers_heading(tr: Translator) -> str:
    return tr.gettext("What got in the way (commitments done partly or not yet)")


def commitments_barrier_lines(tr: Translator, results: CommitmentResults) -> list[str]:
    held_back = sum(results.outcomes.get(outcome, 0) for outcome in ASKS_BARRIERS)
    if not held_back or results.barrier_question is None:
        return []
    return [f"{commitment_barrier_label(tr, results.barrier_question, option_id)}: "
            f"{share_text(tr, results.barriers.get(option_id, 0), held_back)}"
            for option_id in results.barrier_question.option_ids()]


def commitments_quotes_heading(tr: Translator) -> str:
    return tr.gettext("In their words (pseudonymous)")


def commitments_quote_lines(tr: Translator, results: CommitmentResults) -> list[str]:
    """Plain text: each quote cut, with who (P03) and what became of it."""
    return [tr.gettext("“%(text)s” — %(who)s, outcome: %(outcome)s") % {
        "text": cut(" ".join(quote.text.split()), QUOTE_SHOWN), "who": ltr(tr, quote.pseudonym),
        "outcome": commitment_outcome_label(tr, quote.outcome or CommitmentOutcome.DONE)} for quote in results.quotes]


def commitments_quotes_withheld(tr: Translator, minimum: int) -> str:
    return tr.ngettext(
        "Their words are quoted once at least %(n)d participant has said what became of their commitments.",
        "Their words are quoted once at least %(n)d participants have said what became of their commitments.",
        minimum) % {"n": minimum}


def commitments_stats_block(tr: Translator, results: CommitmentResults | None, minimum: int) -> list[str]:
    """The commitments' part of /stats (messages, each within Telegram's limit); nothing when
    nobody wrote one."""
    if results is None:
        return []
    block = [f"<b>{escape(commitments_heading(tr))}</b>", *(escape(line) for line in commitments_figures_lines(tr, results))]
    block += [f"  • {escape(line)}" for line in commitments_outcome_lines(tr, results)]
    paragraphs = ["\n".join(block)]
    if barriers := commitments_barrier_lines(tr, results):
        paragraphs.append("\n".join([f"<i>{escape(commitments_barriers_heading(tr))}</i>",
                                     *(f"  • {escape(line)}" for line in barriers)]))
    if results.quotes:
        paragraphs.append("\n".join([f"<i>{escape(commitments_quotes_heading(tr))}</i>",
                                     *(f"  {escape(line)}" for line in commitments_quote_lines(tr, results))]))
    elif results.answered:
        paragraphs.append(f"<i>{escape(commitments_quotes_withheld(tr, minimum))}</i>")
    return split_blocks(paragraphs)


def commitments_export_columns(tr: Translator) -> dict[str, str]:
    """The export's commitments sheet: headers by stable id (the XLSX second header row)."""
    return {
        "participant": tr.gettext("Participant (pseudonym)"),
        "position": "#",
        "commitment": tr.gettext("Commitment"),
        "outcome": tr.gettext("Did they do it?"),
        "barriers": tr.gettext("What got in the way"),
        "asked_at": tr.gettext("Sent back at"),
        "answered_at": tr.gettext("Answered at"),
    }
