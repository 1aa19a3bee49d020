"""Read the learning record (學習紀錄) a staff member copies from the platform.

A browser copies the table as tab-separated cells, one row per line, but a cell with
line breaks (通過條件 lists three conditions) spills over several lines. Some phones
paste runs of spaces instead of tabs. The parser therefore finds each row by its
content (a row number followed by a study period `start~end` and a status such as
已通過) rather than trusting line breaks, and names every column from the header when
there is one, by position otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.domain.textnorm import COURSE_CODE, fold_width

COLUMNS = (
    "No.", "課程類型", "課程名稱", "上課期間", "閱讀時數", "測驗", "問卷",
    "通過條件", "通過狀態", "認證時數", "終身學習上傳狀態", "上傳時間",
)  # fmt: skip
MAX_RECORD_CHARS = 200_000

_DT = r"(\d{3,4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
_PERIOD = re.compile(_DT + r"\s*[~～〜至-]\s*" + _DT)
_STATUS = re.compile(r"(已通過|未通過|通過|進行中|未完成)")
_ROW_START = re.compile(r"^\s*(\d{1,4})\s*(?:\t|\s{2,})")
_ROW_LINE = re.compile(r"^\s*\d{1,4}\s*(?:\t|\s{2,})", re.MULTILINE)
_SPLIT = re.compile(r"\t|\s{2,}")
_HOURS = re.compile(r"^\d{1,3}(?:\.\d+)?$")


class RecordError(ValueError):
    """The text holds no usable row; `reason` is a message key for the person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RecordRow:
    number: int
    name: str
    code: str | None
    start: datetime | None
    end: datetime | None
    passed: bool
    status: str
    certified_hours: float | None
    kind: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})" if self.code else self.name


def _datetime(parts: tuple[str | None, ...]) -> datetime:
    year, month, day, hour, minute, second = (int(p) if p else 0 for p in parts)
    if year < 1911:  # 民國 year, e.g. 112-08-31
        year += 1911
    return datetime(year, month, day, hour, minute, second)


def _split_rows(text: str) -> list[str]:
    """Join continuation lines to the row that starts with a row number."""
    rows: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if _ROW_START.match(line) or not rows:
            rows.append(line)
        else:
            rows[-1] += "\t" + line
    return rows


def _cells(row: str) -> list[str]:
    return [c.strip() for c in _SPLIT.split(row.strip())]


def _header_index(line: str) -> dict[str, int] | None:
    cells = _cells(line)
    if sum(1 for c in cells if c in COLUMNS) < 4:
        return None
    return {c: i for i, c in enumerate(cells) if c in COLUMNS}


def _parse_row(row: str, header: dict[str, int] | None) -> RecordRow | None:
    number = _ROW_START.match(row)
    period = _PERIOD.search(row)
    if not number or not period:
        return None
    cells = _cells(row)
    period_at = next((i for i, c in enumerate(cells) if _PERIOD.search(c)), None)
    if period_at is None or period_at < 1:
        return None
    # The course name is the cell just before the period; the type (開放式…) before it.
    name_at = header.get("課程名稱", period_at - 1) if header else period_at - 1
    if name_at >= len(cells) or name_at == period_at:
        name_at = period_at - 1
    raw_name = cells[name_at]
    code_match = COURSE_CODE.search(fold_width(raw_name))
    name = COURSE_CODE.sub("", fold_width(raw_name)).strip()
    if not name:
        return None
    after = cells[period_at + 1 :]
    status_cell = next((c for c in after if _STATUS.fullmatch(c)), None)
    status = status_cell or (_STATUS.search(" ".join(after)) or [""])[0]
    hours: float | None = None
    if status_cell is not None:
        rest = after[after.index(status_cell) + 1 :]
        if rest and _HOURS.match(rest[0]):
            hours = float(rest[0])
    start = _datetime(period.groups()[:6])
    end = _datetime(period.groups()[6:])
    return RecordRow(
        number=int(number.group(1)),
        name=name,
        code=code_match.group(1) if code_match else None,
        start=start,
        end=end,
        passed=status == "已通過" or status == "通過",
        status=status or "?",
        certified_hours=hours,
        kind=cells[name_at - 1] if name_at >= 1 and name_at - 1 != 0 else None,
    )


def parse_record(text: str) -> list[RecordRow]:
    """Every row of the record; raises RecordError when nothing in the text is a row."""
    if len(text) > MAX_RECORD_CHARS:
        raise RecordError("record.too_long")
    if not text.strip():
        raise RecordError("record.empty")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    header = None
    for line in lines[:3]:
        header = _header_index(line)
        if header:
            break
    rows = [r for r in (_parse_row(row, header) for row in _split_rows(text)) if r]
    if not rows:
        raise RecordError("record.unreadable")
    return rows


def looks_like_record(text: str) -> bool:
    """Cheap test used by the dialogue to recognise a pasted record among messages."""
    return bool(_PERIOD.search(text)) and bool(_STATUS.search(text)) and bool(_ROW_LINE.search(text))
