"""Text clean-up shared by the extractors: PDF-copy noise out, lines rejoined, headings ranked.

Plan documents reach us as text copied from a PDF: page footers in the middle, spaces between
Chinese and Latin letters or digits, sentences broken across lines. Every other extractor works
on the `Line`s made here, so each rule about that noise lives in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

CJK = (
    r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
    r"\u2014\u2015\u2025\u2026\u201c\u201d\u2018\u2019\u00b7\u2027\u207a"
)
_CJK_RE = re.compile(f"[{CJK}]")
_FOOTER = re.compile(r"^\s*第\s*\d+\s*頁\s*[，,]?\s*共\s*\d+\s*頁\s*$")
_BULLET = re.compile(r"^\s*(?:[-*•●]\s+)+")
_TIME_BEFORE = re.compile(r"\d{1,2}[:：]\d{2}$")

CN_NUM = "一二三四五六七八九十"
# Heading markers from the outermost level (0) inwards.
_LEVELS: list[re.Pattern[str]] = [
    re.compile(r"^([壹貳參肆伍陸柒捌玖拾]+)、"),
    re.compile(f"^([{CN_NUM}]+)、"),
    re.compile(f"^[(（]([{CN_NUM}]+)[)）]"),
    re.compile(r"^(\d+)[、.．](?!\d)"),
    re.compile(r"^[(（](\d+)[)）]"),
]
_ENDS_SENTENCE = ("。", "：", ":", "；", "！", "？")


@dataclass
class Line:
    """One logical line: its level (0–4 for a heading marker, None for body text) and text."""

    text: str
    level: int | None
    body: str  # the text after the heading marker

    @property
    def cells(self) -> list[str]:
        return [c.strip() for c in self.text.split("\t")]


def fold(text: str) -> str:
    """Drop the spaces the PDF copy puts next to CJK characters (「台灣 2050 淨零」→「台灣2050淨零」).

    Spaces between two Latin words stay, and so does the space after a clock time
    (「上午9:00~12:00 下午14:00~17:00」), which separates two spans rather than words.
    """

    def repl(m: re.Match[str]) -> str:
        before, after = m.group(1), m.group(3)
        if _TIME_BEFORE.search(text[: m.start(2)]) and _CJK_RE.match(after):
            return before + " " + after
        if _CJK_RE.match(before) or _CJK_RE.match(after):
            return before + after
        return before + " " + after

    prev = None
    out = text
    while prev != out:
        prev = out
        text = out
        out = re.sub(r"(\S)([ \u00a0\u3000]+)(\S)", repl, text)
    return out


def heading(text: str) -> tuple[int | None, str]:
    """The heading level of a line and the text after its marker."""
    for level, pat in enumerate(_LEVELS):
        m = pat.match(text)
        if m:
            return level, text[m.end() :].strip()
    return None, text


def logical_lines(raw: str) -> list[Line]:
    """Footers and bullets removed, spaces folded, sentences broken across lines rejoined.

    Table rows (lines with tabs) are never joined here: the table reader mends broken rows itself.
    """
    lines: list[str] = []
    for raw_line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _FOOTER.match(raw_line):
            continue
        line = _BULLET.sub("", raw_line).rstrip()
        line = "\t".join(fold(c.strip()) for c in line.split("\t")) if "\t" in line else fold(line.strip())
        lines.append(line)
    out: list[str] = []
    for line in lines:
        prev = out[-1] if out else ""
        if (
            line
            and prev
            and "\t" not in line
            and "\t" not in prev
            and heading(line)[0] is None
            and not prev.endswith(_ENDS_SENTENCE)
            and heading(prev)[0] != 0
            and _CJK_RE.search(prev[-1:] + line[:1])
            and not line.startswith(("附件", "備註", "說明", "注意", "★", "※", "*", "Q", "A"))
        ):
            out[-1] = fold(prev + line)
        else:
            out.append(line)
    result = []
    for text in out:
        level, body = heading(text) if "\t" not in text else heading(text.split("\t")[0])
        result.append(Line(text=text, level=level, body=body if "\t" not in text else text))
    return result


_DATE = re.compile(r"(?:(\d{2,3})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def roc_date(m: re.Match[str], year: int | None = None) -> date | None:
    """A 民國 date match (113年1月1日) as a date; the year may come from the context."""
    y = int(m.group(1)) if m.group(1) else year
    if y is None:
        return None
    try:
        return date(y + 1911, int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def find_dates(text: str) -> list[tuple[re.Match[str], date | None]]:
    """Every 民國 date in the text; one without a year takes the one before it."""
    out = []
    year: int | None = None
    for m in _DATE.finditer(text):
        d = roc_date(m, year)
        if m.group(1):
            year = int(m.group(1))
        out.append((m, d))
    return out


NUM = r"\d+(?:\.\d+)?"
_HOURS = re.compile(rf"^({NUM})\s*(小時|分鐘|hr|h)?$")


def hours_value(text: str, unit_default: str | None = "小時") -> float | None:
    """「1.5」「2 小時」「90分鐘」 as hours; None when the cell is not a duration."""
    m = _HOURS.match(text.strip())
    if not m:
        return None
    unit = m.group(2) or unit_default
    if unit is None:
        return None
    value = float(m.group(1))
    return value / 60 if unit == "分鐘" else value


def number(value: float) -> float | int:
    """1.0 → 1 so that JSON reads like the document."""
    return int(value) if float(value).is_integer() else round(value, 4)


def clauses(text: str) -> list[str]:
    """Sentences and 「；」 clauses, the unit in which conditions are stated."""
    return [c for c in re.split(r"(?<=[。；;])", text) if c.strip()]


def has_cjk(text: str) -> bool:
    return bool(_CJK_RE.search(text))


def all_cjk(text: str) -> bool:
    """True for 「環境教育」, false for 「臺南400」 or 「職場Power」 (a name, not a category)."""
    return bool(text) and all(_CJK_RE.match(ch) and ch not in "：:（）()「」" for ch in text)
