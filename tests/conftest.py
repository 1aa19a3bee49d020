"""Shared fixtures: the real rules files and helpers that write learning records."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from bot.plans.loader import PlanBook, load_rules_dir
from bot.plans.model import Plan
from bot.storage import Store, open_store
from tests.support.backends import BACKENDS, Backend, postgres_backend

ROOT = Path(__file__).resolve().parents[1]
HEADER = (
    "No.\t課程類型\t課程名稱\t上課期間\t閱讀時數\t測驗\t問卷\t通過條件\t通過狀態\t認證時數\t"
    "終身學習上傳狀態\t終身學習時數上傳時間"
)


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """Each storage backend in turn: SQLite on a file, PostgreSQL in a schema of its own
    (skipped with the reason when no server answers; see tests/support/backends.py)."""
    if request.param == "sqlite":
        path = tmp_path / "bot.sqlite3"
        yield Backend("sqlite", f"sqlite:///{path}", path)
        return
    async with postgres_backend() as found:
        yield found


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Store]:
    """A real store (each backend in turn), open for the test and closed after it."""
    s = await open_store(backend.url)
    yield s
    await s.close()


@pytest.fixture(scope="session")
def book() -> PlanBook:
    return load_rules_dir(ROOT / "rules")


@pytest.fixture(scope="session")
def kaohsiung(book: PlanBook) -> Plan:
    plan = book.get("kaohsiung-112")
    assert plan is not None
    return plan


@pytest.fixture(scope="session")
def hsinchu(book: PlanBook) -> Plan:
    plan = book.get("hsinchu-109")
    assert plan is not None
    return plan


def record_text(rows: Sequence[tuple[str, str, str] | tuple[str, str, str, str]], header: bool = True) -> str:
    """A record as a browser copies it: (name, start, end[, status]) per row, with a
    multi-line 通過條件 cell as on the platform."""
    lines = [HEADER] if header else []
    for n, row in enumerate(rows, 1):
        name, start, end = row[:3]
        status = row[3] if len(row) > 3 else "已通過"
        lines.append(
            f"{n}\t開放式\t{name}\t{start}~{end}\t01:00:00\t100\t已填\t課程測驗：75 分(含)以上\n"
            f"閱讀時數：00:30:00(含)以上\n需填問卷：是\t{status}\t1.0\t成功\t2023-01-02 12:00:00"
        )
    return "\n".join(lines) + "\n"


def bundle_rows(plan: Plan, bundle_id: str, day: str, hour: int = 19) -> list[tuple[str, str, str]]:
    """Every course of a bundle taken on `day`, one after another from `hour` o'clock."""
    rows = []
    minute = 0
    for course in plan.bundles_by_id[bundle_id].courses:
        start = f"{day} {hour + minute // 60:02d}:{minute % 60:02d}:00"
        minute += 10
        end = f"{day} {hour + minute // 60:02d}:{minute % 60:02d}:00"
        rows.append((course.name, start, end))
    return rows


@pytest.fixture(scope="session")
def ocr_ready() -> None:
    """The real OCR engine, loaded once for the session (a first read also loads the models)."""
    from bot.domain.ocr import default_engine

    engine = default_engine()
    load = getattr(engine, "load", None)
    if load is not None:
        load()
