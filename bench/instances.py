"""Benchmark: webhook updates answered per second by one instance, then by two, on one PostgreSQL.

Real `python -m bot run` processes (Telegram in webhook mode, DATABASE_URL a PostgreSQL schema
of their own) answer questions from onboarded people on kaohsiung-112. The fake Bot API of the
tests (tests/fakes/telegram_api.py, answering at once) and the load generator run together in
one separate plain-asyncio process, so that they cost one process of the machine's cores: a
closed loop keeps `--window` updates unanswered at any time, each from another person, posted
round-robin to the instances being measured, and an update counts as answered when its reply
reaches the fake. Phase 1: one instance. Phase 2: a second one is started and the traffic is
spread over both. Both phases are run `--rounds` times, in turn (the second instance is stopped
for each phase 1). Printed per phase: updates/s answered (after a warm-up), the median and p95
time from POST to reply, how busy the whole machine was, the cores the instances used (and
the updates they answered per core-second), the fake and load generator's share, and the rest
(PostgreSQL, and whatever else runs on the machine); then the means and their ratio (target
≥ 1.8). A machine whose cores are all busy in phase 1 has nothing left for a second instance:
the ratio then shows the machine, not the bot; updates per core-second show whether the
instances slow each other down (a shared lock would lower it in phase 2).

Telegram's own limits (30 messages/s for the bot, 1/s per chat) are lifted in the instances
measured here (`LIFTED`), or both phases would show 30/s: what is measured is what the
instances themselves can answer, which is what a second instance adds. Each instance would
otherwise keep 1/n of the 30/s.

Run: .venv/bin/python bench/instances.py [--seconds 10] [--warmup 3] [--window 48] [--people 1000] [--rounds 2]
Needs the PostgreSQL server of the tests (TEST_DATABASE_URL, default 127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bot.storage.postgres import PostgresStore  # noqa: E402
from tests.fakes.telegram_api import FakeTelegramAPI  # noqa: E402
from tests.multi.instances import BotProcess, bot_env, post_telegram, start_all  # noqa: E402
from tests.support.backends import PostgresSchemas, require_postgres  # noqa: E402

PLAN = "kaohsiung-112"
QUESTION = "補休最多幾小時"
FIRST_CHAT = 900_000_001
TARGET = 1.8
# `python -m bot run` with Telegram's pacing lifted: no overall 30/s, no 1 s per chat.
LIFTED = (
    "import sys\n"
    "import bot.channels.telegram.channel as channel\n"
    "from bot.channels.telegram.limiter import ChatRateLimiter\n"
    "class Lifted(ChatRateLimiter):\n"
    "    def __init__(self) -> None:\n"
    "        super().__init__(overall_per_second=0, chat_interval=0, group_interval=0)\n"
    "channel.ChatRateLimiter = Lifted\n"
    "from bot.cli import main\n"
    "sys.exit(main(['run']))\n"
)


# ---- the load process: the fake Bot API and the load generator ---------------------------------


class AnsweringFake(FakeTelegramAPI):
    """The tests' fake, telling the load generator when a chat got its reply."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: dict[int, asyncio.Future[float]] = {}

    async def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        message = await super()._m_sendMessage(params)
        self.sent.clear()  # nothing reads them here: keep the fake's memory flat
        self.requests.clear()
        self.messages.clear()
        waiter = self.waiting.pop(int(message["chat"]["id"]), None)
        if waiter is not None and not waiter.done():
            waiter.set_result(time.monotonic())
        return message


async def run_phase(fake: AnsweringFake, command: dict[str, Any]) -> dict[str, Any]:
    urls, people = command["urls"], command["people"]
    warmup, seconds, window = command["warmup"], command["seconds"], command["window"]
    start = time.monotonic()
    measure_from, end = start + warmup, start + warmup + seconds
    answered, latencies, refused, timeouts = 0, [], 0, 0
    turn = 0
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)

    async def worker(session: aiohttp.ClientSession, n: int) -> None:
        nonlocal answered, refused, timeouts, turn
        while time.monotonic() < end:
            turn += 1
            chat = FIRST_CHAT + (turn % people)
            update = fake.make_message_update(chat, QUESTION)
            waiter = fake.waiting[chat] = asyncio.get_running_loop().create_future()
            posted = time.monotonic()
            status = await post_telegram(session, urls[turn % len(urls)], update)
            if status != 200:
                refused += 1
                fake.waiting.pop(chat, None)
                continue
            try:
                replied = await asyncio.wait_for(waiter, 15)
            except TimeoutError:
                timeouts += 1
                continue
            if measure_from <= replied <= end:
                answered += 1
                latencies.append(replied - posted)

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session, n) for n in range(window)))
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    latencies.sort()
    return {
        "answered": answered,
        "per_second": answered / seconds,
        "median_ms": 1000 * statistics.median(latencies) if latencies else None,
        "p95_ms": 1000 * latencies[int(len(latencies) * 0.95)] if latencies else None,
        "refused": refused,
        "timeouts": timeouts,
        "load_cpu_seconds": cpu,
        "wall_seconds": time.monotonic() - start,
    }


async def serve_load() -> None:
    """The load process: prints the fake's URL, then runs each phase asked for on stdin."""
    async with AnsweringFake() as fake:
        print(json.dumps({"url": fake.url, "token": fake.token}), flush=True)
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            result = await run_phase(fake, json.loads(line))
            print(json.dumps(result), flush=True)


# ---- the conductor -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (from /proc), 0 for those gone."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores (from /proc/stat)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields) - idle) / tick, sum(fields) / tick


async def onboard(url: str, people: int) -> None:
    async with PostgresStore(url, pool_size=8) as store:

        async def one(chat: int) -> None:
            user, _ = await store.get_or_create_user("telegram", str(chat), "zh-TW")
            user.plan_id, user.onboarded = PLAN, True
            await store.save_user(user)

        chats = [FIRST_CHAT + n for n in range(people)]
        for start in range(0, people, 200):
            await asyncio.gather(*(one(c) for c in chats[start : start + 200]))


class Load:
    """The load process, spoken to over its stdin and stdout (one JSON line each way)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve-load"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.process.stdout is not None
        self.fake = json.loads(self.process.stdout.readline())

    async def phase(self, **command: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = await asyncio.to_thread(self.process.stdout.readline)
        return dict(json.loads(line))

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(10)


async def measure(load: Load, bots: list[BotProcess], args: argparse.Namespace) -> dict[str, Any]:
    bot_pids = [b.pid for b in bots]
    bots_before, (busy_before, total_before), started = cpu_seconds(bot_pids), machine_busy(), time.monotonic()
    result = await load.phase(
        urls=[b.url for b in bots], people=args.people, warmup=args.warmup, seconds=args.seconds, window=args.window
    )
    wall = time.monotonic() - started
    busy, total = machine_busy()
    result["bot_cpu"] = (cpu_seconds(bot_pids) - bots_before) / wall  # cores busy, on average
    result["load_cpu"] = result["load_cpu_seconds"] / result["wall_seconds"]
    result["machine"] = (busy - busy_before) / (total - total_before)  # share of all cores busy
    result["other_cpu"] = (busy - busy_before) / wall - result["bot_cpu"] - result["load_cpu"]
    return result


def line(name: str, r: dict[str, Any]) -> str:
    per_core = r["per_second"] / r["bot_cpu"] if r["bot_cpu"] else float("nan")
    return (
        f"{name:<14} {r['per_second']:6.1f} updates/s  (median {r['median_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms; "
        f"refused {r['refused']}, timed out {r['timeouts']})  CPU: machine {100 * r['machine']:.0f}% busy; "
        f"instances {r['bot_cpu']:.2f} cores ({per_core:.0f} updates per core-second), fake+load "
        f"{r['load_cpu']:.2f}, PostgreSQL and the rest {r['other_cpu']:.2f}"
    )


async def conduct(args: argparse.Namespace) -> int:
    server = await require_postgres_or_exit()
    schemas = PostgresSchemas(server)
    schema = await schemas.create()
    url = f"{server}{'&' if '?' in server else '?'}search_path={schema}&application_name=bench_{schema}"
    folder = Path(tempfile.mkdtemp(prefix="bench-instances-"))
    load = Load()
    fake = FakeTelegramAPI(token=load.fake["token"])
    fake.url = load.fake["url"]  # only its address and token, for the instances' settings
    bots: list[BotProcess] = []
    try:
        await onboard(url, args.people)
        for n in range(2):
            port = free_port()
            env = bot_env(port, url, telegram=fake, extra={"LOG_LEVEL": "WARNING"})
            argv = [sys.executable, "-c", LIFTED]
            bots.append(BotProcess(f"instance-{n}", port, env, folder / f"instance-{n}.log", argv))
        cores = os.cpu_count()
        print(
            f"{cores} CPU cores; {args.people} people, {args.window} updates in flight, "
            f"{args.warmup:g} s warm-up then {args.seconds:g} s measured per phase; Telegram's pacing lifted"
        )
        ones, twos = [], []
        async with aiohttp.ClientSession() as session:
            await start_all(session, bots[:1])
            for _ in range(args.rounds):
                if bots[1].running():
                    await bots[1].stop()
                ones.append(await measure(load, bots[:1], args))
                print(line("one instance", ones[-1]), flush=True)
                await start_all(session, bots[1:])
                twos.append(await measure(load, bots, args))
                print(line("two instances", twos[-1]), flush=True)
        one = statistics.mean(r["per_second"] for r in ones)
        two = statistics.mean(r["per_second"] for r in twos)
        ratio = two / one if one else float("nan")
        verdict = "met" if ratio >= TARGET else "NOT met"
        print(f"mean of {args.rounds} round(s): one instance {one:.1f} updates/s, two {two:.1f} updates/s")
        print(f"ratio two/one: {ratio:.2f}x (target ≥ {TARGET}x: {verdict})")
        return 0
    finally:
        await asyncio.gather(*(bot.stop() for bot in bots))
        load.close()
        await schemas.drop(schema)
        print(f"(instance logs in {folder})")


async def require_postgres_or_exit() -> str:
    try:
        return await require_postgres()
    except BaseException as error:  # pytest's skip outside pytest: say why, plainly
        sys.exit(f"bench/instances.py needs PostgreSQL: {error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring, per phase")
    parser.add_argument("--window", type=int, default=48, help="updates in flight (posted, not yet answered)")
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2, help="one instance, then two, this many times")
    parser.add_argument("--serve-load", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_load:
        asyncio.run(serve_load())
        return 0
    return asyncio.run(conduct(args))


if __name__ == "__main__":
    sys.exit(main())
