"""Course tables copied from a PDF: cells split by tabs, empty leading cells, rows broken in two.

A PDF table copied as text keeps a value only in the first row of a merged cell (the category,
the bundle), drops the empty cells at the start of a row in some viewers and not in others, and
breaks a long cell over two lines. The reader aligns each row on its hours cell, carries merged
cells down, and mends broken rows, so the caller gets one clean row per course.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.plans.draft.extract_text import Line, hours_value

_TOTAL_WORDS = ("合計", "小計", "總計")
_RECORD_WORDS = ("上課期間", "通過狀態", "期別", "認證時數")


@dataclass
class Row:
    """One course row: the bundle cell (when the table has that column), category, name, hours."""

    bundle: str | None
    category: str | None
    name: str
    hours: float
    condition: str | None  # the 完成條件 cell, when the table has one


@dataclass
class _Columns:
    name: int
    hours: int
    category: int | None
    bundle: int | None
    condition: int | None
    left_of_category: list[int]
    minutes: bool


def is_course_header(line: Line) -> bool:
    """A course table's header row: 課程名稱 and a 時數 column, and not a learning record."""
    cells = line.cells
    return (
        "\t" in line.text
        and any("課程名稱" in c and "組裝" not in c for c in cells)
        and any("時數" in c for c in cells)
        and not any(w in c for c in cells for w in _RECORD_WORDS)
    )


def is_any_header(line: Line) -> bool:
    return "\t" in line.text and any("課程名稱" in c for c in line.cells)


def _columns(cells: list[str]) -> _Columns:
    name = next(i for i, c in enumerate(cells) if "課程名稱" in c and "組裝" not in c)
    hours = next((i for i, c in enumerate(cells) if "時數" in c and i > name), len(cells) - 1)
    category = next((i for i, c in enumerate(cells) if "課程類別" in c), None)
    if category is None:
        category = next((i for i, c in enumerate(cells) if "課程項目" in c and i < name), None)
    bundle = next((i for i, c in enumerate(cells) if "組裝課程" in c), None)
    condition = next((i for i, c in enumerate(cells) if "完成條件" in c), None)
    left = [i for i in range(0, category if category is not None else 0) if i != bundle]
    if bundle is not None:
        left.append(bundle)
    return _Columns(name, hours, category, bundle, condition, left, "分鐘" in cells[hours])


def _hours_index(cells: list[str], cols: _Columns) -> int | None:
    """The hours cell: the last duration among the cells up to the header's hours column."""
    unit = "分鐘" if cols.minutes else "小時"
    for i in range(min(len(cells), cols.hours + 1) - 1, 0, -1):
        if hours_value(cells[i], unit) is not None and cells[i - 1] and hours_value(cells[i - 1]) is None:
            return i
    return None


def read_table(lines: list[Line], start: int, stop_at: object) -> tuple[list[Row], int]:
    """Rows of the course table whose header is lines[start]; returns them and the next index.

    `stop_at(line)` says whether a line starts something else (a bundle heading in a cell).
    """
    cols = _columns(lines[start].cells)
    unit = "分鐘" if cols.minutes else "小時"
    rows: list[Row] = []
    carried: dict[int, str] = {}
    pending: list[str] | None = None
    j = start + 1
    while j < len(lines):
        line = lines[j]
        if is_any_header(line) or (callable(stop_at) and stop_at(line)):
            break
        if "\t" not in line.text:
            if not line.text:
                if pending is None and rows:
                    break
                j += 1
                continue
            if pending is None:
                break
            if hours_value(line.text, unit) is not None:
                pending.append(line.text)
            else:
                pending[-1] += line.text
        elif pending is not None:
            cells = line.cells
            pending[-1] += cells[0]
            pending.extend(cells[1:])
        else:
            pending = line.cells
        j += 1
        assert pending is not None
        first = next((c for c in pending if c), "")
        if first.startswith(_TOTAL_WORDS):
            pending = None
            continue
        h = _hours_index(pending, cols)
        if h is None:
            continue
        offset = cols.hours - h

        def cell(col: int | None, cells: list[str] = pending, offset: int = offset) -> str:
            if col is None or col - offset < 0 or col - offset >= len(cells):
                return ""
            return cells[col - offset]

        name = cell(cols.name) or pending[h - 1]
        new_left = any(cell(c) for c in cols.left_of_category)
        for col in (*cols.left_of_category, cols.category):
            if col is None:
                continue
            value = cell(col)
            if value or (col == cols.category and new_left):
                carried[col] = value
        category = carried.get(cols.category, "") if cols.category is not None else ""
        bundle = carried.get(cols.bundle, "") if cols.bundle is not None else ""
        condition = cell(cols.condition) or None
        hours = hours_value(pending[h], unit)
        assert hours is not None
        rows.append(Row(bundle or None, category or None, name, hours, condition))
        pending = None
    return rows, j
