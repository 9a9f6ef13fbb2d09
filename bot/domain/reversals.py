"""When a breakdown reverses the overall picture (Simpson's paradox and its cousins).

Two situations are reported, both computed from visible groups only (hidden groups —
fewer than 3 respondents, and the groups hidden with them so that they cannot be
subtracted out, see ``bot.results.stats.hidden_keys`` — are never used to draw conclusions):

* comparing workshops broken down by a profile question: workshop A does better than B
  overall, yet worse than B within every group — Simpson's paradox proper;
* one workshop broken down: the option chosen most overall is the top choice in none of
  the groups, so the overall winner describes nobody.
"""

from __future__ import annotations

from itertools import permutations

from bot.questionnaires.model import Question, QuestionType
from bot.results.reversals import Reversal, ReversalKind
from bot.results.stats import Group, QuestionStats, Stats, Tally, merge


def score(question: Question, tally: Tally) -> float | None:
    """One number to compare populations on: mean rating, or share of "yes"."""
    if question.type is QuestionType.RATING:
        return tally.mean
    if question.type is QuestionType.YESNO and tally.answered:
        return tally.percent(tally.option_counts.get("yes", 0))
    return None


def _top(tally: Tally) -> str | None:
    """The strictly most chosen option, if there is one."""
    ranked = sorted(tally.option_counts.items(), key=lambda item: -item[1])
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def _simpson(stats: QuestionStats) -> list[Reversal]:
    question = stats.question
    found: list[Reversal] = []
    codes = list(dict.fromkeys(g.workshop_code for g in stats.groups if g.workshop_code is not None))
    # A workshop's overall result counts everyone, hidden groups included.
    workshop_tallies = {code: merge(g.tally for g in stats.groups if g.workshop_code == code) for code in codes}
    by_profile: dict[str | None, dict[str, Group]] = {}
    for group in stats.groups:
        if not group.hidden and group.workshop_code is not None:
            by_profile.setdefault(group.profile_key, {})[group.workshop_code] = group
    for a, b in permutations(workshop_tallies, 2):
        overall_a, overall_b = score(question, workshop_tallies[a]), score(question, workshop_tallies[b])
        if overall_a is None or overall_b is None or overall_a <= overall_b:
            continue
        pairs = [(groups[a], groups[b]) for groups in by_profile.values() if a in groups and b in groups]
        within = [(score(question, ga.tally), score(question, gb.tally)) for ga, gb in pairs]
        if len(within) >= 2 and all(sa is not None and sb is not None and sa < sb for sa, sb in within):
            found.append(Reversal(ReversalKind.SIMPSON, question, a, b))
    return found


def _leader(stats: QuestionStats) -> list[Reversal]:
    visible = [g for g in stats.groups if not g.hidden]
    leader = _top(stats.tally)
    if leader is None or len(visible) < 2:
        return []
    if all(_top(g.tally) != leader for g in visible):
        return [Reversal(ReversalKind.LEADER, stats.question, leader)]
    return []


def find_reversals(stats: Stats) -> list[Reversal]:
    if stats.breakdown is None:
        return []
    found: list[Reversal] = []
    for question_stats in stats.questions:
        if stats.comparing:
            found += _simpson(question_stats)
        elif question_stats.question.type in (QuestionType.CHOICE, QuestionType.YESNO, QuestionType.MULTI):
            found += _leader(question_stats)
    return found
