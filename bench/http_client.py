"""Benchmark: CPU per Bot API call with python-telegram-bot's HTTP clients.

    .venv/bin/python bench/http_client.py            # 3,000 calls per client, 3 rounds
    .venv/bin/python bench/http_client.py -n 10000

Why ``bot/telegram_bot/http_client.py`` exists: the same ``Bot.send_message`` and
``Bot.answer_callback_query`` calls, through PTB's default ``HTTPXRequest`` and through the
bot's ``AiohttpRequest``, against one local HTTP server in ANOTHER process (so the CPU time
measured, this process's, is the client's alone: PTB building the request, the HTTP
client, parsing the answer). The server answers every call at once with a canned Bot API
answer of the right shape. Rounds alternate the two clients, so a busy machine slows both.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Bot  # noqa: E402
from telegram.request import BaseRequest, HTTPXRequest  # noqa: E402

from bot.telegram_bot.http_client import AiohttpRequest  # noqa: E402

TOKEN = "123456:bench"
MESSAGE = {"message_id": 7, "date": 1764547200, "chat": {"id": 42, "type": "private", "first_name": "P"},
           "from": {"id": 1, "is_bot": True, "first_name": "Bot"}, "text": "Question 3 sur 18"}

SERVER = """
import asyncio, json, sys
import tornado.httpserver, tornado.netutil, tornado.web
ANSWERS = json.loads(sys.argv[1])
class Answer(tornado.web.RequestHandler):
    def post(self, method):
        self.set_header("Content-Type", "application/json")
        self.finish(ANSWERS.get(method, ANSWERS["default"]))
async def main():
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    tornado.httpserver.HTTPServer(tornado.web.Application([(r"/bot[^/]+/(\\w+)", Answer)])).add_sockets(sockets)
    print(sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


async def calls(request: BaseRequest, url: str, n: int) -> float:
    """CPU seconds of this process per call, over ``n`` calls (half of each kind)."""
    bot = Bot(TOKEN, base_url=f"{url}/bot", request=request)
    async with bot:
        for _ in range(50):  # warm up: connections, imports, caches
            await bot.send_message(42, "…")
        started = time.process_time()
        for i in range(n):
            if i % 2:
                await bot.answer_callback_query(str(i))
            else:
                await bot.send_message(42, "Question 3 sur 18 — « Clarté des explications »",
                                       reply_markup=None)
        return (time.process_time() - started) / n


async def main(n: int, rounds: int) -> None:
    answers = {"sendMessage": json.dumps({"ok": True, "result": MESSAGE}),
               "getMe": json.dumps({"ok": True, "result": {**MESSAGE["from"], "username": "BenchBot"}}),
               "default": json.dumps({"ok": True, "result": True})}
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SERVER, json.dumps(answers), stdout=asyncio.subprocess.PIPE)
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{int(await server.stdout.readline())}"
        print(f"bench/http_client.py: {n:,} calls per client per round (sendMessage and "
              f"answerCallbackQuery alternately), CPU of the client process; {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.2f}")
        figures: dict[str, list[float]] = {"httpx (PTB's default)": [], "aiohttp (the bot's)": []}
        for _ in range(rounds):
            figures["httpx (PTB's default)"].append(await calls(HTTPXRequest(connection_pool_size=8), url, n))
            figures["aiohttp (the bot's)"].append(await calls(AiohttpRequest(connection_pool_size=8), url, n))
        for name, values in figures.items():
            print(f"  {name:<24} " + "  ".join(f"{v * 1e6:7.0f}" for v in values)
                  + f"   µs CPU per call (best {min(values) * 1e6:.0f})")
        best = {name: min(values) for name, values in figures.items()}
        httpx_cost, aiohttp_cost = best.values()
        print(f"  aiohttp takes {aiohttp_cost / httpx_cost:.0%} of httpx's CPU per call")
    finally:
        if server.returncode is None:
            server.terminate()
        await server.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=3000, help="calls per client per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.n, args.rounds))
