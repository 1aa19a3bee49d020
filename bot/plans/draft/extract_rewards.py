"""Rewards (補休, 嘉獎, 獎狀, 記功) and their conditions, read clause by clause from the body.

Each reward section (「一、補休：」「七、行政獎勵：」「四、獎勵措施：」) is one block; its clauses
name amounts, the bundles they need, caps, deadlines, who is left out and whether 公餘時間 or
留職停薪 matter. Annex tables and FAQs repeat the same facts and are not read, so nothing is
counted twice. Whatever a block does not say stays None / "unspecified" and is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.plans.draft.extract_text import NUM, Line, clauses, find_dates, number

_AMOUNT = rf"(?:半日|半天|{NUM}\s*[日天]|{NUM}\s*小時)(?:\s*[（(]\s*{NUM}\s*小時\s*[)）])?"
_CAP = re.compile(
    rf"(?:最高(?:得)?(?:申請)?補休\s*({_AMOUNT}))|(?:以補休\s*({_AMOUNT})\s*為(?:上)?限)|(?:最高以\s*({_AMOUNT})\s*為限)"
)
_COMP = re.compile(rf"補休\s*({_AMOUNT})")
_OTHER = {
    "commendation": re.compile(r"嘉獎\s*(\d+|一)\s*次"),
    "certificate": re.compile(r"獎狀\s*(\d+|一)\s*紙"),
    "merit": re.compile(r"記(?:小|大)?功\s*(\d+|一)\s*次"),
}
_TIERS = re.compile(r"不得重複請領|最高級距|擇一|不予累加|不重複")
_EXCLUDED = re.compile(r"([^，。；：、]+(?:、[^，。；：、]+)*)不(?:予)?適用")
_OFF_DUTY = re.compile(r"前(?:，)?利用公餘時間|利用公餘時間完成|均(?:須|應)為\s*公餘時間")
_STAFF_SPLIT = re.compile(r"、|及|和")
REWARD_WORDS = ("補休", "獎勵", "敘獎", "嘉獎")


def amount_hours(text: str) -> float | None:
    """「半日」 4, 「1日」 8, 「1天(8小時)」 8 (the printed hours win), 「16小時」 16."""
    inner = re.search(rf"[（(]\s*({NUM})\s*小時", text)
    if inner:
        return float(inner.group(1))
    if text.startswith(("半日", "半天")):
        return 4.0
    m = re.match(rf"({NUM})\s*([日天]|小時)", text)
    if not m:
        return None
    return float(m.group(1)) * (8 if m.group(2) in "日天" else 1)


@dataclass
class _Reward:
    type: str
    amounts: list[str] = field(default_factory=list)
    awards: list[dict[str, Any]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    applies_to: list[str] | None = None
    unpaid: str = "unspecified"


@dataclass
class Names:
    """The bundles and groups the rewards may refer to, with each group's members."""

    bundles: list[str]
    groups: dict[str, list[str]]


def reward_blocks(lines: list[Line]) -> list[tuple[str, str]]:
    """(heading, text) of each reward section of the body, innermost sections only."""
    end = next((i for i, ln in enumerate(lines) if re.match(r"^附件\s*\d*$", ln.text)), len(lines))
    heads = []
    for i, ln in enumerate(lines[:end]):
        if ln.level is None or ln.level > 2 or "\t" in ln.text:
            continue
        title = re.split(r"[：:]", ln.body, maxsplit=1)[0]
        if len(title) <= 10 and any(w in title for w in REWARD_WORDS):
            heads.append(i)
    blocks = []
    for i in heads:
        level = lines[i].level
        assert level is not None
        j = i + 1
        while j < end and not (lines[j].level is not None and lines[j].level <= level and "\t" not in lines[j].text):  # type: ignore[operator]
            j += 1
        if any(h in heads for h in range(i + 1, j)):
            continue  # a container such as 「捌、獎勵措施」: its sections are the blocks
        title, _, rest = lines[i].body.partition("：")
        blocks.append((title, "\n".join([rest, *(ln.text for ln in lines[i + 1 : j])])))
    return blocks


def _refs(clause: str, names: Names, last: list[str]) -> list[str]:
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for name in sorted([*names.bundles, *names.groups], key=len, reverse=True):
        for m in re.finditer(re.escape(name), clause):
            if name and not any(a < m.end() and m.start() < b for a, b in taken):
                taken.append((m.start(), m.end()))
                before = clause[max(0, m.start() - 8) : m.start()]
                if name in names.groups and re.search(r"全部\s*\d*\s*套[「」]?$", before):
                    found.extend((m.start(), b) for b in names.groups[name])
                else:
                    found.append((m.start(), name))
    if found:
        return [n for _, n in sorted(found, key=lambda t: t[0])]
    if re.search(r"全部\s*\d*\s*套|[兩二三四五六七八九十\d]+\s*套(?:均|皆|全部)完成|均完成", clause):
        return [b for b in names.bundles if not any(b in g for g in names.groups.values())] + list(names.groups)
    return last


def _staff(text: str) -> list[str]:
    text = re.sub(r"^(?:惟|但|另|其中|至於|\s)+", "", text.strip())
    return [p.strip() for p in _STAFF_SPLIT.split(text) if p.strip()]


def parse_block(title: str, text: str, names: Names, uncertain: list[str]) -> list[dict[str, Any]]:
    """The rewards one block states, with the block's dates and conditions applied to each."""
    kind = "comp_leave" if "補休" in title else "commendation"
    rewards: dict[str, _Reward] = {}
    last: list[str] = []
    cap: float | None = None
    tiers = False
    dates: dict[str, str] = {}
    submit_to: str | None = None
    notes: list[str] = []
    for clause in (c.strip() for part in text.split("\n") for c in clauses(part)):
        target = "comp_leave" if "補休" in clause else kind
        if _TIERS.search(clause):
            tiers = True
        m = _CAP.search(clause)
        rest = clause
        if m:
            cap = amount_hours(next(g for g in m.groups() if g))
            rest = clause[: m.start()] + clause[m.end() :]
        if re.search(r"不得重複|為限|上限|毋須|上班時間|留職停薪|改由|逾期", clause):
            notes.append(clause.rstrip("。；"))
        refs = _refs(rest, names, last)
        if "不予核給" not in rest:
            for m2 in _COMP.finditer(rest):
                r = rewards.setdefault("comp_leave", _Reward("comp_leave"))
                r.amounts.append(f"補休{m2.group(1)}")
                hours = amount_hours(m2.group(1))
                each = re.search(r"每完成\s*\d*\s*套", rest)
                for req in [[x] for x in refs] if (each or re.search(r"」或「|或「", rest)) else [refs]:
                    r.awards.append(
                        {
                            "requires": req,
                            "hours": number(hours) if hours is not None else None,
                            "amount_text": f"補休{m2.group(1)}",
                        }
                    )
            for kind2, pat in _OTHER.items():
                for m3 in pat.finditer(rest):
                    r = rewards.setdefault(kind2, _Reward(kind2))
                    r.amounts.append(m3.group(0))
                    r.awards.append({"requires": refs})
        last = refs or last
        for m4 in _EXCLUDED.finditer(clause):
            who = m4.group(1)
            if "留職停薪" in who or not re.search(r"人員|工友|技工|駕駛|教師|職工", who):
                continue
            after = clause[m4.end() : m4.end() + 30]
            t = "comp_leave" if "補休" in after else "commendation" if re.search("嘉獎|敘獎", after) else kind
            who = re.sub(r"^(?:[（(][一二三四五六七八九十\d]+[)）]|\d+、)", "", who)
            staff = _staff(re.split(r"依其|因|於", who)[0])
            rewards.setdefault(t, _Reward(t)).excluded.extend(s for s in staff if s not in rewards[t].excluded)
            if "獎狀" in clause:
                rewards.setdefault("certificate", _Reward("certificate")).applies_to = staff
        if "留職停薪" in clause:
            tail = clause[clause.index("留職停薪") :]
            status = "excluded" if re.search(r"不予?適用|不得|不予", tail) else "allowed" if "適用" in tail else None
            if status:
                rewards.setdefault(target, _Reward(target)).unpaid = status
        for dm, d in find_dates(clause):
            after = clause[dm.end() :]
            if d is None or not re.match(r"(?:以)?前", after):
                continue
            if "休畢" in after[:12]:
                dates.setdefault("use_by", d.isoformat())
            elif re.match(r"(?:以)?前[，,]?\s*(?:檢附|檢送|送|提出|繳交|列印)", after):
                dates.setdefault("submit_by", d.isoformat())
                to = re.search(r"(?:送|至)([^，。；]*?)(?:審核|辦理|核辦|者)", after)
                submit_to = submit_to or (to.group(1) if to else None)
            elif "完成" in after:
                dates.setdefault("complete_by", d.isoformat())
    off_duty = bool(_OFF_DUTY.search(text.replace("\n", "")))
    out = []
    for r in rewards.values():
        if not r.awards:
            continue
        out.append(_finish(r, cap, tiers, dates, submit_to, off_duty, notes, names, uncertain))
    return out


def _finish(
    r: _Reward,
    cap: float | None,
    tiers: bool,
    dates: dict[str, str],
    submit_to: str | None,
    off_duty: bool,
    notes: list[str],
    names: Names,
    uncertain: list[str],
) -> dict[str, Any]:
    comp = r.type == "comp_leave"
    label = {"comp_leave": "補休", "commendation": "嘉獎", "certificate": "獎狀", "merit": "記功"}[r.type]
    for a in r.awards:
        if not a["requires"]:
            if len(names.bundles) == 1:
                a["requires"] = list(names.bundles)
                uncertain.append(f"rewards.{r.type}.requires：文件未指名組裝課程，以唯一的「{names.bundles[0]}」為準")
            else:
                uncertain.append(f"rewards.{r.type}.requires：無法判斷須完成哪些組裝課程")
    mode = "highest_tier" if comp and tiers and len(r.awards) > 1 else "additive"
    reward: dict[str, Any] = {
        "type": r.type,
        "amount_text": "／".join(dict.fromkeys(r.amounts)),
        "hours": None,
        "mode": mode,
    }
    if mode == "highest_tier":
        reward["tiers"] = [dict(a) for a in r.awards]
        values = [a["hours"] for a in r.awards if a["hours"] is not None]
        reward["hours"] = max(values) if values else None
    else:
        reward["awards"] = [
            {k: v for k, v in a.items() if k != "amount_text" and (comp or k != "hours")} for a in r.awards
        ]
        if comp:
            values = [a["hours"] for a in r.awards]
            total = sum(values) if None not in values else None
            reward["hours"] = (
                number(min(total, cap)) if total is not None and cap is not None else (cap if total is None else total)
            )
    reward["cap_hours"] = number(cap) if comp and cap is not None else None
    reward["complete_by"] = dates.get("complete_by")
    reward["submit_by"] = dates.get("submit_by")
    if comp and "use_by" in dates:
        reward["use_by"] = dates["use_by"]
    if reward["submit_by"] and submit_to:
        reward["submit_to"] = submit_to
    reward["off_duty_required"] = off_duty and comp
    reward["excluded"] = r.excluded
    if r.applies_to is not None:
        reward["applies_to"] = r.applies_to
    reward["unpaid_leave"] = r.unpaid
    reward["notes"] = "；".join(dict.fromkeys(notes))
    where = f"rewards.{r.type}（{label}）"
    if reward["complete_by"] is None:
        uncertain.append(f"{where}.complete_by：文件未寫完成期限" + ("，只寫送件期限" if reward["submit_by"] else ""))
    if comp and reward["submit_by"] is None:
        uncertain.append(f"{where}.submit_by：文件未寫申請（送件）期限")
    if r.unpaid == "unspecified":
        uncertain.append(f"{where}.unpaid_leave：文件未提留職停薪，記為 unspecified")
    if comp and cap is None and mode == "additive" and len(r.awards) > 1:
        uncertain.append(f"{where}.cap_hours：文件未寫補休上限")
    return reward
