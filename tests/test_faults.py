"""Faults under load, small: the database goes away, the bot process dies; nothing is lost.

* **Database outage** (PostgreSQL only: SQLite has no network to cut). The in-process bot
  (``LiveBot``) reaches PostgreSQL through a TCP proxy run by the test
  (``DatabaseProxy``): ``cut()`` aborts every connection and refuses new ones, as a stopped
  server or a broken network would, while the machine's PostgreSQL, shared with other
  tests, keeps running. Whoever taps or types meanwhile is told, in their language, to
  try again in a moment; the background jobs log and carry on; once the proxy reopens,
  the very same tap works, with no restart, and every answer is stored exactly once.
* **A database that cannot be opened** (both databases): the first contact of a user
  already needs the database (the update's claim, the user row); they still get the
  "try again" answer, in the language their Telegram client reports.
* **kill -9** (both databases): a real ``workshop-bot run`` process is killed while a
  participant's answer is committed but its next question is still on the wire; a new
  process takes over, everyone finishes, and each answer is stored once.

Waits are for events (an update handled, a callback query answered, a message arriving,
a held request), never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from bot.clock import ManualClock
from bot.config import Settings
from bot.i18n import translator
from bot.questionnaires.loader import default_questionnaire
from bot.questionnaires.model import QuestionnaireKind, QuestionType
from bot.rendering import texts
from bot.rendering.callback_data import Action
from bot.results.statuses import ResponseStatus
from bot.simulation.live_bot import LiveBot
from bot.storage import models
from bot.storage.engine import DbSession, is_unavailable, make_engine, make_session_factory
from bot.telegram_bot.progress import progress_job
from bot.telegram_bot.services import services_of
from telegram_sim import FakeBotApi, FakeUser
from telegram_sim.views import BotMessage
from tests.bot_process import BotProcesses
from tests.conversation import JOIN_LINK, ORGANISER_ID

SessionFactory = Callable[[], DbSession]
EVALUATION = default_questionnaire(QuestionnaireKind.EVALUATION)
MULTI = next(q.id for q in EVALUATION.questions if q.type is QuestionType.MULTI)
START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 15:00 in Casablanca, far from quiet hours
SETTINGS = Settings(token="123456:TEST", organiser_ids=frozenset({ORGANISER_ID}), reminder_delays=(2, 5),
                    retry_backoff=0.2)
REMINDER = "⏰"
QUESTION_ACTIONS = {Action.ANSWER.value, Action.TOGGLE.value, Action.SKIP.value}
PROCESS_SETTINGS = {"ORGANISER_IDS": str(ORGANISER_ID), "REMINDER_DELAYS": "1d,3d", "DISPATCH_INTERVAL": "1s"}


def unavailable(language: str) -> str:
    return texts.temporarily_unavailable(translator(language))


# --- a TCP proxy in front of PostgreSQL ---------------------------------------------------


class DatabaseProxy:
    """Forwards 127.0.0.1:<port> to PostgreSQL; ``cut()`` aborts every connection and refuses
    new ones until ``reopen()``.

    It runs its own event loop in a thread: the in-process bot's database calls are
    synchronous on the test's loop, so bytes moving through a proxy on that same loop would
    wait for the very call that waits for them."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.upstream_port = host, port
        self.port = 0
        self.open = True
        self.accepted = 0  # connections forwarded
        self.refused = 0  # connections aborted at once while cut
        self._sockets: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="db-proxy", daemon=True)
        self._server: asyncio.Server | None = None

    def __enter__(self) -> DatabaseProxy:
        self._thread.start()
        self._call(self._start())
        return self

    def __exit__(self, *_: object) -> None:
        self._call(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def url(self, database_url: str) -> str:
        return make_url(database_url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def cut(self) -> None:
        self._call(self._cut())

    def reopen(self) -> None:
        self.open = True

    def _call(self, coroutine: Awaitable[None]) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)  # type: ignore[arg-type]

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        await self._cut()
        if self._server is not None:
            self._server.close()

    async def _cut(self) -> None:
        self.open = False
        for writer in list(self._sockets):
            writer.transport.abort()
        self._sockets.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.open:
            self.refused += 1
            writer.transport.abort()
            return
        up_reader, up_writer = await asyncio.open_connection(self.host, self.upstream_port)
        self.accepted += 1
        self._sockets.update((writer, up_writer))

        async def pipe(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    target.write(data)
                    await target.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                target.transport.abort()
                self._sockets.discard(target)

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@pytest.fixture
def proxy(engine: Engine) -> Iterator[DatabaseProxy]:
    if engine.dialect.name != "postgresql":
        pytest.skip("a database outage needs a network between the bot and its database: PostgreSQL only "
                    "(TEST_DATABASE_URL=postgresql+psycopg://…)")
    url = engine.url
    with DatabaseProxy(url.host or "127.0.0.1", url.port or 5432) as running:
        yield running


@pytest.fixture
async def live_via_proxy(proxy: DatabaseProxy, database_url: str,
                         session_factory: SessionFactory) -> AsyncIterator[LiveBot]:
    """The real bot on its own engine, through the proxy (``session_factory``: the test's
    direct one, which also empties the tables afterwards)."""
    engine = make_engine(proxy.url(database_url))  # the bot's engine, as in production (pool_pre_ping)
    try:
        async with LiveBot(make_session_factory(engine), settings=SETTINGS, clock=ManualClock(START)) as bot:
            yield bot
        assert bot.server.errors == []
    finally:
        engine.dispose()


# --- a participant who acts only on what the chat shows ---------------------------------


def _action(data: str | None) -> str:
    return (data or "").partition(":")[0]


def current_question(user: FakeUser) -> BotMessage | None:
    """The latest message with answer, tick or skip buttons: the question in front of them."""
    for message in reversed(user.messages):
        if not message.deleted and any(_action(b.callback_data) in QUESTION_ACTIONS for row in message.buttons
                                       for b in row):
            return message
    return None


def labels(message: BotMessage, action: Action) -> list[str]:
    return [b.text for row in message.buttons for b in row if _action(b.callback_data) == action.value]


def where(user: FakeUser) -> tuple[int, str, tuple[str, ...]] | None:
    """What the person looks at: the question message, its text and buttons."""
    question = current_question(user)
    return None if question is None else (question.message_id, question.text, tuple(question.button_labels))


Wait = Callable[[Callable[[], bool], str], Awaitable[None]]


def answered(server: FakeBotApi, query_id: str) -> bool:
    return any(a.query_id == query_id for a in server.callback_answers)


async def answer_current(server: FakeBotApi, user: FakeUser, wait: Wait) -> bool:
    """Answer the question in front of ``user`` the same way every time (the first tick then
    ✓, the first choice or rating, ▶ skip on free text); returns False when nothing is asked.
    Done when the bot answered the tap and the chat shows something else."""
    question = current_question(user)
    if question is None:
        return False
    if ticks := labels(question, Action.TOGGLE):
        unticked = where(user)
        tick = await user.tap(ticks[0], question)  # the bot may answer the tap before it edits
        await wait(lambda: answered(server, tick) and where(user) != unticked, "the tick is shown")
        question = current_question(user)
        assert question is not None
        label = labels(question, Action.CONFIRM)[0]
    elif choices := labels(question, Action.ANSWER):
        label = choices[0]
    else:
        label = labels(question, Action.SKIP)[0]
    before = where(user)
    query = await user.tap(label, question)
    await wait(lambda: answered(server, query) and where(user) != before, f"«{label}» is answered")
    return True


async def answer_all(server: FakeBotApi, user: FakeUser, wait: Wait, limit: int = 50) -> int:
    count = 0
    while count < limit and await answer_current(server, user, wait):
        count += 1
    return count


def settled(live: LiveBot) -> Wait:
    """In process: ``settle()`` is the event; the condition must hold once it returns."""

    async def wait(condition: Callable[[], bool], what: str) -> None:
        await live.settle()
        assert condition(), f"not true once the bot settled: {what}"

    return wait


def chats(people: list[FakeUser]) -> list[str]:
    """The end of each person's chat, for a failing wait."""
    lines = []
    for person in people:
        lines.append(f"--- {person.first_name}: answers to taps {[a.text for a in person.callback_answers][-3:]}")
        lines.extend(f"  [{m.message_id}] {m.text[:60]!r} {m.button_labels}" for m in person.messages[-3:])
    return lines


# --- what the database holds --------------------------------------------------------------


def evaluation_answers(session_factory: SessionFactory) -> dict[int, list[str]]:
    """user id → the question ids of their stored evaluation answers (one entry per row)."""
    with session_factory() as db:
        rows = db.execute(
            select(models.Participant.user_id, models.Answer.question_id)
            .join(models.Response, models.Response.participant_id == models.Participant.id)
            .join(models.Answer, models.Answer.response_id == models.Response.id)
            .join(models.Workshop, models.Workshop.id == models.Participant.workshop_id)
            .where(models.Response.questionnaire_id == models.Workshop.evaluation_questionnaire_id)).all()
    stored: dict[int, list[str]] = {}
    for user_id, question_id in rows:
        stored.setdefault(user_id, []).append(question_id)
    return stored


def options_of(session_factory: SessionFactory, question_id: str) -> dict[int, int]:
    """user id → answer_options rows of their answer to ``question_id``."""
    with session_factory() as db:
        rows = db.execute(
            select(models.Participant.user_id, func.count(models.AnswerOption.answer_id))
            .join(models.Response, models.Response.participant_id == models.Participant.id)
            .join(models.Answer, models.Answer.response_id == models.Response.id)
            .join(models.AnswerOption, models.AnswerOption.answer_id == models.Answer.id)
            .where(models.Answer.question_id == question_id)
            .group_by(models.Participant.user_id)).all()
    return {user_id: n for user_id, n in rows}


def statuses(session_factory: SessionFactory) -> dict[int, ResponseStatus]:
    with session_factory() as db:
        rows = db.execute(
            select(models.Participant.user_id, models.Response.status)
            .join(models.Response, models.Response.participant_id == models.Participant.id)
            .join(models.Workshop, models.Workshop.id == models.Participant.workshop_id)
            .where(models.Response.questionnaire_id == models.Workshop.evaluation_questionnaire_id)).all()
    return {user_id: ResponseStatus(status) for user_id, status in rows}


def everything_once(session_factory: SessionFactory, people: list[FakeUser]) -> None:
    everyone = {q.id for q in EVALUATION.questions}
    stored = evaluation_answers(session_factory)
    for person in people:
        mine = stored.get(person.user_id, [])
        assert sorted(mine) == sorted(everyone), (person.first_name, sorted(mine))  # each once, none lost
    assert options_of(session_factory, MULTI) == {p.user_id: 1 for p in people}  # one tick each, once
    assert set(statuses(session_factory).values()) == {ResponseStatus.COMPLETED}


# --- the database goes away and comes back ----------------------------------------------


async def test_a_database_outage_answers_try_again_and_the_same_tap_works_once_it_is_back(
    live_via_proxy: LiveBot, proxy: DatabaseProxy, session_factory: SessionFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    live, server = live_via_proxy, live_via_proxy.server
    wait = settled(live)
    organiser = server.user(ORGANISER_ID, "Firas", language_code="fr")
    await organiser.send("/new Atelier sous panne")
    await live.settle()
    match = JOIN_LINK.search(organiser.last.text)
    assert match, organiser.last.text
    amina = server.user(100, "Amina", language_code="ar")
    claire = server.user(200, "Claire", language_code="fr")
    for person in (amina, claire):
        await person.send(f"/start {match.group(1)}")
        await answer_all(server, person, wait)  # the two profile questions
    await organiser.send(f"/close {match.group(1)}")
    await live.settle()
    for person in (amina, claire):
        for _ in range(3):
            assert await answer_current(server, person, wait)

    proxy.cut()
    caplog.clear()
    # Claire taps: an alert in French, and nothing moved (no answer stored, same question).
    before = where(claire)
    question = current_question(claire)
    assert question is not None
    label = labels(question, Action.ANSWER)[0]
    query = await claire.tap(label, question)
    await live.settle()
    [alert] = [a for a in claire.callback_answers if a.query_id == query]
    assert (alert.text, alert.show_alert) == (unavailable("fr"), True)
    assert alert.text.startswith("⏳ Je suis momentanément indisponible.")
    assert where(claire) == before
    # Amina taps, then types: Arabic both times.
    question_ar = current_question(amina)
    assert question_ar is not None
    query_ar = await amina.tap(labels(question_ar, Action.ANSWER)[0], question_ar)
    await live.settle()
    [alert_ar] = [a for a in amina.callback_answers if a.query_id == query_ar]
    assert alert_ar.text == unavailable("ar") and alert_ar.text.startswith("⏳ أنا غير متاح مؤقتًا.")
    amina.new_messages()
    await amina.send("مرحبا")
    await live.settle()
    assert [m.text for m in amina.new_messages()] == [unavailable("ar")]
    assert proxy.refused >= 3  # each of them tried the database, and was refused
    # One line per update, at WARNING, with the driver's reason and no traceback.
    lines = [r for r in caplog.records if r.getMessage() == "update handled" and r.levelno == logging.WARNING]
    assert [r.outcome for r in lines] == ["database unavailable"] * 3  # type: ignore[attr-defined]
    assert all(r.exc_info is None for r in lines)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # The jobs meet the outage too: they log a line and return, nothing escapes.
    application = live.application
    assert application is not None
    services = services_of(application)
    services.dispatcher.kick(application)
    await services.dispatcher.wait_idle()
    await progress_job(SimpleNamespace(bot=application.bot, application=application))  # type: ignore[arg-type]
    jobs = [r.getMessage() for r in caplog.records if r.name.startswith("bot.telegram_bot.")
            and r.levelno == logging.WARNING and r.getMessage() != "update handled"]
    assert any(m.startswith("dispatcher run skipped, database unavailable") for m in jobs), jobs
    assert any(m.startswith("progress refresh skipped, database unavailable") for m in jobs), jobs
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    proxy.reopen()
    accepted = proxy.accepted
    query = await claire.tap(label, question)  # the same button of the same message
    await live.settle()
    assert answered(server, query) and where(claire) != before
    assert proxy.accepted > accepted  # the bot's pool reconnected by itself
    await answer_all(server, claire, wait)
    assert current_question(claire) is None
    # Amina stops here; the reminder round still goes out, once, after the outage.
    await live.advance(timedelta(seconds=3))
    assert [m.text for m in amina.messages if m.text.startswith(REMINDER)] != []
    assert len([m for m in amina.messages if m.text.startswith(REMINDER)]) == 1
    assert [m for m in claire.messages if m.text.startswith(REMINDER)] == []
    await answer_all(server, amina, wait)
    everything_once(session_factory, [amina, claire])


async def test_a_database_that_cannot_be_opened_still_answers_in_the_clients_language(tmp_path: Path) -> None:
    """No database at all (its folder is missing): not even the update's claim or the user
    row can be written, the first things every update needs. Both databases: no proxy."""
    factory = make_session_factory(make_engine(f"sqlite:///{tmp_path}/missing/bot.sqlite3"))
    async with LiveBot(factory, settings=SETTINGS, clock=ManualClock(START)) as live:
        for uid, language in ((100, "ar"), (200, "fr"), (300, "es")):  # Spanish: English, the default
            person = live.server.user(uid, f"P{uid}", language_code=language)
            message_id = await person.send("/start")
            await live.settle()
            expected = unavailable(language if language != "es" else "en")
            assert [m.text for m in person.new_messages()] == [expected]
            query = await person.tap_data(message_id, "a:1:0:4")
            await live.settle()
            [alert] = [a for a in person.callback_answers if a.query_id == query]
            assert (alert.text, alert.show_alert) == (expected, True)
        assert live.server.errors == []


def test_what_counts_as_an_outage(engine: Engine) -> None:
    """A bug is not an outage: a missing table on SQLite is an OperationalError too."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError) as bug, engine.connect() as connection:
        connection.execute(text("SELECT * FROM no_such_table"))
    assert not is_unavailable(bug.value)
    refused = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")  # nothing listens on port 1
    with pytest.raises(DBAPIError) as down, refused.connect():
        pass
    assert is_unavailable(down.value)


# --- kill -9 mid-questionnaire -------------------------------------------------------------


@pytest.fixture
async def bots(server: FakeBotApi, database_url: str, session_factory: SessionFactory,
               tmp_path: Path) -> AsyncIterator[BotProcesses]:
    processes = BotProcesses(server, database_url, tmp_path / "bots", PROCESS_SETTINGS)
    try:
        yield processes
    finally:
        await processes.kill_all()


async def test_kill_9_mid_questionnaire_then_a_restart_everyone_finishes_and_each_answer_is_stored_once(
    server: FakeBotApi, bots: BotProcesses, session_factory: SessionFactory,
) -> None:
    """The process dies while a participant's answer is committed and its next question is
    on the wire (held by the fake server, then dropped with the connection), the others'
    taps fetched but not yet handled. A new process takes over: it is given those taps
    again (getUpdates confirms an update only once it is handled, ``polling.py``) and
    answers them with nobody doing anything; the interrupted participant's answer was
    stored, so their tap is not handled twice: tapping again brings their message to the
    question they are at. Nothing is asked twice and no answer is stored twice."""
    organiser = server.user(ORGANISER_ID, "Firas", language_code="fr")
    people = [server.user(100 + i, f"P{i}", language_code=language) for i, language in enumerate(("fr", "ar", "fr"))]

    async def wait(condition: Callable[[], bool], what: str) -> None:
        try:
            await bots.wait_for(condition, what)
        except AssertionError as timeout:  # say what each chat showed
            raise AssertionError(f"{timeout}\n" + "\n".join(chats(people))) from None
    await bots.start_ready()
    await organiser.send("/new Atelier interrompu")
    await wait(lambda: JOIN_LINK.search(organiser.last.text if organiser.messages else "") is not None, "the link")
    code = JOIN_LINK.search(organiser.last.text).group(1)  # type: ignore[union-attr]
    for person in people:
        await person.send(f"/start {code}")
        await wait(lambda p=person: current_question(p) is not None, "the first profile question")  # type: ignore[misc]
        await answer_all(server, person, wait)
    await organiser.send(f"/close {code}")
    await wait(lambda: all(current_question(p) is not None for p in people), "everyone has the evaluation")
    for person in people:
        for _ in range(3):
            assert await answer_current(server, person, wait)

    # Every tap from now on is stored, then its next question waits on the wire.
    server.hold("editMessageText")
    tapped: dict[int, str] = {}
    for person in people:
        question = current_question(person)
        assert question is not None
        tapped[person.user_id] = question.text
        await person.tap(labels(question, Action.ANSWER)[0], question)
    await wait(lambda: server.held >= 1, "an answered question's edit is on the wire")
    first = bots.started[0]
    await first.kill()
    await wait(lambda: server.held == 0, "the killed process's request is dropped")
    server.release_held()
    stored = evaluation_answers(session_factory)
    assert sorted(len(a) for a in stored.values())[-1] == 4  # an answer committed, its question not moved on
    interrupted = [p for p in people if len(stored.get(p.user_id, [])) == 4]
    assert len(interrupted) == 1 and all(len(stored.get(p.user_id, [])) == 3 for p in people if p not in interrupted)

    counts = {person.user_id: len(person.messages) for person in people}
    await bots.start_ready()
    for person in people:
        if person in interrupted:
            # Their answer is stored but the chat still shows the question before it: tapping
            # it again is stale, and the message is brought to the question they are at.
            before = current_question(person)
            assert before is not None and before.text == tapped[person.user_id]
            await person.tap(labels(before, Action.ANSWER)[-1], before)
            await wait(lambda p=person, old=before.text: (q := current_question(p)) is not None and q.text != old,
                       f"{person.first_name}'s stale tap shows the question they are at")
        else:  # their tap, never handled, is handled by the new process: no silence, no /start
            await wait(lambda p=person: (q := current_question(p)) is not None and q.text != tapped[p.user_id],
                       f"{person.first_name}'s tap, fetched by the killed process, is answered by the new one")
        assert len(person.messages) == counts[person.user_id]  # the same message, edited
        left = len(EVALUATION.questions) - len(evaluation_answers(session_factory).get(person.user_id, []))
        assert left == len(EVALUATION.questions) - 4
        assert await answer_all(server, person, wait) == left  # nothing stored is asked again
    await wait(lambda: set(statuses(session_factory).values()) == {ResponseStatus.COMPLETED}, "all finished")
    everything_once(session_factory, people)
