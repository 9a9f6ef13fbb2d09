"""Texts that cannot break a message: the worst a person can type, everywhere it is echoed.

A typed answer is cut BEFORE it is escaped and wrapped in tags, so no message of the bot
ever leaves a tag open or goes over Telegram's limit; the fake Bot API counts like the
real one (scalars after parsing the HTML), and refuses with 400 whatever Telegram would.
"""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from telegram import Bot
from telegram.error import BadRequest

from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.typed_text import without_controls
from bot.i18n import translator
from bot.questionnaires.loader import default_questionnaire
from bot.questionnaires.model import QuestionnaireKind
from bot.rendering import texts
from bot.results.questions import QuestionView
from bot.results.statuses import DeliveryStatus
from bot.simulation.live_bot import LiveBot
from bot.storage import models
from bot.storage.engine import DbSession
from bot.storage.models import TEXT_ANSWER_MAX
from bot.telegram_bot.rate_limit import Reservation, TelegramRateLimiter
from bot.telegram_bot.services import services_of
from telegram_sim import FakeBotApi, FakeUser, tiny_png
from telegram_sim.formatting import parse_html
from tests.conversation import ORGANISER_ID, answer_evaluation_until, new_workshop, option, question_text, say, tap

WORKER = "👩🏽‍💻"
HOSTILE = [
    WORKER * 2000,  # 7 UTF-16 units each, 4 scalars
    "<>&" * 700 + "</i></b>",
    "<" * 1990 + "&amp;&lt;<b>",
    "ف\u064e\u0651" * 900 + "e\u0301" * 300,  # combining marks: harakat, an accent
    "\u202e" + "abc <b>gras</b> " * 200,  # right-to-left override
    "a\x00b\x01c\x00" * 400,  # NUL and control bytes
    "x" * 4096,  # one very long line
]
START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
SETTINGS = Settings(token="123456:TEST", organiser_ids=frozenset({ORGANISER_ID}), reminder_delays=(3600,),
                    followup_delay=2)
NBSP = "\u00a0"


def stored(text: str) -> str:
    """What the bot keeps of a typed answer: control characters out, the first 2000."""
    return without_controls(text).strip()[:TEXT_ANSWER_MAX]


def no_refusals(live: LiveBot) -> None:
    refused = [(c.method, c.response) for c in live.server.calls if c.status == 400]
    assert refused == []


# --------------------------------------------------------------------------- the fake server


async def test_the_fake_server_counts_scalars_after_parsing_like_telegram(server: FakeBotApi) -> None:
    """4096 × U+1F600 is accepted, 4097 refused (FerroxLabs/wayland#934, measured live):
    Telegram counts scalars, after the HTML is parsed; captions the same at 1024."""
    person = server.user(1001, "Amina")
    await person.send("/start")
    async with Bot(server.token, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot") as bot:
        await bot.get_updates(timeout=0)
        sent = await bot.send_message(1001, "😀" * 4096)
        assert sent.text == "😀" * 4096
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(1001, "😀" * 4097)
        # entities count as what they show: 4096 "<" written as &lt;, inside a tag
        sent = await bot.send_message(1001, "<i>" + "&lt;" * 4096 + "</i>", parse_mode="HTML")
        assert sent.text == "<" * 4096
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(1001, "<i>" + "&lt;" * 4097 + "</i>", parse_mode="HTML")
        sent = await bot.send_message(1001, WORKER * 1024)  # 4096 scalars, 7168 UTF-16 units
        assert sent.text == WORKER * 1024
        photo = await bot.send_photo(1001, tiny_png(), caption="😀" * 1024)
        assert photo.caption == "😀" * 1024
        with pytest.raises(BadRequest, match="Message caption is too long"):
            await bot.send_photo(1001, tiny_png(), caption="<b>" + "😀" * 1025 + "</b>", parse_mode="HTML")


# --------------------------------------------------------------------------- the cutting helpers


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("language", ["ar", "fr"])
def test_a_question_echoing_any_answer_parses_and_fits(text: str, language: str) -> None:
    tr = translator(language)
    questionnaire = default_questionnaire(QuestionnaireKind.FOLLOWUP)
    view = QuestionView(response_id=1, questionnaire=questionnaire, index=1, question=questionnaire.questions[1],
                        text=stored(text))
    # The question showing the answer, the next one recalling it above, the summary at the end.
    following = QuestionView(response_id=1, questionnaire=questionnaire, index=2, question=questionnaire.questions[2],
                             previous=view)
    summary = texts.completed_text(tr, texts.thank_you(tr), (view,), texts.text_truncated(tr, 4000))
    one_line = " ".join(stored(text).split())  # a recall is one line: line breaks folded
    for number, html in enumerate((texts.question_text(tr, view), texts.question_text(tr, following), summary)):
        shown, _ = parse_html(html)  # raises "can't parse entities" if a tag were left open
        assert texts.utf16_len(shown) <= texts.MESSAGE_LIMIT
        if number == 0:
            assert question_text("used_for", language, QuestionnaireKind.FOLLOWUP) in shown
            assert stored(text)[:50] in shown
        else:
            assert shown.count("✓ ") >= 1 and one_line[:20] in shown


def test_cutting_keeps_whole_characters_and_closes_tags() -> None:
    assert texts.cut(WORKER * 10, 15) == WORKER * 2 + "…"  # never half an emoji sequence
    assert texts.cut("e\u0301" * 10, 6) == "e\u0301" * 2 + "…"  # never an accent without its letter
    assert texts.cut("court", 10) == "court"
    fitted = texts._fit("<b>titre</b>\n<i>" + "&lt;" * 5000 + "</i>", 100)
    assert fitted.endswith("…</i>") and texts.visible_len(fitted) == 100
    assert parse_html(fitted)[0].startswith("titre\n<<<")
    assert texts.plain_fallback("<b>a &amp; b</b>") == "a & b"


# --------------------------------------------------------------------------- the whole conversation


def evaluation_labels(language: str) -> list[str]:
    """Everything up to the last question (suggestions, typed), in the participant's language."""
    yes, no, confirm = ("نعم", "لا", "✓ تأكيد (1)") if language == "ar" else ("Oui", "Non", "✓ Confirmer (1)")
    return [option("useful_aspects", "real_cases", language), confirm, "4", "3", "5",
            option("trainers", "very_good", language), option("expectations", "partly", language),
            option("gain", "new_ideas", language), "3", "4", yes, no, no]


async def test_the_worst_texts_reach_every_place_they_are_echoed(session_factory: Callable[[], DbSession],
                                                                  tmp_path: Path) -> None:
    async with LiveBot(session_factory, settings=SETTINGS, clock=ManualClock(START)) as live:
        organiser = live.server.user(ORGANISER_ID, "Firas", language_code="fr")
        code = await new_workshop(live, organiser)
        group = live.server.group(-1001234, "Organisateurs")
        await organiser.send_in(group, f"/link {code}")
        await live.settle()
        people = [live.server.user(100 + i, f"P{i}", language_code="ar" if i % 2 else "fr")
                  for i in range(len(HOSTILE))]
        for person in people:
            await say(live, person, f"/start {code}")
            skip = "تخطٍّ ◀" if person.language_code == "ar" else "Passer ▶"
            await tap(live, person, skip)
            await tap(live, person, skip)
        await say(live, organiser, f"/close {code}")

        # The reply after a typed answer: the question keeps the answer, then thanks.
        for person, text in zip(people, HOSTILE, strict=True):
            for label in evaluation_labels(person.language_code or "fr"):
                await tap(live, person, label)
            await answer_evaluation_until(live, person, "suggestions")
            replies = await say(live, person, text)
            assert len(replies) == 1  # one message: the last question, what they will do differently
            assert question_text("commitments", person.language_code or "fr") in replies[-1], replies
            await tap(live, person, "تخطٍّ ◀" if person.language_code == "ar" else "Passer ▶")
            thanks = "شكرًا" if person.language_code == "ar" else "Merci, vos réponses sont enregistrées"
            assert thanks in person.last.text  # the thanks and the summary, the text recalled in it
            assert " ".join(stored(text).split())[:20] in person.last.text
        no_refusals(live)

        # /stats goes to the linked group: every answer quoted, none breaking a message.
        group.new_messages()
        await organiser.send(f"/stats {code}")
        await live.settle()
        shown = "\n".join(m.text for m in group.new_messages())
        for text in HOSTILE:
            assert stored(text)[:40] in shown
        no_refusals(live)

        # /report (to the group too): a PDF, whatever the answers (and its text copies out, where poppler is here).
        group.new_messages()
        await organiser.send(f"/report {code}")
        await live.settle()
        (document,) = [m for m in group.new_messages() if m.kind == "document"]
        assert document.file_bytes is not None and document.file_bytes.startswith(b"%PDF")
        if tool := shutil.which("pdftotext"):
            (tmp_path / "report.pdf").write_bytes(document.file_bytes)
            extracted = subprocess.run([tool, str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True,
                                       check=True).stdout
            assert "abc <b>gras</b>" in extracted  # typed tags are text: shown as typed

        # /export: the CSV and the XLSX carry every answer as stored (no NUL: XLSX refuses it).
        group.new_messages()
        organiser.new_messages()
        await organiser.send(f"/export {code}")
        await live.settle()
        csv_message, xlsx_message = [m for m in group.new_messages() + organiser.new_messages()
                                     if m.kind == "document"]
        assert csv_message.file_bytes is not None and xlsx_message.file_bytes is not None
        cells = {cell for row in csv.reader(io.StringIO(csv_message.file_bytes.decode("utf-8-sig"), newline=""),
                                           delimiter=";") for cell in row}
        book = load_workbook(io.BytesIO(xlsx_message.file_bytes))
        xlsx_cells = {cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row}
        for text in HOSTILE:
            assert stored(text) in cells and stored(text) in xlsx_cells

        # The follow-up: a typed answer, then ◀ Back from the next question, then /start.
        await live.advance(timedelta(seconds=2))
        for person, text in zip(people, HOSTILE, strict=True):
            arabic = person.language_code == "ar"
            await tap(live, person, "نعم" if arabic else "Oui")
            replies = await say(live, person, text)
            assert replies, "the bot always answers"
            await tap(live, person, "▶ رجوع" if arabic else "◀ Retour")
            current = "إجابتك الحالية: " if arabic else f"Votre réponse actuelle{NBSP}: "
            assert person.last.text.endswith(current + stored(text)) or (current + stored(text)[:40]) in person.last.text
            back = person.last
            assert back.buttons  # the question can be answered again
            replies = await say(live, person, "/start")
            assert replies and question_text("used_for", person.language_code or "fr", QuestionnaireKind.FOLLOWUP) in replies[-1]
        no_refusals(live)

        with live.session() as db:
            answers = db.scalars(select(models.Answer.text).where(models.Answer.text.is_not(None))
                                 .order_by(models.Answer.id)).all()
        assert sorted(answers) == sorted([stored(t) for t in HOSTILE] * 2)
    assert live.server.errors == []


async def test_a_refused_question_is_sent_again_without_markup(live: LiveBot, organiser: FakeUser) -> None:
    """If Telegram refuses a question's HTML anyway, the participant still gets it (plain),
    and /start keeps working: nobody is stuck at a question that cannot be shown."""
    code = await new_workshop(live, organiser)
    claire = live.server.user(200, "Claire", language_code="fr")
    await say(live, claire, f"/start {code}")
    refusal = "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"i\""
    live.server.fail_next("editMessageText", 400, refusal, chat_id=claire.user_id)
    await tap(live, claire, "Passer ▶")
    live.server.fail_next("sendMessage", 400, refusal, chat_id=claire.user_id)
    await tap(live, claire, "◀ Retour")
    replies = await say(live, claire, "/start")
    assert replies[-1].startswith("Question 1 sur 2") and claire.last.buttons
    live.server.fail_next("sendMessage", 400, refusal, chat_id=claire.user_id)
    replies = await say(live, claire, "/start")
    assert replies[-1].startswith("Question 1 sur 2") and claire.last.buttons  # the same, without markup


# --------------------------------------------------------------------------- reminders after the wait


class HeldLimiter(TelegramRateLimiter):
    """The real limiter, with a gate a test closes in front of broadcasts: a reminder then
    waits in ``reserve`` exactly as it would behind a busy limiter."""

    def __init__(self) -> None:
        super().__init__(max_retries=3)
        self.queued = asyncio.Event()
        self.gate = asyncio.Event()
        self.gate.set()

    async def reserve(self, chat_id: int | str, *, broadcast: bool = False, background: bool = False) -> Reservation:
        self.queued.set()
        await self.gate.wait()
        return await super().reserve(chat_id, broadcast=broadcast, background=background)


async def settle_updates(live: LiveBot) -> None:
    """What ``settle`` does, except waiting for the dispatcher (which the test holds)."""
    application = live.application
    assert application is not None
    await live.server.wait_consumed()
    await asyncio.wait_for(application.update_queue.join(), 30)


@pytest.mark.parametrize("finishes", [True, False])
async def test_a_reminder_reads_progress_after_waiting_for_the_limiter(
    session_factory: Callable[[], DbSession], finishes: bool
) -> None:
    limiter = HeldLimiter()
    settings = Settings(token="123456:TEST", organiser_ids=frozenset({ORGANISER_ID}), reminder_delays=(2,),
                        followup_delay=3600)
    async with LiveBot(session_factory, settings=settings, clock=ManualClock(START), rate_limiter=limiter) as live:
        organiser = live.server.user(ORGANISER_ID, "Firas", language_code="fr")
        code = await new_workshop(live, organiser)
        amina = live.server.user(100, "Amina", language_code="ar")
        await say(live, amina, f"/start {code}")
        await tap(live, amina, "تخطٍّ ◀")
        await tap(live, amina, "تخطٍّ ◀")
        await say(live, organiser, f"/close {code}")
        labels = evaluation_labels("ar")
        for label in labels[:-1]:  # all but the last button: question 12 of 13 is open
            await tap(live, amina, label)

        # The round falls due; its reminder to Amina queues behind the limiter.
        limiter.gate.clear()
        assert live.clock is not None and live.application is not None
        live.clock.advance(timedelta(seconds=2))
        services_of(live.application).dispatcher.kick(live.application)
        await asyncio.wait_for(limiter.queued.wait(), 30)

        # Meanwhile she answers: every question left, or one more.
        await amina.tap(labels[-1])
        await settle_updates(live)
        if finishes:  # the rest: ratings 4, the typed questions skipped (suggestions, commitments)
            for _ in range(10):
                if "شكرًا" in amina.last.text:
                    break
                await amina.tap("4" if "4" in amina.last.button_labels else "تخطٍّ ◀")
                await settle_updates(live)
            assert "شكرًا" in amina.last.text
        limiter.gate.set()
        await live.settle()

        reminders = [m.text for m in amina.messages if m.text.startswith("⏰")]
        if finishes:
            assert reminders == []
            with live.session() as db:
                assert db.scalars(select(models.Delivery.status)).all() == [DeliveryStatus.SKIPPED]
        else:
            assert len(reminders) == 1 and "12 من أصل 18" in reminders[0], reminders
    assert live.server.errors == []
