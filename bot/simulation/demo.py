"""``workshop-bot demo``: a whole workshop, offline, in one command.

A local Bot API server on loopback, the real bot talking to it over HTTP, a fresh SQLite
database, an organiser and simulated participants in Arabic and French. Participants act
only on what they see in their chat: the latest question's buttons, whatever else arrived
in between (a reminder never makes anyone skip a question). Some finish at once, some
stop halfway and finish after the reminder, some never answer.

The demo runs on a ``ManualClock``: time moves only when the script says so (the session
ends at 16:30, a day passes, four weeks pass), and the bot's timers are driven by that
clock. So the same ``--participants`` and ``--seed`` give the same transcript, counts and
summary on every run, on an idle laptop or a loaded CI machine. Everything an organiser
gets is written to ``--out``: the chart PNGs, the PDF report, the CSV and XLSX exports,
``transcript.txt`` and ``stats.txt``.
"""

from __future__ import annotations

import asyncio
import random
import re
import string
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import ManualClock
from bot.config import Settings
from bot.i18n import SUPPORTED_LANGUAGES, translator
from bot.rendering import texts
from bot.rendering.callback_data import Action
from bot.simulation.live_bot import LiveBot
from bot.storage.engine import make_engine, make_session_factory
from bot.storage.migrations import upgrade_to_head
from telegram_sim import FakeUser, format_transcript
from telegram_sim.transcript import TranscriptEntry
from telegram_sim.views import BotMessage

ORGANISER_ID = 1
TITLE = "Atelier Open Data — Rabat"
ARABIC_NAMES = ["Amina", "Youssef", "Fatima Zahra", "Hamza", "Salma", "Othmane", "Khadija", "Mehdi", "Nadia", "Rachid"]
FRENCH_NAMES = ["Claire", "Mounir", "Sofia", "Karim", "Leïla", "Anas", "Imane", "Walid", "Sarah", "Hicham"]
SUGGESTIONS = {
    "ar": ["مواصلة التكوين وخاصة على مستوى استثمار المعطيات المفتوحة", "شكرًا لكم", "المزيد من التمارين التطبيقية"],
    "fr": ["Plus d’informations sur le côté technique", "Continuer ces initiatives", "Plus de cas pratiques marocains"],
}
USES = {
    "ar": ["تحليل ميزانية الجماعة", "مقال صحفي عن الصفقات العمومية"],
    "fr": ["Analyse du budget communal", "Un article sur les marchés publics"],
}
FULL_TRANSCRIPTS = 2  # participants whose whole conversation is printed
MORNING = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)  # 09:30 in Rabat: people arrive and scan the QR code
SESSION_END = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)  # 16:30 in Rabat: /close
A_TAP = timedelta(seconds=20)  # how long a participant takes per question
REMINDER_DELAYS = (86_400, 3 * 86_400)  # the production defaults: 1d, 3d
FOLLOWUP_DELAY = 28 * 86_400
QUESTION_ACTIONS = {Action.ANSWER.value, Action.TOGGLE.value, Action.SKIP.value, Action.KEEP.value,
                    Action.COMMITMENT.value}
PHASES = (
    "Morning: the organiser creates the workshop, participants scan the QR code",
    "16:30: the session ends, /close sends the questionnaire",
    "A day later: the reminder round",
    "Three days later: the second reminder round",
    "Four weeks later: the follow-up survey",
    "The organiser's results: /stats, /report, /export",
)


@dataclass
class Person:
    user: FakeUser
    language: str
    plan: str  # "complete" | "partial" | "silent"
    rng: random.Random  # each person's own: their answers do not depend on anyone else's


def _silent_ack(entry: TranscriptEntry) -> bool:
    """A button acknowledged without a word: noise in a printed conversation."""
    return entry.kind == "callback_answer" and not entry.text


def _action(data: str | None) -> str:
    return (data or "").partition(":")[0]


# The bot's answer when the database was out: a typed text it answers with is not stored.
_TRY_AGAIN = frozenset(texts.temporarily_unavailable(translator(language)) for language in SUPPORTED_LANGUAGES)


def _current_question(user: FakeUser) -> BotMessage | None:
    """The latest message that asks something: it carries answer, tick or skip buttons.

    Answered questions become the next one (or the thanks) in the same message, so this is
    the question in front of the person, whatever arrived after it (a reminder, a progress
    note); a text question answered by typing keeps its keyboard (``_answered_by_typing``).
    """
    for message in reversed(user.messages):
        if not message.deleted and any(_action(b.callback_data) in QUESTION_ACTIONS for row in message.buttons
                                       for b in row):
            return None if _answered_by_typing(user, message) else message
    return None


def _answered_by_typing(user: FakeUser, question: BotMessage) -> bool:
    """A typed answer sits below its question, which keeps its Skip / ◀ buttons (a tap on
    them is stale): the question is answered once the person typed a text after it and the
    bot's reply to that text is not "try again" (the database was out: nothing was stored)."""
    if _labels(question, Action.ANSWER) or _labels(question, Action.TOGGLE) or _labels(question, Action.CONFIRM):
        return False
    last = max(m.message_id for m in user.messages)
    typed = False
    for message_id in range(question.message_id + 1, last + 1):
        raw = user.raw_message(message_id)
        if raw is None:
            continue
        if raw.get("from", {}).get("id") == user.user_id:
            typed = typed or not str(raw.get("text", "/")).startswith("/")
        elif typed:  # the bot's reply to the typed text
            if str(raw.get("text", "")) not in _TRY_AGAIN:
                return True
            typed = False
    return False


def _labels(message: BotMessage, action: Action) -> list[str]:
    return [b.text for row in message.buttons for b in row if _action(b.callback_data) == action.value]


async def answer_question(user: FakeUser, question: BotMessage, rng: random.Random, texts: Sequence[str],
                          after_each: Callable[[], Awaitable[None]]) -> None:
    """Answer one question the way a participant does, calling ``after_each`` after every tap or
    message: ticks then ✓ on a multi-select, a rating leaning to the top, a choice, or a typed
    suggestion (sometimes skipped), or commitments (typed, until "That's all" or the most). The demo settles after each; ``bench/load.py`` waits for the
    bot's answer in the chat, so both drive the same person."""
    toggles, choices = _labels(question, Action.TOGGLE), _labels(question, Action.ANSWER)
    if _labels(question, Action.COMMITMENT):
        await _answer_commitment(user, question, rng, after_each)
        return
    if toggles:
        for label in rng.sample(toggles, k=rng.randint(1, min(3, len(toggles)))):
            await user.tap(label, question)
            await after_each()
        ticked = user.bot_message(question.message_id) or question  # re-rendered with ✓
        confirm = _labels(ticked, Action.CONFIRM)
        if not confirm:  # no tick shown yet (a bot too slow to answer): look again
            return
        await user.tap(confirm[0], ticked)
    elif choices:
        # ratings lean to the top of the scale, as they do in real evaluations
        weights = [1 + i for i in range(len(choices))] if choices[0] == "1" else [1] * len(choices)
        await user.tap(rng.choices(choices, weights=weights)[0], question)
    elif (done := _labels(question, Action.KEEP)) and rng.random() < 0.5:
        await user.tap(done[0], question)  # commitments: "That's all" after one or more
    elif (skip := _labels(question, Action.SKIP)) and rng.random() < 0.3:
        await user.tap(skip[0], question)
    else:
        await user.send(rng.choice(texts))
    await after_each()


def _commitment_buttons(message: BotMessage) -> list[tuple[str, str]]:
    return [(b.text, b.callback_data or "") for row in message.buttons for b in row
            if _action(b.callback_data) == Action.COMMITMENT.value]


async def _answer_commitment(user: FakeUser, question: BotMessage, rng: random.Random,
                             after_each: Callable[[], Awaitable[None]]) -> None:
    """A commitment sent back at follow-up time: an outcome; after partly / not yet, one
    barrier ticked, then ✓ Confirm."""
    buttons = _commitment_buttons(question)
    if not any(data.endswith("_ok") for _, data in buttons):
        await user.tap(rng.choice([label for label, _ in buttons]), question)
        await after_each()
        return
    await user.tap(rng.choice([label for label, data in buttons if not data.endswith("_ok")]), question)
    await after_each()
    ticked = user.bot_message(question.message_id) or question
    confirm = [label for label, data in _commitment_buttons(ticked) if data.endswith("_ok")]
    if confirm:
        await user.tap(confirm[0], ticked)
        await after_each()


async def _answer_current(live: LiveBot, person: Person, texts: Sequence[str]) -> bool:
    """Answer the question in front of the person; False when nothing is asked."""
    question = _current_question(person.user)
    if question is None:
        return False
    await answer_question(person.user, question, person.rng, texts, live.settle)
    live.pass_time(A_TAP)
    return True


async def _answer_all(live: LiveBot, person: Person, texts: Sequence[str], limit: int = 1_000) -> int:
    answered = 0
    while answered < limit and await _answer_current(live, person, texts):
        answered += 1
    return answered


def _safe_name(name: str) -> str:
    return re.sub(r"[^\w.\-]+", "-", name, flags=re.ASCII).strip("-") or "file"


def _phase_transcript(entries: list[TranscriptEntry], order: dict[int, int]) -> list[TranscriptEntry]:
    """One chat after another (organiser first, then participants in the order they joined).

    Within a phase, messages to different people may leave concurrently (a reminder
    round); grouping by chat gives the same text on every run and reads like each chat.
    """
    return sorted(entries, key=lambda e: order.get(e.chat_id, len(order)))  # sorted() is stable


async def _simulate(out_dir: Path, participants: int, seed: int) -> tuple[str, str, list[str]]:
    engine = make_engine(f"sqlite:///{out_dir / 'demo.sqlite3'}")
    upgrade_to_head(engine)
    settings = Settings(token="123456:DEMO", organiser_ids=frozenset({ORGANISER_ID}),
                        reminder_delays=REMINDER_DELAYS, followup_delay=FOLLOWUP_DELAY)
    clock = ManualClock(MORNING)
    codes = random.Random(f"{seed}:join codes")
    alphabet = string.ascii_letters + string.digits

    def join_code() -> str:  # the shape of a real code, from the seed
        return "".join(codes.choice(alphabet) for _ in range(12))

    phases: list[tuple[str, int]] = []  # (title, index of its first transcript entry)
    written: list[str] = []
    async with LiveBot(make_session_factory(engine), settings=settings, clock=clock, join_codes=join_code) as live:
        def phase(title: str) -> None:
            phases.append((title, len(live.server.transcript)))

        phase(PHASES[0])
        organiser = live.server.user(ORGANISER_ID, "Firas (organiser)", language_code="fr")
        await organiser.send(f"/new {TITLE}")
        await live.settle()
        code = organiser.messages[0].text.split("?start=")[1].split()[0]

        people: list[Person] = []
        for i in range(participants):
            language = "ar" if i % 2 == 0 else "fr"
            names = ARABIC_NAMES if language == "ar" else FRENCH_NAMES
            phone_language = "es" if i % 7 == 6 else language  # some phones are in another language
            plan = "silent" if i % 7 == 5 else "partial" if i % 7 == 4 else "complete"
            user = live.server.user(100 + i, names[(i // 2) % len(names)], language_code=phone_language)
            people.append(Person(user, language, plan, random.Random(f"{seed}:{i}")))

        for person in people:  # everyone scans the QR code on arrival
            live.pass_time(timedelta(minutes=1))
            await person.user.send(f"/start {code}")
            await live.settle()
            if person.user.language_code == "es":
                await person.user.tap("العربية" if person.language == "ar" else "Français")
                await live.settle()
            await _answer_all(live, person, SUGGESTIONS[person.language], limit=2)  # the profile questions

        phase(PHASES[1])
        live.pass_time(SESSION_END - clock.now())
        await organiser.send(f"/close {code}")
        await live.settle()
        for person in people:
            if person.plan == "complete":
                await _answer_all(live, person, SUGGESTIONS[person.language])
            elif person.plan == "partial":  # stops halfway: a call, a bus to catch
                await _answer_all(live, person, SUGGESTIONS[person.language], limit=person.rng.randint(3, 8))
        await live.advance(timedelta(minutes=30))  # live progress catches up

        phase(PHASES[2])
        await live.advance(SESSION_END + timedelta(days=1, minutes=1) - clock.now())
        for person in people:  # the half-finished tap ▶ under the reminder and finish
            if person.plan == "partial" and person.user.last.text.startswith("⏰"):
                await person.user.tap(person.user.last.button_labels[0])
                await live.settle()
                await _answer_all(live, person, SUGGESTIONS[person.language])

        phase(PHASES[3])
        await live.advance(SESSION_END + timedelta(days=3, minutes=1) - clock.now())

        phase(PHASES[4])
        await live.advance(SESSION_END + timedelta(days=28, minutes=1) - clock.now())
        for person in people:
            if person.plan != "silent":
                await _answer_all(live, person, USES[person.language])
        await live.advance(timedelta(hours=2))

        phase(PHASES[5])
        organiser.new_messages()
        await organiser.send(f"/stats {code}")
        await live.settle()
        results = organiser.new_messages()
        summary = "\n\n".join(m.text for m in results if m.kind == "text")
        charts = [m.file_bytes for m in results if m.kind == "photo" and m.file_bytes]
        for number, png in enumerate(charts, start=1):
            name = f"chart-{number:02d}.png"
            (out_dir / name).write_bytes(png)
            written.append(name)
        for command in ("/report", "/export"):
            await organiser.send(f"{command} {code}")
            await live.settle()
            for document in organiser.new_messages():
                if document.kind == "document" and document.file_bytes:
                    name = _safe_name(document.file_name or f"{command[1:]}.bin")
                    (out_dir / name).write_bytes(document.file_bytes)
                    written.append(name)

        order = {ORGANISER_ID: 0} | {p.user.user_id: i + 1 for i, p in enumerate(people)}
        every = list(live.server.transcript)
        shown = {ORGANISER_ID} | {p.user.user_id for p in people[:FULL_TRANSCRIPTS]}
        bounds = [start for _, start in phases] + [len(every)]
        full_parts, shown_parts = [], []
        for (title, start), end in zip(phases, bounds[1:], strict=True):
            entries = _phase_transcript([e for e in every[start:end] if not _silent_ack(e)], order)
            header = f"── {title} " + "─" * max(0, 76 - len(title))
            full_parts.append(f"{header}\n{format_transcript(entries)}")
            shown_parts.append(f"{header}\n{format_transcript([e for e in entries if e.chat_id in shown])}")
    engine.dispose()
    (out_dir / "transcript.txt").write_text("\n\n".join(full_parts) + "\n", encoding="utf-8")
    (out_dir / "stats.txt").write_text(summary + "\n", encoding="utf-8")
    outline = "\n".join(
        f"  {p.user.first_name} ({p.language}): {p.plan}, {len(p.user.messages)} messages from the bot"
        for p in people[FULL_TRANSCRIPTS:]
    )
    shown_text = "\n\n".join(shown_parts)
    return f"{shown_text}\n\n… and {len(people) - FULL_TRANSCRIPTS} more participants:\n{outline}", summary, written


def run_demo(out_dir: str = "demo-output", participants: int = 20, seed: int = 7) -> int:
    if participants < 1:
        raise SystemExit("workshop-bot demo: --participants must be at least 1")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in [folder / "demo.sqlite3", *folder.glob("chart-*.png"), *folder.glob("*.pdf"),
                  *folder.glob("*.csv"), *folder.glob("*.xlsx")]:
        stale.unlink(missing_ok=True)
    transcript, summary, written = asyncio.run(_simulate(folder, participants, seed))
    print("=" * 78)
    print("Transcript (organiser and the first participants; all of it in transcript.txt)")
    print("=" * 78)
    print(transcript)
    print()
    print("=" * 78)
    print("/stats")
    print("=" * 78)
    print(summary)
    print()
    print(f"Written to {folder.resolve()}:")
    for name in ["transcript.txt", "stats.txt", *written, "demo.sqlite3"]:
        print(f"  {name}")
    return 0
