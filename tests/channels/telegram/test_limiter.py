"""The rate limiter through a real ExtBot against the fake: spacing per chat and overall,
what is not paced, and flood waits (HTTP 429) retried within bounds."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
import warnings
from collections.abc import AsyncIterator

import pytest
from telegram.error import RetryAfter
from telegram.ext import ExtBot
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram.aiohttp_request import AiohttpRequest
from bot.channels.telegram.limiter import UNPROMPTED_SHARE, ChatRateLimiter, is_paced, retry_after_seconds, unprompted
from tests.fakes.telegram_api import FakeTelegramAPI

CHATS = [830001, 830002, 830003, 830004]


def ext_bot(fake: FakeTelegramAPI, limiter: ChatRateLimiter) -> ExtBot[int]:
    return ExtBot(
        fake.token,
        base_url=f"{fake.url}/bot",
        rate_limiter=limiter,
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(),
    )


@pytest.fixture
async def spaced(fake: FakeTelegramAPI) -> AsyncIterator[ExtBot[int]]:
    async with ext_bot(fake, ChatRateLimiter(chat_interval=0.2, group_interval=0.5)) as bot:
        yield bot


def sent_times(fake: FakeTelegramAPI, chat_id: int) -> list[float]:
    return [
        r["time"]
        for r in fake.requests
        if r["method"] == "sendMessage" and r["params"].get("chat_id") == chat_id and r["status"] == 200
    ]


def test_defaults_follow_telegram() -> None:
    limiter = ChatRateLimiter()
    assert limiter.chat_interval == 1.0 and limiter.group_interval == 3.0  # 1/s, 20/min
    assert limiter.overall_per_second == 30
    assert is_paced("sendMessage") and is_paced("editMessageText") and is_paced("copyMessage")
    assert not is_paced("answerCallbackQuery") and not is_paced("sendChatAction")
    assert not is_paced("setMyCommands") and not is_paced("getMe")


async def test_one_chat_is_spaced_others_are_not_held_up(fake: FakeTelegramAPI, spaced: ExtBot[int]) -> None:
    started = time.time()  # the fake records wall-clock times
    await asyncio.gather(
        *(spaced.send_message(CHATS[0], f"第{n}則") for n in range(3)),
        *(spaced.send_message(chat, "你好") for chat in CHATS[1:]),
    )
    assert time.time() - started >= 0.39
    mine = sent_times(fake, CHATS[0])
    assert [s["text"] for s in fake.sent if s["chat_id"] == CHATS[0]] == ["第0則", "第1則", "第2則"]
    assert all(b - a >= 0.18 for a, b in zip(mine, mine[1:], strict=False))
    others = [t for chat in CHATS[1:] for t in sent_times(fake, chat)]
    assert max(others) - started < 0.15  # other people did not wait for the busy chat


async def test_groups_are_spaced_more(fake: FakeTelegramAPI, spaced: ExtBot[int]) -> None:
    await asyncio.gather(*(spaced.send_message(-1001, "群組") for _ in range(2)))
    first, second = sent_times(fake, -1001)
    assert second - first >= 0.45


async def test_overall_rate(fake: FakeTelegramAPI) -> None:
    async with ext_bot(fake, ChatRateLimiter(overall_per_second=50, chat_interval=0)) as bot:
        started = time.monotonic()
        await asyncio.gather(*(bot.send_message(830100 + n, "x") for n in range(11)))
        assert time.monotonic() - started >= 0.19  # 11 messages at 50/s


async def test_button_answers_are_not_paced(fake: FakeTelegramAPI, spaced: ExtBot[int]) -> None:
    await spaced.send_message(CHATS[0], "一")
    started = time.monotonic()
    await spaced.set_my_commands([("start", "開始")])
    await spaced.get_me()
    assert time.monotonic() - started < 0.15


async def test_flood_wait_is_retried_then_given_up(fake: FakeTelegramAPI) -> None:
    limiter = ChatRateLimiter(chat_interval=0, max_retries=1, max_retry_after=5)
    async with ext_bot(fake, limiter) as bot:
        fake.fail_next("sendMessage", 429, retry_after=1)
        started = time.monotonic()
        await bot.send_message(CHATS[0], "第二次成功")
        assert time.monotonic() - started >= 0.95
        assert len(fake.sent) == 1

        fake.fail_next("sendMessage", 429, retry_after=1, times=2)  # one more than max_retries
        with pytest.raises(RetryAfter):
            await bot.send_message(CHATS[0], "放棄")
    async with ext_bot(fake, ChatRateLimiter(max_retry_after=5)) as bot:
        fake.fail_next("sendMessage", 429, retry_after=30)  # longer than max_retry_after: at once
        started = time.monotonic()
        with pytest.raises(RetryAfter):
            await bot.send_message(CHATS[1], "太久")
        assert time.monotonic() - started < 0.5
    assert [s["text"] for s in fake.sent] == ["第二次成功"]


def test_retry_after_is_read_without_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert retry_after_seconds(RetryAfter(dtm.timedelta(seconds=3))) == 3.0
    monkeypatch.delenv("PTB_TIMEDELTA")  # PTB v22's default: an int, and a deprecation warning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        error = RetryAfter(7)  # PTB itself warns here; not our code
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert retry_after_seconds(error) == 7.0


async def test_a_reply_goes_out_before_an_announcement_in_progress(fake: FakeTelegramAPI) -> None:
    """Eight unprompted sends in flight (the outbox's concurrency) book no slots ahead: a reply
    waits for at most the one on its way, not for all eight."""
    async with ext_bot(fake, ChatRateLimiter(overall_per_second=10, chat_interval=0)) as bot:
        stop = asyncio.Event()

        async def announce(worker: int) -> None:
            n = 0
            while not stop.is_set():
                with unprompted():
                    await bot.send_message(840000 + worker * 1000 + n, "公告")
                n += 1

        workers = [asyncio.create_task(announce(w)) for w in range(8)]
        await asyncio.sleep(0.5)  # the announcement is under way
        waits = []
        for _ in range(3):
            asked = time.monotonic()
            await bot.send_message(830999, "您的回覆")
            waits.append(time.monotonic() - asked)
            await asyncio.sleep(0.15)
        stop.set()
        await asyncio.gather(*workers)
    assert max(waits) < 0.4, waits  # one interval (0.1 s) and the request; booked ahead it would be ~0.8 s
    announced = [r for r in fake.requests if r["method"] == "sendMessage" and r["params"]["text"] == "公告"]
    assert len(announced) >= 8  # and the announcement went on


async def test_unprompted_messages_keep_their_share_while_replies_fill_the_budget(fake: FakeTelegramAPI) -> None:
    async with ext_bot(fake, ChatRateLimiter(overall_per_second=20, chat_interval=0)) as bot:
        stop = asyncio.Event()

        async def reply(worker: int) -> None:
            n = 0
            while not stop.is_set():
                await bot.send_message(850000 + worker * 1000 + n, "回覆")
                n += 1

        async def announce() -> None:
            n = 0
            while not stop.is_set():
                with unprompted():
                    await bot.send_message(860000 + n, "公告")
                n += 1

        started = time.time()  # the fake stamps requests by the wall clock
        tasks = [asyncio.create_task(reply(w)) for w in range(8)] + [asyncio.create_task(announce())]
        await asyncio.sleep(4.0)
        stop.set()
        await asyncio.gather(*tasks)
    sent = [r for r in fake.requests if r["method"] == "sendMessage"]
    # Once the replies booked before the announcement began are out (8 ahead: under 2 s here):
    late = [r["params"]["text"] for r in sent if r["time"] >= started + 2.0]
    share = late.count("公告") / len(late)
    assert share >= UNPROMPTED_SHARE * 0.6, share  # yields, never starves (starved, it was ~0.02)
    assert len(sent) <= 4.2 * 20 + 8  # the overall budget holds for both together
