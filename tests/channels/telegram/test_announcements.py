"""HR's announcements and reminders through the real Telegram stack: an admin writes one in
the chat, staff receive it once, a blocked person is marked, flood control is waited out,
and the admin gets the delivery report."""

from __future__ import annotations

from collections.abc import Callable

from bot.admin.broadcast import reporter
from bot.channels.telegram import TelegramChannel
from bot.core.dialogue import Dialogue
from bot.outbox.compose import Composer
from bot.outbox.courier import Courier
from bot.storage import Store
from tests.channels.telegram.person import Person
from tests.fakes.telegram_api import FakeTelegramAPI

ADMIN = 870001
STAFF = (910001, 910002, 910003)
TEXT = "8月31日前完成課程，記得申請補休！"


async def staff(dialogue: Dialogue, *chat_ids: int) -> None:
    for chat_id in chat_ids:
        await dialogue.prepare_ready("telegram", str(chat_id), "kaohsiung-112", "zh-TW")


def courier(dialogue: Dialogue, channel: TelegramChannel) -> Courier:
    services = dialogue.services
    channels = {"telegram": channel}
    return Courier(services.store, channels, Composer(services), services.clock,
                   on_report=reporter(services, channels))  # fmt: skip


def received(fake: FakeTelegramAPI, chat_id: int) -> list[str]:
    return [s["message"]["text"] for s in fake.sent if s["chat_id"] == chat_id]


async def test_an_admin_announces_and_staff_receive_it_once(
    fake: FakeTelegramAPI, polling: TelegramChannel, dialogue: Dialogue, person: Callable[..., Person], store: Store
) -> None:
    dialogue.services.admins = frozenset({f"telegram:{ADMIN}"})
    await staff(dialogue, ADMIN, *STAFF)
    fake.block_chat(STAFF[1])
    admin = person(ADMIN)
    assert "請輸入要發送的公告內容" in await admin.say("/broadcast")
    assert "要發給哪個計畫" in await admin.say(TEXT)
    assert "要發給誰" in await admin.press("高雄市")
    preview = await admin.press("全部同仁")
    assert TEXT in preview and "收件人數：4 人" in preview and "Telegram 4" in preview
    assert fake.sent[-1]["chat_id"] == ADMIN and not received(fake, STAFF[0])  # nothing sent before confirming
    assert "已排入發送，共 4 人" in await admin.press("確定發送")
    sender = courier(dialogue, polling)
    await sender.deliver_pending()
    await sender.deliver_pending()  # a second pass sends nobody anything again
    assert received(fake, STAFF[0]) == [
        f"📢 人事單位公告｜高雄市政府112年度推動數位學習－「雄心高飛·e表人才」實施計畫\n\n{TEXT}"
    ]
    assert len(received(fake, STAFF[2])) == 1 and received(fake, STAFF[1]) == []
    blocked = await store.get_user("telegram", str(STAFF[1]))
    assert blocked is not None and not blocked.active
    report = received(fake, ADMIN)[-1]
    assert "公告 #1 發送完成" in report and "成功 3 人、已封鎖 1 人、失敗 0 人" in report
    (queued,) = [e for e in await store.audit_log() if e.action == "broadcast.queued"]
    assert queued.actor == f"telegram:{ADMIN}" and queued.audience_size == 4


async def test_pressing_send_twice_queues_one_announcement(
    fake: FakeTelegramAPI, polling: TelegramChannel, dialogue: Dialogue, person: Callable[..., Person], store: Store
) -> None:
    dialogue.services.admins = frozenset({f"telegram:{ADMIN}"})
    await staff(dialogue, ADMIN, *STAFF)
    admin = person(ADMIN)
    await admin.say("/broadcast")
    await admin.say(TEXT)
    await admin.press("高雄市")
    await admin.press("尚未開始者")
    message_id, rows = admin._keyboard()
    (send,) = [b["callback_data"] for row in rows for b in row if "確定發送" in b["text"]]
    assert "已排入發送" in await admin.turn(fake.make_callback_update(ADMIN, message_id, send))
    assert "已處理過或已取消" in await admin.turn(fake.make_callback_update(ADMIN, message_id, send))
    assert len(await store.broadcasts()) == 1


async def test_someone_else_cannot_broadcast_and_the_attempt_is_logged(
    fake: FakeTelegramAPI, polling: TelegramChannel, dialogue: Dialogue, person: Callable[..., Person], store: Store
) -> None:
    dialogue.services.admins = frozenset({f"telegram:{ADMIN}"})
    await staff(dialogue, *STAFF)
    intruder = person(STAFF[0])
    assert "僅限管理者" in await intruder.say("/broadcast")
    assert "僅限管理者" in await intruder.say("/stats")
    assert await store.broadcasts() == []
    denied = [(e.actor, e.action) for e in await store.audit_log()]
    assert denied == [(f"telegram:{STAFF[0]}", "stats.denied"), (f"telegram:{STAFF[0]}", "broadcast.denied")]


async def test_flood_control_is_waited_out_and_nobody_gets_it_twice(
    fake: FakeTelegramAPI, polling: TelegramChannel, dialogue: Dialogue, store: Store
) -> None:
    await staff(dialogue, *STAFF)
    users = [u for chat in STAFF if (u := await store.get_user("telegram", str(chat)))]
    await store.queue_broadcast("kaohsiung-112", "all", TEXT, "cli:hr", [u.id for u in users])
    fake.fail_next("sendMessage", 429, retry_after=1, times=2)
    await courier(dialogue, polling).deliver_pending()
    assert [len(received(fake, chat)) for chat in STAFF] == [1, 1, 1]
    (done,) = await store.broadcasts()
    assert done.counts == {"sent": 3} and done.finished_at is not None


async def test_an_admin_sees_the_figures(
    fake: FakeTelegramAPI, polling: TelegramChannel, dialogue: Dialogue, person: Callable[..., Person], store: Store
) -> None:
    dialogue.services.admins = frozenset({f"telegram:{ADMIN}"})
    await staff(dialogue, ADMIN, *STAFF)
    await store.log_unanswered("kaohsiung-112", "zh-TW", "可以用平板上課嗎")
    await store.log_unanswered("kaohsiung-112", "zh-TW", "可以用平板上課嗎")
    text = await person(ADMIN).say("/stats")
    assert "人數：4（Telegram 4）" in text and "未開始 4、進行中 0、已完成 0" in text
    assert "・e馬當先育職能：4／0／0" in text and "1. 可以用平板上課嗎（2 次）" in text
    assert [e.action for e in await store.audit_log()] == ["stats.viewed"]
