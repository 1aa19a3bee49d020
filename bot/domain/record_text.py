"""The pieces every form of a learning record is made of: dates that may not exist, cells,
labels, and the words of the platform's columns. Shared by the platform-record reader
(`record.py`) and the lifelong-learning portal's reader (`portal_record.py`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from bot.domain.textnorm import fold_width

ROC_OFFSET = 1911
# The platform's 學習紀錄 columns, as its table heads them (the text and OCR readers both use them).
COLUMNS = (
    "No.", "課程類型", "課程名稱", "上課期間", "閱讀時數", "測驗", "問卷",
    "通過條件", "通過狀態", "認證時數", "終身學習上傳狀態", "終身學習時數上傳時間",
)  # fmt: skip


@dataclass(frozen=True)
class RowProblem:
    """A field of a row that is impossible (2023-02-30, hour 25, an end before its start, a date
    after today, a year outside the plan) or could not be read (a status cut off a screenshot)."""

    field: Literal["start", "end", "status", "hours", "recorded", "name"]
    kind: Literal["impossible", "before_start", "future", "outside_plan", "unreadable", "unknown_course"]
    value: str = ""


class RecordError(ValueError):
    """The text holds no usable row; `reason` is a message key for the person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RecordRow:
    number: int | None
    name: str
    code: str | None
    start: datetime | None  # naive local time, as the platform prints it
    end: datetime | None
    passed: bool | None  # None: the status could not be read
    status: str
    certified_hours: float | None
    kind: str | None = None
    name_parts: tuple[str, ...] = ()  # the cells the name may be made of (OCR: noise included)
    recorded_on: date | None = None  # the portal's 登 date: when the hours were recorded
    source: Literal["platform", "portal"] = "platform"
    problems: tuple[RowProblem, ...] = ()
    position: int = 0  # 1-based order in the text, for rows without a number

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})" if self.code else self.name

    @property
    def ordinal(self) -> int:
        return self.number or self.position


class DateProblem(ValueError):
    """A date or time that cannot exist, with the text as written."""

    def __init__(self, written: str) -> None:
        super().__init__(written)
        self.written = written


def make_datetime(parts: tuple[str | None, ...], written: str) -> datetime:
    """year, month, day[, hour, minute[, second]] as text → a naive local datetime; a 民國 year
    (below 1911) is converted. Raises DateProblem for 2023-02-30, month 13, hour 25 …"""
    year, month, day, hour, minute, second = (int(p) if p else 0 for p in parts)
    if year < ROC_OFFSET:
        year += ROC_OFFSET
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise DateProblem(written.strip()) from None


def roc_date(digits: str) -> date:
    """`1090803` (民國 109年8月3日) → 2020-08-03; raises DateProblem when it cannot exist."""
    text = digits.strip()
    if len(text) not in (6, 7) or not text.isdigit():
        raise DateProblem(text)
    return make_datetime((text[:-4], text[-4:-2], text[-2:], None, None, None), text).date()


def prepare(text: str) -> str:
    """Width-folded text with one kind of line break: what every reader starts from."""
    return fold_width(text).replace("\r\n", "\n").replace("\r", "\n")


_CELL_SPLIT = re.compile(r"\t|\n| {2,}|\u3000")


def cells(text: str) -> list[str]:
    """Cells as a browser's copy (tabs), a phone's (runs of spaces) or OCR lines separate them."""
    return [c.strip() for c in _CELL_SPLIT.split(text) if c.strip()]


def label_pattern(labels: tuple[str, ...]) -> re.Pattern[str]:
    """A column's or card's label standing alone (a header cell, `通過狀態：已通過`), not inside
    a longer word such as 課程測驗."""
    words = "|".join(sorted((re.escape(w) for w in labels), key=len, reverse=True))
    return re.compile(rf"(?:(?<=^)|(?<=[\s|｜]))({words})(?:\s*[:：]\s*|(?=$|[\s|｜]|\d))", re.MULTILINE)


def join_parts(parts: Sequence[str]) -> str:
    """Cells of one name, as one name: CJK runs joined directly, Latin words with a space."""
    name = ""
    for part in parts:
        if name and re.match(r"[A-Za-z0-9]", part) and re.search(r"[A-Za-z0-9]$", name):
            name += " "
        name += part
    return name
