"""Benchmark: one reminder to each of 10,000 participants, under Telegram's flood limits.

    .venv/bin/python bench/broadcast.py                          # 10,000 participants, SQLite
    .venv/bin/python bench/broadcast.py --participants 600 --database both
    .venv/bin/python bench/broadcast.py --database postgresql --latency 0.05

Fills a fresh database (bulk inserts) with a closed workshop whose participants all have
an unfinished evaluation, then runs the real application (``LiveBot``: ``build_application``
with our ``TelegramRateLimiter``) against the fake Bot API server with flood control on
(429 ``retry_after`` past 30 chat-bound calls in any second, counted at arrival). It starts
one reminder round for everyone (``remind_now``, as /remind does), wakes the dispatcher and
waits for the organiser's summary. The figures come from the fake server's call log:
reminders per second against the 30/s ceiling (goal ≥ 0.95), 429s (goal 0), peak memory.

The fake server runs in the same process and on the same event loop as the bot: its own
CPU (HTTP parsing, spec checks, the call log) counts against the bot's budget, so the
figures are a lower bound of what the bot does against the real Telegram.
With ``--database both`` each database runs in its own process, so peak memory is its own.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import os
import pstats
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, event, func, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.domain.dispatch import remind_now  # noqa: E402
from bot.domain.sessions import close_current  # noqa: E402
from bot.domain.workshops import create_workshop  # noqa: E402
from bot.questionnaires.loader import default_questionnaire  # noqa: E402
from bot.questionnaires.model import QuestionnaireKind  # noqa: E402
from bot.results.statuses import ResponseStatus
from bot.simulation.live_bot import LiveBot  # noqa: E402
from bot.storage import models  # noqa: E402
from bot.storage.engine import make_engine, make_session_factory  # noqa: E402
from bot.storage.migrations import upgrade_to_head  # noqa: E402
from bot.storage.models import Delivery, utcnow
from bot.telegram_bot.dispatcher import CLAIM_BATCH  # noqa: E402
from bot.telegram_bot.rate_limit import TelegramRateLimiter  # noqa: E402
from bot.telegram_bot.services import services_of  # noqa: E402
from telegram_sim.calls import ApiCall  # noqa: E402
from telegram_sim.flood import busiest_window  # noqa: E402
from telegram_sim.scratch_database import scratch_postgres_if_reachable  # noqa: E402

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CEILING = 30  # Telegram's overall limit, messages per second
GOAL_RATIO = 0.95
ORGANISER = 1
FIRST_PARTICIPANT = 1000
SETTLE_TIMEOUT = 120.0  # seconds after the last reminder for retries and the summary


# --- data ---------------------------------------------------------------------------------


def fill(engine: Engine, participants: int, seed: int = 1) -> tuple[int, dict[int, str]]:
    """A closed workshop whose participants all owe the evaluation: (workshop id, {user: language}).

    Half have not answered anything yet, half stopped part-way (``current_index``): the
    reminder reads only that index, so no answer rows are needed.
    """
    rng = random.Random(seed)
    factory = make_session_factory(engine)
    with factory() as db:
        organiser = models.User(id=ORGANISER, language="fr")
        db.add(organiser)
        workshop = create_workshop(db, organiser, "Atelier Open Data — Rabat")
        close_current(db, workshop)  # its session 1 closed, as /close leaves it (/remind needs it)
        db.commit()
        workshop_id, evaluation_id = workshop.id, workshop.evaluation_questionnaire_id
    questions = len(default_questionnaire(QuestionnaireKind.EVALUATION).questions)

    now = utcnow()
    languages = {FIRST_PARTICIPANT + n: rng.choice(["ar", "fr"]) for n in range(participants)}
    users = [{"id": uid, "language": language, "blocked_bot": False,
              "reminders_enabled": True, "created_at": now} for uid, language in languages.items()]
    people = [{"workshop_id": workshop_id, "user_id": uid, "joined_at": now} for uid in languages]
    with engine.begin() as connection:
        for table, rows in ((models.User, users), (models.Participant, people)):
            for start in range(0, len(rows), 20_000):
                connection.execute(insert(table), rows[start:start + 20_000])
        participant_ids = connection.execute(
            select(models.Participant.id).where(models.Participant.workshop_id == workshop_id)
        ).scalars().all()
        responses = []
        for participant_id in participant_ids:
            answered = 0 if rng.random() < 0.5 else rng.randint(1, questions - 1)
            responses.append({"participant_id": participant_id, "questionnaire_id": evaluation_id,
                              "kind": QuestionnaireKind.EVALUATION.value, "session_number": 1,
                              "status": ResponseStatus.IN_PROGRESS.value, "current_index": answered,
                              "send_attempts": 0, "created_at": now, "started_at": now, "touched_at": now})
        for start in range(0, len(responses), 20_000):
            connection.execute(insert(models.Response), responses[start:start + 20_000])
    # A database in service has planner statistics (autovacuum / ANALYZE); a bulk load has none.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    return workshop_id, languages


# --- meters -------------------------------------------------------------------------------


class DbMeter:
    """Wall time the application spends inside sessions — on the event loop's thread, where
    it blocks the loop, or in worker threads — SQL statements, the time the driver takes to
    execute them, and commits."""

    def __init__(self, engine: Engine) -> None:
        self.on_loop: list[float] = []  # session durations on the event loop's (main) thread
        self.in_threads: list[float] = []  # session durations in worker threads
        self.statements = 0
        self.statement_seconds = 0.0
        self.commits = 0
        self.on = False
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "commit", self._commit)

    def _before(self, conn: Any, *_: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn: Any, *_: Any) -> None:
        if self.on:
            self.statements += 1
            self.statement_seconds += time.perf_counter() - conn.info.pop("bench_started")

    def _commit(self, *_: Any) -> None:
        if self.on:
            self.commits += 1

    def session_factory(self, engine: Engine) -> sessionmaker[Session]:
        meter = self

        class TimedSession(Session):
            def __enter__(self) -> TimedSession:
                self._bench_started = time.perf_counter()
                return super().__enter__()  # type: ignore[return-value]

            def __exit__(self, *exc: Any) -> None:
                try:
                    super().__exit__(*exc)
                finally:
                    if meter.on:
                        on_loop = threading.current_thread() is threading.main_thread()
                        (meter.on_loop if on_loop else meter.in_threads).append(
                            time.perf_counter() - self._bench_started)

        return sessionmaker(engine, class_=TimedSession, expire_on_commit=False)


class LoopLag:
    """How late a 5 ms sleep wakes up: the event loop was busy (or blocked) meanwhile."""

    TICK = 0.005

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.TICK)
            self.lags.append(time.perf_counter() - before - self.TICK)

    async def stop(self) -> None:
        assert self._task is not None
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def current_rss_mib() -> float:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return float("nan")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- the run ------------------------------------------------------------------------------


@dataclass
class Figures:
    participants: int
    fill_seconds: float
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    first_after: float = 0.0  # from the wake to the first reminder's arrival
    summary_after: float = 0.0  # from the last reminder to the organiser's summary
    reminders: list[tuple[float, str]] = field(default_factory=list)  # (arrival, language) of each
    attempts: int = 0  # sendMessage calls aimed at participants, refused ones included
    refused: Counter[int] = field(default_factory=Counter)  # status → count
    chat_bound_peak: int = 0
    flood_rejections: int = 0
    limiter_retries: int = 0
    limiter_released: int = 0
    repeated: int = 0  # participants who got more than one reminder
    missing: int = 0  # participants who got none
    statuses: dict[str, int] = field(default_factory=dict)
    summary: str = ""
    rss_before: float = 0.0
    rss_after: float = 0.0
    rss_peak: float = 0.0
    heap_peak: float | None = None
    call_log_heap: float | None = None  # what the fake server's call log and transcript held
    gc_pauses: list[float] = field(default_factory=list)
    loop_lags: list[float] = field(default_factory=list)
    db: DbMeter | None = None
    server_errors: int = 0
    profile: str = ""


async def broadcast(url: str, participants: int, latency: float, trace: bool, profile: bool) -> Figures:
    engine = make_engine(url)
    upgrade_to_head(engine)
    started = time.perf_counter()
    workshop_id, languages = fill(engine, participants)
    figures = Figures(participants, time.perf_counter() - started)

    meter = DbMeter(engine)
    figures.db = meter
    settings = Settings(token="123456:TEST", organiser_ids=frozenset({ORGANISER}), reminder_delays=(3600,))
    async with LiveBot(meter.session_factory(engine), settings=settings, rate_limiter=True) as live:
        server, application = live.server, live.application
        assert application is not None
        # Everyone started the bot long ago: known chats, without injecting 10,000 updates.
        server.user(ORGANISER, "Organiser", language_code="fr").started = True
        for uid, language in languages.items():
            server.user(uid, f"P{uid}", language_code=language).started = True
        await live.settle()
        await asyncio.sleep(1.0)  # the dispatcher's first periodic look (0.5 s after start) is over
        await live.settle()
        limiter = application.bot.rate_limiter
        assert isinstance(limiter, TelegramRateLimiter)
        server.enforce_flood_limits(per_second=CEILING)
        server.set_latency(latency)
        dispatcher = services_of(application).dispatcher
        mark = len(server.calls)
        lag = LoopLag()
        lag.start()
        figures.rss_before = current_rss_mib()
        if trace:
            tracemalloc.start()
        profiler = cProfile.Profile() if profile else None
        gc_started: list[float] = []

        def gc_meter(phase: str, info: dict[str, int]) -> None:
            if info["generation"] != 2:
                return
            if phase == "start":
                gc_started.append(time.perf_counter())
            elif gc_started:
                figures.gc_pauses.append(time.perf_counter() - gc_started.pop())

        gc.callbacks.append(gc_meter)
        meter.on = True
        cpu, wall = time.process_time(), time.perf_counter()
        woke = time.monotonic()
        if profiler:
            profiler.enable()

        with live.session() as db:  # what /remind does
            workshop = db.get(models.Workshop, workshop_id)
            assert workshop is not None
            send = remind_now(db, workshop, QuestionnaireKind.EVALUATION.value, notify_chat_id=ORGANISER,
                              language="fr", now=utcnow(), worker=dispatcher.worker,
                              policy=settings.schedule_policy)
            db.commit()
        assert send.targets == participants, send
        dispatcher.kick(application)
        await dispatcher.wait_idle()
        # Retries after errors wait out a back-off: the summary says when everything settled.
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while not _summary(server.calls[mark:]) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        await dispatcher.wait_idle()

        if profiler:
            profiler.disable()
        figures.wall_seconds = time.perf_counter() - wall
        figures.cpu_seconds = time.process_time() - cpu
        meter.on = False
        figures.rss_after = current_rss_mib()
        figures.rss_peak = max_rss_mib()
        gc.callbacks.remove(gc_meter)
        await lag.stop()
        figures.loop_lags = lag.lags

        calls = server.calls[mark:]
        to_participants = [c for c in calls if c.method == "sendMessage" and c.chat_id != ORGANISER]
        figures.attempts = len(to_participants)
        figures.refused = Counter(c.status for c in to_participants if not c.ok)
        reminders = [c for c in to_participants if c.ok and str(c.params.get("text", "")).startswith("⏰")]
        figures.reminders = [(c.timestamp, _language(str(c.params["text"]))) for c in reminders]
        per_chat = Counter(c.chat_id for c in reminders)
        figures.repeated = sum(1 for n in per_chat.values() if n > 1)
        figures.missing = participants - len(per_chat)
        chat_bound = sorted(c.timestamp for c in calls if c.ok and "chat_id" in c.params)
        figures.chat_bound_peak = busiest_window(chat_bound)
        figures.flood_rejections = server.flood_rejections
        figures.limiter_retries = limiter.retry_after_count
        figures.limiter_released = limiter.released_count
        summary = _summary(calls)
        figures.summary = str(summary.params.get("text", "")) if summary else "(none received)"
        if figures.reminders:
            figures.first_after = figures.reminders[0][0] - woke
            if summary:
                figures.summary_after = summary.timestamp - figures.reminders[-1][0]
        figures.server_errors = len(server.errors)
        if trace:
            figures.heap_peak = tracemalloc.get_traced_memory()[1] / 2**20
            del calls, to_participants, reminders, summary
            held = tracemalloc.get_traced_memory()[0]
            server.calls.clear()
            server.transcript.clear()
            gc.collect()
            figures.call_log_heap = (held - tracemalloc.get_traced_memory()[0]) / 2**20
            tracemalloc.stop()
        with live.session() as db:
            figures.statuses = {str(s.value if hasattr(s, "value") else s): n for s, n in db.execute(
                select(Delivery.status, func.count()).where(Delivery.send_id == send.send_id)
                .group_by(Delivery.status)).all()}
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
            figures.profile = out.getvalue()
    engine.dispose()
    return figures


def _language(text: str) -> str:
    return "ar" if any("\u0600" <= ch <= "\u06ff" for ch in text) else "fr"


def _summary(calls: list[ApiCall]) -> ApiCall | None:
    for call in reversed(calls):
        if (call.ok and call.method == "sendMessage" and call.chat_id == ORGANISER
                and str(call.params.get("text", "")).startswith("📬")):
            return call
    return None


# --- report -------------------------------------------------------------------------------


def report(label: str, f: Figures, latency: float) -> None:
    n = len(f.reminders)
    stamps = [moment for moment, _ in f.reminders]
    span = stamps[-1] - stamps[0] if n > 1 else 0.0
    rate = (n - 1) / span if span > 0 else float("nan")
    ratio = rate / CEILING
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    lags = f.loop_lags
    languages = Counter(language for _, language in f.reminders)
    nominal = 1 / TelegramRateLimiter().overall_per_second
    stalls = [g for g in gaps if g > 1.5 * nominal]
    at_claims = sum(1 for i, g in enumerate(gaps, start=1) if g > 1.5 * nominal and i % CLAIM_BATCH == 0)
    ok = lambda good: "ok" if good else "MISSED"  # noqa: E731
    print(f"\n{label}: {f.participants:,} participants, one reminder each "
          f"(filled in {f.fill_seconds:.1f} s; fake server latency {latency * 1000:.0f} ms per call)")
    print(f"  throughput      {rate:6.2f} reminders/s over {span:.1f} s = {ratio:.3f} of the {CEILING}/s ceiling "
          f"(goal ≥ {GOAL_RATIO}) {ok(ratio >= GOAL_RATIO)}")
    print(f"  429s received   {f.flood_rejections} answered by the server, {f.limiter_retries} seen by the rate limiter "
          f"(goal 0) {ok(f.flood_rejections == 0)}")
    print(f"  peak memory     {f.rss_peak:.0f} MiB max RSS of the process; RSS {f.rss_before:.0f} → {f.rss_after:.0f} MiB "
          f"over the send" + (f"; Python allocations during the send peaked at {f.heap_peak:.1f} MiB (tracemalloc), "
                              f"the fake server's call log and transcript held {f.call_log_heap:.1f} MiB"
                              if f.heap_peak is not None else ""))
    print(f"  delivered       {n:,} reminders to {f.participants - f.missing:,} participants "
          f"({f.missing} missing, {f.repeated} twice); {f.attempts:,} sendMessage attempts, "
          f"refused: {dict(f.refused) or 'none'}; fake server errors: {f.server_errors}")
    print(f"  pacing          busiest second {f.chat_bound_peak} chat-bound calls (limit {CEILING}); gap between "
          f"reminders median {statistics.median(gaps) * 1000 if gaps else float('nan'):.1f} ms, "
          f"p99 {percentile(gaps, 0.99) * 1000:.1f} ms, max {max(gaps, default=0) * 1000:.0f} ms; "
          f"limiter released {f.limiter_released:,} requests")
    print(f"  lost time       {sum(gaps) - len(gaps) * nominal:.2f} s beyond the limiter's {nominal * 1000:.1f} ms spacing "
          f"(at that spacing {1 / nominal / CEILING:.3f} of the ceiling at best): {len(stalls)} gaps over {1.5 * nominal * 1000:.0f} ms "
          f"cost {sum(g - nominal for g in stalls):.2f} s ({at_claims} of them where a batch of {CLAIM_BATCH} is claimed)")
    print(f"  time            {f.wall_seconds:.1f} s from /remind to the summary: first reminder after "
          f"{f.first_after * 1000:.0f} ms, summary {f.summary_after * 1000:.0f} ms after the last reminder")
    print(f"  CPU             {f.cpu_seconds:.1f} s for the bot AND the fake server (one process, one event loop) "
          f"= {f.cpu_seconds / f.wall_seconds:.0%} of one core; {f.cpu_seconds / max(n, 1) * 1000:.2f} ms per reminder; "
          f"load average {os.getloadavg()[0]:.2f} at the end")
    print(f"  event loop      late wake-ups of a 5 ms sleep: median {percentile(lags, 0.5) * 1000:.1f} ms, "
          f"p99 {percentile(lags, 0.99) * 1000:.1f} ms, max {max(lags, default=0) * 1000:.0f} ms; "
          f"{len(f.gc_pauses)} full garbage collections, {sum(f.gc_pauses) * 1000:.0f} ms in all, "
          f"longest {max(f.gc_pauses, default=0) * 1000:.0f} ms")
    if f.db is not None:
        db = f.db
        for where, held in (("on the event loop", db.on_loop), ("in worker threads", db.in_threads)):
            if held:
                print(f"  database        {len(held):,} sessions {where}: {sum(held):.1f} s "
                      f"({sum(held) / max(n, 1) * 1000:.2f} ms per reminder; each median "
                      f"{percentile(held, 0.5) * 1000:.1f} ms, p99 {percentile(held, 0.99) * 1000:.1f} ms, "
                      f"max {max(held, default=0) * 1000:.0f} ms)")
        print(f"  SQL             {db.statements:,} statements ({db.statements / max(n, 1):.1f} per reminder, "
              f"{db.statement_seconds:.1f} s in the driver), {db.commits:,} commits")
    print(f"  deliveries      {f.statuses} (texts: {dict(languages)})")
    print("  summary         " + f.summary.replace("\n", "\n                  "))
    if f.profile:
        print("  profile (send phase, by own time):")
        print("\n".join("    " + line for line in f.profile.strip().splitlines()))




def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--database", default="sqlite", help="sqlite, postgresql, both, or a PostgreSQL URL")
    parser.add_argument("--postgres-url", default=POSTGRES)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the fake server waits before each call")
    parser.add_argument("--tracemalloc", action="store_true", help="also the Python heap peak (slows the run)")
    parser.add_argument("--profile", action="store_true", help="cProfile the send phase (slows the run)")
    args = parser.parse_args(argv)
    if args.database != "both":  # each child of "both" says it for itself
        print(f"bench/broadcast.py — Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
              f"{os.getloadavg()[0]:.2f}; the fake Bot API server shares the bot's process and event loop")
    if args.database == "both":  # one process per database: each peak memory is its own
        common = [f"--participants={args.participants}", f"--latency={args.latency}",
                  f"--postgres-url={args.postgres_url}"]
        common += ["--tracemalloc"] * args.tracemalloc + ["--profile"] * args.profile
        codes = []
        for database in ("sqlite", "postgresql"):
            sys.stdout.flush()
            done = subprocess.run([sys.executable, __file__, f"--database={database}", *common], check=False)
            codes.append(done.returncode)
        return max(codes)
    if args.database == "sqlite":
        folder = tempfile.mkdtemp(prefix="wbbench-")
        figures = asyncio.run(broadcast(f"sqlite:///{folder}/bench.sqlite3", args.participants, args.latency,
                                        args.tracemalloc, args.profile))
        report("SQLite", figures, args.latency)
    elif args.database in ("postgres", "postgresql") or args.database.startswith("postgresql"):
        pg_url = args.database if args.database.startswith("postgresql+") or "://" in args.database \
            else args.postgres_url
        with scratch_postgres_if_reachable(pg_url) as url:
            if url is None:
                return 1
            figures = asyncio.run(broadcast(url, args.participants, args.latency, args.tracemalloc, args.profile))
        report("PostgreSQL", figures, args.latency)
    else:
        parser.error(f"--database: {args.database!r} is not sqlite, postgresql, both or a PostgreSQL URL")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
