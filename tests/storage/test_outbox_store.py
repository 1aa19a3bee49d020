"""The outbox's storage guarantees, on every backend: one row per reminder and person, claims that never
overlap, a lease that one process holds at a time, and forgetting a person forgets their
queued messages."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from bot.storage import Store
from tests.support.backends import Backend

DEADLINE = date(2023, 8, 31)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2023, 8, 24, 2, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def people(store: Store, n: int, channel: str = "telegram") -> list[int]:
    ids = []
    for i in range(n):
        user, _ = await store.get_or_create_user(channel, str(5000 + i))
        user.plan_id, user.onboarded, user.reminders = "kaohsiung-112", True, True
        await store.save_user(user)
        ids.append(user.id)
    return ids


async def test_a_reminder_is_queued_once_per_person(backend: Backend) -> None:
    async with backend.make() as store:
        await people(store, 3)
        assert await store.queue_reminders("kaohsiung-112", DEADLINE, 7) == 3
        assert await store.queue_reminders("kaohsiung-112", DEADLINE, 7) == 0
        assert await store.queue_reminders("kaohsiung-112", DEADLINE, 3) == 3
        assert await store.open_deliveries() == {"telegram": 6}


async def test_concurrent_claims_never_share_a_row(backend: Backend) -> None:
    async with backend.make() as store:
        await people(store, 50)
        await store.queue_reminders("kaohsiung-112", DEADLINE, 7)
        keys = [f"00000000-0000-4000-8000-{n:012d}" for n in range(10)]
        claims = await asyncio.gather(*(store.claim("telegram", 8, kinds=["reminder"], batch_key=k) for k in keys))
        ids = [job.id for jobs in claims for job in jobs]
        assert len(ids) == len(set(ids)) == 50


async def test_one_sender_at_a_time_until_its_lease_runs_out(backend: Backend) -> None:
    clock = Clock()
    async with backend.make(now=clock) as store:
        assert await store.acquire_lease("sender", "service", 60)
        assert not await store.acquire_lease("sender", "cli", 60)
        assert await store.acquire_lease("sender", "service", 60)  # renewal
        clock.now += timedelta(seconds=61)  # the service crashed and stopped renewing
        assert await store.acquire_lease("sender", "cli", 60)
        await store.release_lease("sender", "cli")
        assert await store.acquire_lease("sender", "service", 60)


async def test_forgetting_a_person_drops_their_queued_messages(backend: Backend) -> None:
    async with backend.make() as store:
        ids = await people(store, 2)
        await store.queue_reminders("kaohsiung-112", DEADLINE, 7)
        await store.queue_broadcast("kaohsiung-112", "all", "公告", "cli:hr", ids)
        await store.delete_user(ids[0])
        assert await store.open_deliveries() == {"telegram": 2}
        (b,) = await store.broadcasts()
        assert b.recipients == 1
