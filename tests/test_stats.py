"""Breakdowns, hidden small groups, comparisons and reversals, on a real database."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from bot.domain import answering
from bot.domain.participation import join_workshop, pending_responses_of
from bot.domain.reversals import find_reversals, score
from bot.domain.stats import NotComparable, collect_stats
from bot.domain.users import TelegramIdentity, get_or_create_user
from bot.domain.workshops import close_workshop, create_workshop
from bot.results.reversals import ReversalKind
from bot.results.stats import NOT_STATED, Breakdown
from bot.storage import models


def person(db: Session, workshop: models.Workshop, user_id: int, gender: str | None, org: str | None = None) -> models.Response:
    """A participant with a profile; returns their started evaluation."""
    user = get_or_create_user(db, TelegramIdentity(user_id, "fr"))
    join_workshop(db, user, workshop.join_code)
    profile = pending_responses_of(db, user_id)[0]
    answering.mark_started(profile, 1)
    db.flush()  # answering locks the row with a refresh, which would drop an unflushed start
    answering.answer_choice(db, profile, 0, org) if org else answering.skip(db, profile, 0)
    answering.answer_choice(db, profile, 1, gender) if gender else answering.skip(db, profile, 1)
    return profile


def evaluate(db: Session, workshop: models.Workshop, user_id: int, benefit: int, trainers: str = "excellent") -> None:
    evaluation = next(r for r in pending_responses_of(db, user_id) if r.kind == "evaluation")
    answering.mark_started(evaluation, 2)
    db.flush()
    answering.toggle_option(db, evaluation, 0, "concepts")
    answering.confirm_selection(db, evaluation, 0)
    answering.answer_rating(db, evaluation, 1, benefit)
    for index in (2, 3):
        answering.answer_rating(db, evaluation, index, 3)
    answering.answer_choice(db, evaluation, 4, trainers)


def workshop_with(db: Session, title: str, people: list[tuple[int, str | None, int]], organiser: int = 1) -> models.Workshop:
    owner = get_or_create_user(db, TelegramIdentity(organiser, "fr"))
    workshop = create_workshop(db, owner, title)
    for user_id, gender, _ in people:
        person(db, workshop, user_id, gender)
    close_workshop(db, workshop)
    for user_id, _, benefit in people:
        evaluate(db, workshop, user_id, benefit)
    db.commit()
    return workshop


def test_breakdown_by_gender_hides_small_groups(db: Session) -> None:
    workshop = workshop_with(db, "Jam 1", [
        (10, "woman", 5), (11, "woman", 4), (12, "woman", 5), (13, "woman", 3),
        (14, "man", 2), (15, "man", 3), (16, "man", 4),
        (17, "undisclosed", 5), (18, None, 1),
    ])
    stats = collect_stats(db, [workshop], Breakdown.GENDER)
    benefit = stats.questions[1]
    assert benefit.tally.answered == 9
    groups = {g.profile_key: g for g in benefit.groups}
    assert list(groups) == ["woman", "man", "undisclosed", NOT_STATED]
    assert groups["woman"].tally.rating_counts == {5: 2, 4: 1, 3: 1}  # computed…
    assert groups["man"].tally.mean == pytest.approx(3.0)
    assert sum(g.tally.answered for g in benefit.groups) == 9  # every respondent in one group
    # …but 1 + 1 respondents hidden would follow from the overall minus women and men (a 5
    # and a 1), so the men are hidden too; the women alone would be the overall minus 5
    # people: only the overall is left (tests/test_small_groups.py has the rule's table).
    assert groups["undisclosed"].hidden and groups[NOT_STATED].hidden  # 1 respondent each
    assert not groups["undisclosed"].withheld and groups["man"].withheld and groups["woman"].withheld
    assert all(g.hidden for g in benefit.groups)


def test_breakdown_by_org_counts_profile_skips_as_not_stated(db: Session) -> None:
    owner = get_or_create_user(db, TelegramIdentity(1, "fr"))
    workshop = create_workshop(db, owner, "Jam 2")
    for user_id, org in [(20, "media"), (21, "media"), (22, "media"), (23, None)]:
        person(db, workshop, user_id, None, org)
    close_workshop(db, workshop)
    for user_id in (20, 21, 22, 23):
        evaluate(db, workshop, user_id, 4)
    stats = collect_stats(db, [workshop], Breakdown.ORG_TYPE)
    groups = {g.profile_key: g.tally.answered for g in stats.questions[1].groups}
    assert groups == {"administration": 0, "civil_society": 0, "private_sector": 0, "media": 3,
                      "research": 0, "other": 0, NOT_STATED: 1}


def test_comparing_workshops_and_simpsons_paradox(db: Session) -> None:
    # A: 8 women rate 4, 3 men rate 1 → overall 35/11 = 3.18
    # B: 3 women rate 5, 8 men rate 2 → overall 31/11 = 2.82
    # A wins overall, yet B wins among women (5 > 4) and among men (2 > 1).
    a = workshop_with(db, "Jam A", [(100 + i, "woman", 4) for i in range(8)] + [(110 + i, "man", 1) for i in range(3)])
    b = workshop_with(db, "Jam B", [(200 + i, "woman", 5) for i in range(3)] + [(210 + i, "man", 2) for i in range(8)])
    stats = collect_stats(db, [a, b], Breakdown.GENDER)
    assert [w.join_code for w in stats.workshops] == [a.join_code, b.join_code]
    assert stats.joined == 22 and stats.completed == 0 and stats.sent == 22
    benefit = stats.questions[1]
    assert [(g.workshop_code == a.join_code, g.profile_key, g.tally.answered) for g in benefit.groups][:2] == [
        (True, "woman", 8), (True, "man", 3)
    ]
    reversals = find_reversals(stats)
    assert [(r.kind, r.question.id, r.better_overall, r.worse_overall) for r in reversals] == [
        (ReversalKind.SIMPSON, "benefit", a.join_code, b.join_code)
    ]
    assert score(benefit.question, benefit.tally) == pytest.approx(66 / 22)

    # Without a breakdown, workshops are just compared side by side.
    plain = collect_stats(db, [a, b])
    assert [g.workshop_code for g in plain.questions[1].groups] == [a.join_code, b.join_code]
    assert [g.tally.mean for g in plain.questions[1].groups] == [pytest.approx(35 / 11), pytest.approx(31 / 11)]
    assert find_reversals(plain) == []


def test_overall_leader_that_leads_no_group(db: Session) -> None:
    owner = get_or_create_user(db, TelegramIdentity(1, "fr"))
    workshop = create_workshop(db, owner, "Jam")
    # women: very_good 3, excellent 2 · men: average 3, excellent 2 → overall excellent 4 leads
    plan = [("woman", "very_good")] * 3 + [("woman", "excellent")] * 2 + [("man", "average")] * 3 + [("man", "excellent")] * 2
    for n, (gender, _) in enumerate(plan):
        person(db, workshop, 50 + n, gender)
    close_workshop(db, workshop)
    for n, (_, trainers) in enumerate(plan):
        evaluate(db, workshop, 50 + n, 4, trainers)
    stats = collect_stats(db, [workshop], Breakdown.GENDER)
    reversals = find_reversals(stats)
    assert [(r.kind, r.question.id, r.better_overall) for r in reversals] == [
        (ReversalKind.LEADER, "trainers", "excellent")
    ]


def test_workshops_with_different_questionnaires_are_not_compared(db: Session) -> None:
    a = workshop_with(db, "A", [])
    b = workshop_with(db, "B", [])
    b.evaluation_questionnaire_id = b.followup_questionnaire_id
    with pytest.raises(NotComparable):
        collect_stats(db, [a, b])


def test_no_answer_per_question_counts_whoever_the_questionnaire_reached(db: Session) -> None:
    owner = get_or_create_user(db, TelegramIdentity(1, "fr"))
    workshop = create_workshop(db, owner, "Jam")
    for user_id in (30, 31, 32, 33):
        person(db, workshop, user_id, None)
    close_workshop(db, workshop)
    before = collect_stats(db, [workshop])
    assert not before.has_answers and before.sent == 0  # queued, not yet delivered
    assert [q.no_answer for q in before.questions] == [0] * len(before.questions)

    evaluate(db, workshop, 30, 5)  # answers the first five questions
    partial = next(r for r in pending_responses_of(db, 31) if r.kind == "evaluation")
    answering.mark_started(partial, 2)
    answering.toggle_option(db, partial, 0, "rights")
    answering.confirm_selection(db, partial, 0)  # then stops
    answering.mark_started(next(r for r in pending_responses_of(db, 32) if r.kind == "evaluation"), 2)  # never answers
    db.commit()  # 33's questionnaire was never delivered: not counted as received

    stats = collect_stats(db, [workshop])
    assert stats.has_answers and stats.sent == 3
    by_id = {q.question.id: q for q in stats.questions}
    assert (by_id["useful_aspects"].answered, by_id["useful_aspects"].no_answer) == (2, 1)
    assert (by_id["benefit"].answered, by_id["benefit"].no_answer) == (1, 2)
    assert (by_id["suggestions"].answered, by_id["suggestions"].no_answer) == (0, 3)
    assert by_id["benefit"].median == 5 and by_id["benefit"].mean == 5


def test_median_of_ratings_from_the_database(db: Session) -> None:
    workshop = workshop_with(db, "Jam", [(40, "woman", 3), (41, "woman", 3), (42, "man", 3), (43, "man", 4)])
    benefit = collect_stats(db, [workshop], Breakdown.GENDER).questions[1]
    assert benefit.mean == pytest.approx(3.25) and benefit.median == 3
    groups = {g.profile_key: g.tally for g in benefit.groups}
    assert groups["woman"].median == 3  # a hidden group (2 respondents): computed, never shown
    assert groups["man"].median == 3.5
