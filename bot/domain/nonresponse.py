"""Non-response, stated: of those who joined, who answered, by gender and by type of
organisation — so that a result carried by one group is read as such.

One grouped query per profile question: participants of the workshops, their profile
choice (as ``bot.domain.stats`` reads profile groups: the option chosen, else "not
stated"), and whether they completed an end-of-session evaluation (of any session). Several workshops (a
programme, a comparison) are counted together.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain.questionnaire_store import questionnaire_by_id
from bot.domain.stats import profile_choices
from bot.questionnaires.model import QuestionnaireKind
from bot.results.nonresponse import GroupResponse, NonResponse
from bot.results.stats import NOT_STATED, Breakdown, hidden_keys
from bot.results.statuses import ResponseStatus
from bot.storage import models

BREAKDOWNS = (Breakdown.GENDER, Breakdown.ORG_TYPE)


def nonresponse(
    db: Session, workshops: Sequence[models.Workshop], breakdowns: Sequence[Breakdown] = BREAKDOWNS
) -> tuple[NonResponse, ...]:
    """Joined and answered per group of each profile question, small groups marked hidden."""
    return tuple(_one(db, workshops, breakdown) for breakdown in breakdowns)


def _one(db: Session, workshops: Sequence[models.Workshop], breakdown: Breakdown) -> NonResponse:
    workshop_ids = [w.id for w in workshops]
    choices = profile_choices(workshops, breakdown).subquery()
    completed = (
        select(models.Response.participant_id.label("participant_id"))
        .join(models.Participant, models.Participant.id == models.Response.participant_id)
        .where(
            models.Participant.workshop_id.in_(workshop_ids),
            models.Response.kind == QuestionnaireKind.EVALUATION.value,  # of any session
            models.Response.status == ResponseStatus.COMPLETED,
        )
        .distinct()
        .subquery()
    )
    group = func.coalesce(choices.c.choice, NOT_STATED)
    counts = {
        key: (joined, answered)
        for key, joined, answered in db.execute(
            select(group, func.count(func.distinct(models.Participant.id)), func.count(func.distinct(completed.c.participant_id)))
            .select_from(models.Participant)
            .outerjoin(choices, choices.c.participant_id == models.Participant.id)
            .outerjoin(completed, completed.c.participant_id == models.Participant.id)
            .where(models.Participant.workshop_id.in_(workshop_ids))
            .group_by(group)
        )
    }
    question = questionnaire_by_id(db, workshops[0].profile_questionnaire_id).question(breakdown.value)
    order = [*(question.option_ids() if question else ()), NOT_STATED]
    order += [key for key in counts if key not in order]  # an option a later version dropped
    hidden = hidden_keys({key: counts[key][0] for key in order if key in counts})
    groups = tuple(
        GroupResponse(key, *counts[key], hidden=key in hidden) for key in order if key in counts
    )
    return NonResponse(
        breakdown=breakdown,
        question=question,
        joined=sum(g.joined for g in groups),
        answered=sum(g.answered for g in groups),
        groups=groups,
    )
