"""Benchmark: one day's reminder sweep over 100,000 stored people, the bot's own work only.

Seeds a SQLite store (a file, WAL, as deployed), or with a PostgreSQL URL (`--database-url`, or
BENCH_DATABASE_URL) a schema of its own on that server, created for the run and dropped after
it, with N Telegram people on kaohsiung-112 with reminders on: about 40% without any course
marked, the rest with 1-12 courses (self-reported days or learning-record times, fixed random
seed), a tenth reading English; on PostgreSQL the seeded tables are then ANALYZEd, as
autovacuum would have done on a database that grew to this size. Then, with the
clock at 2023-08-24 10:00 Asia/Taipei (7 days before the 31 August deadline), runs the day as
the service does: `queue_day` (one outbox row per person) and `Courier.deliver_pending()`
(claim, compose each person's standing, send, record the outcome) into an in-process channel
that accepts every message at once, so no network is measured.

Printed: seeding time (apart), queue time, delivery time, total sweep time (target < 60 s) and
the CPU time this process spent in it (the rest is waiting: for the database, or for a busy machine),
messages composed, peak memory (ru_maxrss of this process: on PostgreSQL the server's own is
not counted; target < 500 MB), and whether every person got exactly one reminder.
`--tracemalloc` adds Python's own allocation peak (slower run); `--profile` runs the sweep
under cProfile and prints where the time goes.

Run: .venv/bin/python bench/sweep.py [--people 10000] [--profile] [--tracemalloc]
         [--database-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import logging
import os
import pstats
import resource
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.people import PLAN_ID, add_marks, add_people, course_keys, fresh_store, settle, telegram_chat  # noqa: E402
from bot.channels.base import Delivered  # noqa: E402
from bot.core.clock import FixedClock  # noqa: E402
from bot.core.messages import Reply  # noqa: E402
from bot.core.services import Services  # noqa: E402
from bot.domain.calendar import TAIPEI  # noqa: E402
from bot.outbox.compose import Composer  # noqa: E402
from bot.outbox.courier import Courier  # noqa: E402
from bot.plans.loader import load_rules_dir  # noqa: E402
from bot.reminders.sweep import queue_day  # noqa: E402

DAY = date(2023, 8, 24)  # kaohsiung-112: 7 days before the 31 August deadline
MOMENT = datetime(2023, 8, 24, 10, 0, tzinfo=TAIPEI)  # the daily run's default hour
MARKS_FROM, MARKS_TO = date(2023, 3, 1), date(2023, 8, 23)
TARGET_SECONDS, TARGET_MB = 60.0, 500.0


@dataclass
class NullChannel:
    """Takes every message at once: only what the bot does is measured. Counts per person."""

    name: str = "telegram"
    multicast_size: int = 1
    concurrency: int = 8
    idempotent: bool = False
    per_person: Counter[str] = field(default_factory=Counter)
    replies: int = 0
    texts: set[int] = field(default_factory=set)  # hashes of distinct messages: how varied they were

    async def start(self, receive: bool = True) -> None: ...

    async def stop(self) -> None: ...

    async def push(self, user_id: str, replies: list[Reply]) -> bool:
        return await self.deliver(user_id, replies, "") is Delivered.SENT

    async def deliver(self, user_id: str, replies: list[Reply], key: str) -> Delivered:
        self.per_person[user_id] += 1
        self.replies += len(replies)
        self.texts.add(hash(tuple(r.text for r in replies)))
        return Delivered.SENT

    async def multicast(self, user_ids: Sequence[str], replies: list[Reply], key: str) -> Delivered:
        for user_id in user_ids:
            await self.deliver(user_id, replies, key)
        return Delivered.SENT


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def print_profile(profile: cProfile.Profile, lines: int = 30) -> None:
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(lines)
        print(f"\n---- cProfile of the sweep, by {order} ----")
        print(out.getvalue().split("\n", 4)[-1].rstrip())  # drop pstats' preamble


def backend_name(database_url: str | None) -> str:
    if not database_url:
        return "SQLite (a file, WAL)"
    from bot.storage.postgres import safe_url

    return f"PostgreSQL {safe_url(database_url)} (a schema of its own)"


async def main(people: int, profile: bool, trace: bool, database_url: str | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    book = load_rules_dir()
    chats = [telegram_chat(n) for n in range(people)]
    print(f"store: {backend_name(database_url)}")
    async with fresh_store(database_url) as store:
        start = time.perf_counter()
        user_ids = await add_people(store, "telegram", chats, reminders=True, english_share=0.1)
        marked, marks = await add_marks(
            store, user_ids, course_keys(book), share_without=0.4, first=MARKS_FROM, last=MARKS_TO
        )
        await settle(store)
        seeding = time.perf_counter() - start
        print(
            f"seeded {people:,} people on {PLAN_ID} with reminders on ({marked:,} with marks, {marks:,} marks, "
            f"{people - marked:,} without) in {seeding:.1f} s; peak RSS so far {peak_rss_mb():.0f} MB"
        )

        clock = FixedClock(MOMENT)
        services = Services(book, store, clock)  # built once at start-up in the service: not timed
        channel = NullChannel()
        courier = Courier(store, {"telegram": channel}, Composer(services), clock)
        profiler = cProfile.Profile() if profile else None
        if trace:
            tracemalloc.start()
        if profiler:
            profiler.enable()
        start, cpu_start = time.perf_counter(), time.process_time()
        queued = await queue_day(services, DAY)
        queue_seconds = time.perf_counter() - start
        await courier.deliver_pending()
        total = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        if profiler:
            profiler.disable()
        traced_mb = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
        tracemalloc.stop()

        rows = sum(q.new for q in queued)
        statuses: Counter[str] = Counter()
        for q in queued:
            found = await store.reminder_statuses(q.due.plan_id, q.due.deadline, q.due.offset_days)
            statuses.update(found.values())

    rss = peak_rss_mb()
    wrong = sum(1 for n in channel.per_person.values() if n != 1)
    missed = len(set(chats) - set(channel.per_person))
    once = not wrong and not missed and len(channel.per_person) == people
    deliver_seconds = total - queue_seconds
    dues = ", ".join(f"{q.due.offset_days} days before {q.due.deadline}" for q in queued)
    print(
        f"sweep of {DAY} ({dues}): queue {queue_seconds:.2f} s ({rows:,} rows), delivery {deliver_seconds:.2f} s, "
        f"total {total:.2f} s (target < {TARGET_SECONDS:.0f} s) = {people / total:,.0f} people/s; "
        f"this process's CPU {cpu:.2f} s" + (" [under cProfile: slower than normal]" if profile else "")
    )
    print(
        f"composed {sum(channel.per_person.values()):,} reminders ({channel.replies:,} messages, "
        f"{len(channel.texts):,} distinct); every person exactly one: {'yes' if once else 'NO'} "
        f"({missed} missed, {wrong} not once); outbox {dict(sorted(statuses.items()))}"
    )
    traced = f"; tracemalloc peak during the sweep {traced_mb:.0f} MB" if traced_mb is not None else ""
    print(f"peak memory: RSS {rss:.0f} MB for the whole process (target < {TARGET_MB:.0f} MB){traced}")
    if profiler:
        print_profile(profiler)
    elif total > TARGET_SECONDS:
        print("slower than the target: run again with --people 10000 --profile to see where the time goes")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=100_000, help="people seeded (default 100,000)")
    parser.add_argument(
        "--profile", action="store_true", help="run the sweep under cProfile, print the hot spots (--people 10000)"
    )
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also Python's allocation peak (about 10x slower: --people 10000)"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL") or None,
        help="run on PostgreSQL, in a schema created and dropped for the run (default: $BENCH_DATABASE_URL; "
        "none: SQLite)",
    )
    args = parser.parse_args()
    asyncio.run(main(args.people, args.profile, args.tracemalloc, args.database_url))
