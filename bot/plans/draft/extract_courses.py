"""Bundles (組裝課程), their courses and groups, from numbered lists and tab tables alike.

Plans list a bundle's courses in the body (「1、課程(2小時)。」, 「(一)類別：課程(1小時)。」, a
table under the bundle's heading) and often again in an annex table. Everything is read in order
into bundles by name; a course already read is not added twice, so an annex only fills what the
body left out (a category, or the whole list when the body has none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.plans.draft.extract_tables import Row, is_course_header, read_table
from bot.plans.draft.extract_text import NUM, Line, all_cjk, hours_value, number

_COURSE = re.compile(rf"^(.+?)\s*[(（]\s*({NUM})\s*(小時|分鐘)\s*[)）]\s*[。.]?$")
_NOTE = re.compile(r"[(（]([^()（）]*(?:講座|講師|老師|教授|主講)[^()（）]*)[)）]$")
_PLATFORM = re.compile(r"^(.+?[市縣]政府.*?\d+年度.*?組裝課程)(?:\s*[－—–-]\s*(.+))?$")
_NOT_NAME = ("補休", "嘉獎", "獎勵", "敘獎", "點選", "選課", "完成", "年度", "本府", "選讀", "請")
_PAREN_TAIL = re.compile(r"^(.*?)\s*[(（]([^()（）]+)[)）]\s*$")
_COUNTS = re.compile(r"\d+\s*(?:小時|分鐘|門|套)|全部|全數|任選")
_MIN_COURSES = re.compile(r"(?:任選|至少(?:應)?(?:完成|選修|選讀)(?:其中)?|中至少完成|選讀|選修)\s*(\d+)\s*門")
_MIN_HOURS = re.compile(rf"(?:時數|累計|合計)[^，。；]*?達\s*({NUM})\s*(小時|分鐘)")
_GROUP_NEED = re.compile(r"任(?:選)?\s*(\d+)\s*套")


@dataclass
class Bundle:
    """A bundle as read so far; `texts` are its heading and body lines, for its completion rule."""

    name: str
    subtitle: str | None = None
    courses: list[dict[str, object]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    group: str | None = None
    is_group: bool = False


def split_title(text: str) -> tuple[str, str | None] | None:
    """A platform title 「…組裝課程－X」: (the title with 「－」, X or None)."""
    m = _PLATFORM.match(text.strip())
    if not m:
        return None
    suffix = m.group(2).strip() if m.group(2) else None
    return (f"{m.group(1)}－{suffix}" if suffix else m.group(1)), suffix


def _name_subtitle(text: str) -> tuple[str, str | None]:
    m = _PAREN_TAIL.match(text)
    if m and not _COUNTS.search(m.group(2)):
        return m.group(1).strip(), m.group(2).strip()
    if m:
        return m.group(1).strip(), None
    return text.strip(), None


def parse_bundle_heading(body: str) -> tuple[str, str | None] | None:
    """「「X(副標)」10小時組裝課程內容」「甲組裝課程（核心必修）：…」「「…組裝課程－X」：…」 → (X, 副標)."""
    head = re.split(r"[：:]", body, maxsplit=1)[0]
    rest = body[len(head) :]
    if head.count("「") > 1:
        return None
    m = re.match(r"^「([^」]+)」\s*([(（][^()（）]*[)）])?\s*(?:\d+\s*小時)?\s*(組裝課程)?", head)
    if m:
        inner = m.group(1)
        title = split_title(inner)
        if title:
            if not title[1] or not rest:  # a bare platform title is a link, not a heading
                return None
            return title[1], None
        if not m.group(3) or any(w in inner for w in _NOT_NAME):
            return None
        name, subtitle = _name_subtitle(inner)
        if m.group(2) and not subtitle:
            subtitle = _name_subtitle("x" + m.group(2))[1]
        return name, subtitle
    m = re.match(r"^([^，。、「」()（）]{1,12}?組裝課程)\s*([(（][^()（）]*[)）])?\s*$", head)
    if m and not any(w in m.group(1) for w in _NOT_NAME):
        subtitle = _name_subtitle("x" + m.group(2))[1] if m.group(2) else None
        return m.group(1), subtitle
    return None


def parse_course(body: str, context_category: str | None) -> dict[str, object] | None:
    """「類別：課程名稱(1.5小時)。」 → {name, hours, category, note?}."""
    m = _COURSE.match(body)
    if not m or any(w in m.group(1) for w in ("補休", "嘉獎", "核給", "組裝課程")):
        return None
    text = m.group(1).strip()
    hours = hours_value(m.group(2) + m.group(3))
    category = context_category
    head, sep, tail = text.partition("：")
    if sep and all_cjk(head) and 2 <= len(head) <= 12 and tail:
        category, text = head, tail
    course: dict[str, object] = {"name": text, "hours": number(hours or 0), "category": category}
    note = _NOTE.search(text)
    if note:
        course["name"] = text[: note.start()].strip()
        course["note"] = note.group(1)
    return course


def _category_heading(body: str) -> str | None:
    m = re.match(rf"^([^：]+)：\s*(?:共\s*{NUM}\s*小時)?\s*$", body)
    return m.group(1) if m and all_cjk(m.group(1)) and len(m.group(1)) <= 12 else None


def stated_elsewhere(name: str, others: list[str], lines: list[Line]) -> dict[str, object] | None:
    """A completion rule stated in another paragraph: from the bundle's name to the next name or 。."""
    for line in lines:
        for m in re.finditer(re.escape(name), line.text):
            tail = re.split(r"[。；]", line.text[m.end() :])[0]
            cut = min((i for o in others if o != name and (i := tail.find(o)) >= 0), default=len(tail))
            rule = completion([tail[:cut]])
            if rule:
                return rule
    return None


def completion(texts: list[str]) -> dict[str, object] | None:
    """{min_courses, min_hours} when the bundle's text sets electives, {all: True} for 全部完成."""
    joined = "".join(texts)
    courses = _MIN_COURSES.search(joined)
    if courses:
        hours = _MIN_HOURS.search(joined[courses.start() :]) or _MIN_HOURS.search(joined)
        value = hours_value(hours.group(1) + hours.group(2)) if hours else None
        return {"min_courses": int(courses.group(1)), "min_hours": number(value) if value is not None else None}
    if re.search(r"全部完成|全數完成|均須完成", joined):
        return {"all": True}
    return None


class CourseReader:
    """Walks the logical lines once, keeping the bundle and category each line belongs to."""

    def __init__(self) -> None:
        self.bundles: dict[str, Bundle] = {}
        self.stack: list[tuple[int, Bundle]] = []
        self.category: tuple[int, str] | None = None
        self.titles: list[str] = []
        self.conflicts: list[str] = []

    def bundle(self, name: str, subtitle: str | None = None) -> Bundle:
        if name not in self.bundles:
            self.bundles[name] = Bundle(name, subtitle)
        b = self.bundles[name]
        b.subtitle = b.subtitle or subtitle
        return b

    def add(self, b: Bundle, course: dict[str, object]) -> None:
        key = _key(str(course["name"]))
        for other in self.bundles.values():
            for old in other.courses:
                if _key(str(old["name"])) == key:
                    if old["category"] is None and course["category"] is not None and other is b:
                        old["category"] = course["category"]
                    if old["hours"] != course["hours"]:
                        self.conflicts.append(f"{old['name']}：時數 {old['hours']} 與 {course['hours']} 不一致")
                    return
        b.courses.append(course)

    def _open(self, level: int, name: str, subtitle: str | None) -> Bundle:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        b = self.bundle(name, subtitle)
        if self.stack and self.stack[-1][1] is not b:
            parent = self.stack[-1][1]
            parent.is_group = True
            b.group = b.group or parent.name
        self.stack.append((level, b))
        self.category = None
        return b

    def read(self, lines: list[Line]) -> None:
        for line in lines:
            for title in titles_in(line.text):
                if title not in self.titles:
                    self.titles.append(title)
        i = 0
        while i < len(lines):
            line = lines[i]
            if is_course_header(line):
                rows, i = read_table(lines, i, self._cell_heading)
                self._rows(rows)
                continue
            self._line(line)
            i += 1

    def _cell_heading(self, line: Line) -> bool:
        first = line.cells[0] if "\t" in line.text else ""
        level, body = _heading_of(first)
        return level is not None and parse_bundle_heading(body) is not None

    def _line(self, line: Line) -> None:
        text = line.cells[0] if "\t" in line.text else line.text
        level, body = _heading_of(text)
        if level is None:
            if self.stack and text:
                self.stack[-1][1].texts.append(text)
                self.stack[-1][1].titles.extend(titles_in(text))
            return
        if level == 0:
            self.stack, self.category = [], None
            return
        parsed = parse_bundle_heading(body)
        if parsed:
            opened = self._open(level, *parsed)
            opened.texts.append(body)
            opened.titles.extend(titles_in(body))
            return
        if self.stack:
            course = parse_course(body, self.category[1] if self.category else None)
            if course:
                self.add(self.stack[-1][1], course)
                return
            cat = _category_heading(body)
            if cat and level > self.stack[-1][0]:
                self.category = (level, cat)
                return
        if self.category and level <= self.category[0]:
            self.category = None
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()

    def _rows(self, rows: list[Row]) -> None:
        for row in rows:
            if row.bundle:
                parsed = parse_bundle_heading(row.bundle) or _name_subtitle(row.bundle)
                b = self.bundle(*parsed)
                if row.condition:
                    b.texts.append(row.condition)
            elif self.stack:
                b = self.stack[-1][1]
            else:
                b = self.bundle("")
            name = row.name
            course: dict[str, object] = {"name": name, "hours": number(row.hours), "category": row.category}
            note = _NOTE.search(name)
            if note:
                course["name"], course["note"] = name[: note.start()].strip(), note.group(1)
            self.add(b, course)


def titles_in(text: str) -> list[str]:
    """The platform titles quoted in a line (「…組裝課程－X」), normalised to 「－」."""
    found = (split_title(m.group(1)) for m in re.finditer(r"「([^」]+)」", text))
    return [t[0] for t in found if t]


def _heading_of(text: str) -> tuple[int | None, str]:
    from bot.plans.draft.extract_text import heading

    return heading(text)


def _key(name: str) -> str:
    return re.sub(r"\s", "", name).translate(str.maketrans("（）：", "():"))


def group_need(group: Bundle, lines: list[Line]) -> int | None:
    """「任選2套以上」 in the group's own text, or next to its name elsewhere (「完成任1套以上」)."""
    for text in group.texts:
        m = _GROUP_NEED.search(text)
        if m:
            return int(m.group(1))
    for line in lines:
        if group.name in line.text:
            m = _GROUP_NEED.search(line.text)
            if m:
                return int(m.group(1))
    return None
