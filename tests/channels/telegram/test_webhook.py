"""Webhook mode end to end: Telegram POSTs to the shared web server, the bot answers."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from bot.channels.telegram.webhook import public_webhook_url
from bot.storage import Store
from tests.channels.telegram.conftest import PUBLIC_URL, SECRET, Webhook
from tests.channels.telegram.person import Person, settled
from tests.fakes.telegram_api import FakeTelegramAPI

CAROL = 820001


async def test_conversation_over_the_webhook(fake: FakeTelegramAPI, webhook: Webhook) -> None:
    assert fake.webhook["url"] == PUBLIC_URL + "/telegram/webhook"
    assert fake.webhook["secret_token"] == SECRET
    assert set(fake.webhook["allowed_updates"]) == {"message", "callback_query", "my_chat_member"}
    assert "getUpdates" not in [r["method"] for r in fake.requests]  # no polling in webhook mode
    assert set(fake.commands) == {"", "zh", "en"}

    carol = Person(fake, webhook.channel, CAROL, webhook.deliver)
    assert "請選擇語言" in await carol.say("/start")
    await carol.press("中文")
    await carol.press("高雄市")
    assert "設定完成" in await carol.press("不用")
    assert "16" in await carol.say("補休最多幾小時？")
    assert len(fake.callback_answers) == 3


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1]])
async def test_wrong_or_missing_secret_is_refused(fake: FakeTelegramAPI, webhook: Webhook, secret: str | None) -> None:
    assert await webhook.post(fake.make_message_update(CAROL, "/start"), secret=secret) == 403
    await asyncio.sleep(0.05)
    await settled(webhook.channel)
    assert fake.sent == []


async def test_malformed_bodies_are_dropped_with_200(fake: FakeTelegramAPI, webhook: Webhook) -> None:
    # 200, not 400: Telegram resends any update without a 2xx, so refusing would bring it back.
    for body in (
        b"\x00garbage{",
        b"",
        "不是 JSON".encode(),
        b"[1, 2]",
        b'{"message": {"text": "hi"}}',
        b'{"update_id": 5, "message": {"text": "no chat, no date"}}',
        b'{"update_id": "x"}',
    ):
        assert await webhook.post(body) == 200, body
    assert await webhook.post({"update_id": 6, "some_future_kind": {"a": 1}}) == 200
    await settled(webhook.channel)
    assert fake.sent == []
    carol = Person(fake, webhook.channel, CAROL, webhook.deliver)
    assert "請選擇語言" in await carol.say("/start")  # still serving


async def test_updates_after_stop_are_left_to_telegram(fake: FakeTelegramAPI, webhook: Webhook) -> None:
    await webhook.channel.stop()
    assert await webhook.post(fake.make_message_update(CAROL, "/start")) == 503  # Telegram retries later
    assert fake.sent == []


def test_public_webhook_url() -> None:
    assert public_webhook_url("https://bot.example.gov.tw") == "https://bot.example.gov.tw/telegram/webhook"
    assert public_webhook_url("https://bot.example.gov.tw/") == "https://bot.example.gov.tw/telegram/webhook"
    assert public_webhook_url("https://example.gov.tw/elearn/tg") == "https://example.gov.tw/elearn/tg"


async def test_an_update_sent_twice_is_answered_once(fake: FakeTelegramAPI, webhook: Webhook) -> None:
    # Telegram resends an update whose 200 it did not get; the person must not read two answers.
    update = fake.make_message_update(CAROL, "/start")
    assert await webhook.post(update) == 200
    assert await webhook.post(update) == 200
    await fake.wait_for_sent(1)
    await asyncio.sleep(0.1)
    await settled(webhook.channel)
    assert [s["chat_id"] for s in fake.sent] == [CAROL]
    carol = Person(fake, webhook.channel, CAROL, webhook.deliver)
    assert "請選擇語言" in await carol.say("/start")  # a new update_id is served as usual


async def test_a_lone_surrogate_is_answered(fake: FakeTelegramAPI, webhook: Webhook) -> None:
    carol = Person(fake, webhook.channel, CAROL, webhook.deliver)
    await carol.say("/start")
    await carol.press("中文")
    await carol.press("高雄市")
    await carol.press("不用")
    update = fake.make_message_update(CAROL, "明天會不會放颱風假\ud800")
    body = json.dumps(update).encode()  # ASCII-escaped: "\\ud800", as JSON allows

    async def post_raw(_: object) -> None:
        assert await webhook.post(body) == 200

    carol.deliver = post_raw
    assert "不確定" in await carol.turn(update)  # answered, not "something went wrong"


@pytest.mark.parametrize("depth", [100_000, 900])
async def test_deeply_nested_body_is_dropped_with_200(
    fake: FakeTelegramAPI, webhook: Webhook, depth: int, caplog: pytest.LogCaptureFixture
) -> None:
    deep = '{"a": ' * depth + "1" + "}" * depth
    body = ('{"update_id": 7, "message": ' + deep + "}").encode()
    with caplog.at_level(logging.INFO):
        assert await webhook.post(body) == 200  # the documented policy: dropped, or Telegram resends it forever
        await settled(webhook.channel)
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(problems) == 1 and not problems[0].exc_info, [r.getMessage() for r in problems]
    assert fake.sent == []


async def test_an_impossible_record_is_answered_naming_the_row(
    webhook: Webhook, fake: FakeTelegramAPI, store: Store
) -> None:
    from tests.support.records import Row, desktop

    chat = 77001
    await webhook.channel.dialogue.prepare_ready("telegram", str(chat), "kaohsiung-112", "zh-TW")
    record = desktop([Row("友善職場", "2023-13-01 19:00:00", "2023-13-01 20:00:00")])
    await webhook.deliver(fake.make_message_update(chat, record))
    await settled(webhook.channel)
    (answer,) = [s["message"]["text"] for s in fake.sent if s["chat_id"] == chat]
    assert "第 1 筆「友善職場」：上課開始時間「2023-13-01 19:00:00」不是存在的日期或時間" in answer
    user = await store.get_user("telegram", str(chat))
    assert user is not None and await store.marks(user.id, "kaohsiung-112") == []
