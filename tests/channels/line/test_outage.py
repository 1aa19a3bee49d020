"""A LINE outage (HTTP 500s) during an announcement: the multicast waits and is sent again
later under the same X-Line-Retry-Key, through the real SDK against the fake Messaging API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from bot.core.clock import FixedClock
from bot.domain.calendar import TAIPEI
from bot.outbox.compose import Composer
from bot.outbox.courier import Courier
from bot.storage import Store
from tests.channels.line.conftest import LineBot
from tests.channels.line.test_announcements import people, recipients
from tests.fakes.line_api import FakeLineAPI
from tests.support.backends import Backend

CLOCK = FixedClock(datetime(2023, 6, 1, 20, 0, tzinfo=TAIPEI))


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Store]:
    clock = FixedClock(CLOCK.now())
    s = backend.make(now=clock.now)
    s.test_clock = clock  # type: ignore[attr-defined]
    await s.open()
    yield s
    await s.close()


async def test_a_multicast_during_an_outage_is_sent_later_once_under_the_same_retry_key(
    bot: LineBot, fake: FakeLineAPI, store: Store
) -> None:
    clock: FixedClock = store.test_clock  # type: ignore[attr-defined]
    ids = await people(store, 30)
    await store.queue_broadcast("kaohsiung-112", "all", "請於8月31日前完成", "cli:hr", ids)
    sender = Courier(store, {"line": bot.channel}, Composer(bot.channel.dialogue.services), clock, holder="one")
    fake.fail_next("multicast", 500, times=4)  # every in-call attempt of the first try
    await sender.deliver_pending()
    (during,) = await store.broadcasts()
    assert during.retrying == 30 and not fake.multicasts
    first_keys = {r["headers"]["X-Line-Retry-Key"] for r in fake.requests if r["path"].endswith("/multicast")}
    clock.advance(timedelta(seconds=30))
    await sender.deliver_pending()
    everyone = sorted(u.channel_user_id for u in await store.users_of_plan("kaohsiung-112"))
    assert len(fake.multicasts) == 1 and sorted(recipients(fake)) == everyone and len(everyone) == 30
    later_keys = {r["headers"]["X-Line-Retry-Key"] for r in fake.requests if r["path"].endswith("/multicast")}
    assert later_keys == first_keys and len(first_keys) == 1  # LINE can refuse a copy it already took
    (done,) = await store.broadcasts()
    assert done.counts == {"sent": 30} and done.uncertain == 0
