"""Commitments to change: sent back at follow-up time, one by one, and what became of them.

A participant's commitments (rows written by the evaluation's ``commitments`` question, see
``answering``) come back when their follow-up is delivered, before its questions: "You
wrote: «…». Did you do it?" (done / partly / not yet / no longer relevant) and, for partly
or not yet, "what got in the way?" with the options of the follow-up's barrier question
(ticked, then confirmed). After the last one the plain follow-up questionnaire goes on in
the same message. Participants without commitments get the plain follow-up only.

While the loop runs, the follow-up response is ``in_progress`` (reminders count them as
not finished) with no ``question_message_id`` (nothing redraws its first question over a
commitment); each commitment row keeps its own ``asked_at`` / ``answered_at``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.domain import answering
from bot.domain.errors import InvalidAnswer, StaleQuestion
from bot.domain.questionnaire_store import questionnaire_by_id
from bot.questionnaires.model import Question, Questionnaire, QuestionnaireKind, QuestionType
from bot.results.commitments import (
    ASKS_BARRIERS,
    OUTCOME_CODES,
    OUTCOMES,
    CommitmentOutcome,
    CommitmentPrompt,
    CommitmentQuote,
    CommitmentRecap,
    CommitmentResults,
    CommitmentStep,
)
from bot.results.export import ExportCommitment
from bot.results.stats import MIN_GROUP_SIZE
from bot.results.statuses import ResponseStatus
from bot.storage import models

BARRIER_QUESTION_IDS = ("obstacles", "barriers")
"""The follow-up question whose options are "what got in the way" (the default's is
``obstacles``; an organiser's own follow-up may call it ``barriers``). Without one, the
barriers are not asked."""

QUOTES = 5  # commitments quoted in /stats and the report, outcomes taken in turn
CONFIRM = "ok"  # the payload's code for ✓ Confirm under the barriers


def barrier_question(questionnaire: Questionnaire) -> Question | None:
    for question_id in BARRIER_QUESTION_IDS:
        question = questionnaire.question(question_id)
        if question is not None and question.type in (QuestionType.MULTI, QuestionType.CHOICE):
            return question
    return None


def _rows(db: Session, participant_id: int) -> list[models.Commitment]:
    """A participant's commitments in the order written (session by session)."""
    return list(db.scalars(
        select(models.Commitment).where(models.Commitment.participant_id == participant_id)
        .order_by(models.Commitment.response_id, models.Commitment.position)
    ))


def _prompt(rows: list[models.Commitment], current: models.Commitment, barriers: Question | None) -> CommitmentPrompt:
    asking_barriers = (current.outcome is not None and current.answered_at is None)
    return CommitmentPrompt(
        commitment_id=current.id, text=current.text, number=rows.index(current) + 1, count=len(rows),
        outcome=CommitmentOutcome(current.outcome) if asking_barriers and current.outcome else None,
        barrier_question=barriers, ticked=tuple(current.barriers or ()) if asking_barriers else (),
    )


def _followup_loop(db: Session, response: models.Response) -> tuple[list[models.Commitment], Question | None]:
    rows = _rows(db, response.participant_id) if response.kind == QuestionnaireKind.FOLLOWUP.value else []
    if not any(row.answered_at is None for row in rows):
        return [], None
    return rows, barrier_question(questionnaire_by_id(db, response.questionnaire_id))


def current_prompt(db: Session, response: models.Response) -> CommitmentPrompt | None:
    """The commitment to ask about now when ``response`` is a follow-up whose participant has
    commitments not answered yet (when it is delivered, /start, ▶ under a reminder); None:
    the plain follow-up (or nothing of the kind)."""
    rows, barriers = _followup_loop(db, response)
    current = next((row for row in rows if row.answered_at is None), None)
    return None if current is None else _prompt(rows, current, barriers)


def shown_in(db: Session, response: models.Response, prompt: CommitmentPrompt, message_id: int) -> None:
    """The prompt reached the participant in ``message_id``: asked now. Their follow-up is
    open (out of the outbox) but shows no question of its own until the loop is over."""
    commitment = db.get(models.Commitment, prompt.commitment_id)
    if commitment is not None:
        commitment.asked_at = commitment.asked_at or utcnow()
        commitment.question_message_id = message_id
    response.question_message_id = None
    response.touched_at = utcnow()


def moved_to(db: Session, step: CommitmentStep, message_id: int) -> None:
    """What ``step`` shows went out as a new message (the tapped one was gone): remember it."""
    if step.prompt is not None:
        commitment = db.get(models.Commitment, step.prompt.commitment_id)
        if commitment is not None:
            commitment.question_message_id = message_id
    elif step.question is not None:
        answering.shown_in(db, step.response_id, message_id)


def _locked_followup(db: Session, user_id: int, commitment_id: int) -> models.Response:
    """``user_id``'s open follow-up the commitment belongs to, locked (two taps take turns);
    a forged id, a stranger's commitment or a follow-up not open is stale."""
    participant_id = select(models.Commitment.participant_id).where(models.Commitment.id == commitment_id)
    response = db.scalars(
        select(models.Response)
        .join(models.Participant, models.Participant.id == models.Response.participant_id)
        .where(models.Response.participant_id == participant_id.scalar_subquery(),
               models.Participant.user_id == user_id,
               models.Response.kind == QuestionnaireKind.FOLLOWUP.value,
               models.Response.status == ResponseStatus.IN_PROGRESS)
        .with_for_update(of=models.Response)
    ).first()
    if response is None:
        raise StaleQuestion()
    return response


def tap(db: Session, user_id: int, commitment_id: int, code: str, message_id: int) -> CommitmentStep:
    """One tap of the loop on message ``message_id``: an outcome (``y``/``p``/``n``/``x``), a
    barrier ticked (``t<k>``, the k-th option) or ``ok`` (barriers confirmed). Only the
    commitment asked now accepts it, in the state it is in; anything else is stale."""
    response = _locked_followup(db, user_id, commitment_id)
    rows = _rows(db, response.participant_id)
    current = next((row for row in rows if row.answered_at is None), None)
    if current is None or current.id != commitment_id or current.asked_at is None:
        raise StaleQuestion()
    barriers = barrier_question(questionnaire_by_id(db, response.questionnaire_id))
    response.touched_at = utcnow()
    if code in OUTCOME_CODES:
        if current.outcome is not None:
            raise StaleQuestion()
        outcome = OUTCOME_CODES[code]
        current.outcome = outcome.value
        if outcome in ASKS_BARRIERS and barriers is not None:
            current.barriers = []
            return CommitmentStep(_prompt(rows, current, barriers), response_id=response.id)
        return _answered(db, response, rows, current, barriers, message_id)
    if current.outcome is None or barriers is None:
        raise StaleQuestion()
    if code == CONFIRM:
        return _answered(db, response, rows, current, barriers, message_id)
    options = barriers.option_ids()
    if not (code.startswith("t") and code[1:].isdigit() and int(code[1:]) < len(options)):
        raise InvalidAnswer(f"{code!r} is not a barrier")
    option_id = options[int(code[1:])]
    ticked = list(current.barriers or ())
    if option_id in ticked:
        ticked.remove(option_id)
    elif barriers.type is QuestionType.CHOICE:
        ticked = [option_id]
    else:
        ticked.append(option_id)
    current.barriers = sorted(ticked, key=options.index)  # a new list: the JSON column sees the change
    return CommitmentStep(_prompt(rows, current, barriers), response_id=response.id)


def _answered(db: Session, response: models.Response, rows: list[models.Commitment], current: models.Commitment,
              barriers: Question | None, message_id: int) -> CommitmentStep:
    """The commitment is answered: the next one is asked in the same message, or, after the
    last, the follow-up's own first question."""
    current.answered_at = utcnow()
    if response.started_at is None:
        response.started_at = current.answered_at
    recap = CommitmentRecap(current.text, CommitmentOutcome(current.outcome or CommitmentOutcome.DONE.value),
                            tuple(current.barriers or ()), barriers)
    following = next((row for row in rows if row.answered_at is None), None)
    if following is not None:
        following.asked_at = utcnow()
        following.question_message_id = message_id
        return CommitmentStep(_prompt(rows, following, barriers), recap, response_id=response.id)
    response.question_message_id = message_id  # the follow-up's questions show here from now on
    view = answering.view_at(db, response, response.current_index, with_previous=False)
    return CommitmentStep(None, recap, view, response_id=response.id)


# --- results ------------------------------------------------------------------------------


def export_commitments(db: Session, workshop: models.Workshop) -> tuple[ExportCommitment, ...]:
    """Every commitment of the workshop for the export's own sheet, by pseudonym (P03, in
    join order as the export's rows), in the order written: one statement."""
    numbered = (
        select(models.Participant.id.label("participant_id"),
               func.row_number().over(order_by=(models.Participant.joined_at, models.Participant.id)).label("number"))
        .where(models.Participant.workshop_id == workshop.id)
        .subquery()
    )
    rows = db.execute(
        select(models.Commitment, numbered.c.number)
        .join(numbered, numbered.c.participant_id == models.Commitment.participant_id)
        .order_by(numbered.c.number, models.Commitment.response_id, models.Commitment.position)
    ).all()
    return tuple(ExportCommitment(f"P{number:02d}", row.position, row.text, row.outcome, tuple(row.barriers or ()),
                                  row.asked_at, row.answered_at) for row, number in rows)


def _pseudonyms(db: Session, workshops: Sequence[models.Workshop]) -> dict[int, str]:
    """Participant id → "P03", numbered in join order as the export names them (with the
    workshop's code in front when several workshops are shown together)."""
    names: dict[int, str] = {}
    for workshop in workshops:
        ids = db.scalars(select(models.Participant.id).where(models.Participant.workshop_id == workshop.id)
                         .order_by(models.Participant.joined_at, models.Participant.id))
        prefix = f"{workshop.join_code} " if len(workshops) > 1 else ""
        names.update({pid: f"{prefix}P{number:02d}" for number, pid in enumerate(ids, start=1)})
    return names


def commitment_results(db: Session, workshops: Sequence[models.Workshop]) -> CommitmentResults | None:
    """What became of the workshops' commitments; None when nobody wrote one."""
    rows = db.scalars(
        select(models.Commitment)
        .join(models.Participant, models.Participant.id == models.Commitment.participant_id)
        .where(models.Participant.workshop_id.in_([w.id for w in workshops]))
        .order_by(models.Commitment.answered_at, models.Commitment.id)
    ).all()
    if not rows:
        return None
    barriers = barrier_question(questionnaire_by_id(db, workshops[0].followup_questionnaire_id))
    answered = [row for row in rows if row.answered_at is not None and row.outcome is not None]
    outcomes = {outcome: sum(1 for row in answered if row.outcome == outcome.value) for outcome in OUTCOMES}
    barrier_counts: dict[str, int] = defaultdict(int)
    for row in answered:
        for option_id in row.barriers or ():
            barrier_counts[option_id] += 1
    respondents = len({row.participant_id for row in answered})
    quotes: tuple[CommitmentQuote, ...] = ()
    if respondents >= MIN_GROUP_SIZE:  # their own words: only among enough people, as free texts
        names = _pseudonyms(db, workshops)
        by_outcome = [[row for row in answered if row.outcome == outcome.value] for outcome in OUTCOMES]
        chosen: list[models.Commitment] = []
        while len(chosen) < QUOTES and any(by_outcome):
            for group in by_outcome:
                if group and len(chosen) < QUOTES:
                    chosen.append(group.pop(0))
        quotes = tuple(CommitmentQuote(names.get(row.participant_id, "P?"), row.text,
                                       CommitmentOutcome(row.outcome or CommitmentOutcome.DONE.value))
                       for row in chosen)
    return CommitmentResults(
        made=len(rows), writers=len({row.participant_id for row in rows}), answered=len(answered),
        respondents=respondents, outcomes=outcomes, barrier_question=barriers,
        barriers=dict(barrier_counts), quotes=quotes,
    )
