"""Read the learning record (學習紀錄) of the platform in whatever form a person has it.

A desktop browser copies the table as tab-separated cells, with the three conditions of
通過條件 over several lines; a phone copies cells separated by single or several spaces,
or one cell per line; OCR of a screenshot gives table rows or a phone's cards, a label and
its value per line. None of these can be trusted for line breaks or column positions, so
every row is found by what it must contain: a study period `start~end`. The course name
is the run of name-like cells just before the period (its code in brackets, its row
number and course type before it); the status (已通過…) and certified hours are looked
for in the rest of the row, after the period first. Dates that cannot exist are kept as
problems of their row, never raised, so a person is told which row is wrong.

The lifelong-learning portal's 學習時數 table has another shape; `portal_record` reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.domain import portal_record
from bot.domain.record_text import (
    COLUMNS,
    DateProblem,
    RecordError,
    RecordRow,
    RowProblem,
    cells,
    join_parts,
    label_pattern,
    make_datetime,
    prepare,
)
from bot.domain.textnorm import COURSE_CODE

MAX_RECORD_CHARS = 200_000

_DATE = r"(\d{3,4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_TIME = r"(\d{1,2})\s*[:：]\s*(\d{1,2})(?:\s*[:：]\s*(\d{1,2}))?"
_DT = rf"{_DATE}(?:\s*T?\s*{_TIME})?"
_PERIOD = re.compile(rf"{_DT}\s*(?:[~～〜至]|-{{1,2}}(?=\s*\d))?\s*{_DT}")
_STATUS = re.compile(r"已通過|未通過|不通過|通過|進行中|學習中|未完成|已完成")
_PASSED = ("已通過", "通過")
_LABELS = (
    *COLUMNS, "No", "NO.", "序號", "項次", "上傳時間", "上傳狀態", "學習期間", "課程代碼", "學習時數",
)  # fmt: skip
_LABEL = label_pattern(_LABELS)
_MARK = "\x00"  # a label, kept as a cell of its own: `\x00認證時數`
_KINDS = ("開放式", "非開放式", "混成式", "混成", "自學式", "一般課程", "數位課程")
_SURVEY = ("已填", "未填", "免填", "是", "否")
_UPLOAD = ("成功", "失敗", "未上傳", "上傳中", "處理中", "待上傳", "上傳成功", "上傳失敗")
_CHROME = (
    "學習紀錄",
    "個人專區",
    "我的課程",
    "返回",
    "上一頁",
    "下一頁",
    "學習平臺",
    "e等公務園",
    "e等公務園+學習平臺",
)
_HOURS = re.compile(r"^(\d{1,3}(?:\.\d+)?)\s*(?:小時|hr|hrs|h)?$", re.IGNORECASE)
_INTEGER = re.compile(r"^\d{1,6}$")
_CLOCK = re.compile(r"^(?:上午|下午|AM|PM)?\s*\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?\s*(?:AM|PM)?$", re.I)
_DATETIME_CELL = re.compile(rf"^{_DT}$")
_NOISE = re.compile(r"^[\d%.\s]*(?:G|LTE|%)?[\d%.\s]*$")  # a phone's status bar: 4G, 51%, 12
_CONDITION = re.compile(r"\(含\)以上|需填問卷|課程測驗|^分$|以上$")


@dataclass(frozen=True)
class _Period:
    start: datetime | None
    end: datetime | None
    problems: tuple[RowProblem, ...]


def _period(match: re.Match[str]) -> _Period:
    groups = match.groups()
    problems: list[RowProblem] = []
    moments: list[datetime | None] = []
    written = re.split(r"\s*(?:[~～〜至]|-{1,2}(?=\s*\d{3,4}\s*[-/.年]))\s*", match.group(0), maxsplit=1)
    for which, parts, text in (("start", groups[:6], written[0]), ("end", groups[6:], written[-1])):
        try:
            moments.append(make_datetime(parts, text))
        except DateProblem as problem:
            problems.append(RowProblem(which, "impossible", problem.written))  # type: ignore[arg-type]
            moments.append(None)
    return _Period(moments[0], moments[1], tuple(problems))


def _marked(text: str) -> str:
    return _LABEL.sub(lambda m: f"\t{_MARK}{m.group(1)}\t", text)


def _is_label(cell: str, *names: str) -> bool:
    return cell.startswith(_MARK) and (not names or cell[1:] in names)


def _ends_name(cell: str) -> bool:
    """A cell that cannot be part of a course name: a field value of the row before, a label."""
    return (
        cell.startswith(_MARK)
        or bool(_STATUS.fullmatch(cell))
        or cell in _UPLOAD
        or cell in _SURVEY
        or cell in _KINDS
        or bool(_CLOCK.match(cell))
        or bool(_DATETIME_CELL.match(cell))
        or bool(_CONDITION.search(cell))
        or ("." in cell and bool(_HOURS.match(cell)))
    )


def _is_chrome(cell: str) -> bool:
    """A phone's or browser's own text around the record: titles, 4G, 51%, a lone `<`."""
    if cell in _CHROME or not re.search(r"[0-9A-Za-z\u3400-\u9fff]", cell):
        return True
    return bool(_NOISE.fullmatch(cell)) and not _INTEGER.match(cell)


def _split_head(before: list[str]) -> tuple[int, int | None, str | None, list[str], str | None]:
    """Walk back from a period: (where the row's head starts, number, kind, name cells, code).
    Labels, statuses or times just before the period belong to this row (cards that show the
    status first), so they are stepped over until the name is reached."""
    j = len(before) - 1
    while j >= 0 and (_ends_name(before[j]) or _is_chrome(before[j])) and not _is_label(before[j], "課程名稱"):
        j -= 1
    parts: list[str] = []
    code: str | None = None
    while j >= 0 and not _ends_name(before[j]):
        cell = before[j]
        found = COURSE_CODE.search(cell)
        if found:
            code = found.group(1)
            cell = COURSE_CODE.sub("", cell).strip()
        if cell and not _is_chrome(cell):
            parts.insert(0, cell)
        j -= 1
    start = j + 1
    kind = None
    if j >= 0 and before[j] in _KINDS:
        kind, start, j = before[j], j, j - 1
    while j >= 0 and _is_label(before[j], "No.", "No", "NO.", "序號", "項次", "課程類型", "課程名稱"):
        j -= 1
    number = None
    while parts and _INTEGER.match(parts[0]) and len(parts[0]) <= 4 and len(parts) > 1:
        number = int(parts.pop(0))  # a row number that came before the name
    if number is None and j >= 0 and _INTEGER.match(before[j]) and len(before[j]) <= 4:
        number, start = int(before[j]), j
    return start, number, kind, parts, code


def _fields(after: list[str], before: list[str]) -> tuple[str | None, float | None]:
    """The status and certified hours of one row, each looked for after its period first, then
    before it (cards that show them first). Hours are the value of a 認證時數 label, or the
    number right after the status."""
    status: str | None = None
    hours: float | None = None
    for side in (after, before):
        status_at = next((i for i, c in enumerate(side) if _STATUS.fullmatch(c)), None)
        labelled = next((i for i, c in enumerate(side) if _is_label(c, "認證時數")), None)
        if status is None and status_at is not None:
            status = side[status_at]
        if hours is None and labelled is not None:
            hours = _hours(side[labelled + 1 : labelled + 2])
        elif hours is None and status_at is not None:
            hours = _hours([c for c in side[status_at + 1 : status_at + 3] if not c.startswith(_MARK)][:1])
    return status, hours


def _hours(cell: list[str]) -> float | None:
    """`1.0`, `2`, `2小時`; not a score such as 100."""
    match = _HOURS.match(cell[0]) if cell else None
    if match is None or (_INTEGER.match(cell[0]) and len(cell[0]) > 2):
        return None
    return float(match.group(1))


def _words(text: str) -> list[str]:
    """Cells down to single words: a phone copies a row with single spaces, so no separator
    can be trusted to end a cell; a name split into words is joined again (`join_parts`)."""
    return [w for c in cells(text) for w in c.split(" ") if w]


def parse_record(text: str) -> list[RecordRow]:
    """Every row of the record (platform or portal); raises RecordError when nothing is a row."""
    if len(text) > MAX_RECORD_CHARS:
        raise RecordError("record.too_long")
    if not text.strip():
        raise RecordError("record.empty")
    text = prepare(text)
    if portal_record.looks_like_portal(text):
        portal_rows = portal_record.parse_portal(text)
        if portal_rows:
            return portal_rows
        raise RecordError("record.unreadable")
    marked = _marked(text)
    periods = list(_PERIOD.finditer(marked))
    if not periods:
        raise RecordError("record.unreadable")
    pieces = [_words(marked[: periods[0].start()])]
    for i, match in enumerate(periods):
        end = periods[i + 1].start() if i + 1 < len(periods) else len(marked)
        pieces.append(_words(marked[match.end() : end]))
    heads = [_split_head(piece) for piece in pieces[:-1]]
    rows: list[RecordRow] = []
    for i, match in enumerate(periods):
        start_at, number, kind, parts, code = heads[i]
        before = pieces[i][start_at:]
        name_cells = len(parts)
        own_before = before[name_cells + (1 if kind else 0) :]
        tail = pieces[i + 1]
        after = tail[: heads[i + 1][0]] if i + 1 < len(heads) else tail
        status, hours = _fields(after, own_before)
        period = _period(match)
        problems = list(period.problems)
        if period.start and period.end and period.end < period.start:
            problems.append(RowProblem("end", "before_start", f"{period.end:%Y-%m-%d %H:%M:%S}"))
        if status is None:
            problems.append(RowProblem("status", "unreadable"))
        if not parts:
            problems.append(RowProblem("name", "unreadable"))
        rows.append(
            RecordRow(
                number=number, name=join_parts(parts),
                code=code, start=period.start, end=period.end,
                passed=None if status is None else status in _PASSED, status=status or "?",
                certified_hours=hours, kind=kind, name_parts=tuple(parts), problems=tuple(problems),
                position=i + 1,
            )
        )  # fmt: skip
    return rows


def looks_like_record(text: str) -> bool:
    """Cheap test used by the dialogue to recognise a pasted record among messages."""
    folded = prepare(text)
    if portal_record.looks_like_portal(folded):
        return True
    return bool(_PERIOD.search(folded)) and bool(_STATUS.search(folded))
