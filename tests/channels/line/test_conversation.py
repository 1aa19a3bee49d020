"""Whole conversations over LINE: webhook in, reply (or push) out, as the person sees them."""

from __future__ import annotations

import json
from typing import Any

from bot.channels.line.flex import GREEN
from tests.channels.line.conftest import SECRET, LineBot, onboard, quick_items, texts
from tests.fakes.line_api import follow_event, postback_event, sign, text_message_event, unfollow_event


def boxes(node: Any) -> list[dict[str, Any]]:
    """Every Flex box in a message, depth first."""
    found = []
    if isinstance(node, dict):
        if node.get("type") == "box":
            found.append(node)
        for value in node.values():
            found += boxes(value)
    elif isinstance(node, list):
        for value in node:
            found += boxes(value)
    return found


async def test_follow_starts_onboarding_with_language_quick_replies(bot: LineBot) -> None:
    got = await bot.send(follow_event(bot.user))
    assert len(bot.fake.replies) == 1 and bot.fake.pushes == []  # answered with the free reply token
    assert "請選擇語言" in texts(got)
    items = quick_items(got)
    assert [i["action"]["label"] for i in items] == ["中文（繁體）", "English"]
    for item in items:
        action = item["action"]
        assert action["type"] == "postback" and action["displayText"] == action["label"]
        assert action["data"].endswith(("lang:zh-TW", "lang:en"))


async def test_follow_in_english_when_the_line_app_is_english(bot: LineBot) -> None:
    bot.fake.profiles[bot.user] = {"displayName": "Amy", "userId": bot.user, "language": "en"}
    got = await bot.send(follow_event(bot.user))
    assert texts(got).startswith("Hello!")


async def test_plan_chosen_by_quick_reply_and_by_postback(bot: LineBot) -> None:
    await bot.send(follow_event(bot.user))
    asked = await bot.press("中文")  # the postback data from the previous reply's quick reply
    assert "請選擇您參加的計畫" in texts(asked)
    assert [i["action"]["label"] for i in quick_items(asked)] == ["高雄市 112年度"]
    plan_data = bot.data("高雄市")
    assert "提醒" in texts(await bot.send(postback_event(bot.user, plan_data)))
    done = await bot.press("🔔")
    assert "設定完成" in texts(done) and "隱私" in texts(done)
    assert len(quick_items(done)) == 8  # the main menu
    user = await bot.store.get_user("line", bot.user)
    assert user is not None and user.plan_id == "kaohsiung-112" and user.onboarded


async def test_question_progress_and_status_card(bot: LineBot) -> None:
    await onboard(bot)
    assert "16" in texts(await bot.say("補休最多幾小時？"))

    report = texts(await bot.say("我完成了 e馬當先"))
    assert "e馬當先育職能" in report and "公餘時間" in report
    assert "公餘時間" in texts(await bot.press("是，公餘時間"))

    (status,) = await bot.say("進度")
    assert status["type"] == "flex" and status["contents"]["type"] == "bubble"
    assert "10／10 小時" in status["altText"] and len(status["altText"]) <= 1500
    bars = [b for b in boxes(status["contents"]) if b.get("height") == "6px"]
    assert len(bars) == 5  # one per bundle
    full = bars[0]["contents"]
    assert [(p["flex"], p.get("backgroundColor")) for p in full] == [(100, GREEN)]
    assert [p["flex"] for p in bars[1]["contents"]] == [100] and "backgroundColor" not in bars[1]["contents"][0]
    assert "補休" in str(status["contents"])  # the card's footer: rewards
    assert [i["action"]["label"] for i in status["quickReply"]["items"]][-1] == "🏠 選單"


async def test_unfollow_marks_the_person_inactive(bot: LineBot) -> None:
    await onboard(bot)
    sent = len(bot.fake.requests)
    assert await bot.send(unfollow_event(bot.user)) == []
    user = await bot.store.get_user("line", bot.user)
    assert user is not None and not user.active
    assert len(bot.fake.requests) == sent  # no reply is possible, none attempted


async def test_record_notes_are_readable_next_to_the_status_card(bot: LineBot) -> None:
    from tests.conftest import record_text

    await onboard(bot)
    rows = [("友善職場", "2023-03-01 10:00:00", "2023-03-01 11:00:00")]  # a Wednesday morning
    got = await bot.say(record_text(rows))
    assert any(m["type"] == "flex" for m in got)
    plain = "\n".join(m["text"] for m in got if m["type"] == "text")
    assert "上班時間" in plain  # the reason is in a text message, not only in the card's alt text


async def test_a_lone_surrogate_is_answered(bot: LineBot) -> None:
    await onboard(bot)
    event = text_message_event(bot.user, "明天會不會放颱風假\udfff")
    bot.fake.issue_reply_token(event["replyToken"])
    body = json.dumps({"destination": bot.user, "events": [event]}).encode()  # "\\udfff", escaped
    assert await bot.post_body(body, sign(body, SECRET)) == 200
    await bot.channel.drain(10)
    assert "不確定" in texts(bot.fake.replies[-1]["messages"])


async def test_an_impossible_record_is_answered_naming_the_row(bot: LineBot) -> None:
    from tests.support.records import Row, desktop

    await onboard(bot)
    record = desktop([Row("友善職場", "2023-03-01 19:00:00", "2023-03-01 25:00:00")])
    got = texts(await bot.say(record))
    assert "第 1 筆「友善職場」：上課結束時間「2023-03-01 25:00:00」不是存在的日期或時間" in got
    user = await bot.store.get_user("line", bot.user)
    assert user is not None and await bot.store.marks(user.id, "kaohsiung-112") == []
