"""Aggregates of answers, computed by the database with GROUP BY.

Every figure comes from two grouped queries keyed by (workshop, profile group, question,
value): overall results, breakdowns by gender or type of organisation, and comparisons
of workshops are roll-ups of those few rows, never loops over individual answers. The
result is plain data (no ORM objects, no Telegram) for summaries, charts and reports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, func, select
from sqlalchemy.orm import Session

from bot.domain.questionnaire_store import questionnaire_by_id
from bot.domain.sessions import evaluation_ids, session_figures
from bot.questionnaires.model import Question, Questionnaire, QuestionType
from bot.results.stats import (
    NOT_STATED,
    Breakdown,
    Group,
    QuestionStats,
    Stats,
    Tally,
    WorkshopFigures,
    merge,
    suppress_small_groups,
)
from bot.results.statuses import ResponseStatus
from bot.storage import models

TEXT_ANSWERS_LISTED = 50


class NotComparable(ValueError):
    """Workshops given together have no question in common (same id, asked the same way)."""


# --- queries ----------------------------------------------------------------------------

_Key = tuple[int, str | None, str]  # (workshop id, profile group, question id)


def profile_choices(workshops: Sequence[models.Workshop], breakdown: Breakdown) -> Select[tuple[int, str]]:
    """participant id → the option they chose for the profile question (if any)."""
    return (
        select(models.Response.participant_id.label("participant_id"), models.AnswerOption.option_id.label("choice"))
        .join(models.Answer, models.Answer.response_id == models.Response.id)
        .join(models.AnswerOption, models.AnswerOption.answer_id == models.Answer.id)
        .where(
            models.Response.questionnaire_id.in_({w.profile_questionnaire_id for w in workshops}),
            models.Answer.question_id == breakdown.value,
        )
    )


def _answers(
    workshops: Sequence[models.Workshop], questionnaire_ids: Sequence[int], breakdown: Breakdown | None,
    session: int | None = None,
) -> tuple[Subquery, list[ColumnElement[Any]]]:
    """Answers given in these workshops to this questionnaire, and the columns that split them.

    The subquery has ``id``, ``question_id``, ``skipped`` and ``rating``, plus ``workshop_id``
    when workshops are compared or broken down, and ``grp`` (the profile answer) for a
    breakdown. The common /stats of one workshop carries neither and filters answers by
    their response alone, which is about a third faster on large workshops.
    """
    columns = [models.Answer.id, models.Answer.question_id, models.Answer.skipped, models.Answer.rating]
    in_scope = (
        models.Participant.workshop_id.in_([w.id for w in workshops]),
        models.Response.questionnaire_id.in_(questionnaire_ids),
        *_in_session(session),
    )
    if len(workshops) == 1 and breakdown is None:
        responses = select(models.Response.id).join(models.Participant).where(*in_scope)
        return select(*columns).where(models.Answer.response_id.in_(responses)).subquery(), []
    query = (
        select(*columns, models.Participant.workshop_id.label("workshop_id"))
        .join(models.Response, models.Response.id == models.Answer.response_id)
        .join(models.Participant, models.Participant.id == models.Response.participant_id)
        .where(*in_scope)
    )
    if breakdown is not None:
        choices = profile_choices(workshops, breakdown).subquery()
        query = query.outerjoin(choices, choices.c.participant_id == models.Participant.id).add_columns(
            func.coalesce(choices.c.choice, NOT_STATED).label("grp")
        )
    answers = query.subquery()
    return answers, [answers.c.workshop_id, *([answers.c.grp] if breakdown is not None else [])]


def _grouped_counts(
    db: Session,
    workshops: Sequence[models.Workshop],
    questionnaire_ids: Sequence[int],
    breakdown: Breakdown | None,
    text_questions: Sequence[str],
    session: int | None = None,
) -> tuple[dict[_Key, Tally], dict[int, dict[str, list[str]]]]:
    answers, split = _answers(workshops, questionnaire_ids, breakdown, session)
    keys = (*split, answers.c.question_id)

    def key_of(values: Sequence[Any]) -> _Key:
        """(workshop, group, question) from the grouped columns; absent ones are implied."""
        *split_values, question_id = values
        workshop_id = split_values[0] if split_values else workshops[0].id
        group = split_values[1] if len(split_values) > 1 else None
        return workshop_id, group, question_id

    # One pass gives respondents, skips and the rating distribution together.
    answered: dict[_Key, int] = defaultdict(int)
    skipped: dict[_Key, int] = defaultdict(int)
    ratings: dict[_Key, dict[int, int]] = defaultdict(dict)
    for *grouped, was_skipped, rating, count in db.execute(
        select(*keys, answers.c.skipped, answers.c.rating, func.count())
        .group_by(*keys, answers.c.skipped, answers.c.rating)
    ):
        key = key_of(grouped)
        (skipped if was_skipped else answered)[key] += count
        if rating is not None:
            ratings[key][rating] = count

    options: dict[_Key, dict[str, int]] = defaultdict(dict)
    for *grouped, option_id, count in db.execute(
        select(*keys, models.AnswerOption.option_id, func.count())
        .join(models.AnswerOption, models.AnswerOption.answer_id == answers.c.id)
        .group_by(*keys, models.AnswerOption.option_id)
    ):
        options[key_of(grouped)][option_id] = count

    tallies = {
        key: Tally(answered.get(key, 0), skipped.get(key, 0), options.get(key, {}), ratings.get(key, {}))
        for key in set(answered) | set(skipped)
    }
    return tallies, _texts(db, workshops, questionnaire_ids, text_questions, session)


def _in_session(session: int | None) -> tuple[ColumnElement[bool], ...]:
    """Only that session's evaluations (``/stats CODE s2``); None: every session's."""
    return () if session is None else (models.Response.session_number == session,)


def _texts(
    db: Session, workshops: Sequence[models.Workshop], questionnaire_ids: Sequence[int], text_questions: Sequence[str],
    session: int | None = None,
) -> dict[int, dict[str, list[str]]]:
    """The latest free-text answers of each workshop, per text question."""
    texts: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for workshop in workshops:
        for question_id in text_questions:
            texts[workshop.id][question_id] = list(
                db.scalars(
                    select(models.Answer.text)
                    .join(models.Response, models.Response.id == models.Answer.response_id)
                    .join(models.Participant, models.Participant.id == models.Response.participant_id)
                    .where(
                        models.Participant.workshop_id == workshop.id,
                        models.Response.questionnaire_id.in_(questionnaire_ids),
                        *_in_session(session),
                        models.Answer.question_id == question_id,
                        models.Answer.text.is_not(None),
                    )
                    .order_by(models.Answer.answered_at.desc(), models.Answer.id.desc())
                    .limit(TEXT_ANSWERS_LISTED)
                )
            )
    return texts


def _figures(
    db: Session, workshop: models.Workshop, questionnaire_ids: Sequence[int], session: int | None = None,
    *, followup: bool = False,
) -> WorkshopFigures:
    statuses: dict[str, int] = {
        status: count
        for status, count in db.execute(
            select(models.Response.status, func.count())
            .join(models.Participant)
            .where(models.Participant.workshop_id == workshop.id,
                   models.Response.questionnaire_id.in_(questionnaire_ids), *_in_session(session))
            .group_by(models.Response.status)
        )
    }
    joined = db.scalar(
        select(func.count()).select_from(models.Participant).where(models.Participant.workshop_id == workshop.id)
    ) or 0
    completed = statuses.get(ResponseStatus.COMPLETED, 0)
    every_session = () if followup else session_figures(db, workshop)
    chosen = next((f for f in every_session if f.number == session), None)
    if chosen is not None and chosen.closed_at is not None:
        joined = chosen.received  # those who had joined when it closed: everyone it was meant for
    return WorkshopFigures(
        title=workshop.title,
        join_code=workshop.join_code,
        created_at=workshop.created_at,
        closed_at=workshop.closed_at,
        joined=joined,
        sent=statuses.get(ResponseStatus.IN_PROGRESS, 0) + completed,
        completed=completed,
        session=chosen,
        sessions=every_session if session is None and len(every_session) > 1 else (),
    )


# --- roll-ups ---------------------------------------------------------------------------


def _groups(
    question_id: str,
    tallies: Mapping[_Key, Tally],
    workshops: Sequence[models.Workshop],
    group_keys: Sequence[str],
) -> tuple[Group, ...]:
    comparing = len(workshops) > 1
    groups: list[Group] = []
    for workshop in workshops if comparing else workshops[:1]:
        for key in group_keys or [None]:
            matching = [
                t for (w, g, q), t in tallies.items()
                if q == question_id and (w == workshop.id or not comparing) and (key is None or g == key)
            ]
            groups.append(Group(workshop.join_code if comparing else None, key, merge(matching)))
    return suppress_small_groups(groups)  # the one place small groups are hidden, with whoever gives them away


def common_questions(questionnaires: Sequence[Questionnaire]) -> tuple[tuple[Question, ...], tuple[Question, ...]]:
    """The answerable questions of the first questionnaire asked identically in all the others
    (same id, type, wording, options, scale, condition: the whole stored question), and
    every other answerable question of any of them, each id once: those are not compared.

    Workshops on the same questionnaire row share everything; on two versions of an
    organiser's questionnaire, a question whose wording changed counts people who read
    different things, so adding them up would compare apples and oranges."""
    first, *others = questionnaires
    common: list[Question] = []
    for question in first.answerable():
        if all(other.question(question.id) == question for other in others):  # every field, as stored
            common.append(question)
    kept = {q.id for q in common}
    left_out: dict[str, Question] = {}
    for questionnaire in questionnaires:
        for question in questionnaire.answerable():
            if question.id not in kept:
                left_out.setdefault(question.id, question)
    return tuple(common), tuple(left_out.values())


def collect_stats(
    db: Session,
    workshops: Sequence[models.Workshop],
    breakdown: Breakdown | None = None,
    *,
    followup: bool = False,
    pooled: bool = False,
    session: int | None = None,
) -> Stats:
    """Statistics of one workshop, or a comparison of workshops.

    Workshops on one questionnaire row are compared on every question; on different rows
    (two versions of an organiser's questionnaire, say), on the questions asked identically
    in all of them (``common_questions``), the others listed as not compared; with none in
    common, ``NotComparable``. Notes are never counted: nobody answers them.

    *pooled* (a programme by gender or type of organisation): the workshops' answers
    counted together in each profile group, not workshop by workshop.

    *session* (``/stats CODE s2``): that session's evaluation only (``SessionNotFound`` if a
    workshop has no such session); None: the evaluations of every closed session, merged on
    the questions they share when sessions used different questionnaires."""
    if followup:
        own_ids = [[w.followup_questionnaire_id] for w in workshops]
        session = None
    else:  # every closed session's evaluation, or one session's (``s2``): see sessions.evaluation_ids
        own_ids = [evaluation_ids(db, w, session)[0] for w in workshops]
    ids = list(dict.fromkeys(i for of_workshop in own_ids for i in of_workshop))
    questionnaires = [questionnaire_by_id(db, questionnaire_id) for questionnaire_id in ids]
    common, not_compared = common_questions(questionnaires)
    if len(ids) > 1 and not common:
        raise NotComparable([w.join_code for w in workshops])
    questionnaire = questionnaires[0] if len(ids) == 1 else replace(questionnaires[0], questions=common)
    profile = questionnaire_by_id(db, workshops[0].profile_questionnaire_id) if breakdown else None
    text_questions = [q.id for q in common if q.type in (QuestionType.TEXT, QuestionType.COMMITMENTS)]
    tallies, texts = _grouped_counts(db, workshops, ids, breakdown, text_questions, session)

    group_keys: list[str] = []
    if breakdown is not None and profile is not None:
        profile_question = profile.question(breakdown.value)
        group_keys = [*(profile_question.option_ids() if profile_question else ()), NOT_STATED]
    comparing = len(workshops) > 1
    figures = tuple(_figures(db, w, of_workshop, session, followup=followup)
                    for w, of_workshop in zip(workshops, own_ids, strict=True))
    received = sum(f.sent for f in figures)

    questions = []
    for question in common:
        overall = merge(t for (_, _, q), t in tallies.items() if q == question.id)
        grouped_by = workshops[:1] if pooled and group_keys else workshops  # one: every workshop in each group
        groups = _groups(question.id, tallies, grouped_by, group_keys) if comparing or group_keys else ()
        latest = [text for w in workshops for text in texts.get(w.id, {}).get(question.id, [])]
        questions.append(QuestionStats(question, overall, groups, tuple(latest[:TEXT_ANSWERS_LISTED]), received))

    return Stats(
        workshops=figures,
        questionnaire=questionnaire,
        questions=tuple(questions),
        breakdown=breakdown,
        profile=profile,
        not_compared=not_compared,
    )


def workshop_stats(db: Session, workshop: models.Workshop, breakdown: Breakdown | None = None) -> Stats:
    return collect_stats(db, [workshop], breakdown)
