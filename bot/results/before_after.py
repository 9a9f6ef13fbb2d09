"""Before → after as plain data: each participant's level on a measure before the workshop
(the pre-survey, else the retrospective question at the end) matched with their level at the
end of the session.

Made by ``bot.domain.before_after``; read by the /stats text and the report. Only matched
pairs count: comparing the mean of whoever answered before with the mean of whoever answered
after would mix two different groups of people.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.questionnaires.model import Question, Questionnaire
from bot.results.stats import MIN_GROUP_SIZE, Breakdown


class BeforeSource(enum.StrEnum):
    """Where a pair's "before" comes from."""

    PRE = "pre"  # the pre-survey, answered when joining
    RETROSPECTIVE = "retrospective"  # "how well did you know it before today?", at the end


@dataclass(frozen=True)
class Change:
    """The matched pairs of one population (everyone, or a profile group) for one measure.

    Sums rather than means, so that groups add up exactly and means are computed once."""

    pairs: int = 0
    before_total: int = 0
    after_total: int = 0
    improved: int = 0
    same: int = 0
    worse: int = 0
    from_pre: int = 0  # pairs whose "before" is the pre-survey's answer
    from_retrospective: int = 0  # … the retrospective question's

    @property
    def shown(self) -> bool:
        """The small-group rule: fewer than 3 pairs are not shown (one person's change is theirs)."""
        return self.pairs >= MIN_GROUP_SIZE

    @property
    def mean_before(self) -> float:
        return self.before_total / self.pairs if self.pairs else 0.0

    @property
    def mean_after(self) -> float:
        return self.after_total / self.pairs if self.pairs else 0.0

    @property
    def mean_change(self) -> float:
        return (self.after_total - self.before_total) / self.pairs if self.pairs else 0.0

    @property
    def sources(self) -> tuple[BeforeSource, ...]:
        """The kinds of "before" among the pairs, the pre-survey first."""
        return tuple(source for source, count in ((BeforeSource.PRE, self.from_pre),
                                                  (BeforeSource.RETROSPECTIVE, self.from_retrospective)) if count)


@dataclass(frozen=True)
class GroupChange:
    """One profile group's pairs (a gender, a type of organisation; "" = not stated)."""

    profile_key: str
    change: Change
    withheld: bool = False  # big enough, hidden so that a smaller group cannot be worked out

    @property
    def hidden(self) -> bool:
        return not self.change.shown or self.withheld


@dataclass(frozen=True)
class MeasureChange:
    """One measure (``measure: open_data_knowledge``), before → after."""

    measure: str
    question: Question  # the end-of-session question ("and now?"): its text names the measure
    overall: Change
    groups: tuple[GroupChange, ...] = ()  # on a breakdown only

    @property
    def scale_max(self) -> int:
        return self.question.scale_max


@dataclass(frozen=True)
class BeforeAfter:
    """Every measure of the workshops' questionnaires with at least one answer at the end."""

    measures: tuple[MeasureChange, ...] = ()
    breakdown: Breakdown | None = None
    profile: Questionnaire | None = None  # labels of the breakdown's groups


@dataclass(frozen=True)
class PreSurveyState:
    """A workshop's pre-survey now (/pre): None when there is none."""

    workshop_title: str
    join_code: str
    questionnaire: Questionnaire | None
    answered: int = 0  # participants who completed it
