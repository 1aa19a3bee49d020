"""A Telegram outage (HTTP 500s) during an announcement: the rows wait and are sent again
minutes later, through the real python-telegram-bot stack; only a lasting outage fails
them, with the reason. Store and courier share the test's clock, so time is moved, not waited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.delivery import RetryPolicy
from bot.commands.broadcast import status_line
from bot.core.clock import FixedClock
from bot.core.dialogue import Dialogue
from bot.core.services import Services
from bot.plans.loader import PlanBook
from bot.storage import Store
from tests.channels.telegram.conftest import KAOHSIUNG_DAY, make_channel
from tests.channels.telegram.test_announcements import courier, received
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.backends import Backend

ADMIN = 870001
STAFF = tuple(range(920001, 920041))  # 40 people
TEXT = "8月31日前完成課程，記得申請補休！"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(KAOHSIUNG_DAY)


@pytest.fixture
async def store(backend: Backend, clock: FixedClock) -> AsyncIterator[Store]:
    s = backend.make(now=clock.now)
    await s.open()
    yield s
    await s.close()


@pytest.fixture
def dialogue(book: PlanBook, store: Store, clock: FixedClock) -> Dialogue:
    return Dialogue(Services(book, store, clock))


@pytest.fixture
async def channel(fake: FakeTelegramAPI, dialogue: Dialogue) -> AsyncIterator[TelegramChannel]:
    bot = make_channel(fake, dialogue, outbox_retry=RetryPolicy(attempts=2, first_pause=0.01))
    await bot.start()
    yield bot
    await bot.stop()


async def announce(dialogue: Dialogue, store: Store) -> None:
    ids = []
    for chat in (ADMIN, *STAFF):
        await dialogue.prepare_ready("telegram", str(chat), "kaohsiung-112", "zh-TW")
        user = await store.get_user("telegram", str(chat))
        assert user is not None
        ids.append(user.id)
    await store.queue_broadcast("kaohsiung-112", "all", TEXT, f"telegram:{ADMIN}", ids[1:])


async def test_a_short_outage_delays_the_announcement_and_loses_nobody(
    fake: FakeTelegramAPI, channel: TelegramChannel, dialogue: Dialogue, store: Store, clock: FixedClock
) -> None:
    await announce(dialogue, store)
    fake.fail_next("sendMessage", 500, times=30)
    sender = courier(dialogue, channel)
    await sender.deliver_pending()
    (during,) = await store.broadcasts()
    assert during.retrying > 0 and during.counts.get("failed", 0) == 0
    assert f"等待重試 {during.retrying}" in status_line(during)
    for _ in range(10):
        clock.advance(timedelta(minutes=1))
        await sender.deliver_pending()
    assert all(len(received(fake, chat)) == 1 for chat in STAFF), [len(received(fake, c)) for c in STAFF]
    (done,) = await store.broadcasts()
    assert done.counts == {"sent": 40} and done.finished_at is not None
    notice, report = received(fake, ADMIN)
    assert "公告 #1 延遲中" in notice and "人的訊息會自動重試" in notice
    assert "公告 #1 發送完成" in report and "成功 40 人、已封鎖 0 人、失敗 0 人" in report


async def test_only_a_lasting_outage_fails_the_rows_with_the_reason(
    fake: FakeTelegramAPI, channel: TelegramChannel, dialogue: Dialogue, store: Store, clock: FixedClock
) -> None:
    await announce(dialogue, store)
    sender = courier(dialogue, channel)
    fake.fail_next("sendMessage", 500, times=100_000)
    for _ in range(3 * 13):  # 13 hours, every 20 minutes: the announcement allows 12
        await sender.deliver_pending()
        (b,) = await store.broadcasts()
        if b.finished_at is not None:
            break
        assert b.counts.get("failed", 0) == 0 or clock.now() - KAOHSIUNG_DAY >= timedelta(hours=12)
        clock.advance(timedelta(minutes=20))
    (b,) = await store.broadcasts()
    assert b.counts == {"failed": 40} and b.finished_at is not None
    assert clock.now() - KAOHSIUNG_DAY >= timedelta(hours=12)
    fake.fail_next("sendMessage", 200, times=0)
    details = {job.detail for job in await _details(store)}
    assert details and all("gave up" in d and "telegram unreachable or failing since 20:00" in d for d in details)


async def _details(store: Store) -> list[_Row]:
    rows = await store._fetch(  # type: ignore[attr-defined]
        "SELECT status, detail FROM deliveries"
    )
    return [_Row(r[0], r[1]) for r in rows]


class _Row:
    def __init__(self, status: str, detail: str) -> None:
        self.status, self.detail = status, detail
