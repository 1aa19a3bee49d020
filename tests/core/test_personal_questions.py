"""Questions about oneself are answered from one's own standing and today's date, saying where
the figures come from (tests/data/qa/personal.jsonl: a seeded person must see their figures)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.dialogue import Dialogue
from bot.domain.calendar import TAIPEI
from bot.qa.outcome import outcome_of
from tests.core.chat import Chat
from tests.core.conftest import HSINCHU_DAY, KAOHSIUNG_DAY, onboard
from tests.qa.grading import load

AFTER_DEADLINE = datetime(2023, 9, 15, 20, 0, tzinfo=TAIPEI)


async def _with_first_bundle(chat: Chat, plan_label: str, bundle: str, lang_label: str = "中文") -> None:
    await onboard(chat, lang_label=lang_label, plan_label=plan_label)
    await chat.say(f"我完成了 {bundle}")
    if any("公餘" in label or "off-duty" in label.lower() for label in chat.labels):
        await chat.press(chat.labels[0])


async def test_commendation_from_own_hours(ready: Chat) -> None:
    await ready.say("我完成了 e馬當先")
    await ready.press("是，公餘時間")
    text = await ready.say("我可以拿到嘉獎了嗎")
    assert "10／40 小時" in text and "自行回報" in text
    assert len(ready.replies[0].text) <= 300


async def test_after_the_deadline_says_no_with_the_date(make_dialogue: Callable[[datetime], Dialogue]) -> None:
    chat = Chat(make_dialogue(AFTER_DEADLINE))
    await onboard(chat)
    text = await chat.say("我現在上課還可以補休嗎")
    assert text.startswith("不行了") and "112年8月31日" in text


async def test_in_time_says_the_days_left(ready: Chat) -> None:
    text = await ready.say("現在上課還來得及補休嗎")
    assert text.startswith("來得及") and "還有 91 天" in text


async def test_every_personal_question_gets_the_persons_figures(
    make_dialogue: Callable[[datetime], Dialogue],
) -> None:
    days = {"kaohsiung-112": KAOHSIUNG_DAY, "hsinchu-109": HSINCHU_DAY}
    setups = {
        ("kaohsiung-112", "zh-TW"): ("高雄市", "e馬當先", "中文"),
        ("kaohsiung-112", "en"): ("Kaohsiung", "e馬當先", "English"),
        ("hsinchu-109", "zh-TW"): ("新竹市", "新竹市組裝課程", "中文"),
        ("hsinchu-109", "en"): ("Hsinchu", "新竹市組裝課程", "English"),
    }
    chats: dict[tuple[str, str], Chat] = {}
    for (plan, lang), (label, bundle, lang_label) in setups.items():
        chat = Chat(make_dialogue(days[plan]), user=f"{plan}-{lang}")
        await _with_first_bundle(chat, label, bundle, lang_label)
        chats[(plan, lang)] = chat
    wrong = []
    for row in load("personal"):
        chat = chats[(row["plan"], row["lang"])]
        text = await chat.say(row["q"])
        figures = ("10", "30") if row["plan"] == "kaohsiung-112" else ("30",)
        own = any(mark in text for mark in ("依據", "Based on", "計算日期", "As of"))  # their standing, not the rules
        if outcome_of(chat.replies) != "answered" or not own or not any(f in text for f in figures):
            wrong.append(row["q"])
    assert len(wrong) <= 3, wrong
