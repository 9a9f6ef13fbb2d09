"""Our rate limiter for python-telegram-bot: replies first, broadcasts under Telegram's limits.

Telegram answers ``429 Too Many Requests`` (with ``parameters.retry_after``, the seconds
to wait) when a bot sends more than about 30 messages a second overall, more than about
one a second to the same chat, or more than 20 a minute to the same group. A flood wait
applies to the whole bot, not to one chat. PTB's ``AIORateLimiter`` uses leaky buckets and
treats every request alike; this one:

* lets at most 29 requests that target a chat (just under Telegram's 30) *arrive* in any
  second: Telegram counts at arrival, which lies somewhere between our release of a request
  and its completion (its answer, or its error). So each request holds a slot of a 1-second
  window from its release while it is in flight, and until a second after it completes
  (``_Window`` has the proof). Counting releases only, as this limiter once did, was not
  enough: the HTTP client of a busy process can bunch requests released 34 ms apart, and
  31 arrivals fell into one second now and then (a 429, holding the whole bot a second).
  The price is the round trip: 29 requests a second become 29 / (1 + d) for round trips of
  d seconds, 28 and more at the usual 10-30 ms. Releases are also spaced by at least
  1/29 s, so a burst does not leave all at once;
* hands each slot of that window to a waiting *interactive* request (a reply to someone
  who just tapped or typed) before any *background* one (reminders, queued questionnaires
  sent by the outbox, live progress edits, send summaries, retention notices), first come
  first served within each class. Background requests say so with
  ``rate_limit_args={"background": True}`` (or ``{"broadcast": True}``, below), or are sent
  inside ``background_sending()`` (the outbox: ``questionnaire_flow.deliver`` is shared with
  a participant's own /start). There is no ageing: a background request waits as long as
  replies take every slot. That is the choice, not an oversight: the people in the room
  come first, their traffic is bounded (each waits for the reply before tapping again) and
  ends, and a round that pauses meanwhile loses nothing (it is in the database);
* spaces *broadcast* requests (``rate_limit_args={"broadcast": True}``: background, and
  many to one chat could come back to back) to the same chat by ``per_chat_interval``,
  while direct replies to a user's tap go out at once;
* keeps each group (negative ``chat_id``, or an ``@username``) to 20 requests a minute,
  counted the same way (in flight, then a minute after completion);
* after a 429 holds every chat-bound request, replies too, for ``retry_after`` (plus a
  margin), then retries the failed one, at most ``max_retries`` times.

Requests without a ``chat_id`` (getMe, answerCallbackQuery, setMyCommands…) are never
throttled; PTB never passes getUpdates to a rate limiter.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import contextvars
import datetime as dt
import logging
import math
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable, Coroutine, Hashable, Iterator
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

__all__ = [
    "BACKGROUND",
    "BROADCAST",
    "Reservation",
    "TelegramRateLimiter",
    "background_args",
    "background_sending",
]

log = logging.getLogger(__name__)

RETRY_MARGIN = 0.1  # seconds added to a 429's retry_after before retrying
MAX_CATCH_UP = 0.002  # seconds of release lateness the pacing makes up
OVERALL_PERIOD = 1.0
GROUP_PERIOD = 60.0

ChatKey = int | str
JSONDict = dict[str, Any]
Callback = Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]]

# rate_limit_args of background requests: BACKGROUND waits behind replies; BROADCAST also
# keeps a second between two requests to one chat (a reminder round, many in a row)
BACKGROUND: dict[str, bool] = {"background": True}
BROADCAST: dict[str, bool] = {"broadcast": True}

# True inside ``background_sending()``: every chat-bound request of that task is background
_background_context: contextvars.ContextVar[bool] = contextvars.ContextVar("background_sending", default=False)


@contextlib.contextmanager
def background_sending() -> Iterator[None]:
    """Mark every request sent in this block (by this task, and tasks it starts) as background.

    For code shared with handlers, such as ``questionnaire_flow.deliver``: the outbox sends
    through it in the background, a participant's own /start through it interactively.
    The mark lives in a context variable, so it stays with the task that set it.
    """
    token = _background_context.set(True)
    try:
        yield
    finally:
        _background_context.reset(token)


def background_args(bot: object, *, broadcast: bool = False) -> dict[str, bool] | None:
    """``rate_limit_args`` for a background request, or None when ``bot`` has no rate limiter
    (PTB refuses ``rate_limit_args`` then, and there is nothing to order)."""
    if getattr(bot, "rate_limiter", None) is None:
        return None
    return dict(BROADCAST if broadcast else BACKGROUND)


class _Window:
    """At most ``limit`` requests counted: each from its release while it is in flight, and
    for ``period`` after it completes (returns or raises).

    Why that bounds *arrivals* (a request reaches the server at some instant a between its
    release r and its completion c): take any window W = (t - period, t] and, among the
    requests arriving in W, the one released last, k. Every other request i arriving in W
    was released before r_k, and at r_k it was either in flight or had completed at
    c_i >= a_i > t - period >= r_k - period (as r_k <= a_k <= t): it was counted. k was
    released only while fewer than ``limit`` were counted, so at most ``limit`` arrive in W.
    A window of release times bounds releases only: requests released 34 ms apart can
    still arrive together.

    A cancelled slot (reserved, then nothing sent) had no arrival: it stops counting at once.
    """

    def __init__(self, limit: int, period: float) -> None:
        self.limit: int = limit
        self.period: float = period
        self.in_flight: int = 0
        self._completions: list[float] = []  # completion times within the last period, sorted
        self._waiters: list[asyncio.Future[None]] = []

    def count(self, now: float) -> int:
        """Requests counted at ``now``: in flight, or completed within the last period."""
        expired = 0
        for completed in self._completions:
            if completed + self.period > now:
                break
            expired += 1
        del self._completions[:expired]
        return self.in_flight + len(self._completions)

    def delay(self, now: float) -> float:
        """Seconds to wait before one more release fits: 0 when it fits now, ``inf`` when only
        a completion can make room (wait for ``completion()``)."""
        excess = self.count(now) - self.limit + 1  # counted requests that must leave first
        if excess <= 0:
            return 0.0
        if excess > len(self._completions):
            return math.inf
        return self._completions[excess - 1] + self.period - now

    async def until_free(self) -> None:
        """Return once one more release fits."""
        while True:
            delay = self.delay(time.monotonic())
            if delay <= 0:
                return
            if delay == math.inf:
                await self.completion()
            else:
                await asyncio.sleep(delay)

    async def completion(self) -> None:
        """Return at the next completion or cancellation of a slot."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            with contextlib.suppress(ValueError):  # _wake() may have dropped it already
                self._waiters.remove(waiter)

    def take(self) -> None:
        self.in_flight += 1

    def complete(self, now: float) -> None:
        self.in_flight -= 1
        bisect.insort(self._completions, now)  # completions may come in any order
        self._wake()

    def cancel(self) -> None:
        self.in_flight -= 1
        self._wake()

    def stale(self, now: float) -> bool:
        """Nothing counted any more: the window can be forgotten."""
        return self.count(now) == 0

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            _resolve_soon(waiter)


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _resolve_soon(waiter: asyncio.Future[None]) -> None:
    """Wake ``waiter`` from its loop, or from anywhere (``Reservation.__del__`` may run in
    another thread, when the garbage collector finds a forgotten reservation there)."""
    loop = waiter.get_loop()
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        _resolve(waiter)
    else:
        with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits any more
            loop.call_soon_threadsafe(_resolve, waiter)


class Reservation:
    """One released chat-bound request's slot of the overall window (and of its group's).

    Counted from the release while the request is in flight; ``complete()`` when the request
    has its answer or its error (it arrived by then, if at all): counted for a period more.
    ``cancel()`` when nothing was sent with it: free at once. Both are idempotent, the first
    call wins, so a ``finally: reservation.cancel()`` after the request is always right.

    ``TelegramRateLimiter.reserve`` hands one out; the request that uses it passes it as
    ``rate_limit_args={..., "reserved": reservation}`` and the limiter completes it when that
    request completes. One dropped without either is completed when it is garbage-collected:
    late, which is safe, rather than never.
    """

    __slots__ = ("_done", "_windows")

    def __init__(self, windows: tuple[_Window, ...]) -> None:
        self._done = True  # until the slots are taken: __del__ must not give back what it lacks
        self._windows = windows
        for window in windows:
            window.take()
        self._done = False

    @property
    def done(self) -> bool:
        """Completed or cancelled: it counts as in flight no more."""
        return self._done

    def complete(self) -> None:
        """The request is answered or failed: its slots count for a period from now."""
        if self._done:
            return
        self._done = True
        now = time.monotonic()
        for window in self._windows:
            window.complete(now)

    def cancel(self) -> None:
        """Nothing was sent with this slot: free it now (after ``complete()``: nothing)."""
        if self._done:
            return
        self._done = True
        for window in self._windows:
            window.cancel()

    def __del__(self) -> None:
        try:
            self.complete()
        except Exception:  # noqa: S110 - interpreter shutdown: nothing left to count for
            pass

    def __repr__(self) -> str:
        return f"<Reservation {'done' if self._done else 'in flight'}>"


class _KeyedLocks:
    """One FIFO lock per key, forgotten as soon as nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class _PriorityGate:
    """Whose turn it is to take the next slot of the overall window.

    One holder at a time, like the FIFO ``asyncio.Lock`` it replaces; the holder sleeps until
    the slot is due, then takes it or gives way. When the holder leaves, the turn goes to the
    oldest interactive waiter, else the oldest background one.
    """

    def __init__(self) -> None:
        self._waiting: tuple[deque[asyncio.Future[None]], deque[asyncio.Future[None]]] = (deque(), deque())
        self._held = False

    def interactive_waiting(self) -> bool:
        return any(not waiter.done() for waiter in self._waiting[0])

    def waiting(self, *, background: bool) -> int:
        """Requests of that class waiting for their turn (tests and benchmarks read it)."""
        return sum(not waiter.done() for waiter in self._waiting[background])

    @property
    def held(self) -> bool:
        return self._held

    async def enter(self, *, background: bool, first: bool = False) -> None:
        """Wait for the turn; ``first``: at the head of its class (it had the turn and gave way)."""
        if not self._held:  # nobody waits either: leave() hands the turn straight on
            self._held = True
            return
        queue = self._waiting[background]
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if first:
            queue.appendleft(waiter)
        else:
            queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.leave()  # given the turn just as it was cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):  # leave() may have dropped it already
                    queue.remove(waiter)
            raise

    def leave(self) -> None:
        for queue in self._waiting:  # interactive first
            while queue:
                waiter = queue.popleft()
                if not waiter.done():  # a cancelled waiter is skipped
                    waiter.set_result(None)
                    return
        self._held = False


def _chat_key(chat_id: object) -> ChatKey:
    """The same key for ``123`` and ``"123"``; usernames stay strings."""
    if isinstance(chat_id, int):
        return chat_id
    text = str(chat_id)
    try:
        return int(text)
    except ValueError:
        return text


def _is_group(key: ChatKey) -> bool:
    # Groups and supergroups have negative ids; a string id can only name a channel or a
    # supergroup by @username (as PTB's AIORateLimiter, both are treated as groups).
    return isinstance(key, str) or key < 0


def _retry_after_seconds(error: RetryAfter) -> float:
    """The delay a 429 asked for, whether PTB exposes it as a timedelta or as seconds."""
    # PTB >= 22.2 keeps a timedelta in ``_retry_after``; reading the public ``retry_after``
    # emits a deprecation warning and returns int/float (or a timedelta with PTB_TIMEDELTA).
    value: object = getattr(error, "_retry_after", None)
    if value is None:
        value = error.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, (int, float)):
        return float(value)
    raise TypeError(f"unexpected retry_after: {value!r}")


class TelegramRateLimiter(BaseRateLimiter[dict[str, Any]]):
    """Overall limit on arrivals served replies first, per-chat spacing for broadcasts,
    per-group limit, 429 retry.

    ``retry_after_count`` counts the 429s received; ``released_count`` counts the requests
    handed to Telegram (each retry counts again, and so does a reservation, used or not).
    """

    def __init__(
        self,
        overall_per_second: int = 29,
        per_chat_interval: float = 1.0,
        group_per_minute: int = 20,
        max_retries: int = 3,
    ) -> None:
        if overall_per_second < 1 or group_per_minute < 1:
            raise ValueError("overall_per_second and group_per_minute must be at least 1")
        if per_chat_interval < 0 or max_retries < 0:
            raise ValueError("per_chat_interval and max_retries must not be negative")
        self.overall_per_second: int = overall_per_second
        self.per_chat_interval: float = per_chat_interval
        self.group_per_minute: int = group_per_minute
        self.max_retries: int = max_retries
        self.retry_after_count: int = 0
        self.released_count: int = 0
        self._overall = _Window(overall_per_second, OVERALL_PERIOD)
        self._gate = _PriorityGate()  # whose turn for the next overall slot: replies first
        self._overall_gap: float = OVERALL_PERIOD / overall_per_second
        # The ideal time of the next chat-bound release: it advances by one gap per release
        # (not from the actual, slightly late release), so timer lateness does not add up.
        self._next_slot: float = 0.0
        # no chat-bound request is released before this monotonic time (after a 429)
        self._flood_until: float = 0.0
        # last release per chat, oldest first, entries older than per_chat_interval dropped
        self._last_release: OrderedDict[ChatKey, float] = OrderedDict()
        self._chat_locks = _KeyedLocks()  # FIFO among broadcasts to one chat
        # group windows, least recently used first, dropped once empty
        self._groups: OrderedDict[ChatKey, _Window] = OrderedDict()
        self._group_locks = _KeyedLocks()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Wait for a slot, call ``callback``; after a 429 wait ``retry_after`` and retry.

        The slot is completed when the callback returns or raises (a 429, a network error, a
        cancellation): the request arrived by then, if at all. A retry takes a new slot.
        """
        chat_id = data.get("chat_id")
        key = None if chat_id is None else _chat_key(chat_id)
        options = rate_limit_args if isinstance(rate_limit_args, dict) else {}
        broadcast = options.get("broadcast") is True
        background = broadcast or options.get("background") is True or _background_context.get()
        # the slot ``reserve`` took before the message was made (a retry takes its own)
        reserved = options.get("reserved")
        slot = reserved if isinstance(reserved, Reservation) and not reserved.done else None
        attempt = 0
        while True:
            if slot is None:
                if key is None:
                    self.released_count += 1
                else:
                    slot = await self._acquire(key, broadcast, background)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                self.retry_after_count += 1
                if attempt >= self.max_retries:
                    log.warning(
                        "%s: still rate limited after %d retries, giving up", endpoint, attempt
                    )
                    raise
                attempt += 1
                pause = _retry_after_seconds(error) + RETRY_MARGIN
                log.info("%s: 429, retrying in %.1f s (attempt %d)", endpoint, pause, attempt)
                # Telegram's flood wait is per bot: hold every chat-bound request meanwhile
                self._flood_until = max(self._flood_until, time.monotonic() + pause)
            finally:
                if slot is not None:
                    slot.complete()  # the refused attempt arrived too: it counts a second more
            slot = None
            await asyncio.sleep(pause)

    async def reserve(
        self, chat_id: int | str, *, broadcast: bool = False, background: bool = False
    ) -> Reservation:
        """Wait for a slot to ``chat_id`` now and take it; the request that follows carries it:
        ``rate_limit_args={..., "reserved": reservation}``. When none follows (the message is
        no longer wanted, an error came first), ``reservation.cancel()``: best in a
        ``finally`` after the request, where it does nothing if the request completed it.

        For a message whose content depends on when it leaves (a reminder saying "you
        answered 8 of 13"): the sender waits here, then reads the database and makes the
        message, so nothing it says is older than the wait. The slot is in flight meanwhile.
        A broadcast is background.
        """
        background = broadcast or background or _background_context.get()
        return await self._acquire(_chat_key(chat_id), broadcast, background)

    async def _acquire(self, key: ChatKey, broadcast: bool, background: bool) -> Reservation:
        """Return once a request to chat ``key`` may be released: its slot, in flight."""
        group = _is_group(key)
        async with contextlib.AsyncExitStack() as stack:
            if broadcast:
                await stack.enter_async_context(self._chat_locks.hold(key))
            if group:
                await stack.enter_async_context(self._group_locks.hold(key))
            gave_way = False
            while True:
                if broadcast:  # per-chat spacing first, without holding the turn
                    await _sleep(self._chat_delay(key, time.monotonic()))
                if group:  # only this task releases to the group: its window can only free up
                    await self._group_window(key).until_free()
                await self._gate.enter(background=background, first=gave_way)
                try:
                    while True:
                        now = time.monotonic()
                        wait = max(
                            self._flood_until - now,
                            self._overall.delay(now),
                            self._next_slot - now,
                        )
                        if wait <= 0:
                            break
                        if wait == math.inf:  # every counted slot is in flight: until one completes
                            await self._overall.completion()
                        else:
                            await asyncio.sleep(wait)
                    # a reply queued while this one slept for the slot: the slot is the reply's,
                    # and this one waits for the next at the head of the background class
                    gave_way = background and self._gate.interactive_waiting()
                    if gave_way:
                        continue
                    # a non-broadcast request to this chat may have gone out meanwhile
                    if broadcast and self._chat_delay(key, now) > 0:
                        continue
                    # taken before _release forgets idle group windows: this one is busy now
                    slot = Reservation((self._overall, self._group_window(key)) if group else (self._overall,))
                    self._release(key, group, now)
                    return slot
                finally:
                    self._gate.leave()

    def _chat_delay(self, key: ChatKey, now: float) -> float:
        last = self._last_release.get(key)
        return 0.0 if last is None else last + self.per_chat_interval - now

    def _group_window(self, key: ChatKey) -> _Window:
        window = self._groups.get(key)
        if window is None:
            window = self._groups[key] = _Window(self.group_per_minute, GROUP_PERIOD)
        return window

    def _release(self, key: ChatKey, group: bool, now: float) -> None:
        """Book-keeping of a release at ``now`` (its slots are taken by ``_acquire``)."""
        behind = now - self._next_slot
        # Timer lateness (about a millisecond) is made up; a real stall is not, so released
        # messages never bunch up against Telegram's per-second count.
        self._next_slot = (now if behind > MAX_CATCH_UP else self._next_slot) + self._overall_gap
        self._last_release[key] = now
        self._last_release.move_to_end(key)
        while self._last_release:  # oldest first: drop what can no longer delay anyone
            oldest_key, oldest = next(iter(self._last_release.items()))
            if oldest + self.per_chat_interval > now:
                break
            del self._last_release[oldest_key]
        if group:
            self._groups.move_to_end(key)
        while self._groups:
            oldest_key, window = next(iter(self._groups.items()))
            if not window.stale(now):
                break
            del self._groups[oldest_key]
        self.released_count += 1


async def _sleep(seconds: float) -> None:
    if seconds > 0:
        await asyncio.sleep(seconds)
