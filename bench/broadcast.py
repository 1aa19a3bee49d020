"""Benchmark: how close an announcement's delivery comes to the platform's rate limit, without a 429.

One announcement to N people on kaohsiung-112 goes through the real outbox (`Courier`,
`Composer`, SQLite store on a file) and the real channel (python-telegram-bot with the bot's
`ChatRateLimiter`; line-bot-sdk with the bot's `RateLimiter`) to the tests' fake platform
servers (tests/fakes/), which answer 429 to anything faster than the limit L they are given.
The bot's own limiter is set to the same L. Printed per run: seconds for
`courier.deliver_pending()`, achieved rate and its share of L (target ≥ 0.90), the fake's
429 count (target 0), and whether every recipient got exactly one message.

Runs: Telegram at L = 200 messages/s (a fast fake, so the run is short) and at Telegram's
real 30/s; LINE multicast (500 people per request) at a low 20 requests/s, where the pacing
matters, and, for information, at LINE's real 200/s, where the courier's own work per request
is what limits (one multicast in flight at a time; no target applies).

Run: .venv/bin/python bench/broadcast.py [--only telegram|line] [--scale 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.people import PLAN_ID, add_people, line_user, open_temporary_store, telegram_chat  # noqa: E402
from bot.channels.line import LineChannel  # noqa: E402
from bot.channels.line.limiter import RateLimiter  # noqa: E402
from bot.channels.line.sender import Limits  # noqa: E402
from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.channels.telegram.limiter import ChatRateLimiter  # noqa: E402
from bot.config import LineSettings, TelegramSettings  # noqa: E402
from bot.core.clock import SystemClock  # noqa: E402
from bot.core.dialogue import Dialogue  # noqa: E402
from bot.core.services import Services  # noqa: E402
from bot.outbox.compose import Composer  # noqa: E402
from bot.outbox.courier import Courier  # noqa: E402
from bot.plans.loader import PlanBook, load_rules_dir  # noqa: E402
from bot.storage import SqliteStore  # noqa: E402
from bot.web import WebServer  # noqa: E402
from tests.fakes.line_api import FakeLineAPI  # noqa: E402
from tests.fakes.telegram_api import FakeTelegramAPI  # noqa: E402

TEXT = "112 年度數位學習時數請於 8 月 31 日前完成，逾期不予受理。Please finish your hours by 31 August."
TARGET_SHARE = 0.9


@dataclass(frozen=True)
class Run:
    platform: str  # "telegram" | "line"
    people: int
    limit: float  # L: messages/s (Telegram) or multicast requests/s (LINE), the fake's and the bot's
    checked: bool = True  # False: shown for information, the ≥ 0.9 L target does not apply


@dataclass(frozen=True)
class Result:
    run: Run
    seconds: float
    requests: int  # Telegram: messages; LINE: multicast requests
    rate_limited: int  # the fake's 429s
    per_recipient: Counter[str]  # chat id → messages (Telegram) or multicasts naming them (LINE)
    expected: frozenset[str]
    outbox: dict[str, int]  # the announcement's delivery rows by status

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def exactly_once(self) -> bool:
        return set(self.per_recipient) == self.expected and all(n == 1 for n in self.per_recipient.values())


async def _queue(store: SqliteStore, platform: str, chat_ids: Sequence[str]) -> int:
    user_ids = await add_people(store, platform, chat_ids, reminders=False)
    announcement = await store.queue_broadcast(PLAN_ID, "all", TEXT, "cli:bench", user_ids)
    return announcement.id


async def _deliver(store: SqliteStore, services: Services, channel: object, name: str) -> float:
    courier = Courier(store, {name: channel}, Composer(services), services.clock)  # type: ignore[dict-item]
    start = time.perf_counter()
    await courier.deliver_pending()
    return time.perf_counter() - start


async def telegram(book: PlanBook, run: Run) -> Result:
    chats = [telegram_chat(n) for n in range(run.people)]
    folder = tempfile.TemporaryDirectory(prefix="bench-broadcast-")
    store = await open_temporary_store(folder)
    try:
        announcement = await _queue(store, "telegram", chats)
        services = Services(book, store, SystemClock())
        async with FakeTelegramAPI(max_per_second=run.limit) as fake:
            channel = TelegramChannel(
                TelegramSettings(fake.token, fake.url), Dialogue(services),
                rate_limiter=ChatRateLimiter(overall_per_second=run.limit),
            )  # fmt: skip
            await channel.start(receive=False)
            try:
                seconds = await _deliver(store, services, channel, "telegram")
            finally:
                await channel.stop()
        sent = Counter(str(m["chat_id"]) for m in fake.sent if m["method"] == "sendMessage")
        found = await store.broadcast(announcement)
        outbox = found.counts if found else {}
        return Result(run, seconds, sum(sent.values()), fake.rate_limited, sent, frozenset(chats), outbox)
    finally:
        await store.close()
        folder.cleanup()


async def line(book: PlanBook, run: Run) -> Result:
    users = [line_user(n) for n in range(run.people)]
    folder = tempfile.TemporaryDirectory(prefix="bench-broadcast-")
    store = await open_temporary_store(folder)
    try:
        announcement = await _queue(store, "line", users)
        services = Services(book, store, SystemClock())
        async with FakeLineAPI(max_per_second={"multicast": run.limit}) as fake:
            channel = LineChannel(
                LineSettings("bench-channel-secret", fake.access_token, fake.url), Dialogue(services),
                WebServer("127.0.0.1", 0),  # only for the webhook route; never started
            )  # fmt: skip
            await channel.start(receive=False)
            # LineChannel builds its LineSender with LINE's published limits and takes no
            # `limits`: set the multicast bucket to L on the sender it made.
            assert channel._sender is not None
            channel._sender.limits = Limits(multicast=RateLimiter(run.limit))
            try:
                seconds = await _deliver(store, services, channel, "line")
            finally:
                await channel.stop()
        covered = Counter(uid for m in fake.multicasts for uid in m["to"])
        found = await store.broadcast(announcement)
        outbox = found.counts if found else {}
        return Result(run, seconds, len(fake.multicasts), fake.rate_limited, covered, frozenset(users), outbox)
    finally:
        await store.close()
        folder.cleanup()


def report(result: Result) -> None:
    run = result.run
    unit = "messages" if run.platform == "telegram" else "multicast requests"
    share = result.rate / run.limit
    fastest = (result.requests - 1) / run.limit  # neither limiter lets a burst through: the first goes at once
    met = share >= TARGET_SHARE and result.rate_limited == 0 and result.exactly_once
    verdict = "ok" if met else "MISSED" if run.checked else "no target: the courier, not the limiter, sets the pace"
    wrong = sum(1 for n in result.per_recipient.values() if n != 1)
    missing = len(result.expected - set(result.per_recipient))
    print(
        f"{run.platform} broadcast, L = {run.limit:g} {unit}/s, N = {run.people:,} people: "
        f"{result.requests:,} {unit} in {result.seconds:.2f} s (the limit allows {fastest:.2f} s) "
        f"= {result.rate:.1f}/s = {share:.2f} L (target ≥ {TARGET_SHARE:.2f}) [{verdict}]\n"
        f"  429s: {result.rate_limited} (target 0); every recipient exactly once: "
        f"{'yes' if result.exactly_once else 'NO'} ({len(result.per_recipient):,} reached, {missing} missed, "
        f"{wrong} more than once); outbox {dict(sorted(result.outbox.items()))}"
    )


RUNS = (
    Run("telegram", 5_000, 200.0),
    Run("telegram", 300, 30.0),
    Run("line", 20_000, 20.0),
    Run("line", 100_000, 200.0, checked=False),
)


async def main(only: str | None, scale: float) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    book = load_rules_dir()
    benches: dict[str, Callable[[PlanBook, Run], Awaitable[Result]]] = {"telegram": telegram, "line": line}
    for run in RUNS:
        if only and run.platform != only:
            continue
        scaled = replace(run, people=max(1, math.ceil(run.people * scale)))
        report(await benches[run.platform](book, scaled))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", choices=("telegram", "line"), help="one platform's runs")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every run's N (e.g. 0.1 for a quick look)")
    args = parser.parse_args()
    asyncio.run(main(args.only, args.scale))
