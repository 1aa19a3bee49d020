"""OCR of learning-record screenshots: speed per phone screenshot, memory, accuracy.

Renders every course of both plans as phone screenshots (1080x2340, three cards a shot,
one card overlapping) and as desktop tables (10 rows each), reads them with the real
engine and prints: the cold first read (model load included), warm p50/p90 over the
phone shots, peak RSS above the idle process, and the share of rows whose course, start,
end, status and hours all came back right.

    .venv/bin/python bench/ocr.py
"""

from __future__ import annotations

import statistics
import sys
import time
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


def main() -> None:
    book = load_rules_dir(ROOT / "rules")
    plans = [p for p in (book.get("kaohsiung-112"), book.get("hsinchu-109")) if p is not None]
    cases = []
    for plan in plans:
        rows = rows_of(plan)
        cases.append((plan, rows, "phone", phone_shots(rows)))
        cases.append((plan, rows, "phone-jpeg", [as_jpeg(s) for s in phone_shots(rows)]))
        for i in range(0, len(rows), 10):
            cases.append((plan, rows[i : i + 10], "pc", [pc_table(rows[i : i + 10])]))
    idle = kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM: the peak from here on
    engine = RapidOcrEngine()
    first = cases[0][3][0]
    t = time.perf_counter()
    engine.read(first)
    cold = time.perf_counter() - t
    warm: list[float] = []
    right: dict[str, list[bool]] = {}
    for plan, rows, kind, shots in cases:
        lines = []
        for shot in shots:
            t = time.perf_counter()
            lines.append(engine.read(shot))
            if kind == "phone":
                warm.append(time.perf_counter() - t)
        records = card_records(lines) if kind.startswith("phone") else table_records(lines[0])
        ok = read_right(plan, rows, records)
        right.setdefault(kind, []).extend(ok)
        for row, good in zip(rows, ok, strict=True):
            if not good:
                print(f"  misread ({kind}, {plan.id}): {row.name} {row.start}~{row.end} {row.status} {row.hours}")
    peak = kib("VmHWM") - idle
    warm.sort()
    p90 = warm[min(len(warm) - 1, round(0.9 * (len(warm) - 1)))]
    p50 = statistics.median(warm)
    print(f"phone screenshot 1080x2340: cold {cold:.2f} s (model load included)")
    print(f"  warm p50 {p50:.2f} s, p90 {p90:.2f} s over {len(warm)} shots")
    print(f"peak RSS above idle: {peak / 1024:.0f} MiB (idle {idle / 1024:.0f} MiB)")
    for kind, oks in right.items():
        print(f"rows read right ({kind}): {sum(oks)}/{len(oks)} = {sum(oks) / len(oks):.1%}")


if __name__ == "__main__":
    main()
