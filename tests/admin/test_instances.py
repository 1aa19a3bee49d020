"""The console's work seen by two real `python -m bot run` instances on one PostgreSQL schema,
with Telegram (webhook) and LINE against the fake platforms: a plan published once is answered
from by both instances within seconds, and an announcement scheduled a few seconds ahead reaches
everyone exactly once, not before its time, whichever instance sends it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
import pytest
import pytest_asyncio

from bot.admin.broadcast import queue_announcement
from bot.core.clock import SystemClock
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.plans.loader import load_rules_dir
from bot.plans.published import publish_plan
from bot.storage.postgres import PostgresStore
from tests.conftest import ROOT
from tests.fakes.line_api import FakeLineAPI, new_user_id
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.multi.instances import BotProcess, instances_on_postgres, post_telegram, start_all, telegram_texts

pytestmark = pytest.mark.asyncio(loop_scope="module")
PLAN = "kaohsiung-112"
ORIGINAL = (ROOT / "rules" / "kaohsiung-112.yaml").read_text(encoding="utf-8")
LATER = ORIGINAL.replace("deadline: {date: 2023-08-31", "deadline: {date: 2023-09-15")
QUESTION = "截止日期是什麼時候？"


@dataclass
class Two:
    session: aiohttp.ClientSession
    telegram: FakeTelegramAPI
    line: FakeLineAPI
    url: str
    bots: list[BotProcess]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def two(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Two]:
    async with instances_on_postgres(tmp_path_factory.mktemp("console-instances"), "console") as found:
        await start_all(found.session, found.bots)
        yield Two(found.session, found.telegram, found.line, found.url, found.bots)


async def console(two: Two) -> tuple[Services, PostgresStore]:
    """HR's console as a third process on the same database."""
    store = PostgresStore(two.url, pool_size=2)
    await store.open()
    return Services(load_rules_dir(), store, SystemClock()), store


async def staff(store: PostgresStore, channel: str, ids: list[str]) -> list[int]:
    found = []
    for chat in ids:
        user, _ = await store.get_or_create_user(channel, chat, "zh-TW")
        user.plan_id, user.onboarded = PLAN, True
        await store.save_user(user)
        found.append(user.id)
    return found


async def answer(two: Two, bot: BotProcess, chat: int, text: str, timeout: float = 10.0) -> str:
    before = len(telegram_texts(two.telegram, chat))
    assert await post_telegram(two.session, bot, two.telegram.make_message_update(chat, text)) == 200
    give_up = time.monotonic() + timeout
    while len(telegram_texts(two.telegram, chat)) == before:
        assert time.monotonic() < give_up, f"no answer from {bot.name}\n{bot.tail()}"
        await asyncio.sleep(0.05)
    return "\n".join(telegram_texts(two.telegram, chat)[before:])


async def test_a_published_plan_is_answered_from_on_both_instances_within_seconds(two: Two) -> None:
    services, store = await console(two)
    try:
        await staff(store, "telegram", ["771001", "771002"])
        for n, bot in enumerate(two.bots):
            assert "112年8月31日" in await answer(two, bot, 771001 + n, QUESTION)
        published = time.monotonic()
        await publish_plan(services, "kaohsiung-112.yaml", LATER, "telegram:880001")
        took = []
        for n, bot in enumerate(two.bots):
            while "112年9月15日" not in (reply := await answer(two, bot, 771001 + n, QUESTION)):
                assert "112年8月31日" in reply
                assert time.monotonic() - published < 10, f"{bot.name} still serves the old plan"
                await asyncio.sleep(0.3)
            took.append(time.monotonic() - published)
        assert max(took) < 6, took
        print(f"published plan served by both instances after {max(took):.1f} s")
    finally:
        await publish_plan(services, "kaohsiung-112.yaml", ORIGINAL, "telegram:880001")  # as it was
        await store.close()


async def test_a_scheduled_announcement_reaches_everyone_once_at_its_time(two: Two) -> None:
    services, store = await console(two)
    try:
        chats = [str(772001 + i) for i in range(6)]
        users = [new_user_id() for _ in range(3)]
        await staff(store, "telegram", chats)
        await staff(store, "line", users)
        send_at = datetime.now(TAIPEI) + timedelta(seconds=4)
        stored, audience = await queue_announcement(
            services, PLAN, "all", "排定的公告：請完成課程", "telegram:880001", send_at=send_at
        )
        assert stored is not None and audience.by_channel["telegram"] >= 6
        give_up = time.monotonic() + 30
        while not all(telegram_texts(two.telegram, int(c)) for c in chats) or not all(
            any(u in m["to"] for m in two.line.multicasts) for u in users
        ):
            assert time.monotonic() < give_up, "\n".join(bot.tail() for bot in two.bots)
            await asyncio.sleep(0.2)
        await asyncio.sleep(3)  # time for a second copy, were one coming
        for chat in chats:
            sent = [s for s in two.telegram.sent if s["chat_id"] == int(chat)]
            assert [s["text"].split("\n\n", 1)[1] for s in sent] == ["排定的公告：請完成課程"]
            assert sent[0]["time"] >= send_at.timestamp() - 0.5  # not before its time (the store's clock)
        assert sorted(u for m in two.line.multicasts for u in m["to"] if u in users) == sorted(users)
        done = await store.broadcast(stored.id)
        assert done is not None and done.counts.get("sent") == audience.size
    finally:
        await store.close()
