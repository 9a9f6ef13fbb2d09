"""Sessions: a workshop of two days, each closed on its own with its own evaluation (issue 11, point 2).

The Tunis data-jams run over several days: Day 1 → /close; /session CODE Jour 2 : … → /close.
Participants join once; whoever has joined when a session closes receives its evaluation,
reminder rounds remind one session's evaluation and name it, and /stats, /report and /export
take a session (``s2``) or the whole workshop, with each session's response rate.

The bot runs on a ``ManualClock`` with reminders at 2 s and 5 s (see tests/test_reminders.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.i18n import translator
from bot.results.statuses import ResponseStatus
from bot.simulation.live_bot import LiveBot
from bot.storage.engine import DbSession
from bot.storage.models import Participant, Response, ScheduledSend, WorkshopSession
from telegram_sim import FakeUser
from tests.conversation import ORGANISER_ID, new_workshop, say, tap

FAST = Settings(token="123456:TEST", organiser_ids=frozenset({ORGANISER_ID}), reminder_delays=(2, 5),
                retry_backoff=0.2)
START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 15:00 in Casablanca, far from quiet hours
NBSP, NNBSP, LRI, PDI = "\u00a0", "\u202f", "\u2066", "\u2069"
THANKS = {"fr": "Merci, vos réponses sont enregistrées", "ar": "شكرًا لك، تمّ حفظ إجاباتك"}
SKIP = {"fr": "Passer ▶", "ar": "تخطٍّ ◀"}
BACK = ("Retour", "رجوع")
REMINDER = "⏰"
DAY_2 = "Jour 2 : data-jam santé"


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


@pytest.fixture
async def live(session_factory: Callable[[], DbSession]) -> AsyncIterator[LiveBot]:
    async with LiveBot(session_factory, settings=FAST, clock=ManualClock(START)) as bot:
        yield bot
    assert bot.server.errors == []


async def join(live: LiveBot, person: FakeUser, code: str) -> None:
    """Join and skip the two profile questions."""
    await say(live, person, f"/start {code}")
    await tap(live, person, SKIP[person.language_code or "fr"])
    await tap(live, person, SKIP[person.language_code or "fr"])


async def answer_all(live: LiveBot, person: FakeUser) -> None:
    """Answer the questionnaire in front of them to the end, whatever its questions: a
    ticked multi-select is confirmed, an optional question skipped, else the first option
    tapped, a text question typed."""
    language = person.language_code or "fr"
    for _ in range(80):
        last = person.last
        if last.text.startswith(THANKS[language]):
            return
        labels = [label for label in last.button_labels if not any(word in label for word in BACK)]
        confirm = [label for label in labels if label.startswith("✓ ") and "(" in label]
        if confirm:
            await tap(live, person, confirm[0])
        elif SKIP[language] in labels:
            await tap(live, person, SKIP[language])
        elif labels:
            await tap(live, person, labels[0])
        else:
            await say(live, person, "Publier les données de santé")
    raise AssertionError(f"{person.first_name} never reached the end: {person.last.text!r}")


def reminders_to(person: FakeUser) -> list[str]:
    return [m.text for m in person.messages if m.text.startswith(REMINDER)]


def statuses(live: LiveBot, user_id: int) -> dict[int, ResponseStatus]:
    """The evaluation of each session, as this participant stands in it."""
    with live.session() as db:
        rows = db.execute(
            select(Response.session_number, Response.status)
            .join(Participant, Participant.id == Response.participant_id)
            .where(Participant.user_id == user_id, Response.kind == "evaluation")
        ).all()
    return {number: status for number, status in rows}


async def test_two_days_in_french_each_closed_with_its_own_evaluation_reminders_and_stats(
    live: LiveBot, organiser: FakeUser
) -> None:
    code = await new_workshop(live, organiser, "Data-jams Tunis")
    amina = live.server.user(100, "Amina", language_code="ar")
    claire = live.server.user(200, "Claire", language_code="fr")
    omar = live.server.user(300, "Omar", language_code="fr")
    for person in (amina, claire, omar):
        await join(live, person, code)

    # Session 1 is still open: /session names it rather than adding a second one.
    replies = await say(live, organiser, f"/session {code} Jour 1 : ouverture")
    assert replies == [
        f"La session 1 de «{NNBSP}Data-jams Tunis{NNBSP}» est encore ouverte (son questionnaire n’a pas été "
        f"envoyé){NNBSP}: elle s’appelle maintenant «{NNBSP}Jour 1 : ouverture{NNBSP}». Pour commencer la session "
        f"suivante, clôturez d’abord celle-ci avec /close {code}."]
    replies = await say(live, organiser, f"/close {code}")
    assert replies[0].startswith("Envoi du questionnaire à 3 participants")  # one session so far: as always
    await answer_all(live, claire)
    assert statuses(live, 200) == {1: ResponseStatus.COMPLETED}

    # Day 2 starts: a new session; Karim joins between the two sessions.
    replies = await say(live, organiser, f"/session {code} {DAY_2}")
    assert replies == [
        f"La session 2 «{NNBSP}{DAY_2}{NNBSP}» de «{NNBSP}Data-jams Tunis{NNBSP}» est ouverte. Tous ceux qui ont "
        f"rejoint l’atelier, et ceux qui le rejoindront avec le même lien, recevront son questionnaire à /close {code}."]
    karim = live.server.user(400, "Karim", language_code="fr")
    await join(live, karim, code)
    assert statuses(live, 400) == {}  # Day 1's evaluation is not his: he gets Day 2's

    # Day 1's first reminder round (2 s): those who owe Day 1's evaluation, the session named.
    await live.advance(seconds(2))
    assert reminders_to(omar) == [
        f"⏰ Il nous manque encore votre avis sur «{NBSP}Data-jams Tunis — Jour 1 : ouverture{NBSP}»{NBSP}: "
        f"{len_of_evaluation(live)} petites questions.\nAppuyez sur «{NBSP}Commencer{NBSP}» quand vous avez un moment."]
    assert reminders_to(amina)[0].startswith("⏰ ما زلنا ننتظر رأيك في «Data-jams Tunis — Jour 1 : ouverture»")
    assert (reminders_to(claire), reminders_to(karim)) == ([], [])

    # /session CODE: the two sessions, their state and response rate.
    fr = translator("fr")
    replies = await say(live, organiser, f"/session {code}")
    assert replies == [
        f"Sessions de «{NNBSP}Data-jams Tunis{NNBSP}»\n"
        f"• Session{NBSP}1 — Jour 1 : ouverture{NNBSP}: 1 sur 3 participants ont répondu ({fr.share(1, 3)})\n"
        f"• Session{NBSP}2 — {DAY_2}{NNBSP}: ouverte, son questionnaire part avec /close\n\n"
        f"Ajoutez la session suivante avec /session {code} puis son titre, une fois la session en cours close. "
        f"Résultats d’une seule session{NNBSP}: /stats {code} s2."]

    # Day 2 closes: its evaluation goes to the four who joined, Karim included.
    replies = await say(live, organiser, f"/close {code}")
    assert replies[0].startswith(f"Session{NBSP}2 — {DAY_2}{NNBSP}: clôturée.\nEnvoi du questionnaire à 4 participants")
    with live.session() as db:
        rounds = db.execute(select(ScheduledSend.session_number, ScheduledSend.round)
                            .where(ScheduledSend.purpose == "reminder").order_by(ScheduledSend.id)).all()
    assert [tuple(r) for r in rounds] == [(1, 1), (1, 2), (2, 1), (2, 2)]
    for person in (claire, omar):
        await answer_all(live, person)
    assert statuses(live, 300) == {1: ResponseStatus.IN_PROGRESS, 2: ResponseStatus.COMPLETED}
    assert statuses(live, 400) == {2: ResponseStatus.IN_PROGRESS}

    # Day 2's first round (2 s after its close): Amina and Karim, for Day 2 only.
    amina_before = len(reminders_to(amina))
    await live.advance(seconds(2))
    day_2 = f"Data-jams Tunis — {DAY_2}"
    assert [t for t in reminders_to(karim) if day_2 in t] and len(reminders_to(karim)) == 1
    assert all(day_2 not in t for t in reminders_to(omar))  # he finished Day 2
    assert [t for t in reminders_to(amina)[amina_before:] if day_2 in t]
    # ▶ under Day 2's reminder opens Day 2's evaluation, not Day 1's.
    day_2_reminder = next(m for m in reversed(amina.messages) if day_2 in m.text)
    await amina.tap("◀ ابدأ", day_2_reminder)
    await live.settle()
    with live.session() as db:
        touched = db.scalars(select(Response.session_number).join(Participant)
                             .where(Participant.user_id == 100, Response.kind == "evaluation")
                             .order_by(Response.touched_at.desc())).first()
    assert touched == 2

    # /stats CODE s2: Day 2 alone; /stats CODE: each session's response rate.
    replies = await say(live, organiser, f"/stats {code} s2")
    summary = next(t for t in replies if t.startswith("📊"))
    assert summary.splitlines()[1:3] == [
        f"Session{NBSP}2 — {DAY_2}",
        f"Questionnaire complété par 2 sur 4 participants ({fr.share(2, 4)}).",
    ]
    replies = await say(live, organiser, f"/stats {code}")
    summary = next(t for t in replies if t.startswith("📊"))
    assert summary.splitlines()[1:4] == [
        "4 participants se sont inscrits.",
        f"• Session{NBSP}1 — Jour 1 : ouverture{NNBSP}: 1 sur 3 participants ont répondu ({fr.share(1, 3)})",
        f"• Session{NBSP}2 — {DAY_2}{NNBSP}: 2 sur 4 participants ont répondu ({fr.share(2, 4)})",
    ]
    replies = await say(live, organiser, f"/stats {code} s3")
    assert replies == [f"Cet atelier n’a pas de session 3 (voir /session {code})."]

    # /export CODE s1: Day 1's evaluation; Karim, who joined after it, never received it.
    organiser.new_messages()
    await organiser.send(f"/export {code} s1")
    await live.settle()
    csv_message, xlsx_message = organiser.new_messages()
    assert csv_message.file_bytes is not None and xlsx_message.kind == "document"
    rows = list(csv.reader(io.StringIO(csv_message.file_bytes.decode("utf-8-sig"), newline=""), delimiter=";"))
    evaluation = {row[0]: row[2] for row in rows[1:] if row[1] == "Évaluation"}
    assert evaluation == {"P01": "pas commencé", "P02": "terminé", "P03": "pas commencé", "P04": "non envoyé"}

    # /report CODE s2: one PDF, Day 2's.
    organiser.new_messages()
    await organiser.send(f"/report {code} s2")
    await live.settle()
    assert [m.kind for m in organiser.new_messages()] == ["document"]


def len_of_evaluation(live: LiveBot) -> int:
    """How many questions the default evaluation asks (the reminder counts them)."""
    from bot.questionnaires.loader import default_questionnaire
    from bot.questionnaires.model import QuestionnaireKind

    return len(default_questionnaire(QuestionnaireKind.EVALUATION).answerable())


async def test_sessions_in_arabic(live: LiveBot) -> None:
    organiser = live.server.user(ORGANISER_ID, "Firas", language_code="ar")
    code = await new_workshop(live, organiser, "Data-jams Tunis")
    salma = live.server.user(500, "Salma", language_code="ar")
    await join(live, salma, code)
    await say(live, organiser, f"/close {code}")
    replies = await say(live, organiser, f"/session {code} {DAY_2}")
    assert replies == [
        f"الجلسة 2 «{DAY_2}» من «Data-jams Tunis» مفتوحة. سيتلقى استبيانها كل من انضم، وكل من ينضم بالرابط "
        f"نفسه، عند {LRI}/close {LRI}{code}{PDI}{PDI}."]
    replies = await say(live, organiser, f"/session {code} Jour 2 bis")  # still open: renamed
    assert replies == [
        f"الجلسة 2 من «Data-jams Tunis» ما زالت مفتوحة (لم يُرسَل استبيانها بعد)، وأصبح اسمها «Jour 2 bis». "
        f"لبدء الجلسة التالية، أغلق هذه الجلسة أولًا بالأمر {LRI}/close {LRI}{code}{PDI}{PDI}."]
    replies = await say(live, organiser, f"/close {code}")
    assert replies[0].startswith("أُغلقت الجلسة 2 — Jour 2 bis.\n")
    # Both evaluations are in her chat, each under its own heading; she answers Day 2's.
    intros = [m.text.splitlines()[0] for m in salma.messages if "\n\nتقييم الورشة" in m.text]
    assert intros == ["Data-jams Tunis", "Data-jams Tunis — Jour 2 bis"]
    await answer_all(live, salma)
    assert statuses(live, 500) == {1: ResponseStatus.IN_PROGRESS, 2: ResponseStatus.COMPLETED}
    ar = translator("ar")
    replies = await say(live, organiser, f"/session {code}")
    assert replies[0].splitlines()[:3] == [
        "جلسات «Data-jams Tunis»",
        f"• الجلسة 1 — Data-jams Tunis: أجاب 0 من أصل مشارك واحد ({ar.share(0, 1)})",
        f"• الجلسة 2 — Jour 2 bis: أجاب 1 من أصل مشارك واحد ({ar.share(1, 1)})",
    ]
    replies = await say(live, organiser, f"/stats {code} s2")
    summary = next(t for t in replies if t.startswith("📊"))
    assert summary.splitlines()[1] == "الجلسة 2 — Jour 2 bis"
    replies = await say(live, organiser, f"/stats {code} s9")
    assert replies == [f"لا توجد في هذه الورشة جلسة رقم 9 (انظر {LRI}/session {LRI}{code}{PDI}{PDI})."]
    replies = await say(live, organiser, "/help")
    assert f"{LRI}/session الرمز العنوان{PDI} — الجلسة التالية للورشة" in replies[0]
    with live.session() as db:
        titles = db.scalars(select(WorkshopSession.title).order_by(WorkshopSession.number)).all()
    assert titles == ["Data-jams Tunis", "Jour 2 bis"]
