"""The same learning record in each form staff have it in: the desktop copy (tabs, the
multi-line 通過條件 cell), phone copies (single spaces, runs of spaces, one cell per line),
the phone's card list, and the lifelong-learning portal's 學習時數 table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.domain.portal_record import COLUMNS as PORTAL_HEADER
from bot.domain.record_text import COLUMNS as HEADER
from bot.plans.model import Plan

R = TypeVar("R")

CONDITION = ("課程測驗：75 分(含)以上", "閱讀時數：00:30:00(含)以上", "需填問卷：是")


@dataclass(frozen=True)
class Row:
    name: str
    start: str  # "2023-03-01 19:00:00"
    end: str
    status: str = "已通過"
    hours: str = "1.0"
    code: str | None = None

    @property
    def shown(self) -> str:
        return f"{self.name} ({self.code})" if self.code else self.name

    def cells(self, n: int) -> list[str]:
        return [
            str(n), "開放式", self.shown, f"{self.start}~{self.end}", "01:00:00", "100", "已填", " ".join(CONDITION),
            self.status, self.hours, "成功", "2023-09-02 12:00:00",
        ]  # fmt: skip


def desktop(rows: Sequence[Row], header: bool = True) -> str:
    """As a desktop browser copies the table: tabs, 通過條件 over three lines."""
    lines = ["\t".join(HEADER)] if header else []
    for n, row in enumerate(rows, 1):
        cells = row.cells(n)
        cells[7] = "\n".join(CONDITION)
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"


def single_spaces(rows: Sequence[Row], header: bool = False) -> str:
    lines = [" ".join(HEADER)] if header else []
    lines += [" ".join(row.cells(n)) for n, row in enumerate(rows, 1)]
    return "\n".join(lines)


def spaced(rows: Sequence[Row], header: bool = True) -> str:
    lines = ["   ".join(HEADER)] if header else []
    lines += ["   ".join(row.cells(n)) for n, row in enumerate(rows, 1)]
    return "\n".join(lines)


def one_per_line(rows: Sequence[Row], header: bool = False) -> str:
    lines = list(HEADER) if header else []
    for n, row in enumerate(rows, 1):
        lines += row.cells(n)
    return "\n".join(lines)


def cards(rows: Sequence[Row]) -> str:
    """The phone's card list copied (or OCR'd): a label and its value per line, the period
    split after `~`, the status sometimes before the period."""
    lines = ["下午3:14", "< 返回", "學習紀錄"]
    for n, row in enumerate(rows):
        lines.append(row.shown)
        if n % 2:
            lines += [f"通過狀態 {row.status}", "上課期間", f"{row.start}~", row.end]
        else:
            lines += ["上課期間", f"{row.start} ~", row.end, "閱讀時數 01:00:00", f"通過狀態：{row.status}"]
        lines.append(f"認證時數 {row.hours}")
    return "\n".join(lines)


@dataclass(frozen=True)
class PortalRow:
    name: str
    recorded: str  # 民國 digits, e.g. "1090803"
    hours: int = 1
    term: str = "109"
    institution: str = "行政院人事行政總處公務人力發展學院"

    def cells(self) -> list[str]:
        return [
            self.name, self.term, self.institution, f"起: 1090101 迄: 1091231 登: {self.recorded}", f"{self.hours}小時",
            "新竹市政府", "科員", "薦任第6職等", "", "數位", "*",
        ]  # fmt: skip


PORTAL_SUMMARY = (
    "您的學習時數資料如下:\n通過總學習時數\t30 小時\n數位課程總學習時數\t30 小時\n環境教育(4小時)\t4 小時\n"
)


def portal(rows: Sequence[PortalRow], separator: str = "\t") -> str:
    lines = [PORTAL_SUMMARY.replace("\t", separator), separator.join(PORTAL_HEADER)]
    lines += [separator.join(row.cells()) for row in rows]
    return "\n".join(lines)


def evening_rows(plan: Plan, bundle_id: str, make: Callable[..., R] | Any = Row) -> list[R]:
    """Every course of a bundle, one per evening from Saturday 4 March 2023, 19:00 for its hours;
    `make` builds each row (this module's Row, or the screenshots' Row)."""
    rows = []
    for n, course in enumerate(plan.bundles_by_id[bundle_id].courses):
        day = f"2023-03-{n + 4:02d}"
        end = f"{day} {19 + int(course.hours)}:{int(course.hours % 1 * 60):02d}:00"
        rows.append(make(course.name, f"{day} 19:00:00", end, hours=f"{course.hours:.1f}"))
    return rows
