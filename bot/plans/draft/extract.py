"""Facts of a yearly digital-learning plan, read from the document's text.

`extract(text)` returns what the document states — title, period, audience, bundles and courses,
groups, rewards, steps, help desks — in the schema-neutral facts format of
tests/data/plans/README.md, and never fills a gap by guessing: a figure the document does not
give is None and named in `Facts.uncertain` (in zh-TW), as is every decision taken by a default,
so that HR checks exactly those points before publishing the drafted rules file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.plans.draft.extract_contacts import help_desks, steps
from bot.plans.draft.extract_courses import Bundle, CourseReader, completion, group_need, stated_elsewhere
from bot.plans.draft.extract_rewards import Names, parse_block, reward_blocks
from bot.plans.draft.extract_text import Line, find_dates, logical_lines, number


class DraftError(ValueError):
    """A document that cannot be read or drafted from; the message names the file."""


# Romanised names of every city and county, for the plan id (「臺中市」 → taichung).
CITY_IDS = {
    "臺北市": "taipei", "新北市": "new-taipei", "桃園市": "taoyuan", "臺中市": "taichung",
    "臺南市": "tainan", "高雄市": "kaohsiung", "基隆市": "keelung", "新竹市": "hsinchu",
    "嘉義市": "chiayi", "新竹縣": "hsinchu-county", "苗栗縣": "miaoli", "彰化縣": "changhua",
    "南投縣": "nantou", "雲林縣": "yunlin", "嘉義縣": "chiayi-county", "屏東縣": "pingtung",
    "宜蘭縣": "yilan", "花蓮縣": "hualien", "臺東縣": "taitung", "澎湖縣": "penghu",
    "金門縣": "kinmen", "連江縣": "lienchiang",
}  # fmt: skip


@dataclass
class Facts:
    """The facts format of tests/data/plans/README.md, plus what could not be decided."""

    id: str | None
    city: str | None
    roc_year: int | None
    title: str | None
    issued: str | None
    period: dict[str, Any]
    audience: dict[str, Any]
    bundles: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    rewards: list[dict[str, Any]]
    steps: list[str]
    help_desks: list[dict[str, Any]]
    uncertain: list[str] = field(default_factory=list)


def facts_json(facts: Facts) -> dict[str, Any]:
    """The facts as the expected.json files hold them (`uncertain` is left out)."""
    names = ("id", "city", "roc_year", "title", "issued", "period", "audience", "bundles", "groups")
    out = {k: getattr(facts, k) for k in names}
    out.update(rewards=facts.rewards, steps=facts.steps, help_desks=facts.help_desks)
    return out


def _section(lines: list[Line], words: tuple[str, ...]) -> list[str]:
    """The text of the first 壹-level section whose title has one of the words."""
    for i, ln in enumerate(lines):
        if ln.level == 0 and any(w in ln.body.split("：")[0] for w in words):
            out = [ln.body.partition("：")[2]] if "：" in ln.body else []
            for nxt in lines[i + 1 :]:
                if nxt.level == 0:
                    break
                out.append(nxt.body if nxt.level is not None else nxt.text)
            return [t for t in out if t.strip()]
    return []


def _header(lines: list[Line], uncertain: list[str]) -> dict[str, Any]:
    title = next((ln.text for ln in lines if ln.text.strip()), None)
    city_m = re.match(r"^(.{2,3}?[市縣])政府", title or "")
    city = city_m.group(1).replace("台", "臺") if city_m else None
    year_m = re.search(r"(\d{2,3})年度", title or "")
    roc_year = int(year_m.group(1)) if year_m else None
    issued = next((ln.text for ln in lines[:15] if re.match(r"^\d{2,3}年\d{1,2}月\d{1,2}日.*字第\d+號", ln.text)), None)
    if issued is None:
        uncertain.append("plan.issued：文件開頭沒有發文日期字號")
    pid = f"{CITY_IDS[city]}-{roc_year}" if city in CITY_IDS and roc_year else None
    if pid is None:
        uncertain.append("id：無法由標題判斷縣市或年度")
    return {"id": pid, "city": city, "roc_year": roc_year, "title": title, "issued": issued}


def _period(lines: list[Line], uncertain: list[str]) -> dict[str, Any]:
    body = "".join(_section(lines, ("期間", "時程", "期程", "日期")))
    m = re.search(r"(自?[^。：]*?起至[^。]*?止)", body)
    text = m.group(1) if m else None
    start = end = None
    if text:
        head, _, tail = text.partition("起至")
        first = find_dates(head)
        start = first[0][1] if first else None
        year = int(first[0][0].group(1)) if first and first[0][0].group(1) else None
        last = find_dates(tail)
        if last:
            from bot.plans.draft.extract_text import roc_date

            end = roc_date(last[-1][0], year)
        if start is None:
            uncertain.append(f"plan.period.start：文件只寫「{head.lstrip('自')}起」，沒有日期")
    if end is None:
        uncertain.append("plan.period.end：找不到計畫結束日期")
    return {"start": start.isoformat() if start else None, "end": end.isoformat() if end else None, "text": text}


def _audience(lines: list[Line], uncertain: list[str]) -> dict[str, Any]:
    texts = [re.sub(r"^[一二三四五六七八九十]+、", "", t) for t in _section(lines, ("對象",))]
    included = None
    excluded: list[str] = []
    for t in texts:
        t = t.rstrip("。")
        m = re.search(r"[（(](?:不含|不包括)([^）)]+)[）)]", t)
        if m:
            excluded += _split_staff(m.group(1))
            t = t[: m.start()] + t[m.end() :]
        m = re.match(r"^(.+?)[，,]?(?:另依[^，。]*[，,])?\s*不適用本計畫", t)
        if m:
            excluded += _split_staff(m.group(1))
        elif included is None and t:
            included = t
    if included is None:
        uncertain.append("plan.audience.included：找不到實施對象")
    return {"included": included, "excluded": excluded}


def _split_staff(text: str) -> list[str]:
    return [p for p in re.split(r"、|及(?![^（(]*[）)])", text.strip("，, ")) if p]


def _bundles(
    reader: CourseReader, lines: list[Line], uncertain: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    titles = reader.titles
    if "" in reader.bundles:
        bare = [t for t in titles if "－" not in t]
        default = reader.bundles.pop("")
        default.name = bare[0] if len(bare) == 1 else "組裝課程"
        if len(bare) != 1:
            uncertain.append("bundles[0].name：課程表不屬於任何具名的組裝課程，暫名「組裝課程」")
        reader.bundles[default.name] = default
    all_b = list(reader.bundles.values())
    groups = [b for b in all_b if b.is_group]
    plain = [b for b in all_b if not b.is_group]
    for b in plain:
        if not b.courses:
            uncertain.append(f"bundles.{b.name}：文件沒有列出課程，未列入")
    plain = [b for b in plain if b.courses]
    assigned = _titles(plain + groups, titles, uncertain)
    bundles = []
    explicit_all = any(re.search(r"均須全部完成|均須完成|全部完成|全數完成", ln.text) for ln in lines)
    for b in plain:
        title = assigned.get(b.name) or (assigned.get(b.group) if b.group else None)
        if title is None:
            uncertain.append(f"bundles.{b.name}.platform_title：找不到平臺上的組裝課程名稱")
        rule = completion(b.texts) or stated_elsewhere(b.name, [o.name for o in plain], lines)
        if rule is None:
            rule = {"all": True}
            if not explicit_all:
                uncertain.append(f"bundles.{b.name}.complete_when：文件未寫完成條件，預設須完成全部課程")
        elif rule.get("min_hours", 0) is None:
            uncertain.append(f"bundles.{b.name}.complete_when.min_hours：只寫門數，沒有時數")
        entry: dict[str, Any] = {"name": b.name}
        if b.subtitle:
            entry["subtitle"] = b.subtitle
        entry["platform_title"] = title
        entry["hours"] = number(sum(float(str(c["hours"])) for c in b.courses))
        entry["courses"] = b.courses
        entry["complete_when"] = rule
        bundles.append(entry)
    out_groups = []
    for g in groups:
        need = group_need(g, lines)
        if need is None:
            uncertain.append(f"groups.{g.name}.need：文件未寫須完成幾套")
        members = [b.name for b in plain if b.group == g.name]
        out_groups.append({"name": g.name, "bundles": members, "need": need})
    return bundles, out_groups


def _titles(bundles: list[Bundle], titles: list[str], uncertain: list[str]) -> dict[str, str]:
    """Platform titles by bundle: same suffix, else the title quoted in its own text, else the closest."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for b in bundles:
        exact = [t for t in titles if t.endswith("－" + b.name) or (t == b.name)]
        own = [t for t in b.titles if t not in used]
        pick = exact[0] if exact else own[0] if own else None
        if pick:
            out[b.name] = pick
            used.add(pick)
    for b in bundles:
        if b.name in out or b.group:
            continue
        key = set(b.name + (b.subtitle or "")) - set("組裝課程")
        scored = [(len(key & set(t.rpartition("－")[2])), t) for t in titles if "－" in t and t not in used]
        scored = [s for s in scored if s[0] >= 2]
        if scored:
            best = max(scored)[1]
            out[b.name] = best
            used.add(best)
            uncertain.append(f"bundles.{b.name}.platform_title：依名稱相近配對為「{best}」，請確認")
    return out


def extract(text: str) -> Facts:
    """All the facts of one plan document (plain text, as copied from its PDF)."""
    lines = logical_lines(text)
    uncertain: list[str] = []
    header = _header(lines, uncertain)
    period = _period(lines, uncertain)
    audience = _audience(lines, uncertain)
    reader = CourseReader()
    reader.read(lines)
    uncertain += [f"courses：{c}" for c in reader.conflicts]
    bundles, groups = _bundles(reader, lines, uncertain)
    names = Names([b["name"] for b in bundles], {g["name"]: g["bundles"] for g in groups})
    rewards: list[dict[str, Any]] = []
    for title, block in reward_blocks(lines):
        rewards += parse_block(title, block, names, uncertain)
    order = {"comp_leave": 0, "commendation": 1, "certificate": 2, "merit": 3}
    rewards.sort(key=lambda r: order.get(r["type"], 9))
    if not rewards:
        uncertain.append("rewards：找不到獎勵措施")
    return Facts(
        **header,
        period=period,
        audience=audience,
        bundles=bundles,
        groups=groups,
        rewards=rewards,
        steps=steps(lines),
        help_desks=help_desks(lines),
        uncertain=uncertain,
    )
