"""A question as a participant sees it, and what one answer led to: plain data for rendering."""

from __future__ import annotations

from dataclasses import dataclass

from bot.questionnaires.model import Question, Questionnaire


@dataclass(frozen=True)
class QuestionView:
    """A question as the participant should see it now, with what they already chose."""

    response_id: int
    questionnaire: Questionnaire
    index: int
    question: Question
    selected: tuple[str, ...] = ()  # choice/yesno: the stored option; multi: ticked options
    rating: int | None = None
    text: str | None = None
    skipped: bool = False
    # The question before it, as answered (None: the first, or not answered): recalled in one
    # line above the question, as the same message shows one question after the other.
    previous: QuestionView | None = None
    # Notes (texts without an answer) shown just before it: they come above it, in the same
    # message, so a note costs no message of its own.
    notes: tuple[Question, ...] = ()
    # Its place among the questions this person is shown given their answers so far (notes
    # and hidden questions not counted), and how many that is; 0: not worked out (index + 1,
    # every answerable question), as for views drawn outside a conversation.
    number: int = 0
    count: int = 0

    @property
    def position(self) -> int:
        return self.number or self.index + 1

    @property
    def total(self) -> int:
        return self.count or len(self.questionnaire.answerable())

    @property
    def can_go_back(self) -> bool:
        return self.position > 1

    @property
    def has_answer(self) -> bool:
        return bool(self.selected) or self.rating is not None or self.text is not None


@dataclass(frozen=True)
class Progress:
    """What one answer led to: the answered question (to edit its message), then next."""

    answered: QuestionView
    next: QuestionView | None  # None: the questionnaire is complete
    truncated: bool = False  # a text answer longer than TEXT_ANSWER_MAX was cut
    queued_response_ids: tuple[int, ...] = ()  # questionnaires now owed (to send right away)
    answers: tuple[QuestionView, ...] = ()  # once complete: every question as answered, for the summary
    session_closed: bool = False  # once a profile is complete: whether the evaluation comes now
    closing_notes: tuple[Question, ...] = ()  # once complete: notes after the last question, with the thanks
