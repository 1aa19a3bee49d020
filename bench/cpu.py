"""Benchmark: CPU per update, latency, idle memory and start-up — the bot against bare echo bots.

Four processes of one tree, started by this one: `python -m bot run` with Telegram (webhook
mode) and LINE, on a SQLite file as a small office deploys it, and the two bare echo bots of
bench/echo_bots.py (python-telegram-bot and line-bot-sdk as their documentation shows them,
on the same aiohttp server and HTTP client). This process runs the tests' fake Bot API and
Messaging API (tests/fakes/) and the load: questions from onboarded people on kaohsiung-112,
each from another onboarded person (seeded: a person the bot does not know would get the
welcome instead), `--rate` a second for `--seconds`, as webhook POSTs (LINE's signed).
A reply's latency is from the POST to the fake receiving the answer.

Phases alternate bot and echo, Telegram then LINE, `--rounds` times, so that a machine that
gets busier or quieter affects both alike. The CPU of a phase is the target process's own
(user + system, all its threads, from /proc) over the phase, divided by the updates answered.
Then the same with an announcement running: the bot's outbox sending one to as many people as
what replies leave of Telegram's 30/s can carry in the phase (LINE: 5,000 people, multicasts),
the echo bots a plain loop of the same size. Printed per target and phase: updates/s, p50/p99,
CPU ms per update (median of the rounds), and the ratios bot / echo (targets: Telegram ≤ 1.5,
LINE ≤ 2); then each process's idle RSS (target for the bot ≤ 100 MB, both channels) and the
time from starting it to its first answer on every channel it serves (the bot is asked on both
at once; target ≤ 1 s), its modules byte-compiled first as an installed wheel has them
(`byte_compiled`).

Run: .venv/bin/python bench/cpu.py [--rate 20] [--seconds 10] [--rounds 3] [--no-broadcast] [--profile N]
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import logging
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bench.people import PLAN_ID, add_people, line_user, telegram_chat  # noqa: E402
from bot.storage.sqlite import SqliteStore  # noqa: E402
from tests.fakes.line_api import FakeLineAPI, text_message_event  # noqa: E402
from tests.fakes.telegram_api import FakeTelegramAPI  # noqa: E402
from tests.multi.instances import LINE_SECRET, SECRET, BotProcess, bot_env  # noqa: E402
from tests.support.ports import free_port  # noqa: E402

QUESTIONS = ["補休最多幾小時？", "截止日期是什麼時候", "嘉獎的條件", "要上哪些課", "How many hours of comp leave?"]
ASKER = 10_000  # the askers' numbers start here; the announcement's people from 0
TELEGRAM_RATE = 30.0  # messages/s overall
LINE_ANNOUNCED = 5_000
TEXT = "112 年度數位學習時數請於 8 月 31 日前完成。Please finish your hours by 31 August."
TICK = os.sysconf("SC_CLK_TCK")
Waiters = dict[str, "asyncio.Future[float]"]


class TelegramFake(FakeTelegramAPI):
    """The tests' fake Bot API, telling the load when a chat got its answer; keeps nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: Waiters = {}
        self.announced = 0

    async def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        message = await super()._m_sendMessage(params)
        self.sent.clear()
        self.requests.clear()
        self.messages.clear()
        waiter = self.waiting.pop(str(message["chat"]["id"]), None)
        if waiter is not None and not waiter.done():
            waiter.set_result(time.monotonic())
        elif TEXT in (message.get("text") or ""):
            self.announced += 1
        return message


class LineFake(FakeLineAPI):
    """The tests' fake Messaging API, telling the load when a reply token was answered."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: Waiters = {}
        self.announced = 0

    async def _record(self, entries: list[Any], entry: Any) -> None:
        entries.clear()
        self.requests.clear()
        waiter = self.waiting.pop(entry.get("replyToken") or "", None)
        if waiter is not None and not waiter.done():
            waiter.set_result(time.monotonic())
        elif isinstance(entry.get("to"), list):
            self.announced += len(entry["to"])


def cpu_seconds(pid: int) -> float:
    """User + system time of the process and all its threads so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Target:
    name: str
    channel: str  # telegram | line
    process: BotProcess
    webhook: str
    started_to_answer: float = float("nan")
    idle_rss: float = float("nan")
    results: dict[str, list[dict[str, float]]] = field(default_factory=dict)


class Load:
    """Posts questions as the platforms do and waits for the fakes to see the answers."""

    def __init__(self, session: aiohttp.ClientSession, telegram: TelegramFake, line: LineFake, people: int) -> None:
        self.session, self.telegram, self.line = session, telegram, line
        self.next_asker, self.last_asker = ASKER + 1, ASKER + people - 1  # ASKER: start-up tries

    async def ask(self, target: Target, question: str, timeout: float = 10.0, asker: int | None = None) -> float | None:
        """One question from another onboarded person (or `asker`); seconds to the answer, or None."""
        if asker is None:
            asker, self.next_asker = self.next_asker, self.next_asker + 1
        if asker > self.last_asker:  # a person not seeded would be welcomed, not answered
            raise SystemExit(f"bench: asker {asker} beyond the {self.last_asker - ASKER + 1} people seeded")
        n = asker
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[float] = loop.create_future()
        if target.channel == "telegram":
            chat = int(telegram_chat(n))
            self.telegram.waiting[str(chat)] = waiter
            body = self.telegram.make_message_update(chat, question)
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            post = self.session.post(target.webhook, json=body, headers=headers)
        else:
            event = text_message_event(line_user(n), question)
            self.line.waiting[event["replyToken"]] = waiter
            data, signature = self.line.webhook_body([event], LINE_SECRET)
            headers = {"X-Line-Signature": signature, "Content-Type": "application/json"}
            post = self.session.post(target.webhook, data=data, headers=headers)
        posted = time.monotonic()
        try:
            async with post as response:
                if response.status != 200:
                    return None
            return await asyncio.wait_for(waiter, timeout) - posted
        except (aiohttp.ClientError, TimeoutError):
            return None

    async def phase(self, target: Target, rate: float, seconds: float) -> dict[str, float]:
        """`rate` questions a second for `seconds`; the figures of the target over it."""
        pid = target.process.pid
        before, started = cpu_seconds(pid), time.monotonic()
        tasks = []
        for n in range(int(rate * seconds)):
            tasks.append(asyncio.create_task(self.ask(target, QUESTIONS[n % len(QUESTIONS)])))
            await asyncio.sleep(max(0.0, started + (n + 1) / rate - time.monotonic()))
        found = await asyncio.gather(*tasks)
        elapsed, cpu = time.monotonic() - started, cpu_seconds(pid) - before
        latencies = sorted(x for x in found if x is not None)
        answered = len(latencies)
        return {
            "answered": answered,
            "lost": len(found) - answered,
            "per_second": answered / elapsed,
            "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
            "p99_ms": 1000 * latencies[min(answered - 1, int(answered * 0.99))] if latencies else float("nan"),
            "cpu_ms": 1000 * cpu / answered if answered else float("nan"),
        }

    async def first_answer(self, target: Target, spawned: float) -> float:
        """Seconds from spawning the process to its first answer: ask until one comes."""
        while True:
            if not target.process.running():
                raise SystemExit(f"{target.name} exited\n{target.process.tail()}")
            got = await self.ask(target, QUESTIONS[0], timeout=5, asker=ASKER)  # one person, however many tries
            if got is not None:
                return time.monotonic() - spawned
            await asyncio.sleep(0.01)


async def seed(database: Path, people: int, announced: int) -> tuple[list[int], list[int]]:
    """Onboarded people on both channels; the store ids of those an announcement goes to."""
    store = SqliteStore(str(database))
    await store.open()
    try:
        askers = range(ASKER, ASKER + people)
        await add_people(store, "telegram", [telegram_chat(n) for n in askers], reminders=False)
        await add_people(store, "line", [line_user(n) for n in askers], reminders=False)
        tg = await add_people(store, "telegram", [telegram_chat(n) for n in range(announced)], reminders=False)
        ln = await add_people(store, "line", [line_user(n) for n in range(LINE_ANNOUNCED)], reminders=False)
        return tg, ln
    finally:
        await store.close()


async def announce_by_bot(database: Path, user_ids: list[int]) -> None:
    """Queue an announcement as `python -m bot broadcast` does; the running bot's courier sends it."""
    store = SqliteStore(str(database))
    await store.open()
    try:
        await store.queue_broadcast(PLAN_ID, "all", TEXT, "cli:bench", user_ids)
    finally:
        await store.close()


def byte_compiled() -> None:
    """The bot's modules compiled as an installed wheel has them (pip compiles at install;
    deploy/install.sh, the image): a checkout run with PYTHONDONTWRITEBYTECODE=1 would compile
    all of them at every start, which no deployment does. The SDKs' are compiled by pip."""
    compileall.compile_dir(str(ROOT / "bot"), quiet=1)


async def run(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.WARNING)
    byte_compiled()
    folder = tempfile.TemporaryDirectory(prefix="bench-cpu-")
    database = Path(folder.name) / "bot.sqlite3"
    phases = (args.rounds + (args.rounds if args.broadcast else 0)) * 2 * len(args.channels)
    people = 1 + int(args.rate * args.seconds) * phases + 2 * len(args.channels) * len(QUESTIONS)
    announced_tg = max(1, int(0.9 * (TELEGRAM_RATE - args.rate) * args.seconds))
    tg_ids, line_ids = await seed(database, people, announced_tg)
    telegram, line = TelegramFake(), LineFake()
    await telegram.start()
    await line.start()
    ports = [free_port() for _ in range(3)]
    env = bot_env(ports[0], f"sqlite:///{database}", telegram=telegram, line=line, extra={"LOG_LEVEL": "WARNING"})
    profile = Path(folder.name) / "bot.prof"
    argv = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "bot", "run"] if args.profile else []
    bot = BotProcess("bot", ports[0], env, Path(folder.name) / "bot.log", argv)
    echo = [sys.executable, str(ROOT / "bench" / "echo_bots.py")]
    echo_tg = BotProcess(
        "echo-telegram", ports[1], os.environ, Path(folder.name) / "echo-telegram.log",
        [*echo, "telegram", "--port", str(ports[1]), "--api", telegram.url, "--token", telegram.token,
         "--secret", SECRET],
    )  # fmt: skip
    echo_line = BotProcess(
        "echo-line", ports[2], os.environ, Path(folder.name) / "echo-line.log",
        [*echo, "line", "--port", str(ports[2]), "--api", line.url, "--token", line.access_token,
         "--secret", LINE_SECRET],
    )  # fmt: skip
    targets = [
        Target("bot", "telegram", bot, f"{bot.url}/telegram/webhook"),
        Target("echo", "telegram", echo_tg, f"{echo_tg.url}/telegram/webhook"),
        Target("bot", "line", bot, f"{bot.url}/line/webhook"),
        Target("echo", "line", echo_line, f"{echo_line.url}/line/webhook"),
    ]
    targets = [t for t in targets if t.channel in args.channels]
    processes = {"bot": bot} | {
        f"echo-{c}": p for c, p in (("telegram", echo_tg), ("line", echo_line)) if c in args.channels
    }
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        load = Load(session, telegram, line, people)
        try:
            started: dict[str, float] = {}
            for name, process in processes.items():  # one at a time: start-up is not shared
                spawned = time.monotonic()
                process.start()
                mine = [t for t in targets if t.process is process]  # the bot: asked on both channels at once
                firsts = await asyncio.gather(*(load.first_answer(t, spawned) for t in mine))
                started[name] = max(firsts)  # when it answers on every channel it serves
                if len(mine) > 1:
                    started |= {f"{name} ({t.channel})": first for t, first in zip(mine, firsts, strict=True)}
            for target in targets:
                target.started_to_answer = started["bot" if target.name == "bot" else target.process.name]
                for question in QUESTIONS:  # warm: every answer once
                    await load.ask(target, question)
            await asyncio.sleep(3)
            idle = {name: rss_mb(p.pid) for name, p in processes.items()}
            before = {name: cpu_seconds(p.pid) for name, p in processes.items()}
            await asyncio.sleep(args.idle)
            idle_cpu = {name: 1000 * (cpu_seconds(p.pid) - before[name]) / args.idle for name, p in processes.items()}
            for _ in range(args.rounds):
                for target in targets:
                    target.results.setdefault("quiet", []).append(await load.phase(target, args.rate, args.seconds))
            if args.broadcast:
                for _ in range(args.rounds):
                    for target in targets:
                        await start_announcement(session, target, database, telegram, line, tg_ids, line_ids)
                        figures = await load.phase(target, args.rate, args.seconds)
                        figures["announced"] = telegram.announced if target.channel == "telegram" else line.announced
                        target.results.setdefault("announcement", []).append(figures)
                        await finish_announcement(target, telegram, line)
        finally:
            await asyncio.gather(*(p.stop() for p in processes.values() if p.process is not None))
            await telegram.stop()
            await line.stop()
    report(targets, idle, idle_cpu, started, args)
    if args.profile:
        import pstats

        pstats.Stats(str(profile)).sort_stats("cumulative").print_stats(args.profile)
        pstats.Stats(str(profile)).sort_stats("tottime").print_stats(args.profile)
    folder.cleanup()


async def start_announcement(
    session: aiohttp.ClientSession,
    target: Target,
    database: Path,
    telegram: TelegramFake,
    line: LineFake,
    tg_ids: list[int],
    line_ids: list[int],
) -> None:
    telegram.announced = line.announced = 0
    if target.name == "bot":
        await announce_by_bot(database, tg_ids if target.channel == "telegram" else line_ids)
        return
    size = len(tg_ids) if target.channel == "telegram" else len(line_ids)
    async with session.post(f"{target.process.url}/broadcast", params={"n": size, "text": TEXT}) as response:
        assert response.status == 200


async def finish_announcement(target: Target, telegram: TelegramFake, line: LineFake) -> None:
    """Until this phase's announcement is done, so that it does not load the next phase."""
    give_up = time.monotonic() + 60
    fake: TelegramFake | LineFake = telegram if target.channel == "telegram" else line
    last, still = -1, 0
    while time.monotonic() < give_up and still < 10:  # settled: no new message for 1 s
        now = fake.announced
        still = still + 1 if now == last else 0
        last = now
        await asyncio.sleep(0.1)


def median_of(results: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in results)


def report(
    targets: list[Target],
    idle: dict[str, float],
    idle_cpu: dict[str, float],
    started: dict[str, float],
    args: argparse.Namespace,
) -> None:
    print(f"{args.rate:g} questions/s from different people for {args.seconds:g} s, {args.rounds} rounds, alternating")
    targets_of = {c: limit for c, limit in (("telegram", 1.5), ("line", 2.0)) if c in args.channels}
    for phase in ("quiet", "announcement"):
        if not all(phase in t.results for t in targets):
            continue
        print(f"\n{'with an announcement running' if phase == 'announcement' else 'replies only'}:")
        print(f"  {'':18} {'updates/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/update':>14} {'lost':>5}")
        for t in targets:
            r = t.results[phase]
            extra = f"   announcement: {median_of(r, 'announced'):,.0f} sent" if phase == "announcement" else ""
            print(
                f"  {t.name + ' ' + t.channel:18} {median_of(r, 'per_second'):9.1f} {median_of(r, 'p50_ms'):8.1f} "
                f"{median_of(r, 'p99_ms'):8.1f} {median_of(r, 'cpu_ms'):14.2f} {sum(x['lost'] for x in r):5.0f}{extra}"
            )
        for channel, limit in targets_of.items():
            mine = next(t for t in targets if t.name == "bot" and t.channel == channel)
            bare = next(t for t in targets if t.name == "echo" and t.channel == channel)
            ratio = median_of(mine.results[phase], "cpu_ms") / median_of(bare.results[phase], "cpu_ms")
            verdict = ("met" if ratio <= limit else "MISSED") if phase == "quiet" else "for information"
            print(f"  CPU per update, bot / echo, {channel}: {ratio:.2f} (target ≤ {limit:g} -> {verdict})")
    print("\nidle RSS after warm-up, MB:  " + ",  ".join(f"{n} {v:.0f}" for n, v in idle.items()))
    print(f"  bot with both channels: target ≤ 100 -> {'met' if idle['bot'] <= 100 else 'MISSED'}")
    print("idle CPU, ms per second:     " + ",  ".join(f"{n} {v:.1f}" for n, v in idle_cpu.items()))
    print("start-up to first answer, s: " + ",  ".join(f"{n} {v:.2f}" for n, v in started.items()))
    print(f"  bot: target ≤ 1 -> {'met' if started['bot'] <= 1 else 'MISSED'}")


if __name__ == "__main__":
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--rate", type=float, default=20.0, help="questions a second (under Telegram's 30/s)")
    cli.add_argument("--seconds", type=float, default=10.0)
    cli.add_argument("--rounds", type=int, default=3)
    cli.add_argument("--channels", nargs="+", default=["telegram", "line"], choices=["telegram", "line"])
    cli.add_argument("--idle", type=float, default=5.0, help="seconds of no traffic to measure idle CPU over")
    cli.add_argument("--no-broadcast", dest="broadcast", action="store_false")
    cli.add_argument("--profile", type=int, default=0, metavar="N", help="run the bot under cProfile, print N lines")
    asyncio.run(run(cli.parse_args()))
