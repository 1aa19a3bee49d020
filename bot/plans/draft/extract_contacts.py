"""Help desks (name, phone with 分機 as printed, hours) and short enrolment steps.

Plans print contacts as 「一、計畫內容疑義：某科，電話：04-2228-9111 分機 11523（林小姐），服務
時間：…」 and again in annex manuals; a phone seen once is one desk. The people's names next to
extensions are left out (the rules files keep units, not staff).
"""

from __future__ import annotations

import re
from typing import Any

from bot.plans.draft.extract_text import Line

_PHONE = r"(?:\(0\d{1,2}\)\s*\d{3,4}-?\d{4}|0\d{1,3}-\d{3,4}-?\d{3,4}|0\d{1,2}-\d{6,8}|\d{3,4}-\d{4})"
_EXT = r"(?:\s*分機\s*\d+(?:\s*[（(][^）)]*[)）])?(?:\s*、\s*分機\s*\d+(?:\s*[（(][^）)]*[)）])?)*)?"
_ENTRY = re.compile(f"({_PHONE})({_EXT})(?:\\s*[（(]([^）)]*)[)）])?")
_PERSON = re.compile(r"[（(][^）)]*(?:小姐|先生|女士)[)）]")
_HOURS = re.compile(r"(?:服務|開放)時間\s*[：:]\s*([^，。；)）]+)")
_TOPIC_TAIL = re.compile(r"(?:公務)?(?:帳號)?(?:密碼)?(?:操作)?(?:及課程)?問題$")
_GENERIC = ("客服", "平臺客服", "專線", "電話")
_SKIP = ("總機", "傳真", "地址")


def _desk_name(before: str, topic: str) -> str:
    before = re.sub(r"(?:電話)?\s*(?:/e-mail)?\s*[：:]?\s*$", "", before).rstrip("，, ")
    name = re.split(r"[：:|]", before)[-1].strip() if before else ""
    name = re.split(r"[，,]", name)[-1].strip()
    name = re.sub(r"(?:電話|電話/e-mail)$", "", name).strip("*▷ ")
    if "問題" in name and not name.endswith("問題"):
        name = name.rpartition("問題")[2]
    subject = _TOPIC_TAIL.sub("", topic).strip()
    if not name:
        return subject
    if subject and name.startswith(_GENERIC):
        return subject + name
    if subject and topic.endswith("問題") and len(set(subject) & set(name)) * 2 < len(set(subject)):
        return f"{name}（{subject}）"  # the desk of a system named in the topic: say which
    return name


def help_desks(lines: list[Line]) -> list[dict[str, Any]]:
    """Every phone printed with its desk's name and hours; one desk per phone number."""
    desks: list[dict[str, Any]] = []
    seen: set[str] = set()
    for idx, line in enumerate(lines):
        text = line.body if line.level is not None else line.text
        if "\t" in text:
            continue
        matches = list(_ENTRY.finditer(text))
        for k, m in enumerate(matches):
            digits = re.sub(r"\D", "", m.group(1))
            start = matches[k - 1].end() if k else 0
            before = text[start : m.start()]
            if digits in seen or any(w in before[-8:] for w in _SKIP) or len(digits) < 7:
                continue
            if re.search(r"\d{4}-\d{2}-\d{2}|年|月", text[max(0, m.start() - 3) : m.end() + 3]):
                continue
            seen.add(digits)
            topic = ""
            if k == 0 and "：" in before:
                topic, _, rest = before.partition("：")
                if rest.strip(" ，,") or re.search(r"(?:問題|疑義|敘獎|獎勵)$", topic):
                    before = rest
                else:
                    topic = ""
            if not before.strip(" ，,：") and k > 0:
                before = desks[-1]["name"] if desks else ""
            ext = _PERSON.sub("", m.group(2) or "").replace(" ", "")
            places = re.findall(r"[（(]([^）)]*)[)）]", ext)
            ext = re.sub(r"[（(][^）)]*[)）]", "", ext)
            paren = m.group(3) or (places[0] if places else None)
            name = _desk_name(before, topic) if k == 0 or before.strip(" 、，,") else desks[-1]["base"]
            for back in range(idx - 1, max(idx - 7, -1), -1):
                if name:
                    break
                if "客服" in lines[back].text and not _ENTRY.search(lines[back].text):
                    name = _desk_name(lines[back].text, "")
            base = name
            hours_m = _HOURS.search(text[m.end() :])
            hours = hours_m.group(1).strip() if hours_m else None
            if paren and re.search(r"\d[:：]\d\d", paren):
                hours = re.sub(r"^(?:服務|開放)時間\s*[：:]\s*", "", paren)
                paren = None
            if paren and not re.search(r"小姐|先生|女士|手機", paren):
                name = f"{name}（{paren}）"
                hours = None if len(matches) > 1 else hours
            elif paren:
                ext += f"（{paren}）" if "手機" in paren else ""
            if hours is None and idx + 1 < len(lines) and lines[idx + 1].text.startswith(("服務時間", "開放時間")):
                nxt = _HOURS.search(lines[idx + 1].text)
                hours = nxt.group(1).strip() if nxt else None
            desks.append({"name": name, "phone": m.group(1).replace(" ", "") + ext, "hours": hours, "base": base})
    for d in desks:
        d.pop("base")
    return desks


def steps(lines: list[Line]) -> list[str]:
    """Short how-to steps: install, log in, batch-enrol, study, print the record, hand it in."""
    wanted = [
        ("下載", ("APP", "Chrome")),
        ("登入", ("公務帳號",)),
        ("整批選課", ("組裝專區",)),
        ("我的課程", ("上課去",)),
        ("學習紀錄", ("列印",)),
        ("前", ("檢附", "送")),
    ]
    out: list[str] = []
    flat = [ln.body if ln.level is not None else ln.text for ln in lines if "\t" not in ln.text]
    for key, extra in wanted:
        for text in flat:
            if key in text and all(e in text for e in extra[:1]) and len(text) <= 120:
                step = re.sub(r"^[（(]?[一二三四五六七八九十\d]+[)）、]", "", text).strip("。 ")
                if step not in out:
                    out.append(step)
                break
    return out
