"""Several instances on one store: the outbox goes out once, whoever holds the sender lease;
a killed holder is replaced within the lease; the day's reminder run happens once; one
Telegram poller; each instance keeps its share of the platforms' rates."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from bot.channels.telegram.limiter import ChatRateLimiter
from bot.config import ConfigError, ReminderSettings
from bot.core.clock import FixedClock
from bot.core.services import Services
from bot.instances import Instance
from bot.outbox.compose import Composer
from bot.outbox.courier import Courier
from bot.plans.loader import PlanBook
from bot.reminders.scheduler import ReminderScheduler
from bot.storage import Store
from tests.outbox.conftest import Bot, FakeChannel, at
from tests.support.backends import Backend

LEASE = 1.0  # seconds: short, so a takeover happens within the test


def courier(store: Store, book: PlanBook, clock: FixedClock, channel: FakeChannel, holder: str) -> Courier:
    return Courier(
        store, {"telegram": channel}, Composer(Services(book, store, clock)), clock, ReminderSettings(),
        holder=holder, lease_seconds=LEASE, poll_seconds=0.2,
    )  # fmt: skip


async def test_two_instances_deliver_an_announcement_once_and_a_killed_sender_is_replaced(
    bot: Bot, backend: Backend
) -> None:
    people = [await bot.person(str(3000 + n)) for n in range(60)]
    await bot.store.queue_broadcast(
        "kaohsiung-112", "all", "公告：研習時數請於8月31日前完成", "cli:hr", [p.id for p in people]
    )
    channel = FakeChannel("telegram", concurrency=4, hang_after=20)
    first_store, second_store = backend.make(), backend.make()  # the real clock: leases run out for real
    async with first_store, second_store:
        first = courier(first_store, bot.book, bot.clock, channel, "first")
        second = courier(second_store, bot.book, bot.clock, channel, "second")
        stop_first, stop_second = asyncio.Event(), asyncio.Event()
        running_first = asyncio.create_task(first.run(stop_first))
        await asyncio.wait_for(channel.hanging.wait(), 5)  # the first holds the lease and is mid-send
        running_second = asyncio.create_task(second.run(stop_second))
        await asyncio.sleep(0.5)
        assert len(channel.received) == 20, "the standby sent while the holder was alive"
        running_first.cancel()  # killed: no release, its lease must run out
        await asyncio.gather(running_first, return_exceptions=True)
        killed = time.monotonic()
        channel.hang_after = None
        while len(set(r.user for r in channel.received)) < 60:
            assert time.monotonic() - killed < LEASE + 3, "the standby did not take over in time"
            await asyncio.sleep(0.05)
        took_over = time.monotonic() - killed
        stop_second.set()
        await running_second
    per_person = Counter(r.user for r in channel.received)
    assert set(per_person) == {str(3000 + n) for n in range(60)}
    assert sum(n - 1 for n in per_person.values()) <= channel.concurrency  # only the sends in flight at the kill
    assert took_over <= LEASE + 1.5


async def test_the_days_reminder_run_happens_once_however_many_instances_run(bot: Bot, backend: Backend) -> None:
    for n in range(20):
        await bot.person(str(4000 + n))
    bot.clock.moment = at("2023-08-24")  # 7 days before 31 August
    schedulers = []
    stores = [backend.make(now=bot.clock.now) for _ in range(3)]
    for n, store in enumerate(stores):
        await store.open()
        schedulers.append(ReminderScheduler(Services(bot.book, store, bot.clock), ReminderSettings(), holder=f"i{n}"))
    try:
        queued = await asyncio.gather(*(s.run_today() for s in schedulers))
    finally:
        for store in stores:
            await store.close()
    assert sorted(queued) == [0, 0, 20]
    sweep = await bot.store.sweep(bot.clock.now().date())
    assert sweep is not None and sweep.status == "done" and sweep.queued == 20
    await bot.courier.deliver_pending()
    assert sorted(bot.channels["telegram"].per_person().values()) == [1] * 20


async def test_a_second_telegram_poller_is_refused_naming_the_setting(store: Store) -> None:
    first, second = Instance(store, "first"), Instance(store, "second")
    await first.take_poller()
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_URL.*another instance is already polling"):
        await second.take_poller()
    await first.stop()
    await second.take_poller()  # the first stopped: the second may poll
    await second.stop()


async def test_each_instance_keeps_its_share_of_the_rates(store: Store) -> None:
    channels = [FakeChannel("telegram"), FakeChannel("line")]
    first, second = Instance(store, "first"), Instance(store, "second")
    await first.start(channels)
    await second.start(channels)
    try:
        assert channels[0].shares[-1] == 2 and channels[1].shares[-1] == 2
    finally:
        await second.stop()
        await first.stop()


async def test_a_limiter_shared_by_two_instances_sends_half_as_fast() -> None:
    limiter = ChatRateLimiter(overall_per_second=30.0)
    limiter.share(2)
    sent: list[float] = []

    async def send(*_: object, **__: object) -> bool:
        sent.append(time.monotonic())
        return True

    await asyncio.gather(
        *(limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 100 + n}, None) for n in range(11))
    )
    assert sent[-1] - sent[0] >= 10 * (2 / 30) * 0.95  # 15/s, not 30/s
