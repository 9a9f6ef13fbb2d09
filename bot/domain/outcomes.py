"""What participants said they would do, beside what they did weeks later.

The Rabat and Tunis reports both ask the same question: do people use what they learnt?
The evaluation asks an intention ("will you apply what you learnt?"), the follow-up asks
the fact ("have you used open data since?"); both are yes/no questions, compared as
shares of "yes" among respondents.
"""

from __future__ import annotations

from bot.results.outcomes import Outcome, Share
from bot.results.stats import Stats

INTENTION_OUTCOMES: tuple[tuple[str, str], ...] = (("apply", "used_since"),)
"""(evaluation question id, follow-up question id) pairs compared in the report."""


def outcomes(evaluation: Stats, followup: Stats) -> list[Outcome]:
    """Pairs present in both questionnaires, once somebody answered the follow-up."""
    found: list[Outcome] = []
    for intention_id, outcome_id in INTENTION_OUTCOMES:
        intention = next((q for q in evaluation.questions if q.question.id == intention_id), None)
        outcome = next((q for q in followup.questions if q.question.id == outcome_id), None)
        if intention is None or outcome is None or not outcome.answered:
            continue
        found.append(
            Outcome(
                intention_id,
                outcome_id,
                Share(intention.option_counts.get("yes", 0), intention.answered),
                Share(outcome.option_counts.get("yes", 0), outcome.answered),
            )
        )
    return found
