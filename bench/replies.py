"""Benchmark: replies first. A person's answer during the largest announcement.

The bot runs as deployed: python-telegram-bot in webhook mode behind the bot's web server,
its `ChatRateLimiter` at Telegram's 30 messages/s, the real outbox (`Courier`) on a SQLite
file, against the tests' fake Bot API (tests/fakes/), which answers 429 to anything faster.
Questions come at 8 a second, each from a different person, as webhook POSTs; a reply's
latency is from the POST to the fake receiving the answer. Two runs of `--seconds` each:
without an announcement, then while an announcement to `--people` (5,000) is being sent.
Printed: reply p50/p99 (target p99 ≤ 100 ms during the announcement), the announcement's
rate and its share of what replies leave of the budget (target ≥ 0.9), and the 429 count.

Run: .venv/bin/python bench/replies.py [--people 5000] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.people import PLAN_ID, add_people, open_temporary_store, telegram_chat  # noqa: E402
from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.channels.telegram.limiter import ChatRateLimiter  # noqa: E402
from bot.channels.telegram.webhook import WEBHOOK_PATH  # noqa: E402
from bot.config import TelegramSettings  # noqa: E402
from bot.core.clock import SystemClock  # noqa: E402
from bot.core.dialogue import Dialogue  # noqa: E402
from bot.core.services import Services  # noqa: E402
from bot.outbox.compose import Composer  # noqa: E402
from bot.outbox.courier import Courier  # noqa: E402
from bot.plans.loader import load_rules_dir  # noqa: E402
from bot.web import WebServer  # noqa: E402
from tests.fakes.telegram_api import FakeTelegramAPI  # noqa: E402

RATE = 30.0  # Telegram's overall messages/s
QUESTIONS_PER_SECOND = 8
SECRET = "bench_secret-token"
QUESTION = "補休最多幾小時？"
TEXT = "112 年度數位學習時數請於 8 月 31 日前完成。Please finish your hours by 31 August."
ASKERS = 10_000  # chat ids of the people asking start here, apart from the announcement's


async def ask(session: aiohttp.ClientSession, url: str, fake: FakeTelegramAPI, chat: int) -> float:
    """POST one question; the seconds until the fake got the answer."""
    posted = time.time()
    update = fake.make_message_update(chat, QUESTION)
    async with session.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
        assert response.status == 200, response.status
    while True:
        answered = [m["time"] for m in fake.sent if m["chat_id"] == chat and m["time"] >= posted]
        if answered:
            return min(answered) - posted
        await asyncio.sleep(0.002)


async def questions(url: str, fake: FakeTelegramAPI, first_chat: int, seconds: float) -> list[float]:
    """8 a second from different people, each answered or timed out after 10 s."""
    async with aiohttp.ClientSession() as session:
        tasks = []
        for n in range(int(seconds * QUESTIONS_PER_SECOND)):
            tasks.append(asyncio.create_task(asyncio.wait_for(ask(session, url, fake, first_chat + n), 10)))
            await asyncio.sleep(1 / QUESTIONS_PER_SECOND)
        return list(await asyncio.gather(*tasks))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def main(people: int, seconds: float, port: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    book = load_rules_dir()
    folder = tempfile.TemporaryDirectory(prefix="bench-replies-")
    store = await open_temporary_store(folder)
    askers = [ASKERS + n for n in range(int(2 * seconds * QUESTIONS_PER_SECOND) + 10)]
    await add_people(store, "telegram", [str(c) for c in askers], reminders=False)
    announced = await add_people(store, "telegram", [telegram_chat(n) for n in range(people)], reminders=False)
    services = Services(book, store, SystemClock())
    web = WebServer("127.0.0.1", port)
    url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    async with FakeTelegramAPI(max_per_second=RATE) as fake:
        settings = TelegramSettings(
            fake.token, fake.url, webhook_url="https://bench.example.gov.tw/", webhook_secret=SECRET
        )
        channel = TelegramChannel(
            settings, Dialogue(services), web, rate_limiter=ChatRateLimiter(overall_per_second=RATE)
        )
        await channel.start()
        await web.start()
        try:
            quiet = await questions(url, fake, askers[0], seconds)
            await store.queue_broadcast(PLAN_ID, "all", TEXT, "cli:bench", announced)
            courier = Courier(store, {"telegram": channel}, Composer(services), services.clock)
            sending = asyncio.create_task(courier.deliver_pending())
            await asyncio.sleep(2)  # the announcement is under way
            before = sum(1 for m in fake.sent if TEXT in (m["text"] or ""))
            started = time.time()
            busy = await questions(url, fake, askers[len(quiet)], seconds)
            window = time.time() - started
            announced_rate = (sum(1 for m in fake.sent if TEXT in (m["text"] or "")) - before) / window
            sending.cancel()
            await asyncio.gather(sending, return_exceptions=True)
        finally:
            await web.stop()
            await channel.stop()
            await store.close()
            folder.cleanup()
        rate_limited = fake.rate_limited
    left = RATE - QUESTIONS_PER_SECOND
    print(f"replies, {QUESTIONS_PER_SECOND}/s from different people, Telegram at {RATE:g} messages/s:")
    for name, found in (("no announcement", quiet), (f"during a {people:,}-person announcement", busy)):
        print(
            f"  {name:<40} p50 {statistics.median(found) * 1000:6.0f} ms   p99 {percentile(found, 0.99) * 1000:6.0f} ms"
        )
    print(f"  target: p99 ≤ 100 ms during the announcement -> {'met' if percentile(busy, 0.99) <= 0.1 else 'MISSED'}")
    share = announced_rate / left
    print(
        f"announcement: {announced_rate:.1f} messages/s of the {left:g}/s replies leave = {share:.2f} "
        f"(target ≥ 0.90 -> {'met' if share >= 0.9 else 'MISSED'}); fake's 429s: {rate_limited}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    asyncio.run(main(args.people, args.seconds, args.port))
