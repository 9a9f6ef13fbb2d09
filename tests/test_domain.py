"""The domain functions on a real database, without Telegram in the way."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.domain import answering
from bot.domain.errors import (
    InvalidAnswer,
    NothingSelected,
    StaleQuestion,
    WorkshopNotFound,
)
from bot.domain.participation import (
    claim_pending,
    JoinStatus,
    join_workshop,
    pending_outbox,
    pending_responses_of,
)
from bot.domain.stats import workshop_stats
from bot.domain.users import (
    TelegramIdentity,
    forget_user,
    get_or_create_user,
    mark_blocked,
)
from bot.domain.workshops import close_workshop, create_workshop, workshop_for_organiser
from bot.results.statuses import ResponseStatus
from bot.storage import models
from bot.storage.models import TEXT_ANSWER_MAX


def user(db: Session, user_id: int, language: str | None = "fr") -> models.User:
    return get_or_create_user(db, TelegramIdentity(user_id, language))


def started_evaluation(db: Session, participant_user: models.User, workshop: models.Workshop) -> models.Response:
    response = db.scalar(
        select(models.Response)
        .join(models.Participant)
        .where(
            models.Participant.user_id == participant_user.id,
            models.Response.questionnaire_id == workshop.evaluation_questionnaire_id,
        )
    )
    assert response is not None
    answering.mark_started(response, question_message_id=1)
    return response


@pytest.fixture
def workshop(db: Session) -> models.Workshop:
    organiser = user(db, 1)
    return create_workshop(db, organiser, "  Atelier   Open Data — Rabat ")


def test_new_workshop_has_unguessable_url_safe_code(db: Session, workshop: models.Workshop) -> None:
    assert workshop.title == "Atelier Open Data — Rabat"
    assert len(workshop.join_code) == 12
    assert all(c.isalnum() or c in "-_" for c in workshop.join_code)
    other = create_workshop(db, user(db, 1), "Second")
    assert other.join_code != workshop.join_code


def test_language_comes_from_telegram_only_when_supported(db: Session) -> None:
    assert user(db, 10, "ar-MA").language == "ar"
    assert user(db, 11, "fr").language == "fr"
    assert user(db, 12, "de").language is None
    assert user(db, 13, None).language is None


def test_join_twice_registers_once(db: Session, workshop: models.Workshop) -> None:
    amina = user(db, 100, "ar")
    assert join_workshop(db, amina, workshop.join_code).status is JoinStatus.JOINED
    assert join_workshop(db, amina, workshop.join_code).status is JoinStatus.ALREADY_JOINED
    assert db.scalar(select(func.count()).select_from(models.Participant)) == 1
    assert [r.kind for r in pending_responses_of(db, amina.id)] == ["profile"]
    assert join_workshop(db, amina, "nope").status is JoinStatus.NOT_FOUND
    assert join_workshop(db, amina, "x" * 500).status is JoinStatus.NOT_FOUND


def test_organiser_reaches_only_own_workshops(db: Session, workshop: models.Workshop) -> None:
    assert workshop_for_organiser(db, 1, None).id == workshop.id
    assert workshop_for_organiser(db, 1, workshop.join_code).id == workshop.id
    user(db, 2)
    with pytest.raises(WorkshopNotFound):
        workshop_for_organiser(db, 2, workshop.join_code)
    with pytest.raises(WorkshopNotFound):
        workshop_for_organiser(db, 2, None)


def test_close_queues_each_participant_once(db: Session, workshop: models.Workshop) -> None:
    for uid in (100, 101, 102):
        join_workshop(db, user(db, uid), workshop.join_code)
    first = close_workshop(db, workshop)
    assert (first.participants, first.queued, first.first_close) == (3, 3, True)
    join_workshop(db, user(db, 103), workshop.join_code)  # a late scan
    second = close_workshop(db, workshop)
    assert (second.participants, second.queued, second.already_sent, second.first_close) == (4, 1, 3, False)
    assert len(pending_outbox(db)) == 4


def test_answering_walks_rating_choice_multi_text(db: Session, workshop: models.Workshop) -> None:
    amina = user(db, 100, "ar")
    join_workshop(db, amina, workshop.join_code)
    close_workshop(db, workshop)
    response = started_evaluation(db, amina, workshop)

    view = answering.current_view(db, response)
    assert view is not None and view.question.id == "useful_aspects" and view.total == 18
    with pytest.raises(NothingSelected):
        answering.confirm_selection(db, response, 0)
    answering.toggle_option(db, response, 0, "concepts")
    answering.toggle_option(db, response, 0, "materials")
    view = answering.toggle_option(db, response, 0, "concepts")  # untick
    assert view.selected == ("materials",)
    with pytest.raises(InvalidAnswer):
        answering.toggle_option(db, response, 0, "forged")
    progress = answering.confirm_selection(db, response, 0)
    assert progress.answered.selected == ("materials",)
    assert progress.next is not None and progress.next.question.id == "benefit"

    with pytest.raises(InvalidAnswer):
        answering.answer_rating(db, response, 1, 9)
    with pytest.raises(StaleQuestion):
        answering.answer_rating(db, response, 0, 4)  # an old keyboard
    answering.answer_rating(db, response, 1, 4)

    back = answering.go_back(db, response, 2)
    assert back.question.id == "benefit" and back.rating == 4
    progress = answering.answer_rating(db, response, 1, 5)
    assert progress.answered.rating == 5

    for index, value in ((2, 5), (3, 4)):
        answering.answer_rating(db, response, index, value)
    answering.answer_choice(db, response, 4, "excellent")
    with pytest.raises(InvalidAnswer):
        answering.answer_choice(db, response, 5, "excellent")  # not an option of "expectations"
    answering.answer_choice(db, response, 5, "fully")
    answering.answer_choice(db, response, 6, "will_use")
    answering.answer_rating(db, response, 7, 4)
    answering.answer_rating(db, response, 8, 3)
    answering.answer_choice(db, response, 9, "yes")
    answering.answer_choice(db, response, 10, "maybe")
    with pytest.raises(InvalidAnswer):
        answering.answer_choice(db, response, 11, "maybe")  # "recommend" is yes/no only
    with pytest.raises(InvalidAnswer):
        answering.skip(db, response, 11)  # not optional
    answering.answer_choice(db, response, 11, "yes")
    for index, value in ((12, 2), (13, 4), (14, 1), (15, 3)):  # before → after: 2 → 4, 1 → 3
        answering.answer_rating(db, response, index, value)
    progress = answering.answer_text(db, response, 16, "أ" * (TEXT_ANSWER_MAX + 10))
    assert progress.truncated and progress.next is not None and progress.next.question.id == "commitments"
    progress = answering.skip(db, response, 17)  # no commitment (optional)
    assert progress.next is None
    assert response.status is ResponseStatus.COMPLETED
    db.commit()

    stored = db.scalar(select(models.Answer).where(models.Answer.question_id == "suggestions"))
    assert stored is not None and len(stored.text or "") == TEXT_ANSWER_MAX
    with pytest.raises(StaleQuestion):
        answering.answer_rating(db, response, 16, 3)  # finished: nothing changes any more


def test_profile_done_after_close_queues_the_evaluation(db: Session, workshop: models.Workshop) -> None:
    close_workshop(db, workshop)
    late = user(db, 200)
    join_workshop(db, late, workshop.join_code)
    profile = pending_responses_of(db, late.id)[0]
    answering.mark_started(profile, 5)
    answering.answer_choice(db, profile, 0, "media")
    progress = answering.skip(db, profile, 1)
    assert progress.next is None and len(progress.queued_response_ids) == 1
    assert [r.kind for r in pending_responses_of(db, late.id)] == ["evaluation"]


def test_stats_group_by_counts(db: Session, workshop: models.Workshop) -> None:
    participants = [user(db, 100 + i) for i in range(4)]
    for p in participants:
        join_workshop(db, p, workshop.join_code)
    close_workshop(db, workshop)
    for p, (aspects, rating) in zip(participants[:3], [(["concepts"], 5), (["concepts", "rights"], 4), (["rights"], 5)]):
        response = started_evaluation(db, p, workshop)
        for option in aspects:
            answering.toggle_option(db, response, 0, option)
        answering.confirm_selection(db, response, 0)
        answering.answer_rating(db, response, 1, rating)
    db.commit()
    stats = workshop_stats(db, workshop)
    assert (stats.joined, stats.sent, stats.completed) == (4, 3, 0)
    aspects_stats, benefit = stats.questions[0], stats.questions[1]
    assert aspects_stats.answered == 3
    assert aspects_stats.option_counts == {"concepts": 2, "rights": 2}
    assert round(aspects_stats.percent(2)) == 67
    assert benefit.rating_counts == {5: 2, 4: 1}
    assert benefit.mean == pytest.approx(14 / 3)
    assert stats.questions[2].answered == 0


def test_forget_removes_answers_and_user(db: Session, workshop: models.Workshop) -> None:
    amina = user(db, 100)
    join_workshop(db, amina, workshop.join_code)
    close_workshop(db, workshop)
    response = started_evaluation(db, amina, workshop)
    answering.toggle_option(db, response, 0, "rights")
    answering.confirm_selection(db, response, 0)
    db.commit()
    assert forget_user(db, amina.id) == 1
    db.commit()
    assert db.scalar(select(func.count()).select_from(models.Answer)) == 0
    assert db.get(models.User, 100) is None
    assert forget_user(db, 1) == 0  # an organiser keeps their workshops
    db.commit()
    assert db.get(models.User, 1) is not None


def test_unblocking_requeues_undelivered(db: Session, workshop: models.Workshop) -> None:
    amina = user(db, 100)
    join_workshop(db, amina, workshop.join_code)
    close_workshop(db, workshop)
    response = pending_outbox(db)[0][0]
    answering.mark_undeliverable(response)
    mark_blocked(db, amina.id, True)
    db.commit()
    assert pending_outbox(db) == []
    user(db, 100)  # they write to the bot again
    db.commit()
    db.refresh(response)
    assert response.status is ResponseStatus.PENDING
    assert len(pending_outbox(db)) == 1


def test_code_expires_a_week_after_close(db: Session, workshop: models.Workshop) -> None:
    from datetime import timedelta

    from bot.domain.workshops import JOIN_WINDOW_AFTER_CLOSE
    from bot.storage.models import utcnow

    close_workshop(db, workshop)
    workshop.closed_at = utcnow() - JOIN_WINDOW_AFTER_CLOSE + timedelta(minutes=1)
    assert join_workshop(db, user(db, 300), workshop.join_code).status is JoinStatus.JOINED
    workshop.closed_at = utcnow() - JOIN_WINDOW_AFTER_CLOSE - timedelta(minutes=1)
    result = join_workshop(db, user(db, 301), workshop.join_code)
    assert result.status is JoinStatus.EXPIRED
    # Someone already registered is still recognised, not told the code expired.
    assert join_workshop(db, user(db, 300), workshop.join_code).status is JoinStatus.ALREADY_JOINED


def test_a_questionnaire_the_outbox_is_sending_is_skipped_not_waited_for(
    db: Session, workshop: models.Workshop, session_factory: sessionmaker[Session]
) -> None:
    """The outbox and a participant's handler may both try to send one queued questionnaire.
    The second must skip it at once: waiting for the row lock would stop the event loop that
    the holder needs to finish (a deadlock seen on PostgreSQL). SQLite serves one process and
    has no row locks: there the status check alone decides."""
    amina = user(db, 100)
    join_workshop(db, amina, workshop.join_code)
    close_workshop(db, workshop)
    db.commit()
    outbox = session_factory()
    try:
        (response, _), = pending_outbox(outbox)  # the outbox holds the row until it commits
        assert claim_pending(outbox, response.id) is response  # the holder gets it again
        handler = session_factory()
        try:
            if db.get_bind().dialect.name == "postgresql":
                assert claim_pending(handler, response.id) is None  # skipped, without waiting
            else:
                assert claim_pending(handler, response.id) is not None
        finally:
            handler.close()
        answering.mark_started(response, question_message_id=7)
        outbox.commit()
    finally:
        outbox.close()
    again = session_factory()
    try:
        assert claim_pending(again, response.id) is None  # sent: nobody sends it twice
    finally:
        again.close()


def test_no_statement_waits_long_for_a_row_lock(db: Session) -> None:
    """PostgreSQL: a lock wait fails after LOCK_TIMEOUT_MS instead of freezing the event loop."""
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no row locks")
    assert db.execute(text("SHOW lock_timeout")).scalar_one() == "2s"
