"""Payloads, keyboards and texts stay inside Telegram's limits."""

from __future__ import annotations

import pytest

from bot.i18n import translator
from bot.questionnaires.loader import default_questionnaire
from bot.questionnaires.model import QuestionnaireKind
from bot.rendering import texts
from bot.rendering.callback_data import (
    MAX_CALLBACK_BYTES,
    Action,
    Payload,
    parse,
    question_payload,
)
from bot.rendering.keyboards import question_keyboard
from bot.rendering.qr import join_link, qr_png
from bot.results.questions import QuestionView


@pytest.mark.parametrize("kind", list(QuestionnaireKind))
@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_every_question_keyboard_fits(kind: QuestionnaireKind, language: str) -> None:
    questionnaire = default_questionnaire(kind)
    tr = translator(language)
    for index, question in enumerate(questionnaire.questions):
        view = QuestionView(response_id=10**15, questionnaire=questionnaire, index=index, question=question)
        for row in question_keyboard(tr, view).inline_keyboard:
            for button in row:
                assert button.callback_data is not None
                assert len(button.callback_data.encode()) <= MAX_CALLBACK_BYTES
                assert parse(button.callback_data) is not None
        assert len(texts.question_text(tr, view)) <= texts.MESSAGE_LIMIT


def test_payload_round_trip_and_rejects_forgeries() -> None:
    data = question_payload(Action.ANSWER, 42, 3, "very_good")
    assert parse(data) == Payload(Action.ANSWER, 42, 3, "very_good")
    assert parse("l:ar") == Payload(Action.LANGUAGE, value="ar")
    for forged in ["", "zz:1:2", "a:1", "a:x:1:4", "a:1:2:<script>", "a:1:2:3:4", "s:1:2:3", "l:", "a" * 65, None]:
        assert parse(forged) is None


def test_long_statistics_are_split_under_the_limit() -> None:
    blocks = ["x" * 3000, "y" * 3000, "z" * 5000]
    messages = texts.split_blocks(blocks)
    assert len(messages) == 3
    assert all(len(m) <= texts.MESSAGE_LIMIT for m in messages)


def test_cutting_never_breaks_an_html_entity() -> None:
    # The limit counts what Telegram shows (an entity is one character): 4097 shown, cut.
    text = "a" * 4094 + "&amp;&amp;&amp;"  # the cut at 4095 falls on the first entity
    cut = texts.split_blocks([text])[0]
    assert texts.visible_len(cut) <= texts.MESSAGE_LIMIT and cut.endswith("a&amp;…")


def test_qr_code_is_a_png_of_the_join_link() -> None:
    link = join_link("WorkshopBot", "abc-DEF_123")
    assert link == "https://t.me/WorkshopBot?start=abc-DEF_123"
    assert qr_png(link).startswith(b"\x89PNG\r\n\x1a\n")
