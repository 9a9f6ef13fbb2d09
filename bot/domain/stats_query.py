"""What ``/stats`` was asked: which workshops, and broken down by what.

``/stats``, ``/stats CODE``, ``/stats CODE1 CODE2 CODE3``, ``/stats CODE by gender``,
``/stats CODE by org``, ``/stats CODE s2`` (one session), ``/stats PCODE`` (a programme, alone, with or without a
breakdown); the breakdown words are accepted in the three languages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.programmes import is_programme_code
from bot.results.stats import Breakdown

BY_WORDS = frozenset({"by", "par", "selon", "حسب"})
BREAKDOWN_WORDS: dict[str, Breakdown] = {
    "gender": Breakdown.GENDER, "genre": Breakdown.GENDER, "sexe": Breakdown.GENDER,
    "الجنس": Breakdown.GENDER, "النوع": Breakdown.GENDER,
    "org": Breakdown.ORG_TYPE, "organisation": Breakdown.ORG_TYPE, "organization": Breakdown.ORG_TYPE,
    "structure": Breakdown.ORG_TYPE, "المؤسسة": Breakdown.ORG_TYPE,
}
MAX_WORKSHOPS = 6
SESSION_WORD = re.compile(r"[sS](\d{1,3})")


@dataclass(frozen=True)
class StatsQuery:
    codes: tuple[str, ...]
    breakdown: Breakdown | None = None
    programme: str | None = None  # a programme's code (P-…): its workshops, then codes is empty
    session: int | None = None  # ``s2``: that session of each workshop; None: every session


class BadStatsQuery(ValueError):
    """The arguments do not say which workshops or which breakdown."""


def session_word(words: list[str]) -> tuple[int | None, list[str]]:
    """``s2`` (or ``S2``) anywhere among the codes: one session; the other words unchanged."""
    numbers = [int(match.group(1)) for w in words if (match := SESSION_WORD.fullmatch(w))]
    if len(numbers) > 1 or any(n < 1 for n in numbers):
        raise BadStatsQuery("one session at most")
    return (numbers[0] if numbers else None), [w for w in words if not SESSION_WORD.fullmatch(w)]


def parse_stats_arguments(arguments: Sequence[str]) -> StatsQuery:
    session, words = session_word(list(arguments))
    breakdown: Breakdown | None = None
    for index, word in enumerate(words):
        if word.lower() in BY_WORDS:
            rest = [w.lower() for w in words[index + 1:]]
            if len(rest) != 1 or rest[0] not in BREAKDOWN_WORDS:
                raise BadStatsQuery(" ".join(words[index:]))
            breakdown = BREAKDOWN_WORDS[rest[0]]
            words = words[:index]
            break
    if programmes := [w for w in words if is_programme_code(w)]:
        if len(words) != 1:
            raise BadStatsQuery("a programme code stands alone")
        return StatsQuery((), breakdown, programme=programmes[0].upper())
    if len(words) > MAX_WORKSHOPS:
        raise BadStatsQuery(f"at most {MAX_WORKSHOPS} workshops")
    return StatsQuery(tuple(words), breakdown, session=session)
