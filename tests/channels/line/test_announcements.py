"""Announcements over LINE: one multicast per 500 people, and a multicast cut off by a
crash is sent again under the same retry key, which LINE refuses to deliver twice."""

from __future__ import annotations

import uuid

from bot.channels.line import LineChannel
from bot.outbox.compose import Composer
from bot.outbox.courier import Courier
from bot.storage import Store
from tests.channels.line.conftest import LineBot
from tests.fakes.line_api import FakeLineAPI, new_user_id


async def people(store: Store, count: int) -> list[int]:
    ids = []
    for _ in range(count):
        user, _ = await store.get_or_create_user("line", new_user_id())
        user.plan_id, user.onboarded = "kaohsiung-112", True
        await store.save_user(user)
        ids.append(user.id)
    return ids


def courier(bot: LineBot) -> Courier:
    services = bot.channel.dialogue.services
    return Courier(bot.store, {"line": bot.channel}, Composer(services), services.clock, holder="the one process")


def recipients(fake: FakeLineAPI) -> list[str]:
    return [to for m in fake.multicasts for to in m["to"]]


async def test_a_thousand_people_take_three_multicasts(bot: LineBot, fake: FakeLineAPI, store: Store) -> None:
    ids = await people(store, 1001)
    await store.queue_broadcast("kaohsiung-112", "all", "請於8月31日前完成", "cli:hr", ids)
    await courier(bot).deliver_pending()
    assert [len(m["to"]) for m in fake.multicasts] == [500, 500, 1]
    assert len(set(recipients(fake))) == 1001 == len(recipients(fake))
    assert "請於8月31日前完成" in fake.multicasts[0]["messages"][0]["text"]
    (done,) = await store.broadcasts()
    assert done.counts == {"sent": 1001} and done.uncertain == 0


async def test_a_multicast_cut_off_by_a_crash_is_not_delivered_twice(
    bot: LineBot, fake: FakeLineAPI, store: Store
) -> None:
    channel: LineChannel = bot.channel
    ids = await people(store, 30)
    await store.queue_broadcast("kaohsiung-112", "all", "公告", "cli:hr", ids)
    # The process claims the batch, LINE accepts the multicast, the process dies before recording it.
    key = str(uuid.uuid4())
    jobs = await store.claim("line", 500, kinds=["broadcast"], batch_key=key)
    sender = courier(bot)
    composed = await sender.composer.compose_all(jobs)
    await channel.multicast([j.channel_user_id for j in jobs], composed[jobs[0].id], key)  # type: ignore[arg-type]
    assert len(fake.multicasts) == 1
    restarted = courier(bot)
    assert await restarted.resume() == 30
    await restarted.deliver_pending()
    assert len(fake.multicasts) == 1 and len(recipients(fake)) == 30  # LINE answered 409: already accepted
    (done,) = await store.broadcasts()
    assert done.counts == {"sent": 30}
