"""Sends what the schedule says is due: reminder rounds, the follow-up survey, retries.

APScheduler (PTB's JobQueue) only wakes the dispatcher — every ``dispatch_interval`` and
exactly when the next planned send falls due; the database decides what is due. Each wake
claims due sends and reminders in short transactions (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL), so any number of bot processes can run side by side, a restart resumes where
the last process stopped, and overdue items go out once however many ticks were missed.
Reminders go out concurrently; the rate limiter keeps them under Telegram's limits.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from bot.clock import utcnow
from bot.config import Settings
from bot.domain import dispatch
from bot.domain.updates import KEEP_SECONDS, prune_processed_updates
from bot.i18n import translator
from bot.rendering import keyboards, texts
from bot.results.organisers import Recipient
from bot.storage.engine import DbSession, is_unavailable, log_background_failure, on_loop, unavailable_reason
from bot.telegram_bot.outbox import Outbox
from bot.telegram_bot.rate_limit import BROADCAST, Reservation, TelegramRateLimiter, background_args
from bot.telegram_bot.retention import RetentionJob
from bot.telegram_bot.services import services_of

log = logging.getLogger(__name__)
T = TypeVar("T")

CLAIM_BATCH = 32  # reminders leased per transaction: about a second of sending, well within the lease
CONCURRENCY = 32  # reminders in flight at once; the rate limiter does the pacing
WAKE_JOB = "dispatch-wake"
PRUNE_EVERY = timedelta(hours=1)  # handled update ids are forgotten after a day, checked hourly


def worker_name() -> str:
    """Who claimed a row: host, process and a random part (two runs never share one)."""
    return f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dispatcher:
    def __init__(
        self, settings: Settings, session_factory: Callable[[], DbSession], outbox: Outbox, *, timers: bool = True
    ) -> None:
        self._settings = settings
        self._timers = timers  # False: whoever drives the clock also kicks (LiveBot.advance)
        self._session_factory = session_factory
        self._on_loop = on_loop(session_factory)  # passes on the event loop: a short lock wait
        self._outbox = outbox
        self.worker = worker_name()
        self._lease = timedelta(seconds=settings.delivery_lease)
        self._lock = asyncio.Lock()
        self._running = 0
        self._again = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._pruned_at: datetime | None = None
        self._retention = RetentionJob(settings, session_factory)

    def kick(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Look at the schedule now, in the background (a wake during a run runs again after)."""
        if self._running:
            self._again = True
            return
        self._running += 1
        self._idle.clear()
        application.create_task(self._run(application), name="dispatcher")

    async def wait_idle(self) -> None:
        await self._idle.wait()

    async def _run(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        try:
            while True:
                self._again = False
                try:
                    await self.run_once(application.bot)
                except Exception as error:
                    log_background_failure(log, "dispatcher run", error)
                if not self._again:
                    break
            try:
                self._schedule_wake(application)
            except Exception as error:  # the periodic tick wakes it anyway
                log_background_failure(log, "dispatcher wake-up planning", error)
        finally:
            self._running -= 1
            if self._running == 0:
                self._idle.set()

    async def run_once(self, bot: Bot) -> None:
        """One pass: start due sends, send queued questionnaires and reminders, report."""
        async with self._lock:
            with self._on_loop() as db:
                started = dispatch.claim_due_sends(db, utcnow(), self.worker, self._settings.schedule_policy)
                db.commit()
            for send in started:
                log.info("send %s (%s) started: %d targets", send.send_id, send.purpose.value, send.targets)
            self._prune_updates()
            await self._outbox.drain_locked(bot)
            await self._send_reminders(bot)
            await self._report(bot)
            await self._retention.run(bot)

    def _prune_updates(self) -> None:
        """Forget handled update ids older than a day (Telegram stops redelivering sooner)."""
        now = utcnow()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        with self._on_loop() as db:
            removed = prune_processed_updates(db, now - timedelta(seconds=KEEP_SECONDS))
            db.commit()
        self._pruned_at = now
        if removed:
            log.info("forgot %d handled update ids older than a day", removed)

    async def _send_reminders(self, bot: Bot) -> None:
        """Keep up to CONCURRENCY reminders in flight; lease the next batch before a lull.

        The next batch is claimed as soon as the last reminder of the current one has a
        slot, while others are still on their way, so the rate limiter never waits on the
        database between batches.
        """
        slots = asyncio.Semaphore(CONCURRENCY)
        in_flight: set[asyncio.Task[None]] = set()
        failures: list[BaseException] = []  # every task's error is read (none "never retrieved")

        def finished(task: asyncio.Task[None]) -> None:
            in_flight.discard(task)
            slots.release()
            if not task.cancelled() and task.exception() is not None:
                failures.append(task.exception())  # type: ignore[arg-type]

        try:
            while True:
                with self._on_loop() as db:
                    ids = dispatch.claim_deliveries(db, utcnow(), self.worker, CLAIM_BATCH, self._lease)
                    db.commit()
                if not ids:
                    break
                for delivery_id in ids:
                    await slots.acquire()
                    task = asyncio.create_task(self._send_one(bot, delivery_id))
                    in_flight.add(task)
                    task.add_done_callback(finished)
        finally:  # a failed claim (the database went away) still waits for what is on its way
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)
        if failures:  # one error for the run's log line; the leases bring the others back
            raise failures[0]

    async def _send_one(self, bot: Bot, delivery_id: int) -> None:
        """Send one reminder, unless it is no longer wanted, and record how it went.

        The database work runs in a worker thread: a slow commit (a SQLite checkpoint, a
        busy PostgreSQL) must not stall the event loop while released messages are on
        their way, or they would reach Telegram bunched together.
        """
        job = await self._in_session(dispatch.prepare_reminder, delivery_id, self.worker, utcnow(), self._lease)
        if job is None:
            return
        limiter = getattr(bot, "rate_limiter", None)
        rate_limit_args: dict[str, Any] | None = None
        reservation: Reservation | None = None
        try:
            if isinstance(limiter, TelegramRateLimiter):
                # Wait for the slot first, then look again: a participant who finished (or
                # answered more) while this reminder queued must not read yesterday's progress.
                reservation = await limiter.reserve(job.chat_id, broadcast=True)
                job = await self._in_session(dispatch.prepare_reminder, delivery_id, self.worker, utcnow(), self._lease)
                if job is None:
                    return
                rate_limit_args = {**BROADCAST, "reserved": reservation}
            elif limiter is not None:
                rate_limit_args = BROADCAST
            tr = translator(job.language)
            try:
                await bot.send_message(
                    job.chat_id,
                    texts.reminder_text(tr, job),
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboards.reminder_keyboard(tr, job.response_id, started=job.answered > 0),
                    rate_limit_args=rate_limit_args,
                )
            except Forbidden:
                await self._in_session(dispatch.record_blocked, delivery_id, job.chat_id)
                log.info("reminder %s: user %s blocked the bot", delivery_id, job.chat_id)
            except TelegramError as error:
                retried = await self._in_session(
                    dispatch.record_failure, delivery_id, f"{type(error).__name__}: {error}", utcnow(),
                    retry=not isinstance(error, BadRequest), backoff_seconds=self._settings.retry_backoff,
                )
                log.warning("reminder %s to %s failed (%s)%s", delivery_id, job.chat_id, error,
                            "; will retry" if retried else "; giving up")
            else:
                await self._record_sent(delivery_id)
        finally:  # not sent after all (job gone, an error first): free the slot; else a no-op
            if reservation is not None:
                reservation.cancel()

    async def _record_sent(self, delivery_id: int) -> None:
        """Record a reminder Telegram accepted, through a database outage if need be: only
        this process knows it went out, and an unrecorded one is sent again once its lease
        ends. Retried for up to half the lease, well before another process may retake it."""
        sent_at = utcnow()
        give_up = asyncio.get_running_loop().time() + self._lease.total_seconds() / 2
        pause = 0.2
        while True:
            try:
                await self._in_session(dispatch.record_sent, delivery_id, sent_at)
                return
            except Exception as error:
                if not is_unavailable(error) or asyncio.get_running_loop().time() + pause > give_up:
                    raise
                if pause == 0.2:  # one line per reminder, not per attempt
                    log.warning("reminder %s sent, not yet recorded: database unavailable (%s); retrying",
                                delivery_id, unavailable_reason(error))
                await asyncio.sleep(pause)
                pause = min(pause * 2, 2.0)

    async def _in_session(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``work(db, *args, **kwargs)`` in its own session and transaction, in a worker thread."""

        def run() -> T:
            with self._session_factory() as db:
                result = work(db, *args, **kwargs)
                db.commit()
                return result

        return await asyncio.to_thread(run)

    async def _report(self, bot: Bot) -> None:
        """Tell the organisers how each finished send went."""
        with self._on_loop() as db:
            summaries = dispatch.finish_sends(db, utcnow())
            db.commit()
        for summary in summaries:
            for recipient in summary.recipients or (Recipient(summary.notify_chat_id, summary.notify_language),):
                try:
                    await bot.send_message(recipient.chat_id, texts.send_summary(translator(recipient.language), summary),
                                           parse_mode=ParseMode.HTML, rate_limit_args=background_args(bot))
                except TelegramError as error:
                    log.warning("could not tell chat %s how a send went: %s", recipient.chat_id, error)

    def _schedule_wake(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Wake exactly when the next thing falls due, if that is before the next tick."""
        job_queue = application.job_queue
        if job_queue is None or not self._timers:
            return
        with self._on_loop() as db:
            wake = dispatch.next_wakeup(db, utcnow())
        if wake is None:
            return
        delay = (wake - utcnow()).total_seconds()
        if delay >= self._settings.dispatch_interval:
            return
        for job in job_queue.get_jobs_by_name(WAKE_JOB):
            job.schedule_removal()
        job_queue.run_once(dispatch_job, when=timedelta(seconds=max(delay, 0.05)), name=WAKE_JOB)


async def dispatch_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """JobQueue callback: wake the dispatcher."""
    services_of(context.application).dispatcher.kick(context.application)
