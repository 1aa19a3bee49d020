"""push() and the error policy: what is retried, what is not, and what a person receives."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import Forbidden, NetworkError, TimedOut

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.aiohttp_request import AiohttpRequest
from bot.core.messages import Button, Reply
from tests.fakes.telegram_api import FakeTelegramAPI

DAVE = 840001


def sends(fake: FakeTelegramAPI) -> list[object]:
    return [r["status"] for r in fake.requests if r["method"] == "sendMessage"]


async def test_network_errors_are_retried(fake: FakeTelegramAPI, polling: TelegramChannel) -> None:
    fake.fail_next("sendMessage", 500, times=2)
    assert await polling.push(str(DAVE), [Reply("截止日快到了")]) is True
    fake.fail_next("sendMessage", drop=True)
    assert await polling.push(str(DAVE), [Reply("再提醒一次")]) is True
    assert [s["message"]["text"] for s in fake.sent] == ["截止日快到了", "再提醒一次"]
    assert sends(fake) == [500, 500, 200, "dropped", 200]


async def test_network_errors_are_retried_a_few_times_only(fake: FakeTelegramAPI, polling: TelegramChannel) -> None:
    fake.fail_next("sendMessage", 502, times=10)
    assert await polling.push(str(DAVE), [Reply("網路不通")]) is False
    assert sends(fake) == [502, 502, 502]  # RetryPolicy.attempts


async def test_bad_request_is_not_retried(fake: FakeTelegramAPI, polling: TelegramChannel) -> None:
    too_long = Button("壞按鈕", "0|" + "x" * 63)  # 65 bytes of callback_data: Telegram refuses
    assert await polling.push(str(DAVE), [Reply("一", (too_long,)), Reply("二")]) is False
    assert sends(fake) == [400, 200]  # the next message still went out
    assert [s["message"]["text"] for s in fake.sent] == ["二"]


async def test_long_push_is_split_with_buttons_last(fake: FakeTelegramAPI, polling: TelegramChannel) -> None:
    text = "\n".join(f"第{n}行：「課程」<A&B> 已通過" for n in range(600))
    assert await polling.push(str(DAVE), [Reply(text, (Button("選單", "0|menu"),))]) is True
    assert len(fake.sent) >= 2
    assert "\n".join(s["message"]["text"] for s in fake.sent) == text
    assert [bool(s["reply_markup"]) for s in fake.sent] == [False] * (len(fake.sent) - 1) + [True]


async def test_push_needs_a_telegram_user_id(fake: FakeTelegramAPI, polling: TelegramChannel) -> None:
    assert await polling.push("U1234abcd", [Reply("x")]) is False
    assert await polling.push("-100123", [Reply("x")]) is False
    assert fake.sent == []


async def test_transport_errors_become_ptb_errors(fake: FakeTelegramAPI) -> None:
    async with Bot(
        fake.token,
        base_url=f"{fake.url}/bot",
        request=AiohttpRequest(read_timeout=0.1),
        get_updates_request=AiohttpRequest(),
    ) as bot:
        fake.slow_next("sendMessage", 0.5)
        with pytest.raises(TimedOut):
            await bot.send_message(DAVE, "慢")
        fake.fail_next("sendMessage", drop=True)
        with pytest.raises(NetworkError):
            await bot.send_message(DAVE, "斷線")
        fake.block_chat(DAVE)
        with pytest.raises(Forbidden):
            await bot.send_message(DAVE, "封鎖")


async def test_unreachable_api_is_a_network_error_without_the_token(
    fake: FakeTelegramAPI, unused_tcp_port: int
) -> None:
    request = AiohttpRequest(connect_timeout=1)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"http://127.0.0.1:{unused_tcp_port}/bot{fake.token}/getMe")
        assert fake.token not in str(caught.value)
    finally:
        await request.shutdown()
