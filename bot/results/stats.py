"""Statistics as plain data: tallies per question and per group, and the workshops they cover.

Made by ``bot.domain.stats`` from the database; read by rendering, charts and reports,
which never see a query."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from bot.questionnaires.model import NPS_DETRACTORS, NPS_PROMOTERS, Question, Questionnaire
from bot.results.sessions import SessionFigures

MIN_GROUP_SIZE = 3
"""Groups with fewer respondents are hidden, so nobody can be singled out."""


NOT_STATED = ""
"""Group key of participants who skipped the profile question."""


class Breakdown(enum.StrEnum):
    GENDER = "gender"
    ORG_TYPE = "org_type"


@dataclass(frozen=True)
class Nps:
    """A recommendation score on the 0–10 scale: promoters (9–10), passives, detractors (0–6)."""

    promoters: int
    passives: int
    detractors: int

    @property
    def respondents(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> int:
        """% promoters − % detractors, from the counts (not from rounded shares), rounded
        half away from zero: from −100 to +100."""
        n, difference = self.respondents, self.promoters - self.detractors
        if not n:
            return 0
        magnitude = (200 * abs(difference) + n) // (2 * n)
        return magnitude if difference >= 0 else -magnitude


@dataclass(frozen=True)
class Tally:
    """The answers of one population to one question."""

    answered: int = 0  # respondents (skips excluded)
    skipped: int = 0
    option_counts: Mapping[str, int] = field(default_factory=dict)  # choice, yesno, multi
    rating_counts: Mapping[int, int] = field(default_factory=dict)  # rating

    def percent(self, count: int) -> float:
        """Share of respondents (for multi-select: of respondents, not of ticks)."""
        return 100.0 * count / self.answered if self.answered else 0.0

    @property
    def mean(self) -> float | None:
        total = sum(self.rating_counts.values())
        return sum(v * c for v, c in self.rating_counts.items()) / total if total else None

    @property
    def nps(self) -> Nps:
        """The ratings as promoters, passives and detractors (meaningful on a 0–10 scale)."""
        promoters = sum(c for v, c in self.rating_counts.items() if v in NPS_PROMOTERS)
        detractors = sum(c for v, c in self.rating_counts.items() if v in NPS_DETRACTORS)
        return Nps(promoters, sum(self.rating_counts.values()) - promoters - detractors, detractors)

    @property
    def median(self) -> float | None:
        """The middle rating (the mean of the two middle ones for an even count): 4, or 4.5."""
        total = sum(self.rating_counts.values())
        if not total:
            return None
        middle: list[int] = []
        seen = 0
        for value in sorted(self.rating_counts):
            for rank in ((total - 1) // 2, total // 2):  # 0-based ranks of the middle rating(s)
                if seen <= rank < seen + self.rating_counts[value]:
                    middle.append(value)
            seen += self.rating_counts[value]
        return sum(middle) / len(middle)


@dataclass(frozen=True)
class Group:
    """One bar group: a gender, a type of organisation, a workshop, or a workshop × group."""

    workshop_code: str | None  # set when comparing workshops
    profile_key: str | None  # set when broken down by a profile question ("" = not stated)
    tally: Tally
    withheld: bool = False  # big enough, hidden so that a smaller group cannot be subtracted out

    @property
    def hidden(self) -> bool:
        """Only profile groups are hidden: a whole workshop is what its organisers see anyway."""
        return self.profile_key is not None and (self.tally.answered < MIN_GROUP_SIZE or self.withheld)


@dataclass(frozen=True)
class QuestionStats:
    question: Question
    tally: Tally
    groups: tuple[Group, ...] = ()
    texts: tuple[str, ...] = ()  # text questions: most recent first
    received: int = 0  # participants the questionnaire reached (the workshops' ``sent``)

    @property
    def conditional(self) -> bool:
        """Asked only after some earlier answers (``show_if``)."""
        return self.question.show_if is not None

    @property
    def asked(self) -> int:
        """Whom the question was put to: everyone the questionnaire reached or, for a
        conditional question, only those shown it (who answered or skipped it)."""
        return self.tally.answered + self.tally.skipped if self.conditional else self.received

    @property
    def no_answer(self) -> int:
        """Of those it was put to, how many did not answer this question: they skipped it,
        or have not reached it (yet)."""
        return max(self.asked - self.tally.answered, 0)

    # The overall tally's figures, for readers of a single workshop's summary.
    @property
    def answered(self) -> int:
        return self.tally.answered

    @property
    def skipped(self) -> int:
        return self.tally.skipped

    @property
    def option_counts(self) -> Mapping[str, int]:
        return self.tally.option_counts

    @property
    def rating_counts(self) -> Mapping[int, int]:
        return self.tally.rating_counts

    @property
    def mean(self) -> float | None:
        return self.tally.mean

    @property
    def median(self) -> float | None:
        return self.tally.median

    def percent(self, count: int) -> float:
        return self.tally.percent(count)


@dataclass(frozen=True)
class WorkshopFigures:
    title: str
    join_code: str
    created_at: datetime
    closed_at: datetime | None
    joined: int
    sent: int  # participants the questionnaire reached
    completed: int
    session: SessionFigures | None = None  # /stats CODE s2: the session these figures are of
    sessions: tuple[SessionFigures, ...] = ()  # the whole workshop, when it has several sessions


@dataclass(frozen=True)
class Stats:
    workshops: tuple[WorkshopFigures, ...]
    questionnaire: Questionnaire
    questions: tuple[QuestionStats, ...]
    breakdown: Breakdown | None = None
    profile: Questionnaire | None = None  # labels of the breakdown groups
    not_compared: tuple[Question, ...] = ()  # compared workshops asked these differently: left out

    @property
    def title(self) -> str:
        return " · ".join(w.title for w in self.workshops)

    @property
    def join_code(self) -> str:
        return self.workshops[0].join_code

    @property
    def joined(self) -> int:
        return sum(w.joined for w in self.workshops)

    @property
    def sent(self) -> int:
        return sum(w.sent for w in self.workshops)

    @property
    def completed(self) -> int:
        return sum(w.completed for w in self.workshops)

    @property
    def comparing(self) -> bool:
        return len(self.workshops) > 1

    @property
    def has_answers(self) -> bool:
        """Whether anybody has answered any question yet (skips are not answers)."""
        return any(q.answered for q in self.questions)


def merge(tallies: Iterable[Tally]) -> Tally:
    answered = skipped = 0
    options: dict[str, int] = defaultdict(int)
    ratings: dict[int, int] = defaultdict(int)
    for tally in tallies:
        answered += tally.answered
        skipped += tally.skipped
        for option_id, count in tally.option_counts.items():
            options[option_id] += count
        for rating, count in tally.rating_counts.items():
            ratings[rating] += count
    return Tally(answered, skipped, dict(options), dict(ratings))


K = TypeVar("K", bound=Hashable)


def hidden_keys(sizes: Mapping[K, int], minimum: int = MIN_GROUP_SIZE) -> frozenset[K]:
    """The groups of one breakdown to hide, given how many respondents each has.

    Hiding a small group is not enough when the overall figures are shown: overall minus
    the groups shown gives the hidden ones away (4 men rate 5, 1 woman rates 1: the
    overall count of "1" is hers). So, complementary suppression: groups of fewer than
    *minimum* are hidden; if the hidden ones together count fewer than *minimum* (a single
    small group always does), the next smallest group is hidden too (ties: the one listed
    last — "prefer not to say" and "not stated" come last); if that leaves fewer than two
    groups shown, all are hidden and only the overall is left. Groups of nobody show
    nothing and are ignored. Whatever is hidden can then only be worked out as a whole of
    at least *minimum* people (two hidden groups of 1 count as one small group: together
    they would give away two people who answered alike).
    """
    present = {key: n for key, n in sizes.items() if n > 0}
    hidden = {key for key, n in present.items() if n < minimum}
    shown = [key for key in present if key not in hidden]
    if hidden and sum(present[key] for key in hidden) < minimum and shown:
        next_smallest = min(reversed(shown), key=lambda key: present[key])
        hidden.add(next_smallest)
        shown.remove(next_smallest)
        if len(shown) < 2:
            hidden.update(shown)
    return frozenset(hidden)


def suppress_small_groups(groups: Sequence[Group]) -> tuple[Group, ...]:
    """*groups* with the groups that would give a small one away marked ``withheld``.

    Decided once, where breakdowns are built, so that charts, the /stats text, the report
    and reversal notes all hide the same groups. Each workshop's profile groups are one
    breakdown (its overall figures are shown when workshops are compared); workshop
    groups without a profile are never hidden.
    """
    hidden: set[tuple[str | None, str | None]] = set()
    for code in dict.fromkeys(g.workshop_code for g in groups if g.profile_key is not None):
        sizes = {g.profile_key: g.tally.answered for g in groups if g.workshop_code == code and g.profile_key is not None}
        hidden.update((code, key) for key in hidden_keys(sizes))
    return tuple(
        replace(g, withheld=True)
        if g.profile_key is not None and (g.workshop_code, g.profile_key) in hidden and g.tally.answered >= MIN_GROUP_SIZE
        else g
        for g in groups
    )
