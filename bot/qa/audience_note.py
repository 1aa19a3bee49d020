"""「老師可以申請補休嗎」: a question naming a kind of staff gets, first, whether the plan covers them.

The plan's audience fields (rules/*.yaml `plan.audience.included` / `excluded`) say who is in
and who is out; a staff word of the question is looked up there, under the plan's own word
for it (老師 is 教師 in a plan), so the answer never applies rules to people they do not cover.
"""

from __future__ import annotations

from bot.domain.textnorm import normalize
from bot.i18n import t
from bot.plans.model import Plan, Text

# What staff type for themselves → the words plans use for them.
STAFF = {
    "老師": ("教師",), "教師": ("教師",), "teacher": ("教師",), "teachers": ("教師",),
    "職工": ("職工",), "技工": ("職工",), "工友": ("職工",), "workers": ("職工",),
    "臨時人員": ("臨時人員",), "臨時工": ("臨時人員",), "temporary": ("臨時人員",), "temp": ("臨時人員",),
    "約聘": ("約聘", "約僱"), "約僱": ("約聘", "約僱"), "約雇": ("約聘", "約僱"), "約聘僱": ("約聘", "約僱"),
    "contract": ("約聘", "約僱"), "contractor": ("約聘", "約僱"),
}  # fmt: skip


def _words(question: str) -> list[str]:
    text = normalize(question)
    low = f" {question.lower()} "
    return [w for w in STAFF if (w.isascii() and f" {w} " in low) or (not w.isascii() and w in text)]


def _covers(text: Text | None, word: str) -> bool:
    return bool(text) and any(alias in normalize(text.zh_TW) for alias in STAFF[word])  # type: ignore[union-attr]


def staff_note(plan: Plan, question: str, lang: str) -> tuple[str, bool] | None:
    """(the note, whether they are left out) for the first staff word the plan speaks of."""
    audience = plan.plan.audience
    words = _words(question)
    words.sort(key=lambda w: not _covers(audience.excluded, w))  # those left out first
    for word in words:
        if _covers(audience.excluded, word):
            excluded = audience.excluded.get(lang) if audience.excluded else ""
            return t("qa.audience.outside", who=STAFF[word][0], excluded=excluded), True
        if _covers(audience.included, word):
            return t("qa.audience.inside", who=STAFF[word][0], included=audience.included.get(lang)), False
    return None
