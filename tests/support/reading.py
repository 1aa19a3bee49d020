"""Pull the record's fields back out of OCR lines, for the OCR tests and the OCR bench.

Deliberately simple and independent of bot/domain/record.py: it checks what the OCR
engine returns (one tab-separated line per table row; label/value lines on phone cards),
not what the record parser makes of it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.domain.course_match import CourseMatcher
from bot.domain.textnorm import COURSE_CODE
from bot.plans.model import Plan
from tests.support.screenshots import Row

LABELS = ("No.", "課程類型", "課程名稱", "上課期間", "閱讀時數", "通過狀態", "認證時數")


def table_records(lines: Sequence[str]) -> list[dict[str, str]]:
    """The table rows of one picture, as column name → cell."""
    header = next(i for i, ln in enumerate(lines) if ln.startswith("No.\t課程類型"))
    names = lines[header].split("\t")
    rows = [ln.split("\t") for ln in lines[header + 1 :]]
    return [dict(zip(names, r, strict=False)) for r in rows if len(r) == len(names)]


def card_records(shots: Sequence[Sequence[str]]) -> list[dict[str, str]]:
    """The cards of phone screenshots, label → value (a value's wrapped lines joined)."""
    cards: list[dict[str, str]] = []
    for lines in shots:
        card: dict[str, str] = {}
        label = None
        for line in lines:
            head, _, rest = line.partition("\t")
            if head in LABELS:
                if head == "No.":
                    card = {}
                    cards.append(card)
                label = head
                card[label] = rest
            elif label and card:
                card[label] = card[label] + (" " if label == "上課期間" else "") + line
    return cards


def strip_code(cell: str) -> str:
    return COURSE_CODE.sub("", cell).strip()


def read_right(plan: Plan, rows: Sequence[Row], records: Sequence[dict[str, str]]) -> list[bool]:
    """For each rendered row: was it read whole and right (course, start, end, status, hours)?"""
    matcher = CourseMatcher(plan)
    by_course: dict[str, list[dict[str, str]]] = {}
    for r in records:
        course = matcher.match(strip_code(r.get("課程名稱", "")))
        if course is not None:
            by_course.setdefault(course.key, []).append(r)
    out = []
    for row in rows:
        course = matcher.match(row.name)
        seen = by_course.get(course.key, []) if course else []
        out.append(
            any(
                re.sub(r"\s*~\s*", "~", r.get("上課期間", "")).strip() == f"{row.start}~{row.end}"
                and r.get("通過狀態") == row.status
                and r.get("認證時數") == row.hours
                for r in seen
            )
        )
    return out
