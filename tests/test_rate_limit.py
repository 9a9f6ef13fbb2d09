"""The rate limiter keeps broadcasts under Telegram's limits; the fake server enforces them.

Every test sends through python-telegram-bot's real ``ExtBot`` and HTTP stack to the fake
Bot API server, and checks pacing against the server's own call log (``ApiCall.timestamp``
is the monotonic arrival time). Telegram counts at arrival, so checks on spacing allow a
few milliseconds of loopback jitter (``JITTER``); the limiter's real safety margin is
29/s against Telegram's 30/s.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from telegram.error import Forbidden, RetryAfter
from telegram.ext import ExtBot

from bot.telegram_bot.rate_limit import TelegramRateLimiter
from telegram_sim import FakeBotApi, FakeUser
from telegram_sim.calls import ApiCall
from telegram_sim.flood import busiest_window

JITTER = 0.03  # seconds of arrival jitter tolerated when checking spacing at the server
BROADCAST = {"broadcast": True}



@asynccontextmanager
async def connected(
    server: FakeBotApi, limiter: TelegramRateLimiter | None
) -> AsyncIterator[ExtBot[None]]:
    bot: ExtBot[None] = ExtBot(
        token=server.token,
        base_url=f"{server.url}/bot",
        base_file_url=f"{server.url}/file/bot",
        rate_limiter=limiter,
    )
    async with bot:  # initialize() (its getMe goes through the limiter too) ... shutdown()
        yield bot


async def known_users(server: FakeBotApi, count: int, first_id: int = 1000) -> list[FakeUser]:
    """Users who wrote to the bot first (a bot can't start a conversation: 403)."""
    users = [server.user(first_id + i, f"User{i}") for i in range(count)]
    for user in users:
        await user.send("hi")
    return users


def sends(server: FakeBotApi, chat_id: int | None = None) -> list[ApiCall]:
    """sendMessage calls, refused ones included (their params are logged undecoded: a
    refusal before decoding leaves ``chat_id`` a string)."""
    return [
        c
        for c in server.calls
        if c.method == "sendMessage" and (chat_id is None or str(c.chat_id) == str(chat_id))
    ]



# ---------------------------------------------------------------- overall limit


async def test_burst_of_90_stays_under_30_per_second(server: FakeBotApi) -> None:
    users = await known_users(server, 90)
    server.enforce_flood_limits(per_second=30)
    limiter = TelegramRateLimiter()
    async with connected(server, limiter) as bot:
        released_before = limiter.released_count  # initialize()'s getMe
        started = time.monotonic()
        messages = await asyncio.gather(*(bot.send_message(u.user_id, "news") for u in users))
        elapsed = time.monotonic() - started

    assert [m.chat_id for m in messages] == [u.user_id for u in users]
    assert server.flood_rejections == 0
    assert limiter.retry_after_count == 0
    assert limiter.released_count - released_before == 90
    assert elapsed >= 2.5
    # 29 a second when released; arrival jitter may squeeze a 30th into some second
    assert busiest_window([c.timestamp for c in sends(server)]) <= 30


async def test_same_burst_without_limiter_is_refused(server: FakeBotApi) -> None:
    users = await known_users(server, 90)
    server.enforce_flood_limits(per_second=30)
    async with connected(server, None) as bot:
        results = await asyncio.gather(
            *(bot.send_message(u.user_id, "news") for u in users), return_exceptions=True
        )

    # 60 refused when the burst fits in one second; fewer on a loaded machine
    refused = [r for r in results if isinstance(r, RetryAfter)]
    assert len(refused) >= 10
    assert server.flood_rejections == len(refused)
    delivered = [c.timestamp for c in sends(server) if c.ok]
    assert len(delivered) + len(refused) == 90
    assert busiest_window(delivered) <= 30


async def test_small_window_never_holds_more_than_the_limit(server: FakeBotApi) -> None:
    users = await known_users(server, 15)
    limiter = TelegramRateLimiter(overall_per_second=5)
    async with connected(server, limiter) as bot:
        released_before = limiter.released_count
        started = time.monotonic()
        await asyncio.gather(*(bot.send_message(u.user_id, "news") for u in users))
        elapsed = time.monotonic() - started

    arrivals = [c.timestamp for c in sends(server)]
    assert len(arrivals) == 15
    assert elapsed >= 2.0
    assert busiest_window(arrivals, 1.0 - JITTER) <= 5
    assert limiter.released_count - released_before == 15


async def test_calls_without_a_chat_are_not_throttled(server: FakeBotApi) -> None:
    limiter = TelegramRateLimiter(overall_per_second=1)
    async with connected(server, limiter) as bot:
        started = time.monotonic()
        await asyncio.gather(*(bot.get_me() for _ in range(10)))
        assert time.monotonic() - started < 0.5
    assert limiter.released_count == 11  # with initialize()'s getMe


# ---------------------------------------------------------------- per chat


async def test_broadcasts_to_one_chat_are_a_second_apart(server: FakeBotApi) -> None:
    ada, bob = await known_users(server, 2)
    limiter = TelegramRateLimiter()
    async with connected(server, limiter) as bot:
        started = time.monotonic()
        await asyncio.gather(
            bot.send_message(ada.user_id, "1", rate_limit_args=BROADCAST),
            bot.send_message(ada.user_id, "2", rate_limit_args=BROADCAST),
            bot.send_message(bob.user_id, "3", rate_limit_args=BROADCAST),
        )

    first, second = (c.timestamp for c in sends(server, ada.user_id))
    assert second - first >= 1.0 - JITTER
    # another chat was not held up behind ada's per-chat wait
    (to_bob,) = sends(server, bob.user_id)
    assert to_bob.timestamp - started < 0.5
    assert [m.text for m in ada.messages] == ["1", "2"]


async def test_direct_replies_to_one_chat_are_not_delayed(server: FakeBotApi) -> None:
    (ada,) = await known_users(server, 1)
    async with connected(server, TelegramRateLimiter()) as bot:
        await bot.send_message(ada.user_id, "broadcast", rate_limit_args=BROADCAST)
        await bot.send_message(ada.user_id, "reply 1")
        await bot.send_message(ada.user_id, "reply 2")

    stamps = [c.timestamp for c in sends(server, ada.user_id)]
    assert stamps[-1] - stamps[0] < 0.5


async def test_a_reply_counts_for_the_next_broadcast_to_that_chat(server: FakeBotApi) -> None:
    (ada,) = await known_users(server, 1)
    async with connected(server, TelegramRateLimiter(per_chat_interval=0.5)) as bot:
        await bot.send_message(ada.user_id, "reply")
        await bot.send_message(ada.user_id, "broadcast", rate_limit_args=BROADCAST)

    reply, broadcast = (c.timestamp for c in sends(server, ada.user_id))
    assert broadcast - reply >= 0.5 - JITTER


async def test_groups_get_at_most_the_per_minute_limit(server: FakeBotApi) -> None:
    group = server.group(-100500, "Organisers")
    (ada,) = await known_users(server, 1)
    limiter = TelegramRateLimiter(group_per_minute=3)
    async with connected(server, limiter) as bot:
        for n in range(3):
            await bot.send_message(group.chat_id, f"result {n}")
        with pytest.raises(TimeoutError):  # the 4th waits for the minute to pass
            await asyncio.wait_for(bot.send_message(group.chat_id, "result 3"), 0.3)
        await bot.send_message(ada.user_id, "private chats are not held")

    assert len(sends(server, group.chat_id)) == 3
    assert len(sends(server, ada.user_id)) == 1
    assert len(limiter._group_locks) == 0  # the cancelled waiter left nothing behind


# ---------------------------------------------------------------- 429 and other errors


async def test_a_429_is_retried_after_retry_after(server: FakeBotApi) -> None:
    ada, bob = await known_users(server, 2)
    server.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    limiter = TelegramRateLimiter()
    async with connected(server, limiter) as bot:
        released_before = limiter.released_count
        to_ada = asyncio.create_task(bot.send_message(ada.user_id, "questionnaire"))
        while not sends(server):
            await asyncio.sleep(0.01)
        # during the flood wait every chat is held, not only ada's
        await bot.send_message(bob.user_id, "questionnaire")
        message = await to_ada

    assert message.text == "questionnaire"
    refused, retried = sends(server, ada.user_id)
    assert refused.status == 429 and retried.ok
    assert 1.0 <= retried.timestamp - refused.timestamp < 1.6
    (to_bob,) = sends(server, bob.user_id)
    assert to_bob.timestamp - refused.timestamp >= 1.0
    assert limiter.retry_after_count == 1
    assert limiter.released_count - released_before == 3


async def test_more_429s_than_max_retries_raise_retry_after(server: FakeBotApi) -> None:
    (ada,) = await known_users(server, 1)
    server.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, times=2)
    limiter = TelegramRateLimiter(max_retries=1)
    async with connected(server, limiter) as bot:
        with pytest.raises(RetryAfter):
            await bot.send_message(ada.user_id, "questionnaire")

    assert [c.status for c in sends(server)] == [429, 429]
    assert limiter.retry_after_count == 2


async def test_a_blocked_user_raises_forbidden_without_retry(server: FakeBotApi) -> None:
    (ada,) = await known_users(server, 1)
    await ada.block()
    limiter = TelegramRateLimiter()
    async with connected(server, limiter) as bot:
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(ada.user_id, "questionnaire", rate_limit_args=BROADCAST)

    assert [c.status for c in sends(server)] == [403]
    assert limiter.retry_after_count == 0


# ---------------------------------------------------------------- the fake's flood control


async def test_fake_answers_429_like_telegram(server: FakeBotApi) -> None:
    users = await known_users(server, 5)
    server.enforce_flood_limits(per_second=3, retry_after=2)
    async with connected(server, None) as bot:
        results = await asyncio.gather(
            *(bot.send_message(u.user_id, "x") for u in users), return_exceptions=True
        )
        await bot.get_me()  # no chat: never refused

    assert sum(isinstance(r, RetryAfter) for r in results) == 2
    refused = [c for c in server.calls if c.status == 429]
    assert len(refused) == 2 == server.flood_rejections
    assert refused[0].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 2",
        "parameters": {"retry_after": 2},
    }


async def test_fake_refused_calls_do_not_count(server: FakeBotApi) -> None:
    ada, bob, cy, dee = await known_users(server, 4)
    server.enforce_flood_limits(per_second=2)
    async with connected(server, None) as bot:
        started = time.monotonic()
        await bot.send_message(ada.user_id, "t=0")
        await asyncio.sleep(0.5)
        await bot.send_message(bob.user_id, "t=0.5")
        with pytest.raises(RetryAfter):
            await bot.send_message(cy.user_id, "t=0.5, third in the window")
        await asyncio.sleep(started + 1.05 - time.monotonic())
        # ada's call left the window; bob's is in it; the refused one must not be
        await bot.send_message(dee.user_id, "t=1.05")

    assert [c.status for c in sends(server)] == [200, 200, 429, 200]
    assert server.flood_rejections == 1


async def test_fake_per_chat_limit(server: FakeBotApi) -> None:
    ada, bob = await known_users(server, 2)
    server.enforce_flood_limits(per_second=30, per_chat_per_second=1)
    async with connected(server, None) as bot:
        await bot.send_message(ada.user_id, "1")
        with pytest.raises(RetryAfter):
            await bot.send_message(ada.user_id, "2")
        await bot.send_message(bob.user_id, "1")

    assert [(int(c.chat_id or 0), c.status) for c in sends(server)] == [
        (ada.user_id, 200),
        (ada.user_id, 429),
        (bob.user_id, 200),
    ]


async def test_fake_latency_delays_calls_but_not_get_updates(server: FakeBotApi) -> None:
    (ada,) = await known_users(server, 1)
    server.set_latency(0.3)
    async with connected(server, None) as bot:
        started = time.monotonic()
        await bot.get_updates(timeout=0)
        assert time.monotonic() - started < 0.25
        started = time.monotonic()
        await bot.send_message(ada.user_id, "slow")
        assert time.monotonic() - started >= 0.3
