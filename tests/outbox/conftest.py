"""An in-process chat channel that records what people would see, can block people and
can "crash" mid-send; and helpers to build the bot's services on a database (each backend in turn) that
survives a simulated restart."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from bot.channels.base import Delivered
from bot.config import ReminderSettings
from bot.core.clock import FixedClock
from bot.core.messages import Reply
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.outbox.compose import Composer
from bot.outbox.courier import Courier
from bot.plans.loader import PlanBook
from bot.reminders.scheduler import ReminderScheduler
from bot.storage import Mark, Store, User
from tests.support.backends import Backend


@dataclass
class Received:
    user: str
    text: str
    buttons: tuple[str, ...]


@dataclass
class FakeChannel:
    """Records every message a person would see. `hang_after=n`: after n deliveries the
    next one never returns (the process died while sending); with `platform_got_it` the
    platform had already taken that message when the process died."""

    name: str = "telegram"
    multicast_size: int = 1
    concurrency: int = 4
    idempotent: bool = False
    received: list[Received] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    hang_after: int | None = None
    platform_got_it: bool = False
    hanging: asyncio.Event = field(default_factory=asyncio.Event)
    keys: set[str] = field(default_factory=set)
    requests: int = 0
    down: bool = False  # the platform answers 5xx / times out: the channel reports RETRY

    shares: list[int] = field(default_factory=list)  # instances it was told it shares the rates with

    async def start(self, receive: bool = True) -> None: ...

    def share_limits(self, instances: int) -> None:
        self.shares.append(instances)

    async def stop(self) -> None: ...

    async def push(self, user_id: str, replies: list[Reply]) -> bool:
        return await self.deliver(user_id, replies, "") is Delivered.SENT

    async def deliver(self, user_id: str, replies: list[Reply], key: str) -> Delivered:
        return await self.multicast([user_id], replies, key)

    async def multicast(self, user_ids: Sequence[str], replies: list[Reply], key: str) -> Delivered:
        self.requests += 1
        if self.down:
            return Delivered.RETRY
        if self.hang_after is not None and len(self.received) >= self.hang_after:
            if self.platform_got_it:
                self._take(user_ids, replies, key)
            self.hanging.set()
            await asyncio.Event().wait()  # never returns: cancelled by the "crash"
        if len(user_ids) == 1 and user_ids[0] in self.blocked:
            return Delivered.BLOCKED
        self._take(user_ids, replies, key)
        return Delivered.SENT

    def _take(self, user_ids: Sequence[str], replies: list[Reply], key: str) -> None:
        if self.idempotent and key in self.keys:
            return  # LINE: the same retry key is delivered once
        self.keys.add(key)
        for user in user_ids:
            for r in replies:
                self.received.append(Received(user, r.text, tuple(b.label for b in r.buttons)))

    def per_person(self) -> Counter[str]:
        return Counter(r.user for r in self.received)

    def texts(self, user: str) -> list[str]:
        return [r.text for r in self.received if r.user == user]


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=TAIPEI)


class Bot:
    """The pieces of a running bot that reminders and announcements need, on one database
    file; `restart()` throws them away and builds new ones, as a new process would."""

    def __init__(self, book: PlanBook, backend: Backend, clock: FixedClock, channels: dict[str, FakeChannel]) -> None:
        self.book, self.backend, self.clock, self.channels = book, backend, clock, channels
        self.settings = ReminderSettings()
        self.store = self._new_store()
        self.generation = 0

    async def open(self) -> None:
        await self.store.open()
        self.services = Services(self.book, self.store, self.clock)
        self.generation += 1
        self.courier = Courier(
            self.store, self.channels, Composer(self.services), self.clock, self.settings,
            holder=f"test-{self.generation}",
        )  # fmt: skip
        self.scheduler = ReminderScheduler(self.services, self.settings, self.courier.wake)

    def _new_store(self) -> Store:
        return self.backend.make(now=self.clock.now)  # leases run on the test's clock

    async def restart(self, crashed: bool = False) -> None:
        """A new process. A graceful stop hands the sender lease back; after a crash the new
        process must wait for it to run out (move the clock past `Courier.lease_seconds`)."""
        if not crashed:
            await self.courier.release()
        await self.store.close()
        self.store = self._new_store()
        await self.open()

    async def person(
        self, user_id: str, plan_id: str = "kaohsiung-112", *, channel: str = "telegram", lang: str = "zh-TW",
        reminders: bool = True, marks: Sequence[Mark] = (),
    ) -> User:  # fmt: skip
        user, _ = await self.store.get_or_create_user(channel, user_id, lang)
        user.plan_id, user.onboarded, user.reminders = plan_id, True, reminders
        await self.store.save_user(user)
        if marks:
            await self.store.replace_marks(user.id, plan_id, marks)
        return user

    async def day(self, day: str, hour: int = 10) -> int:
        """A day of the service: the daily run at `hour`, then the courier delivers."""
        self.clock.moment = at(day, hour)
        queued = await self.scheduler.run_today()
        await self.courier.deliver_pending()
        return queued


@pytest.fixture
async def bot(book: PlanBook, backend: Backend) -> AsyncIterator[Bot]:
    channels = {"telegram": FakeChannel("telegram"), "line": FakeChannel("line", 500, 16, idempotent=True)}
    running = Bot(book, backend, FixedClock(at("2023-06-01")), channels)
    await running.open()
    try:
        yield running
    finally:
        await running.store.close()
