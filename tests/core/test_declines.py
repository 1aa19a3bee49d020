"""Questions the plan does not cover are declined honestly and logged for HR; questions it
covers are answered without a hedge; staff the plan leaves out are told so first."""

from __future__ import annotations

from datetime import datetime

from bot.core.dialogue import Dialogue
from bot.domain.calendar import TAIPEI
from bot.storage import Store
from tests.core.chat import Chat
from tests.core.conftest import onboard

OUTSIDE = ("幫我請假", "特休還剩幾天", "加班補休怎麼申請", "我的補休可以換錢嗎", "明天高雄會下雨嗎")


async def test_out_of_scope_is_declined_with_who_to_ask(ready: Chat, store: Store) -> None:
    for question in OUTSIDE:
        text = await ready.say(question)
        assert "不在高雄市 112年度數位學習計畫的範圍內" in text, question
        assert "02-2397-9108" in text and "人事單位" in text
        assert "補休 4 小時" not in text and "最高 16 小時" not in text
    logged = [q.text for q in await store.unanswered()]
    assert set(OUTSIDE) <= set(logged)


async def test_hsinchu_in_person_courses_are_not_the_batch_enrolment(make_dialogue: object, store: Store) -> None:
    dialogue: Dialogue = make_dialogue(datetime(2020, 6, 1, 20, 0, tzinfo=TAIPEI))  # type: ignore[operator]
    chat = Chat(dialogue)
    await onboard(chat, plan_label="新竹市")
    text = await chat.say("實體課程要去哪報名")
    assert "不在新竹市 109年度數位學習計畫的範圍內" in text and "整批選課" not in text


async def test_confident_answers_carry_no_hedge(ready: Chat) -> None:
    for question in ("補休最多幾小時？", "截止日是哪天", "客服電話"):
        text = await ready.say(question)
        assert "如果這沒有回答到您的問題" not in text, question


async def test_teachers_are_told_they_are_outside_the_plan(ready: Chat) -> None:
    text = await ready.say("老師可以申請補休嗎")
    assert text.startswith("教師不在這個計畫的適用對象內") and "補休 4 小時" not in text
    text = await ready.say("約聘人員可以補休嗎")
    assert "約聘(僱)人員" in text and "最高 16 小時" in text
    assert "教師不在" not in await ready.say("行政程序法那門課是哪位老師講的")


async def test_hsinchu_off_duty_and_its_date_as_the_plan_says(make_dialogue: object) -> None:
    """Hsinchu asks staff to study in their own time without making it a condition, and its
    9/30 is the day to hand the record in."""
    dialogue: Dialogue = make_dialogue(datetime(2020, 6, 1, 20, 0, tzinfo=TAIPEI))  # type: ignore[operator]
    chat = Chat(dialogue)
    await onboard(chat, plan_label="新竹市")
    text = await chat.say("上班時間上課可以補休嗎")
    assert "沒有把它列為補休的條件" in text and "沒有限定" not in text
    assert "於109年9月30日（三）前檢附學習紀錄送人事單位" in text
