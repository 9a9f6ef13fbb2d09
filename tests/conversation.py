"""Fixtures and phrases for conversation tests: the real bot, a fake Telegram, people.

A conversation test reads like the chat it simulates: the participant taps «4», the bot
asks the next question. Button labels are looked up in the questionnaire data so a test
taps exactly what a participant sees in their language.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable

import pytest

from bot.questionnaires.loader import default_questionnaire
from bot.questionnaires.model import QuestionnaireKind
from bot.simulation.live_bot import LiveBot
from bot.storage.engine import DbSession
from telegram_sim import FakeBotApi, FakeUser

ORGANISER_ID = 1
JOIN_LINK = re.compile(r"https://t\.me/WorkshopTestBot\?start=([A-Za-z0-9_-]+)")


@pytest.fixture
async def server() -> AsyncIterator[FakeBotApi]:
    """A fake Bot API server alone, for tests that bring their own bot (or bot processes)."""
    async with FakeBotApi() as fake:
        yield fake
    assert fake.errors == []


@pytest.fixture
async def live(session_factory: Callable[[], DbSession]) -> AsyncIterator[LiveBot]:
    async with LiveBot(session_factory, organiser_ids=frozenset({ORGANISER_ID})) as bot:
        yield bot
    assert bot.server.errors == []


@pytest.fixture
def organiser(live: LiveBot) -> FakeUser:
    return live.server.user(ORGANISER_ID, "Firas", language_code="fr")


async def say(live: LiveBot, person: FakeUser, text: str) -> list[str]:
    """``person`` sends ``text``; returns the texts of the bot's new messages to them."""
    person.new_messages()
    await person.send(text)
    await live.settle()
    return [m.text for m in person.new_messages()]


async def tap(live: LiveBot, person: FakeUser, label: str) -> None:
    await person.tap(label)
    await live.settle()


async def new_workshop(live: LiveBot, organiser: FakeUser, title: str = "Atelier Open Data — Rabat") -> str:
    replies = await say(live, organiser, f"/new {title}")
    match = JOIN_LINK.search(replies[0])
    assert match, replies
    return match.group(1)


def option(question_id: str, option_id: str, language: str, kind: QuestionnaireKind = QuestionnaireKind.EVALUATION) -> str:
    """The label a participant sees on an option button."""
    questionnaire = default_questionnaire(kind)
    question = questionnaire.question(question_id)
    assert question is not None
    found = question.option(option_id)
    assert found is not None
    return found.text.get(language)


def question_text(question_id: str, language: str, kind: QuestionnaireKind = QuestionnaireKind.EVALUATION) -> str:
    question = default_questionnaire(kind).question(question_id)
    assert question is not None
    return question.text.get(language)


SKIP_LABELS = {"fr": "Passer ▶", "ar": "تخطٍّ ◀", "en": "Skip ▶"}
CONFIRM_LABELS = {"fr": "✓ Confirmer", "ar": "✓ تأكيد", "en": "✓ Confirm"}


async def answer_evaluation_until(live: LiveBot, person: FakeUser, question_id: str | None = None) -> None:
    """Answer the default evaluation with buttons, whatever questions it has, until the
    question ``question_id`` shows (None: until the thanks): a rating 4, the first option of a
    choice (ticked then confirmed on a multi-select), an optional typed question skipped."""
    language = person.language_code or "fr"
    wording = question_text(question_id, language) if question_id else None
    for _ in range(60):
        message = person.last
        if wording is not None and wording in message.text:
            return
        labels = message.button_labels
        if wording is None and not labels:
            return  # the thanks: no button left
        if any(label.startswith(CONFIRM_LABELS[language]) for label in labels):
            await tap(live, person, labels[0])
            await tap(live, person, next(label for label in person.last.button_labels
                                         if label.startswith(CONFIRM_LABELS[language])))
        elif "4" in labels:
            await tap(live, person, "4")
        elif SKIP_LABELS[language] in labels and len(labels) <= 2:  # a typed question: ◀ Back, Skip
            await tap(live, person, SKIP_LABELS[language])
        else:
            await tap(live, person, labels[0])
    raise AssertionError(f"never reached {question_id or 'the end'}: {person.last.text}")
