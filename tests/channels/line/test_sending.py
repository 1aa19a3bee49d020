"""Delivery: reply token first, push fallback, retry keys, 429s and the monthly limit."""

from __future__ import annotations

import logging
import uuid

import pytest
from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, Configuration, PushMessageResponse

from bot.channels.line.render import render
from bot.channels.line.sender import LineSender
from bot.core.messages import Card, CardRow, Reply
from tests.channels.line.conftest import FAST, SECRET, LineBot, onboard, texts
from tests.fakes.line_api import FakeLineAPI, new_user_id, text_message_event


def push_requests(fake: FakeLineAPI) -> list[dict]:
    return [r for r in fake.requests if r["path"] == "/v2/bot/message/push"]


async def test_expired_reply_token_falls_back_to_one_push(bot: LineBot) -> None:
    event = text_message_event(bot.user, "你好")
    body, signature = bot.fake.webhook_body([event], SECRET)
    bot.fake.expire_reply_token(event["replyToken"])
    assert await bot.post_body(body, signature) == 200
    (push,) = await bot.fake.wait_for("pushes", 1)
    await bot.channel.drain(5)
    assert bot.fake.replies == [] and len(bot.fake.pushes) == 1
    assert push["to"] == bot.user and uuid.UUID(push["retry_key"])
    assert "請選擇語言" in texts(push["messages"]) and push["messages"][-1]["quickReply"]


async def test_push_retries_a_429_with_the_same_key_and_delivers_once(bot: LineBot) -> None:
    await onboard(bot)
    bot.fake.fail_next("push", status=429, times=2)
    assert await bot.channel.push(bot.user, [Reply("⏰ 提醒：8 月 31 日截止")])
    assert len(bot.fake.pushes) == 1 and "8 月 31 日" in bot.fake.pushes[0]["messages"][0]["text"]
    keys = {r["headers"]["X-Line-Retry-Key"] for r in push_requests(bot.fake)}
    assert len(push_requests(bot.fake)) == 3 and len(keys) == 1


async def test_monthly_limit_is_not_retried(bot: LineBot, caplog: pytest.LogCaptureFixture) -> None:
    bot.fake.quota = {"type": "limited", "value": 0}
    with caplog.at_level(logging.ERROR, logger="bot.channels.line"):
        assert not await bot.channel.push(bot.user, [Reply("提醒")])
    assert len(push_requests(bot.fake)) == 1 and bot.fake.pushes == []
    assert "monthly message limit" in caplog.text


async def test_server_errors_give_up_after_the_bounded_attempts(bot: LineBot) -> None:
    bot.fake.fail_next("push", status=500, times=10)
    assert not await bot.channel.push(bot.user, [Reply("提醒")])
    assert len(push_requests(bot.fake)) == FAST.attempts and bot.fake.pushes == []


class LostFirstResponse(AsyncMessagingApi):
    """LINE takes the first push, but its answer never arrives (a timeout)."""

    lost = False

    async def push_message(self, *args: object, **kwargs: object) -> PushMessageResponse:  # type: ignore[override]
        response = await super().push_message(*args, **kwargs)  # type: ignore[arg-type]
        if not self.lost:
            self.lost = True
            raise TimeoutError
        return response


async def test_a_retried_push_whose_first_try_arrived_is_not_delivered_twice(fake: FakeLineAPI) -> None:
    async with AsyncApiClient(Configuration(access_token=fake.access_token, host=fake.url)) as client:
        sender = LineSender(LostFirstResponse(client), FAST)
        assert await sender.push(user := new_user_id(), render([Reply("提醒")]))
    assert len(fake.pushes) == 1 and fake.pushes[0]["to"] == user
    assert [r["headers"]["X-Line-Retry-Key"] for r in push_requests(fake)] == [fake.pushes[0]["retry_key"]] * 2


async def test_more_than_five_messages_reply_then_push(fake: FakeLineAPI) -> None:
    cards = [Reply(f"第 {n} 張", card=Card(f"第 {n} 張", (CardRow("a", "1", 0.5),))) for n in range(7)]
    batches = render(cards)
    assert [len(b) for b in batches] == [5, 2]
    async with AsyncApiClient(Configuration(access_token=fake.access_token, host=fake.url)) as client:
        sender = LineSender(AsyncMessagingApi(client), FAST)
        assert await sender.answer(fake.issue_reply_token(), new_user_id(), batches)
    assert len(fake.replies[0]["messages"]) == 5 and len(fake.pushes[0]["messages"]) == 2
    assert fake.pushes[0]["retry_key"]
