"""What ``/stats`` was asked: which workshops, and broken down by what.

``/stats``, ``/stats CODE``, ``/stats CODE1 CODE2 CODE3``, ``/stats CODE by gender``,
``/stats CODE by org``; the breakdown words are accepted in the three languages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.results.stats import Breakdown

BY_WORDS = frozenset({"by", "par", "selon", "حسب"})
BREAKDOWN_WORDS: dict[str, Breakdown] = {
    "gender": Breakdown.GENDER, "genre": Breakdown.GENDER, "sexe": Breakdown.GENDER,
    "الجنس": Breakdown.GENDER, "النوع": Breakdown.GENDER,
    "org": Breakdown.ORG_TYPE, "organisation": Breakdown.ORG_TYPE, "organization": Breakdown.ORG_TYPE,
    "structure": Breakdown.ORG_TYPE, "المؤسسة": Breakdown.ORG_TYPE,
}
MAX_WORKSHOPS = 6


@dataclass(frozen=True)
class StatsQuery:
    codes: tuple[str, ...]
    breakdown: Breakdown | None = None


class BadStatsQuery(ValueError):
    """The arguments do not say which workshops or which breakdown."""


def parse_stats_arguments(arguments: Sequence[str]) -> StatsQuery:
    words = list(arguments)
    breakdown: Breakdown | None = None
    for index, word in enumerate(words):
        if word.lower() in BY_WORDS:
            rest = [w.lower() for w in words[index + 1:]]
            if len(rest) != 1 or rest[0] not in BREAKDOWN_WORDS:
                raise BadStatsQuery(" ".join(words[index:]))
            breakdown = BREAKDOWN_WORDS[rest[0]]
            words = words[:index]
            break
    if len(words) > MAX_WORKSHOPS:
        raise BadStatsQuery(f"at most {MAX_WORKSHOPS} workshops")
    return StatsQuery(tuple(words), breakdown)
