"""Whole conversations through the core, asserting on what a person sees.

start → ask → steps → report → status → forget, in both languages and both plans.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.dialogue import Dialogue
from bot.storage import Store
from tests.conftest import record_text
from tests.core.chat import Chat
from tests.core.conftest import HSINCHU_DAY, onboard


async def test_kaohsiung_in_chinese(dialogue: Dialogue, store: Store) -> None:
    chat = Chat(dialogue)
    assert "請選擇語言" in await chat.say("/start")
    assert "請選擇您參加的計畫" in await chat.press("中文")
    assert chat.labels == ["高雄市 112年度"]  # the only plan running on 2023-06-01
    assert "提醒" in await chat.press("高雄市")
    text = await chat.press("🔔")
    assert "設定完成" in text and "隱私" in text and "/forget" in text

    answer = await chat.say("補休最多幾小時？")
    assert "最高 16 小時" in answer and "4 小時" in answer and "公餘時間" in answer
    assert "整批選課" in await chat.say("怎麼整批選課")
    assert "步驟 3／6" in await chat.press("一步一步")
    assert "App Store" in await chat.say("APP 去哪裡下載") and "Google Play" in chat.text
    assert "02-2397-9108" in await chat.say("客服電話")
    first = await chat.say("步驟")
    assert "步驟 1／6" in first and "App Store" in first
    assert "步驟 2／6" in await chat.press("下一步") and "公務帳號" in chat.text
    assert "步驟 1／6" in await chat.press("上一步")

    report = await chat.say("我完成了 e馬當先")
    assert "e馬當先育職能" in report and "公餘時間" in report
    await chat.press("是，公餘時間")
    status = await chat.say("/status")
    assert "▓▓▓▓▓▓▓▓▓▓ 10／10 小時" in status
    assert "補休：目前可申請 4 小時（最高 16 小時）" in status
    assert "還能再爭取 12 小時" in status and "還有 91 天" in status
    assert "嘉獎" in status and "e見鍾情戀高雄" in status

    assert "確定要刪除" in await chat.say("/forget")
    assert "已刪除" in await chat.press("確定刪除")
    assert await store.get_user("console", "u1") is None
    assert "請選擇語言" in await chat.say("你好")  # a new start


async def test_kaohsiung_in_english(dialogue: Dialogue) -> None:
    chat = Chat(dialogue, user="en1", lang_hint="en-US")
    assert "Please choose a language" in await chat.say("/start")
    await chat.press("English")
    await chat.press("Kaohsiung City")
    text = await chat.press("No reminders")
    assert "All set" in text and "Privacy" in text

    assert "Aug 31, 2023" in await chat.say("What is the deadline?")
    answer = await chat.say("How many hours of comp leave can I get at most?")
    assert "at most 16 hours" in answer
    assert "Chrome" in await chat.say("Which browser should I use on my PC?")

    await chat.say("/done")
    await chat.press("e見鍾情戀高雄")
    await chat.press("Whole bundle done")
    await chat.press("No, office hours")
    status = await chat.say("status")
    assert "10/10 h" in status and "Comp leave: 0 hours earned so far" in status

    await chat.say("/undo")
    assert "no longer marked done" in await chat.press("友善職場")
    assert "9/10 h" in await chat.say("/status")


async def test_hsinchu_plan(make_dialogue: Callable[[datetime], Dialogue]) -> None:
    chat = Chat(make_dialogue(HSINCHU_DAY), user="hc")
    await onboard(chat, plan_label="新竹市")
    answer = await chat.say("補休可以請幾天")
    assert "8 小時" in answer and "109年9月30日（三）" in answer
    assert "沒有嘉獎" in await chat.say("有嘉獎嗎")
    assert "磨課師" in await chat.say("還有哪些學習管道")
    bundle = await chat.say("/bundles")  # one bundle: its courses straight away
    assert "CEDAW施行法-暫行特別措施及案例：3 小時" in bundle
    await chat.press("回報完成")
    assert "更多課程" in " ".join(chat.labels)  # 20 courses, paged
    text = await chat.press("整套都完成")
    assert "公餘時間" not in text  # Hsinchu's reward has no off-duty condition
    status = await chat.say("進度")
    assert "30／30 小時" in status and "補休：目前可申請 8 小時" in status
    assert "109年9月30日（三）前檢附學習紀錄" in status


async def test_pasted_record_replaces_guesses(ready: Chat) -> None:
    await ready.say("我完成了 e興盎然")
    await ready.press("是，公餘時間")
    rows = [
        ("政府數位轉型新視界", "2023-03-04 10:00:00", "2023-03-04 11:00:00"),
        ("友善職場", "2023-03-01 10:00:00", "2023-03-01 11:00:00"),
        ("上班族如何維持規律的運動", "2023-03-04 12:00:00", "2023-03-04 13:00:00"),
    ]
    text = await ready.say(record_text(rows))
    assert "已讀取學習紀錄：3 筆，對應到本計畫 2 門課" in text
    assert "e興盎然學專業\n░░░░░░░░░░ 0／10 小時" in text  # the guess is replaced
    assert "「上班族如何維持規律的運動」不是本計畫的組裝課程" in text
    assert "112年3月1日（三） 10:00–11:00碰到上班時間" in text


async def test_record_button_then_paste(ready: Chat) -> None:
    assert "學習紀錄" in await ready.say("/record")
    text = await ready.say("亂貼的東西")
    assert "看不懂這份學習紀錄" in text


async def test_switch_plan_and_language(make_dialogue: Callable[[datetime], Dialogue]) -> None:
    chat = Chat(make_dialogue(datetime.fromisoformat("2026-11-23T10:00:00+08:00")), user="sw")
    await chat.say("/start")
    await chat.press("中文")
    assert sorted(chat.labels) == ["新竹市 109年度", "高雄市 112年度"]  # none running: latest of each city
    await chat.press("高雄市")
    await chat.press("不用提醒")
    old = chat.payload("我的進度")
    await chat.say("/plan")
    assert "已切換到計畫：新竹市 109年度" in await chat.press("新竹市")
    assert "過期" in await chat.press_payload(old)  # a button from before the switch
    assert "Language set to English" in await chat.say("/lang") + await chat.press("English")
    assert "Hsinchu" in await chat.say("/settings")
