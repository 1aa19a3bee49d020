"""A bot that sends announcements through the real Telegram and LINE channels to the fake
platforms, on each backend in turn, with one clock for the bot and the store (a scheduled
send is due by the store's clock); `restart()` builds it anew on the same database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from bot.admin.broadcast import reporter
from bot.channels.line import LineChannel
from bot.channels.line.quota import quota_source
from bot.config import LineSettings
from bot.core.clock import FixedClock
from bot.core.dialogue import Dialogue
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.outbox.compose import Composer
from bot.outbox.courier import Courier
from bot.plans.loader import PlanBook
from bot.storage import Store
from bot.web import WebServer
from tests.channels.line.conftest import FAST
from tests.channels.telegram.conftest import make_channel
from tests.fakes.line_api import FakeLineAPI, new_user_id
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.outbox.conftest import bot as bot  # the outbox's bot (in-process channels), for the figures' tests
from tests.support.backends import Backend

PLAN = "kaohsiung-112"
START = datetime(2023, 6, 1, 9, 0, tzinfo=TAIPEI)  # Kaohsiung's plan is running


class HR:
    """The bot's sending side, as one instance runs it."""

    def __init__(
        self, book: PlanBook, backend: Backend, tg: FakeTelegramAPI, line: FakeLineAPI, clock: FixedClock, name: str
    ) -> None:
        self.book, self.backend, self.tg, self.line, self.clock, self.name = book, backend, tg, line, clock, name
        self.store: Store = backend.make(now=clock.now)
        self.services = Services(book, self.store, clock, admins=frozenset({"telegram:870001"}))
        self.dialogue = Dialogue(self.services)
        self.telegram = make_channel(tg, self.dialogue)
        self.line_channel = LineChannel(
            LineSettings("secret", line.access_token, line.url), self.dialogue, WebServer("127.0.0.1", 0), retry=FAST
        )
        self.services.line_quota = quota_source(self.line_channel)
        channels = {"telegram": self.telegram, "line": self.line_channel}
        self.courier = Courier(
            self.store, channels, Composer(self.services), clock, on_report=reporter(self.services, channels),
            holder=name,
        )  # fmt: skip

    async def open(self) -> HR:
        await self.store.open()
        await self.telegram.start(receive=False)
        await self.line_channel.start(receive=False)
        return self

    async def close(self, graceful: bool = True) -> None:
        if graceful:
            await self.courier.release()
        await self.line_channel.stop()
        await self.telegram.stop()
        await self.store.close()

    async def staff(self, telegram: int = 3, line: int = 2, lang: str = "zh-TW") -> tuple[list[str], list[str]]:
        tg_ids = [str(910001 + i + 100 * len(await self.store.broadcasts())) for i in range(telegram)]
        line_ids = [new_user_id() for _ in range(line)]
        for chat in tg_ids:
            await self.dialogue.prepare_ready("telegram", chat, PLAN, lang)
        for uid in line_ids:
            await self.dialogue.prepare_ready("line", uid, PLAN, lang)
        return tg_ids, line_ids


def telegram_texts(fake: FakeTelegramAPI, chat_id: str) -> list[str]:
    return [s["message"]["text"] for s in fake.sent if str(s["chat_id"]) == chat_id]


def line_texts(fake: FakeLineAPI, user_id: str) -> list[str]:
    got = [m["text"] for p in fake.pushes if p["to"] == user_id for m in p["messages"]]
    return got + [m["text"] for c in fake.multicasts if user_id in c["to"] for m in c["messages"]]


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as server:
        yield server


@pytest.fixture
async def line() -> AsyncIterator[FakeLineAPI]:
    async with FakeLineAPI() as server:
        yield server


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
async def hr(book: PlanBook, backend: Backend, tg: FakeTelegramAPI, line: FakeLineAPI, clock: FixedClock
             ) -> AsyncIterator[HR]:  # fmt: skip
    bot = await HR(book, backend, tg, line, clock, "instance-1").open()
    yield bot
    await bot.close()
