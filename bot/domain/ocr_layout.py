"""Put OCR text boxes back into lines and, when the record's table header is visible, rows.

OCR returns loose boxes of text. The record parser wants what a browser's copy gives: one
line per table row with tab-separated cells, even though a table cell shows its text over
several lines (a wrapped course name, the three conditions of 通過條件, a study period
broken after `~`). The header gives the columns; the gutters between rows give the rows:
a row's cells are found between two consecutive row anchors (its No. or its status).
Without a header (phone cards, a shot cut at the top) the boxes become visual lines.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from rapidfuzz import fuzz

from bot.domain.record_text import COLUMNS as HEADER

ANCHORS = ("No.", "通過狀態", "認證時數", "課程類型")
MIN_HEADER_CELLS = 5
_LABELS = tuple(h for h in HEADER if len(h) >= 4)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_GLUED_TIME = re.compile(r"(\d{4}[-/.]\d{1,2}[-/.]\d{2})(\d{1,2}:\d{2}(?::\d{2})?)")
_DATETIME = r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s+\d{1,2}:\d{2}(?::\d{2})?"
_MISSING_TILDE = re.compile(rf"({_DATETIME})\s+(?=\d{{4}}[-/.])")


@dataclass(frozen=True)
class Box:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass(frozen=True)
class Column:
    name: str
    x0: float
    x1: float


def visual_lines(boxes: Sequence[Box]) -> list[list[Box]]:
    """Boxes grouped into lines by vertical overlap, each line sorted left to right."""
    lines: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: b.cy):
        for line in reversed(lines[-3:]):
            top, bottom = min(x.y0 for x in line), max(x.y1 for x in line)
            if min(bottom, b.y1) - max(top, b.y0) > 0.5 * min(b.h, median(x.h for x in line)):
                line.append(b)
                break
        else:
            lines.append([b])
    return [sorted(line, key=lambda b: b.x0) for line in lines]


def glue(left: str, right: str, space: str = " ") -> str:
    """Join two pieces of one text: no space next to Chinese or after a wrapped `~`/`-`."""
    if not left or not right:
        return left + right
    if _CJK.match(left[-1]) or _CJK.match(right[0]) or left[-1] in "~～-/(" or right[0] in ")~～":
        return left + right
    return left + space + right


def join_line(line: Sequence[Box]) -> str:
    """One visual line; a gap wider than half a character separates cells with a tab."""
    text = ""
    prev: Box | None = None
    for b in line:
        if prev is None:
            text = b.text
        elif b.x0 - prev.x1 > 0.5 * min(b.h, prev.h):
            text += "\t" + b.text
        else:
            text = glue(text, b.text)
        prev = b
    return fix_dates(split_label(text))


def split_label(text: str) -> str:
    """A phone card's label read in one box with its value (`認證時數3.0`) gets its tab back."""
    for label in _LABELS:
        if text.startswith(label) and len(text) > len(label) and text[len(label)] not in "\t：:":
            return label + "\t" + text[len(label) :].lstrip()
    return text


def fix_dates(text: str) -> str:
    """OCR drops the space in `2023-01-0113:00:00` and sometimes the `~` of a period."""
    text = _GLUED_TIME.sub(r"\1 \2", text)
    return _MISSING_TILDE.sub(r"\1~", text)


def _header_name(text: str) -> str | None:
    key = re.sub(r"\s+", "", text)
    best = max(HEADER, key=lambda name: fuzz.ratio(key, name))
    return best if fuzz.ratio(key, best) >= 70 else None


def header_columns(line: Sequence[Box], near: Sequence[Box]) -> list[tuple[str, Box]]:
    """The known column names on a header line, with header cells that wrap onto the line
    above or below (`near`) joined to their other half."""
    found: list[tuple[str, Box]] = []
    extra = sorted((b for b in near if not any(_x_overlap(b, h) for h in line)), key=lambda b: (b.x0, b.y0))
    stacks: list[list[Box]] = [[b] for b in line]
    for b in extra:
        for s in stacks:
            if _x_overlap(b, s[0]):
                s.append(b)
                break
        else:
            stacks.append([b])
    for stack in stacks:
        stack.sort(key=lambda b: b.y0)
        text = "".join(b.text for b in stack)
        name = _header_name(text)
        box = Box(text, min(b.x0 for b in stack), min(b.y0 for b in stack), max(b.x1 for b in stack), stack[-1].y1)
        if name:
            found.append((name, box))
            continue
        parts = [n for n in HEADER if n in text.replace(" ", "")]  # two headers read as one box
        width = (box.x1 - box.x0) / max(1, len(text))
        for n in sorted(parts, key=lambda n: text.find(n)):
            at = box.x0 + text.find(n) * width
            found.append((n, Box(n, at, box.y0, at + len(n) * width, box.y1)))
    return sorted(found, key=lambda f: f[1].cx)


def _x_overlap(a: Box, b: Box) -> bool:
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 0


def columns(header: Sequence[tuple[str, Box]], body: Sequence[Box]) -> list[Column]:
    """Column x-ranges. Cells are left-aligned under centred headers, so a column starts
    where the body's left edges line up between two header texts."""
    starts = [b.x0 for b in body]
    out: list[Column] = []
    for k, (name, hb) in enumerate(header):
        lo = header[k - 1][1].x1 if k else -1e9
        inside = [x for x in starts if lo < x <= hb.x0 + 2]
        edge = _common(inside) if inside else None
        left = edge - 3 if edge is not None else (lo + hb.x0) / 2 if k else -1e9
        if out:
            out[-1] = Column(out[-1].name, out[-1].x0, left)
        out.append(Column(name, left, 1e9))
    return out


def fill_missing(header: list[tuple[str, Box]], body: Sequence[Box]) -> list[tuple[str, Box]]:
    """A header cell OCR missed (e.g. 測驗 in a blurred JPEG) is put back where the body's
    left edges show a column start between its two neighbours."""
    out = list(header)
    for (a, ab), (b, bb) in itertools.pairwise(header):
        ia, ib = HEADER.index(a), HEADER.index(b)
        missing = HEADER[ia + 1 : ib]
        if not missing:
            continue
        starts = _clusters([x.x0 for x in body if ab.x1 < x.x0 <= bb.x0 + 2])
        if len(starts) == len(missing) + 1:  # the last start is b's own column
            for name, x in zip(missing, starts, strict=False):
                out.append((name, Box(name, x + 3, ab.y0, x + 4, ab.y1)))
    return sorted(out, key=lambda f: f[1].cx)


def _clusters(xs: list[float]) -> list[float]:
    """Left edges shared by at least two boxes, left to right."""
    xs = sorted(xs)
    out: list[float] = []
    group: list[float] = []
    for x in [*xs, 1e18]:
        if group and x - group[0] > 6:
            if len(group) >= 2:
                out.append(group[0])
            group = []
        group.append(x)
    return out


def _common(xs: list[float]) -> float | None:
    """The left edge shared by most boxes (several rows start there), if any."""
    xs.sort()
    best: list[float] = []
    for i, x in enumerate(xs):
        group = [y for y in xs[i:] if y - x <= 6]
        if len(group) > len(best):
            best = group
    return best[0] if len(best) >= 2 or len(xs) == 1 else None


def _split_across(b: Box, cols: Sequence[Column]) -> list[tuple[int, Box]]:
    """A box the detector read across a column border is cut at its spaces."""
    owners = [i for i, c in enumerate(cols) if min(b.x1, c.x1) - max(b.x0, c.x0) > 0.25 * (b.x1 - b.x0)]
    words = b.text.split()
    if len(owners) < 2 or len(words) < 2:
        return [(_column_of(b.cx, cols), b)]
    per_char = (b.x1 - b.x0) / max(1, len(b.text))
    out, at = [], 0
    for w in words:
        start = b.text.index(w, at)
        at = start + len(w)
        piece = Box(w, b.x0 + start * per_char, b.y0, b.x0 + at * per_char, b.y1)
        out.append((_column_of(piece.cx, cols), piece))
    return out


def _column_of(x: float, cols: Sequence[Column]) -> int:
    return next((i for i, c in enumerate(cols) if c.x0 <= x < c.x1), len(cols) - 1)


def _row_edges(anchors: list[list[Box]], body: Sequence[Box], top: float) -> list[float]:
    """Boundaries between rows: the widest text-free gap between two anchors."""
    centres = [median(b.cy for b in a) for a in anchors]
    edges = [top]
    for a, b in itertools.pairwise(centres):
        spans = sorted((max(a, x.y0), min(b, x.y1)) for x in body if x.y1 > a and x.y0 < b)
        best, at, cursor = 0.0, (a + b) / 2, a
        for lo, hi in spans:
            if lo - cursor > best:
                best, at = lo - cursor, (lo + cursor) / 2
            cursor = max(cursor, hi)
        if b - cursor > best:
            at = (b + cursor) / 2
        edges.append(at)
    reach = max((e - c for e, c in zip(edges[1:], centres, strict=False)), default=centres[-1] - top)
    edges.append(centres[-1] + reach)
    return edges


def _cell_text(boxes: Sequence[Box], name: str) -> str:
    """A cell's lines joined: the conditions with spaces, wrapped names and periods glued."""
    parts = []
    for line in visual_lines(boxes):
        part = ""
        for b in line:
            part = glue(part, b.text)
        parts.append(part)
    if name == "通過條件":
        return " ".join(parts)
    text = ""
    for part in parts:
        text = glue(text, part)
    return text


def table_lines(boxes: Sequence[Box]) -> list[str] | None:
    """One line per table row when a header row is visible, else None."""
    lines = visual_lines(boxes)
    for i, line in enumerate(lines):
        near = [b for ln in lines[max(0, i - 1) : i + 2] if ln is not line for b in ln]
        near = [b for b in near if abs(b.cy - median(x.cy for x in line)) < 1.6 * median(x.h for x in line)]
        header = header_columns(line, near)
        if len({n for n, _ in header}) >= MIN_HEADER_CELLS:
            break
    else:
        return None
    head_bottom = max(b.y1 for _, b in header)
    head_top = min(b.y0 for _, b in header)
    body = [b for b in boxes if b.cy > head_bottom]
    header = fill_missing(header, body)
    cols = columns(header, body)
    cells = [piece for b in body for piece in _split_across(b, cols)]
    names = [c.name for c in cols]
    anchor_col = next((names.index(a) for a in ANCHORS if a in names), 0)
    anchors = visual_lines([b for i, b in cells if i == anchor_col])
    above = [b for b in boxes if b.cy < head_top]
    out = [join_line(ln) for ln in visual_lines(above)] + ["\t".join(names)]
    if not anchors:
        return out + [join_line(ln) for ln in visual_lines(body)]
    edges = _row_edges(anchors, body, head_bottom)
    for lo, hi in itertools.pairwise(edges):
        row = [(i, b) for i, b in cells if lo <= b.cy < hi]
        texts = [_cell_text([b for i, b in row if i == k], n) for k, n in enumerate(names)]
        out.append(fix_dates("\t".join(texts)))
    below = [b for b in body if b.cy >= edges[-1]]
    return out + [join_line(ln) for ln in visual_lines(below)]


def read_lines(boxes: Sequence[Box]) -> list[str]:
    """The text of one picture: table rows if it shows the record's table, else lines."""
    if not boxes:
        return []
    table = table_lines(boxes)
    if table is not None:
        return table
    return [join_line(ln) for ln in visual_lines(boxes)]
