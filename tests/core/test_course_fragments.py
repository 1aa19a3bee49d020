"""Courses found by a distinctive piece of their name, an abbreviation or a near-typo, never by
an accident of letters (「gmail」 is not 「E-mail」)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.dialogue import Dialogue
from bot.domain.calendar import TAIPEI
from tests.core.chat import Chat
from tests.core.conftest import onboard


async def test_kaohsiung_courses_by_fragment(ready: Chat) -> None:
    assert "元宇宙發展趨勢與產業新經濟" in await ready.say("元宇宙那門課幾小時")
    assert "1 小時" in ready.text
    assert "台灣長照趨勢" in await ready.say("有沒有關於長照的課")
    assert "元宇宙發展趨勢與產業新經濟" in await ready.say("原宇宙的課多久")  # typed by sound
    assert "公務英文E-mail篇" in await ready.say("E-mail那門課幾小時")


async def test_gmail_is_not_the_email_course(ready: Chat) -> None:
    text = await ready.say("用gmail登入時數會算嗎")
    assert "公務英文E-mail篇" not in text and "Google" in text


async def test_hsinchu_courses_by_fragment(make_dialogue: Callable[[datetime], Dialogue]) -> None:
    chat = Chat(make_dialogue(datetime(2020, 6, 1, 20, 0, tzinfo=TAIPEI)))
    await onboard(chat, plan_label="新竹市")
    assert "5G網路、應用與資安議題" in await chat.say("5G那門課多久")
    assert "海外防疫與保健" in await chat.say("有防疫的課嗎")


async def test_a_word_of_questions_is_no_course(ready: Chat) -> None:
    """申報 is in 公職人員財產申報…, but 「補休要怎麼申報」 is about comp leave."""
    assert "財產申報" not in await ready.say("補休要怎麼申報")


async def test_a_word_several_courses_share_lists_them(make_dialogue: Callable[[datetime], Dialogue]) -> None:
    chat = Chat(make_dialogue(datetime(2020, 6, 1, 20, 0, tzinfo=TAIPEI)))
    await onboard(chat, plan_label="新竹市")
    text = await chat.say("有資安的課嗎")
    assert "5G網路、應用與資安議題" in text and "資通安全管理法" in text


async def test_policy_years_are_not_other_plans(ready: Chat) -> None:
    """2030 of 「2030雙語國家政策」 names a policy, not another year's plan."""
    assert "其他年度" not in await ready.say("計畫跟2030雙語國家政策有關嗎")
