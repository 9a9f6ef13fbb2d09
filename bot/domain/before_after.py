"""Before → after, matched per participant, for ratings marked as the same ``measure``.

A participant's "before" is their pre-survey answer (/pre CODE on) or, when they have none,
their answer to the retrospective question at the end ("how well did you know it before
today?"); their "after" is the end-of-session answer to the same measure. Only people with
both count, each once: the change is measured within each person, not between the crowd
that answered before and the (smaller) crowd that answered after.

With several sessions, "after" is the latest session's answer and a retrospective "before"
the earliest one's. A pair whose two questions use different scales is left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.questionnaire_store import questionnaire_by_id
from bot.questionnaires.model import Question, QuestionnaireKind, QuestionType
from bot.results.before_after import BeforeAfter, BeforeSource, Change, GroupChange, MeasureChange
from bot.results.stats import NOT_STATED, Breakdown, hidden_keys
from bot.storage import models

_KINDS = (QuestionnaireKind.PRE.value, QuestionnaireKind.EVALUATION.value)


@dataclass(frozen=True)
class _Rated:
    """One stored rating of a measured question."""

    role: str  # "pre", "retrospective" or "after"
    session: int
    value: int
    question: Question


def _role(kind: str, question: Question) -> str:
    if kind == QuestionnaireKind.PRE.value:
        return "pre"
    return "retrospective" if question.retrospective else "after"


def before_after(
    db: Session,
    workshops: Sequence[models.Workshop],
    breakdown: Breakdown | None = None,
    *,
    session_number: int | None = None,
) -> BeforeAfter:
    """Matched pairs per measure over these workshops (pooled), by profile group on a
    breakdown. ``session_number``: "after" from that session only (else the latest)."""
    workshop_ids = [w.id for w in workshops]
    used = db.execute(
        select(models.Response.questionnaire_id, models.Response.kind)
        .join(models.Participant, models.Participant.id == models.Response.participant_id)
        .where(models.Participant.workshop_id.in_(workshop_ids), models.Response.kind.in_(_KINDS))
        .distinct()
    ).all()
    measured: dict[int, dict[str, Question]] = {}
    for questionnaire_id, _kind in used:
        questions = {q.id: q for q in questionnaire_by_id(db, questionnaire_id).questions
                     if q.measure is not None and q.type is QuestionType.RATING}
        if questions:
            measured[questionnaire_id] = questions
    # The measures in the order the workshops' own evaluation asks them, then any other.
    order: list[str] = []
    for workshop in workshops:
        for question in questionnaire_by_id(db, workshop.evaluation_questionnaire_id).questions:
            if question.measure is not None and not question.retrospective and question.measure not in order:
                order.append(question.measure)
    if not measured:
        return BeforeAfter(breakdown=breakdown)

    rows = db.execute(
        select(models.Response.participant_id, models.Response.kind, models.Response.session_number,
               models.Response.questionnaire_id, models.Answer.question_id, models.Answer.rating)
        .join(models.Answer, models.Answer.response_id == models.Response.id)
        .join(models.Participant, models.Participant.id == models.Response.participant_id)
        .where(
            models.Participant.workshop_id.in_(workshop_ids),
            models.Response.kind.in_(_KINDS),
            models.Response.questionnaire_id.in_(list(measured)),
            models.Answer.question_id.in_({qid for questions in measured.values() for qid in questions}),
            models.Answer.rating.is_not(None),
        )
    ).all()
    # participant → measure → role → the rating kept for that role
    kept: dict[int, dict[str, dict[str, _Rated]]] = defaultdict(lambda: defaultdict(dict))
    for participant_id, kind, session, questionnaire_id, question_id, rating in rows:
        question = measured[questionnaire_id].get(question_id)
        if question is None or question.measure is None:
            continue
        role = _role(kind, question)
        if role == "after" and session_number is not None and session != session_number:
            continue
        rated = _Rated(role, session, rating, question)
        roles = kept[participant_id][question.measure]
        current = roles.get(role)
        # after: the latest session's answer; a retrospective before: the earliest one's
        if current is None or (role == "after" and session > current.session) \
                or (role == "retrospective" and session < current.session):
            roles[role] = rated

    groups_of = _profile_groups(db, workshops, breakdown) if breakdown is not None else {}
    totals: dict[str, dict[str | None, Change]] = defaultdict(lambda: defaultdict(Change))
    label: dict[str, Question] = {}
    for participant_id, measures in kept.items():
        for measure, roles in measures.items():
            after = roles.get("after")
            if after is None:
                continue
            label.setdefault(measure, after.question)
            before = roles.get("pre") or roles.get("retrospective")
            if before is None or before.question.scale() != after.question.scale():
                continue
            keys: list[str | None] = [None]
            if breakdown is not None:
                keys.append(groups_of.get(participant_id, NOT_STATED))
            for key in keys:
                totals[measure][key] = _add(totals[measure][key], before, after)

    profile = questionnaire_by_id(db, workshops[0].profile_questionnaire_id) if breakdown is not None else None
    group_keys: list[str] = []
    if breakdown is not None and profile is not None:
        profile_question = profile.question(breakdown.value)
        group_keys = [*(profile_question.option_ids() if profile_question else ()), NOT_STATED]
    measures: list[MeasureChange] = []
    for measure in sorted(label, key=lambda m: (order.index(m) if m in order else len(order), m)):
        changes = totals.get(measure, {})
        groups: tuple[GroupChange, ...] = ()
        if breakdown is not None:
            hidden = hidden_keys({key: changes[key].pairs for key in group_keys if key in changes})
            groups = tuple(GroupChange(key, changes.get(key, Change()),
                                       withheld=key in hidden and changes[key].shown)
                           for key in group_keys if key in changes)
        measures.append(MeasureChange(measure, label[measure], changes.get(None, Change()), groups))
    return BeforeAfter(tuple(measures), breakdown, profile)


def _add(change: Change, before: _Rated, after: _Rated) -> Change:
    difference = after.value - before.value
    return replace(
        change,
        pairs=change.pairs + 1,
        before_total=change.before_total + before.value,
        after_total=change.after_total + after.value,
        improved=change.improved + (difference > 0),
        same=change.same + (difference == 0),
        worse=change.worse + (difference < 0),
        from_pre=change.from_pre + (before.role == BeforeSource.PRE.value),
        from_retrospective=change.from_retrospective + (before.role == BeforeSource.RETROSPECTIVE.value),
    )


def _profile_groups(db: Session, workshops: Sequence[models.Workshop], breakdown: Breakdown) -> dict[int, str]:
    """participant id → the option they chose for the profile question of the breakdown."""
    return {
        participant_id: choice
        for participant_id, choice in db.execute(
            select(models.Response.participant_id, models.AnswerOption.option_id)
            .join(models.Answer, models.Answer.response_id == models.Response.id)
            .join(models.AnswerOption, models.AnswerOption.answer_id == models.Answer.id)
            .join(models.Participant, models.Participant.id == models.Response.participant_id)
            .where(
                models.Participant.workshop_id.in_([w.id for w in workshops]),
                models.Response.questionnaire_id.in_({w.profile_questionnaire_id for w in workshops}),
                models.Answer.question_id == breakdown.value,
            )
        )
    }
