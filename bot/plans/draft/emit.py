"""A rules file from a plan's facts (what `extract` read from the document), ready for HR
to review: it passes `rules check` as it is, and every value that is a default rather than
read from the document (office hours, reminder days, the platform's address) or that the
extractor could not decide is marked `# 請確認：…` beside its section, and listed.

Nothing is invented: a figure the document does not give is a marked default or absent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

PLATFORM = {"name": "e等公務園⁺學習平臺", "url": "https://elearn.hrd.gov.tw/", "app_name": "e等公務園"}
OFFICE_HOURS = [{"start": "08:00", "end": "17:30"}]
REMINDER_DAYS = [30, 14, 7, 3, 1]
Facts = Mapping[str, Any]


@dataclass
class Draft:
    """The rules file as data, and what HR must confirm, by top-level section."""

    data: dict[str, Any]
    confirm: dict[str, list[str]] = field(default_factory=dict)

    def mark(self, section: str, point: str) -> None:
        self.confirm.setdefault(section, []).append(point)

    @property
    def points(self) -> list[str]:
        return [p for section in self.data for p in self.confirm.get(section, [])]


def _text(value: str | None) -> dict[str, str] | None:
    return {"zh-TW": value} if value else None


def _id(prefix: str, n: int) -> str:
    return f"{prefix}-{n}"


def _bundle(b: Facts, n: int, draft: Draft) -> dict[str, Any]:
    courses = [
        {k: v for k, v in (("name", c["name"]), ("note", c.get("note")), ("category", c.get("category")),
                            ("hours", c["hours"])) if v is not None}
        for c in b["courses"]
    ]  # fmt: skip
    found: dict[str, Any] = {"id": _id("bundle", n), "name": b["name"]}
    if b.get("subtitle"):
        found["subtitle"] = b["subtitle"]
    title = b.get("platform_title")
    if not title:
        title = b["name"]
        draft.mark("bundles", f"「{b['name']}」的平臺整批選課名稱文件沒有寫，暫用課程名稱")
    found["platform_title"] = title
    rule = b.get("complete_when") or {"all": True}
    total = sum(c["hours"] for c in b["courses"])
    if rule.get("all", False):
        found["hours"] = _num(total)
    else:
        choose = {k: v for k, v in (("courses", rule.get("min_courses")), ("hours", rule.get("min_hours"))) if v}
        least = rule.get("min_hours") or sum(sorted(c["hours"] for c in b["courses"])[: rule.get("min_courses") or 1])
        found["hours"], found["choose"] = _num(least), choose
    found["courses"] = courses
    return found


def _day(value: str | None) -> date | None:
    """ISO text → a date, written unquoted in the YAML as HR writes dates."""
    return date.fromisoformat(value) if value else None


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _reward(r: Facts, ids: Mapping[str, str], draft: Draft) -> dict[str, Any] | None:
    kind = "comp_leave" if r["type"] == "comp_leave" else "commendation"
    found: dict[str, Any] = {"id": "comp-leave" if kind == "comp_leave" else "commendation", "type": kind}
    if kind == "commendation":
        found["label"] = {"zh-TW": r.get("amount_text") or "嘉獎"}
    if not r.get("complete_by") and not r.get("submit_by"):
        draft.mark("rewards", f"{r.get('amount_text') or kind}：文件沒有寫截止日期，此獎勵未列入")
        return None
    for key in ("complete_by", "submit_by"):
        if r.get(key):
            found[key] = _day(r[key])
    awards = r.get("tiers") if r.get("mode") == "highest_tier" else r.get("awards")
    if r.get("mode") == "highest_tier":
        found["mode"] = "highest"
    found["awards"] = []
    for a in awards or []:
        unknown = [t for t in a["requires"] if t not in ids]
        if unknown:
            draft.mark("rewards", f"{r.get('amount_text')}：要求的「{'、'.join(unknown)}」不是已知的組裝課程")
            continue
        award: dict[str, Any] = {"requires": [ids[t] for t in a["requires"]]}
        if a.get("hours") is not None:
            award["hours"] = _num(a["hours"])
        if a.get("amount_text"):
            award["amount"] = a["amount_text"]
        found["awards"].append(award)
    if not found["awards"] or (kind == "comp_leave" and any("hours" not in a for a in found["awards"])):
        draft.mark("rewards", f"{r.get('amount_text') or kind}：讀不出完成哪些課程可得多少，此獎勵未列入")
        return None
    if r.get("cap_hours") is not None:
        found["cap_hours"] = _num(r["cap_hours"])
    found["off_duty_required"] = bool(r.get("off_duty_required"))
    found["unpaid_leave"] = r.get("unpaid_leave") or "unspecified"
    if r.get("excluded"):
        found["excluded"] = list(r["excluded"])
    if r.get("applies_to"):
        found["only_for"] = list(r["applies_to"])
    found["claim"] = {"zh-TW": r.get("notes") or r.get("amount_text") or ""}
    if not r.get("notes"):
        draft.mark("rewards", f"{r.get('amount_text') or kind}：請補上申請方式（claim）")
    return found


def _step(text: str, n: int) -> dict[str, Any]:
    title = re.split(r"[，,。；;：:]", text, maxsplit=1)[0][:20] or f"步驟{n}"
    return {"id": _id("step", n), "title": {"zh-TW": title}, "pc": {"zh-TW": text}}


def build(facts: Facts, uncertain: Sequence[str] = ()) -> Draft:
    """The rules file's content from the facts; `uncertain`: the extractor's own doubts."""
    draft = Draft({"schema": 1})
    for point in uncertain:
        draft.mark("plan", point)
    period = dict(facts.get("period") or {})
    plan_period: dict[str, Any] = {}
    if period.get("start"):
        plan_period["start"] = _day(period["start"])
    else:
        plan_period["start_text"] = {"zh-TW": period.get("text") or "本計畫核定之日"}
    plan_period["end"] = _day(period.get("end"))
    audience = facts.get("audience") or {}
    aud: dict[str, Any] = {"included": {"zh-TW": audience.get("included") or "本府所屬機關公務人員"}}
    if not audience.get("included"):
        draft.mark("plan", "適用對象文件沒有寫清楚，請填寫 plan.audience.included")
    if audience.get("excluded"):
        aud["excluded"] = {"zh-TW": "、".join(audience["excluded"])}
        aud["excluded_staff"] = list(audience["excluded"])
    info: dict[str, Any] = {
        "city": {"zh-TW": facts.get("city")}, "roc_year": facts.get("roc_year"), "title": _text(facts.get("title")),
    }  # fmt: skip
    if facts.get("issued"):
        info["issued"] = facts["issued"]
    info.update(period=plan_period, audience=aud, platform=dict(PLATFORM))
    draft.mark("plan", "plan.platform 用的是全國「e等公務園⁺學習平臺」的網址與 APP 名稱，若計畫寫的是縣市專區網址請改")
    draft.data["plan"] = info
    bundles = [_bundle(b, n, draft) for n, b in enumerate(facts.get("bundles") or [], 1)]
    draft.data["bundles"] = bundles
    ids = {b["name"]: b["id"] for b in bundles}
    groups = []
    for n, g in enumerate(facts.get("groups") or [], 1):
        members = [ids[b] for b in g["bundles"] if b in ids]
        groups.append({"id": _id("group", n), "name": g["name"], "bundles": members, "need": g.get("need") or 1})
        ids[g["name"]] = _id("group", n)
    if groups:
        draft.data["groups"] = groups
    rewards = [x for r in facts.get("rewards") or [] if (x := _reward(r, ids, draft))]
    draft.data["rewards"] = _unique_ids(rewards)
    steps = [_step(text, n) for n, text in enumerate(facts.get("steps") or [], 1)]
    if not steps:
        steps = [_step("登入「e等公務園⁺學習平臺」→ 組裝課程 → 縣市組裝專區 → 整批選課", 1)]
        draft.mark("steps", "文件沒有寫操作步驟，這是常見的步驟，請確認")
    draft.data["steps"] = steps
    desks = [
        {k: v for k, v in (("id", _id("desk", n)), ("name", _text(d.get("name"))), ("phone", d.get("phone")),
                            ("hours", _text(d.get("hours")))) if v}
        for n, d in enumerate(facts.get("help_desks") or [], 1)
    ]  # fmt: skip
    if not desks:
        desks = [{"id": "desk-1", "name": {"zh-TW": "服務機關人事單位"}}]
        draft.mark("help_desks", "文件沒有寫諮詢窗口，暫列服務機關人事單位，請補上電話")
    draft.data["help_desks"] = desks
    draft.data["local"] = {"office_hours": OFFICE_HOURS, "reminder_days_before": REMINDER_DAYS}
    draft.mark("local", "上班時間（判斷公餘時間用）文件沒有寫，預設 08:00–17:30 一整段（午休不算公餘時間）")
    draft.mark("local", "提醒日（截止日前幾天提醒）文件沒有寫，預設 30、14、7、3、1 天")
    return draft


def _unique_ids(rewards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """comp-leave, commendation, commendation-2…: a second reward of a kind gets a number."""
    seen: dict[str, int] = {}
    for r in rewards:
        seen[r["id"]] = seen.get(r["id"], 0) + 1
        if seen[r["id"]] > 1:
            r["id"] = f"{r['id']}-{seen[r['id']]}"
    return rewards


def render(draft: Draft, source: str) -> str:
    """YAML text, each section with its points to confirm as comments above it."""
    lines = [f"# 由 `python -m bot rules draft` 從 {source} 產生的草稿：請逐項確認後再發布。", ""]
    for key, value in draft.data.items():
        for point in draft.confirm.get(key, []):
            lines.append(f"# 請確認：{point}")
        dumped = yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, width=1000)
        lines.append(dumped.rstrip())
        lines.append("")
    return "\n".join(lines)
