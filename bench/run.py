"""Benchmarks: answer latency in-process, console start-up time and memory.

Run: .venv/bin/python bench/run.py  (prints figures; targets are in the README)
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.clock import FixedClock  # noqa: E402
from bot.core.dialogue import Dialogue  # noqa: E402
from bot.core.messages import Incoming  # noqa: E402
from bot.core.services import Services  # noqa: E402
from bot.domain.calendar import TAIPEI  # noqa: E402
from bot.plans.loader import load_rules_dir  # noqa: E402
from bot.storage import open_store  # noqa: E402

QUESTIONS = ROOT / "tests" / "data" / "qa"
TOTAL = 3000


def questions() -> list[dict[str, str]]:
    rows = []
    for path in sorted(QUESTIONS.glob("*.jsonl")):
        rows.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return rows


async def answer_latency() -> None:
    store = await open_store("sqlite:///:memory:")
    book = load_rules_dir()
    days = {
        "kaohsiung-112": datetime(2023, 6, 1, 20, tzinfo=TAIPEI),
        "hsinchu-109": datetime(2020, 6, 1, 20, tzinfo=TAIPEI),
    }
    dialogues = {p: Dialogue(Services(book, store, FixedClock(d))) for p, d in days.items()}
    for plan in days:
        for lang in ("zh-TW", "en"):
            await dialogues[plan].prepare_ready("console", f"{plan}-{lang}", plan, lang)
    rows = questions()
    timings = []
    for i in range(TOTAL):
        row = rows[i % len(rows)]
        incoming = Incoming("console", f"{row['plan']}-{row['lang']}", text=row["q"])
        start = time.perf_counter()
        await dialogues[row["plan"]].handle(incoming)
        timings.append((time.perf_counter() - start) * 1000)
    await store.close()
    timings.sort()
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(
        f"answer latency over {TOTAL} questions ({len(rows)} distinct, both plans, through the whole dialogue "
        f"with SQLite in memory): median {statistics.median(timings):.2f} ms, p99 {p99:.2f} ms, "
        f"max {timings[-1]:.2f} ms"
    )


def console_startup() -> None:
    script = "補休最多幾小時？\n/quit\n"
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "console", "--plan", "kaohsiung-112", "--today", "2023-06-01",
             "--user", "bench"],
            input=script, capture_output=True, text=True, cwd=ROOT, check=True,
            env={"DATABASE_URL": "sqlite:///:memory:", "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        runs.append(time.perf_counter() - start)
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"console start-up to first answer and exit: median {statistics.median(runs):.2f} s over 3 runs; "
        f"peak resident memory {rss_mb:.0f} MB"
    )


if __name__ == "__main__":
    asyncio.run(answer_latency())
    console_startup()
