"""``workshop-bot demo``: a whole workshop, offline, in one command.

A local Bot API server on loopback, the real bot talking to it over HTTP, a fresh SQLite
database, an organiser and simulated participants in Arabic and French. Participants act
only on what they see in their chat (the buttons of the last message), like people do;
some finish, some stop halfway, some never answer. Reminders come two seconds after
``/close`` here (a day in production): those who stopped halfway tap ▶ and answer one
more question. The transcript and the ``/stats`` summary are printed and written to the
output folder.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.simulation.live_bot import LiveBot
from bot.storage.engine import make_engine, make_session_factory
from bot.storage.migrations import upgrade_to_head
from telegram_sim import FakeUser, format_transcript
from telegram_sim.client import BotMessage, TranscriptEntry

ORGANISER_ID = 1
TITLE = "Atelier Open Data — Rabat"
ARABIC_NAMES = ["Amina", "Youssef", "Fatima Zahra", "Hamza", "Salma", "Othmane", "Khadija", "Mehdi", "Nadia", "Rachid"]
FRENCH_NAMES = ["Claire", "Mounir", "Sofia", "Karim", "Leïla", "Anas", "Imane", "Walid", "Sarah", "Hicham"]
SUGGESTIONS = {
    "ar": ["مواصلة التكوين وخاصة على مستوى استثمار المعطيات المفتوحة", "شكرًا لكم", "المزيد من التمارين التطبيقية"],
    "fr": ["Plus d'informations sur le côté technique", "Continuer ces initiatives", "Plus de cas pratiques marocains"],
}
FULL_TRANSCRIPTS = 2  # participants whose whole conversation is printed
REMINDER_AFTER_SECONDS = 2  # REMINDER_DELAYS of the demo (1d,3d in production)


@dataclass
class Person:
    user: FakeUser
    language: str
    plan: str  # "complete" | "partial" | "silent"


def _silent_ack(entry: TranscriptEntry) -> bool:
    """A button acknowledged without a word: noise in a printed conversation."""
    return entry.kind == "callback_answer" and not entry.text


def _answer_buttons(message: BotMessage, prefix: str) -> list[str]:
    return [b.text for row in message.buttons for b in row if b.callback_data and b.callback_data.startswith(prefix)]


async def _answer_current(live: LiveBot, person: Person, rng: random.Random) -> bool:
    """Answer whatever the last message asks; False when there is nothing left to answer."""
    message = person.user.last
    toggles, choices = _answer_buttons(message, "t:"), _answer_buttons(message, "a:")
    skips = _answer_buttons(message, "s:")
    if toggles:
        for label in rng.sample(toggles, k=rng.randint(1, min(3, len(toggles)))):
            await person.user.tap(label)
            await live.settle()
        await person.user.tap(_answer_buttons(person.user.last, "c:")[0])
    elif choices:
        weights = [1 + i for i in range(len(choices))] if choices[0] == "1" else [1] * len(choices)
        await person.user.tap(rng.choices(choices, weights=weights)[0])
    elif skips and rng.random() < 0.4:
        await person.user.tap(skips[0])
    elif "?" in message.text or "؟" in message.text:
        await person.user.send(rng.choice(SUGGESTIONS[person.language]))
    else:
        return False
    await live.settle()
    return True


async def _simulate(out_dir: Path, participants: int, seed: int) -> tuple[str, str]:
    rng = random.Random(seed)
    engine = make_engine(f"sqlite:///{out_dir / 'demo.sqlite3'}")
    upgrade_to_head(engine)
    settings = Settings(token="123456:DEMO", organiser_ids=frozenset({ORGANISER_ID}),
                        reminder_delays=(REMINDER_AFTER_SECONDS,))
    async with LiveBot(make_session_factory(engine), settings=settings) as live:
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
            people.append(Person(user, language, plan))

        for person in people:  # everyone scans the QR code
            await person.user.send(f"/start {code}")
            await live.settle()
            if person.user.language_code == "es":
                await person.user.tap("العربية" if person.language == "ar" else "Français")
                await live.settle()
            for _ in range(2):  # the two optional profile questions
                await _answer_current(live, person, rng)

        await organiser.send(f"/close {code}")
        await live.settle()

        for person in people:
            if person.plan == "silent":
                continue
            limit = rng.randint(3, 8) if person.plan == "partial" else 100
            for _ in range(limit):
                if not await _answer_current(live, person, rng):
                    break

        # The reminder round: the organiser gets a summary, the half-finished resume with ▶.
        deadline = asyncio.get_running_loop().time() + REMINDER_AFTER_SECONDS + 10
        while not any(m.text.startswith("📬") for m in organiser.messages):
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.2)
            await live.settle()
        for person in people:
            if person.plan == "partial" and person.user.last.text.startswith("⏰"):
                await person.user.tap(person.user.last.button_labels[0])
                await live.settle()
                await _answer_current(live, person, rng)

        organiser.new_messages()
        await organiser.send(f"/stats {code}")
        await live.settle()
        results = organiser.new_messages()
        summary = "\n\n".join(m.text for m in results if m.kind == "text")
        charts = [m.file_bytes for m in results if m.kind == "photo" and m.file_bytes]
        for number, png in enumerate(charts, start=1):
            (out_dir / f"chart-{number:02d}.png").write_bytes(png)

        shown = {ORGANISER_ID} | {p.user.user_id for p in people[:FULL_TRANSCRIPTS]}
        transcript = format_transcript(
            [e for e in live.server.transcript if e.chat_id in shown and not _silent_ack(e)]
        )
        full = format_transcript(live.server.transcript)
    engine.dispose()
    (out_dir / "transcript.txt").write_text(full, encoding="utf-8")
    (out_dir / "stats.txt").write_text(summary, encoding="utf-8")
    outline = "\n".join(
        f"  {p.user.first_name} ({p.language}): {p.plan}, {len(p.user.messages)} messages from the bot"
        for p in people[FULL_TRANSCRIPTS:]
    )
    return f"{transcript}\n\n… and {len(people) - FULL_TRANSCRIPTS} more participants:\n{outline}", summary


def run_demo(out_dir: str = "demo-output", participants: int = 20, seed: int = 7) -> int:
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in [folder / "demo.sqlite3", *folder.glob("chart-*.png")]:
        stale.unlink(missing_ok=True)
    transcript, summary = asyncio.run(_simulate(folder, participants, seed))
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
    charts = sorted(p.name for p in folder.glob("chart-*.png"))
    print(f"Written to {folder.resolve()}: transcript.txt, stats.txt, {len(charts)} charts "
          f"({charts[0] if charts else '-'} …), demo.sqlite3")
    return 0
