"""Bad input gets a clear, polite reply and changes nothing."""

from __future__ import annotations

from bot.core.dialogue import Dialogue
from bot.storage import Store
from tests.core.chat import Chat
from tests.core.conftest import onboard


async def test_empty_text(ready: Chat) -> None:
    assert "請輸入您想問的問題" in await ready.say("   ")


async def test_emoji_only(ready: Chat) -> None:
    assert "請輸入您想問的問題" in await ready.say("👍🙏😊")


async def test_five_thousand_characters(ready: Chat, store: Store) -> None:
    text = await ready.say("補休" * 2500)
    assert "太長" in text
    assert await store.unanswered() == []


async def test_unknown_command(ready: Chat) -> None:
    assert "我不認得「/fly」這個指令" in await ready.say("/fly to the moon")


async def test_garbage_and_outdated_buttons(ready: Chat) -> None:
    for payload in ["", "nonsense", "0|rm:-rf", "99|st", "0|d:nope:nope", "0|" + "x" * 100]:
        text = await ready.press_payload(payload)
        assert "過期" in text or "已經過期" in text, payload


async def test_forget_yes_from_an_old_message_does_nothing(ready: Chat, store: Store) -> None:
    await ready.say("/forget")
    yes = ready.payload("確定刪除")
    await ready.press("不要刪除")
    assert "過期" in await ready.press_payload(yes)
    assert await store.get_user("console", "u1") is not None


async def test_record_with_nothing_usable(ready: Chat) -> None:
    text = await ready.say("1\t開放式\t上班族如何維持規律的運動\t2023-03-04 10:00:00~2023-03-04 11:00:00\t已通過\t1.0")
    assert "沒有一筆是本計畫已通過的組裝課程" in text


async def test_unanswered_question_offers_topics_and_is_logged(ready: Chat, store: Store) -> None:
    text = await ready.say("明天會不會放颱風假")
    assert "不確定" in text and "02-2397-9108" in text
    assert len(ready.buttons) >= 2
    logged = await store.unanswered()
    assert [q.text for q in logged] == ["明天會不會放颱風假"]


async def test_concurrent_marks_are_all_kept(dialogue: Dialogue, store: Store) -> None:
    import asyncio

    chat = Chat(dialogue, user="fast")
    from tests.core.conftest import onboard

    await onboard(chat)
    await chat.say("/done")
    await chat.press("e馬當先育職能")
    payloads = [b.payload for b in chat.buttons if b.payload.split("|")[1].startswith("d:")]
    from bot.core.messages import Incoming

    await asyncio.gather(*(dialogue.handle(Incoming("console", "fast", button=p)) for p in payloads))
    user = await store.get_user("console", "fast")
    assert user is not None
    assert len(await store.marks(user.id, "kaohsiung-112")) == len(payloads) == 8


async def test_lone_surrogates_are_replaced_and_answered(ready: Chat, store: Store) -> None:
    # JSON from Telegram or LINE may carry "\ud800": not encodable, so not storable or printable.
    assert "16" in await ready.say("補休最多幾小時\ud800？")
    assert "不確定" in await ready.say("明天會不會放颱風假\udfff")
    assert [q.text for q in await store.unanswered()] == ["明天會不會放颱風假\ufffd"]
    "".join(r.text for r in ready.replies).encode("utf-8")  # every reply is sendable


async def test_a_button_from_before_forget_stays_outdated_after_a_fresh_start(ready: Chat, store: Store) -> None:
    await ready.say("/done")
    await ready.press("e馬當先育職能")
    old_mark = ready.payload("政府數位轉型")  # yesterday's "I finished this course" button
    await ready.say("/forget")
    await ready.press("確定刪除")
    await onboard(ready)  # the same chat id starts again
    assert "這個按鈕已經過期了" in await ready.press_payload(old_mark)
    user = await store.get_user("console", ready.user)
    assert user is not None and await store.marks(user.id, "kaohsiung-112") == []
