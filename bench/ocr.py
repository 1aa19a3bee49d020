"""OCR of learning-record screenshots: speed per phone screenshot, memory, accuracy.

Renders every course of both plans as phone screenshots (1080x2340, three cards a shot,
one card overlapping; PNG and recompressed JPEG), as desktop tables (1920 px wide, 10 rows
each) and as one scrolling screenshot of the whole card list per plan (1080 px wide, up to
20k px high), in a child process, reads them with the real engine and prints: the cold
first read (model load included), warm p50/p90 over the phone shots, the time per desktop
table and per scrolling screenshot, peak RSS above the idle process (holding only the
pictures' bytes) after the phone shots and after everything, and the share of rows whose
course, start, end, status and hours all came back right. Timings are wall-clock: on a
machine shared with other work, run it a few times.

    .venv/bin/python bench/ocr.py
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.domain.ocr import RapidOcrEngine  # noqa: E402
from bot.plans.loader import load_rules_dir  # noqa: E402
from bot.plans.model import Plan  # noqa: E402
from tests.support.reading import card_records, read_right, table_records  # noqa: E402
from tests.support.screenshots import Row, as_jpeg, pc_table, phone_shots  # noqa: E402


def kib(field: str) -> int:
    """A figure of /proc/self/status in KiB (VmRSS now, VmHWM the peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def rows_of(plan: Plan) -> list[Row]:
    """Every course of the plan, each on its own evening, some not passed."""
    rows = []
    seen = set()
    for n, (_, course) in enumerate(plan.iter_courses()):
        if course.key in seen:
            continue
        seen.add(course.key)
        day = f"{plan.plan.roc_year + 1911}-{3 + n % 6:02d}-{1 + n % 27:02d}"
        passed = n % 5 != 3
        rows.append(
            Row(
                course.name,
                f"{day} 19:{n % 60:02d}:00",
                f"{day} {20 + int(course.hours)}:{(n * 7) % 60:02d}:00",
                status="已通過" if passed else "未通過",
                hours=f"{course.hours:.1f}" if passed else "0.0",
                code=course.code,
            )
        )
    return rows


def pictures(kind: str, rows: list[Row]) -> list[bytes]:
    """The screenshots of one case."""
    if kind == "phone":
        return phone_shots(rows)
    if kind == "phone-jpeg":
        return [as_jpeg(s) for s in phone_shots(rows)]
    if kind == "pc":
        return [pc_table(rows)]
    return phone_shots(rows, per_shot=len(rows), overlap=0, height=620 * len(rows) + 400)  # scrolling


def main() -> None:
    book = load_rules_dir(ROOT / "rules")
    plans = [p for p in (book.get("kaohsiung-112"), book.get("hsinchu-109")) if p is not None]
    specs = [(plan, rows_of(plan), kind) for kind in ("phone", "phone-jpeg") for plan in plans]
    phones = len(specs)
    for plan in plans:
        rows = rows_of(plan)
        specs += [(plan, rows[i : i + 10], "pc") for i in range(0, len(rows), 10)]
        specs.append((plan, rows, "phone-long"))
    # Drawn in another process: the memory Pillow frees here would be reused by the engine
    # and hide part of its peak (a fresh process reading the same pictures needs it all).
    with ProcessPoolExecutor(1) as pool:
        drawn = list(pool.map(pictures, [k for _, _, k in specs], [r for _, r, _ in specs]))
    cases = [(plan, rows, kind, shots) for (plan, rows, kind), shots in zip(specs, drawn, strict=True)]
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # glibc: give back what was freed so far
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    idle = kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM: the peak from here on
    engine = RapidOcrEngine()
    first = cases[0][3][0]
    t = time.perf_counter()
    engine.read(first)
    cold = time.perf_counter() - t
    times: dict[str, list[float]] = {}
    right: dict[str, list[bool]] = {}
    phone_peak = 0
    for n, (plan, rows, kind, shots) in enumerate(cases):
        if n == phones:
            phone_peak = kib("VmHWM") - idle
        lines = []
        for shot in shots:
            t = time.perf_counter()
            lines.append(engine.read(shot))
            times.setdefault(kind, []).append(time.perf_counter() - t)
        records = table_records(lines[0]) if kind == "pc" else card_records(lines)
        ok = read_right(plan, rows, records)
        right.setdefault(kind, []).extend(ok)
        for row, good in zip(rows, ok, strict=True):
            if not good:
                print(f"  misread ({kind}, {plan.id}): {row.name} {row.start}~{row.end} {row.status} {row.hours}")
    peak = kib("VmHWM") - idle
    warm = sorted(times["phone"])
    p90 = warm[min(len(warm) - 1, round(0.9 * (len(warm) - 1)))]
    p50 = statistics.median(warm)
    print(f"phone screenshot 1080x2340: cold {cold:.2f} s (model load included)")
    print(f"  warm p50 {p50:.2f} s, p90 {p90:.2f} s over {len(warm)} shots")
    print(f"desktop table 1920 px: median {statistics.median(times['pc']):.2f} s over {len(times['pc'])}")
    print(f"scrolling screenshot 1080 px: {', '.join(f'{t:.1f} s' for t in times['phone-long'])}")
    print(f"peak RSS above idle: phone shots {phone_peak / 1024:.0f} MiB, whole run {peak / 1024:.0f} MiB", end="")
    print(f" (idle {idle / 1024:.0f} MiB)")
    for kind, oks in right.items():
        print(f"rows read right ({kind}): {sum(oks)}/{len(oks)} = {sum(oks) / len(oks):.1%}")


if __name__ == "__main__":
    main()
