"""Read the lifelong-learning portal's 學習時數 table (終身學習入口網 → 個人資料夾 → 學習時數).

Its columns are 課程名稱 期別 學習機關(構) 上課期間 時數 服務機關 職稱 官職等 假別 學習類別
業務相關, under a summary block of totals. Its 上課期間 reads `起: 1090101 迄: 1091231 登:
1090803` in 民國 dates: 起/迄 are the course's *offering* period, 登 the day the hours were
recorded. So this record proves that a course was passed and when its hours were recorded,
but not when or at what time of day it was studied: completion is judged by the 登 date,
and off-duty study (公餘時間) cannot be shown from it.

Each row is found by its 起/迄/登 block; the name is found by walking back from it over the
institution (學習機關) and the term number (期別).
"""

from __future__ import annotations

import re

from bot.domain.record_text import DateProblem, RecordRow, RowProblem, cells, join_parts, roc_date

_BLOCK = re.compile(r"起\s*[:：]?\s*(\d{6,7})\s*迄\s*[:：]?\s*(\d{6,7})(?:\s*(?:登|查|登錄)\s*[:：]?\s*(\d{6,7}))?")
_PORTAL_HOURS = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*小時")
_TERM = re.compile(r"^\d{1,5}$")
_STOP = re.compile(r"^(?:\*|數位|實體|混成|.*職等|.*小時\)?|公假|事假|.*[:：])$")
COLUMNS = (
    "課程名稱",
    "期別",
    "學習機關(構)",
    "上課期間",
    "時數",
    "服務機關",
    "職稱",
    "官職等",
    "假別",
    "學習類別",
    "業務相關",
)
_HEADER = (*COLUMNS, "學習機關")


def looks_like_portal(text: str) -> bool:
    return bool(_BLOCK.search(text))


def _head(text: str) -> tuple[str, str | None]:
    """(course name, 期別) from the text before a row's 起 block. Read backwards, the last
    words are 學習機關, 期別, then the name, whose words go back to the previous row's tail
    (業務相關 `*`, 學習類別, 時數…) or the header."""
    tokens = [w for c in cells(text) for w in c.split(" ") if w and w not in _HEADER]
    last = len(tokens) - 1
    term_at = next((i for i in range(last, max(last - 3, -1), -1) if _TERM.match(tokens[i])), None)
    if term_at is None:  # no 期別 printed: the name is before the institution, if there is one
        return (tokens[-2] if len(tokens) >= 2 and not _STOP.match(tokens[-2]) else tokens[-1]) if tokens else "", None
    parts: list[str] = []
    i = term_at - 1
    while i >= 0 and not _STOP.match(tokens[i]) and not _TERM.match(tokens[i]):
        parts.insert(0, tokens[i])
        i -= 1
    return join_parts(parts), tokens[term_at]


def parse_portal(text: str) -> list[RecordRow]:
    """Every row of the portal's table; 登 dates that cannot exist become row problems."""
    blocks = list(_BLOCK.finditer(text))
    rows: list[RecordRow] = []
    for n, block in enumerate(blocks, 1):
        following = text[block.end() : blocks[n].start() if n < len(blocks) else len(text)]
        # Before the block: the previous row's tail (hours, agency, title…), then this row's head.
        name, _term = _head(text[blocks[n - 2].end() if n > 1 else 0 : block.start()])
        problems: list[RowProblem] = []
        offered: list[object] = []
        for which, digits in (("start", block.group(1)), ("end", block.group(2))):
            try:
                offered.append(roc_date(digits))
            except DateProblem:
                problems.append(RowProblem(which, "impossible", digits))  # type: ignore[arg-type]
        if len(offered) == 2 and offered[1] < offered[0]:  # type: ignore[operator]
            problems.append(RowProblem("end", "before_start", block.group(2)))
        recorded = None
        if block.group(3):
            try:
                recorded = roc_date(block.group(3))
            except DateProblem:
                problems.append(RowProblem("recorded", "impossible", block.group(3)))
        else:
            problems.append(RowProblem("recorded", "unreadable"))
        hours_match = _PORTAL_HOURS.search(following)
        if not name:
            problems.append(RowProblem("name", "unreadable"))
        rows.append(
            RecordRow(
                number=n, name=name, code=None, start=None, end=None, passed=True, status="",
                certified_hours=float(hours_match.group(1)) if hours_match else None, name_parts=(name,),
                recorded_on=recorded, source="portal", problems=tuple(problems), position=n,
            )
        )  # fmt: skip
    return rows
