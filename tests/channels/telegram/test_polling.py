"""Long polling end to end: a person's whole first evening with the bot, and the odd updates."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.commands import COMMANDS
from bot.core.dialogue import COMMANDS as CORE_COMMANDS
from bot.core.messages import Reply
from bot.storage import Store
from tests.channels.telegram.person import Person, settled
from tests.fakes.telegram_api import FakeTelegramAPI

ALICE, BOB = 810001, 810002


async def test_first_evening_in_chinese(fake: FakeTelegramAPI, person: Callable[..., Person], store: Store) -> None:
    alice = person(ALICE)
    assert "請選擇語言" in await alice.say("/start")
    [rows] = [m["reply_markup"]["inline_keyboard"] for m in alice.last if m["reply_markup"]]
    assert [[b["text"] for b in row] for row in rows] == [["中文（繁體）", "English"]]  # short: one row
    assert "請選擇您參加的計畫" in await alice.press("中文")
    assert alice.labels == ["高雄市 112年度"]  # the only plan offered on 2023-06-01
    assert "提醒" in await alice.press("高雄市 112年度")
    assert "設定完成" in await alice.press("🔔")

    assert "16" in await alice.say("補休最多幾小時？")
    report = await alice.say("我完成了 e馬當先")
    assert "e馬當先育職能" in report and "公餘時間" in report
    await alice.press("是，公餘時間")
    status = await alice.say("/status")
    assert "10／10" in status and "補休：目前可申請 4 小時" in status

    for sent in alice.seen:  # HTML, escaped: what the person reads is the text itself
        assert sent["parse_mode"] == "HTML" and "&lt;" not in sent["message"]["text"]
    user = await store.get_user("telegram", str(ALICE))
    assert user is not None and user.onboarded and user.lang == "zh-TW"
    assert len(fake.callback_answers) == 4  # every press answered: no spinning buttons


async def test_menu_commands_in_both_languages(fake: FakeTelegramAPI, polling: TelegramChannel) -> None:
    assert set(fake.commands) == {"", "zh", "en"}  # default scope: every language, zh, en
    for menu in fake.commands.values():
        assert [c["command"] for c in menu] == list(COMMANDS)
    assert all(f"/{name}" in CORE_COMMANDS for name in COMMANDS)
    zh = {c["command"]: c["description"] for c in fake.commands["zh"]}
    en = {c["command"]: c["description"] for c in fake.commands["en"]}
    assert zh["forget"] == "刪除我的資料" and en["forget"] == "Delete my data"
    assert fake.commands[""] == fake.commands["zh"]


async def test_english_speaker_gets_english(person: Callable[..., Person]) -> None:
    bob = person(BOB, language_code="en")
    assert "Please choose a language" in await bob.say("/start")


async def test_429_storm_every_reply_once(fake: FakeTelegramAPI, person: Callable[..., Person]) -> None:
    fake.fail_next("sendMessage", 429, retry_after=1, times=3)
    alice, bob = person(ALICE), person(BOB)
    fake.queue_update(fake.make_message_update(ALICE, "/start"))
    await bob.say("/start")
    await fake.wait_for(lambda: len(alice.seen) == 1)
    await settled(bob.channel)
    assert [s["message"]["text"].count("請選擇語言") for s in fake.sent] == [1, 1]  # once each
    statuses = [r["status"] for r in fake.requests if r["method"] == "sendMessage"]
    assert statuses.count(429) == 3 and statuses.count(200) == 2


async def test_blocked_person_is_marked_inactive(
    fake: FakeTelegramAPI, person: Callable[..., Person], polling: TelegramChannel, store: Store
) -> None:
    alice, bob = person(ALICE), person(BOB)
    await alice.say("/start")
    fake.block_chat(ALICE)
    menu = alice.seen[-1]
    [[chinese, _english]] = menu["reply_markup"]["inline_keyboard"]
    fake.press_button(ALICE, menu["message_id"], chinese["callback_data"])
    await fake.wait_for(lambda: any(r["status"] == 403 for r in fake.requests))
    await settled(polling)
    user = await store.get_user("telegram", str(ALICE))
    assert user is not None and user.active is False
    refused = [r for r in fake.requests if r["method"] == "sendMessage" and r["status"] == 403]
    assert len(refused) == 1  # never retried

    assert "請選擇語言" in await bob.say("/start")  # everyone else is still served
    assert await polling.push(str(ALICE), [Reply("提醒")]) is False
    assert await polling.push(str(BOB), [Reply("提醒")]) is True
    assert bob.seen[-1]["message"]["text"] == "提醒"


async def test_blocking_the_bot_marks_inactive(
    fake: FakeTelegramAPI, person: Callable[..., Person], polling: TelegramChannel, store: Store
) -> None:
    alice = person(ALICE)
    await alice.say("/start")
    fake.queue_update(
        {
            "my_chat_member": {
                "chat": {"id": ALICE, "first_name": "測試使用者", "type": "private"},
                "from": {"id": ALICE, "is_bot": False, "first_name": "測試使用者"},
                "date": 1685620800,
                "old_chat_member": {"user": fake.bot_user, "status": "member"},
                "new_chat_member": {"user": fake.bot_user, "status": "kicked", "until_date": 0},
            }
        }
    )
    async with asyncio.timeout(5):
        while (user := await store.get_user("telegram", str(ALICE))) is None or user.active:
            await asyncio.sleep(0.01)
    await settled(polling)
    assert len(alice.seen) == 1  # nothing sent to someone who just blocked the bot


async def test_odd_updates_do_not_stop_the_bot(fake: FakeTelegramAPI, person: Callable[..., Person]) -> None:
    alice = person(ALICE)
    fake.queue_update(
        {
            "message_reaction_count": {
                "chat": {"id": -100, "type": "group", "title": "x"},
                "message_id": 1,
                "date": 0,
                "reactions": [],
            }
        }
    )
    fake.queue_update({"some_future_kind": {"whatever": [1, 2, 3]}})
    fake.queue_update(
        {
            "edited_message": {
                "message_id": 1,
                "date": 0,
                "text": "改",
                "chat": {"id": ALICE, "type": "private", "first_name": "A"},
            }
        }
    )
    assert "請選擇語言" in await alice.say("/start")
    assert len(alice.seen) == 1


async def test_groups_are_pointed_to_a_private_chat(
    fake: FakeTelegramAPI, person: Callable[..., Person], store: Store
) -> None:
    group = person(-1001234567890)
    text = await group.turn(fake.make_message_update(-1001234567890, "/start@gov_helper_test_bot", user_id=ALICE))
    assert "私人對話" in text and "@gov_helper_test_bot" in text
    fake.queue_update(fake.make_message_update(-1001234567890, "大家好", user_id=BOB))  # chatter: ignored
    assert "請選擇語言" in await person(ALICE).say("/start")
    assert len(group.seen) == 1
    assert await store.get_user("telegram", str(BOB)) is None


async def test_foreign_button_data_gets_the_polite_reply(fake: FakeTelegramAPI, person: Callable[..., Person]) -> None:
    alice = person(ALICE)
    await alice.say("/start")
    message_id = alice.seen[-1]["message_id"]
    for data in ("garbage", "7|st", "0|nosuchaction", "0|st:" + "x" * 50):
        text = await alice.turn(fake.make_callback_update(ALICE, message_id, data, check=False))
        assert "按鈕已經過期" in text
    assert len(fake.callback_answers) == 4


async def test_photo_gets_an_answer(fake: FakeTelegramAPI, person: Callable[..., Person]) -> None:
    alice = person(ALICE)
    await alice.say("/start")
    photo = fake.make_message_update(ALICE, "x")
    del photo["message"]["text"]
    photo["message"]["photo"] = [{"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90, "height": 90}]
    assert "請選擇語言" in await alice.turn(photo)  # the core repeats its question


async def test_an_update_fetched_twice_is_answered_once(fake: FakeTelegramAPI, polling: TelegramChannel) -> None:
    update = fake.make_message_update(ALICE, "/start")
    fake.queue_update(update)
    fake.queue_update(dict(update))  # the same update_id again, as after a lost confirmation
    await fake.wait_for_sent(1)
    await asyncio.sleep(0.2)
    await settled(polling)
    assert [s["chat_id"] for s in fake.sent] == [ALICE]
