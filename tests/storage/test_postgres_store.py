"""What only the PostgreSQL backend does: instances side by side on one database (claims with
SKIP LOCKED, one person's turn at a time, a resent event taken once, one migration), the
connection lost and found again (in COMMIT too), and a server it cannot use named with the
password masked."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta

import asyncpg
import pytest

from bot.storage import LATEST_VERSION, StoreError, open_store
from bot.storage.postgres import PostgresStore, safe_url
from tests.support.backends import Backend, postgres_backend

DEADLINE = date(2023, 8, 31)


@pytest.fixture
async def pg() -> AsyncIterator[Backend]:
    async with postgres_backend() as found:
        yield found


async def onboard(store: PostgresStore, n: int) -> list[int]:
    ids = []
    for i in range(n):
        user, _ = await store.get_or_create_user("telegram", str(9000 + i))
        user.plan_id, user.onboarded, user.reminders = "kaohsiung-112", True, True
        await store.save_user(user)
        ids.append(user.id)
    return ids


async def test_two_instances_claim_disjoint_rows(pg: Backend) -> None:
    first, second = pg.make(), pg.make()
    async with first, second:
        await onboard(first, 60)
        await first.queue_reminders("kaohsiung-112", DEADLINE, 7)
        claims = await asyncio.gather(
            *(s.claim("telegram", 7, kinds=["reminder"], batch_key=f"k{n}") for n in range(6) for s in (first, second))
        )
        claims += [await s.claim("telegram", 60, kinds=["reminder"], batch_key="rest") for s in (first, second)]
        ids = [job.id for jobs in claims for job in jobs]
        assert len(ids) == len(set(ids)) == 60


async def test_a_resent_event_is_taken_once_whichever_instance_gets_it(pg: Backend) -> None:
    first, second = pg.make(), pg.make()
    async with first, second:
        results = await asyncio.gather(
            *(s.first_sighting("telegram:update:77", timedelta(days=1)) for _ in range(5) for s in (first, second))
        )
        assert sum(results) == 1
        assert await second.first_sighting("telegram:update:78", timedelta(days=1))


async def test_one_persons_turn_at_a_time_across_instances_in_the_order_asked(pg: Backend) -> None:
    first, second = pg.make(), pg.make()
    order: list[str] = []
    inside = 0

    async def handle(store: PostgresStore, name: str, delay: float) -> None:
        nonlocal inside
        await asyncio.sleep(delay)
        async with store.person_turn("telegram:42"):
            inside += 1
            assert inside == 1, "two instances held one person's turn at once"
            order.append(name)
            await asyncio.sleep(0.15)  # longer than the spacing of the asks: each waits for the one before
            inside -= 1

    async with first, second:
        await asyncio.gather(*(handle(first if n % 2 else second, f"m{n}", n * 0.1) for n in range(8)))
        async with first.person_turn("telegram:43"), second.person_turn("line:43"):  # other people: no wait
            pass
    assert order == [f"m{n}" for n in range(8)]


async def test_instances_starting_together_migrate_once(pg: Backend) -> None:
    stores = [pg.make() for _ in range(4)]
    await asyncio.gather(*(s.open() for s in stores))
    try:
        conn = await asyncpg.connect(pg.url)
        try:
            assert await conn.fetchval("SELECT version FROM schema_version") == LATEST_VERSION
            assert await conn.fetchval("SELECT COUNT(*) FROM schema_version") == 1
        finally:
            await conn.close()
    finally:
        await asyncio.gather(*(s.close() for s in stores))


async def test_a_database_from_newer_code_is_refused(pg: Backend) -> None:
    async with pg.make():
        pass
    conn = await asyncpg.connect(pg.url)
    try:
        await conn.execute("UPDATE schema_version SET version = $1", LATEST_VERSION + 1)
    finally:
        await conn.close()
    with pytest.raises(StoreError, match=rf"schema version {LATEST_VERSION + 1}.*upgrade the bot"):
        await open_store(pg.url)


async def test_connections_cut_by_the_server_are_replaced(pg: Backend) -> None:
    """What a PostgreSQL restart or failover does to the pool: every connection dies at once."""
    async with pg.make() as store:
        ids = await onboard(store, 3)
        admin = await asyncpg.connect(pg.url)
        try:
            cut = await admin.fetchval(
                "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                "AND application_name = current_setting('application_name')"
            )
            assert cut >= 1
        finally:
            await admin.close()
        assert await store.count_users() == 3  # a read retries on a new connection
        user, created = await store.get_or_create_user("telegram", "after-the-cut")  # so does a transaction
        assert created and user.id > max(ids)


async def test_an_unreachable_server_is_named_without_its_password() -> None:
    url = "postgresql://bot:s3cret-pw@127.0.0.1:1/bot"
    with pytest.raises(StoreError) as caught:
        await open_store(url)
    message = str(caught.value)
    assert "cannot connect to PostgreSQL at postgresql://bot:***@127.0.0.1:1/bot" in message
    assert "s3cret-pw" not in message
    assert safe_url("postgresql://u@h/db") == "postgresql://u@h/db"


@pytest.fixture
def cut_commits(pg: Backend, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """COMMIT cut off by a broken connection, once: `when` says whether the server had
    committed by then ("after") or lost the session before it could ("before")."""
    real = asyncpg.transaction.Transaction.commit
    plan = {"when": "", "cut": ""}

    async def commit(self: asyncpg.transaction.Transaction) -> None:
        when, plan["when"] = plan["when"], ""
        if not when:
            return await real(self)
        conn = self._connection
        admin = await asyncpg.connect(pg.url)
        try:
            if when == "after":
                await real(self)
            await admin.execute("SELECT pg_terminate_backend($1)", conn.get_server_pid())
        finally:
            await admin.close()
        plan["cut"] = when
        if when == "before":
            return await real(self)  # the session is gone: this fails as COMMIT on a dead connection does
        raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation")

    monkeypatch.setattr(asyncpg.transaction.Transaction, "commit", commit)
    return plan


async def test_a_commit_cut_off_after_it_committed_is_not_done_twice(pg: Backend, cut_commits: dict[str, str]) -> None:
    async with pg.make() as store:
        ids = await onboard(store, 2)
        cut_commits["when"] = "after"
        sent = await store.queue_broadcast("kaohsiung-112", "all", "颱風假照常上課", "hr", ids)
        assert cut_commits["cut"] == "after"
        assert [b.id for b in await store.broadcasts()] == [sent.id]  # one announcement, not two
        assert sum(sent.counts.values()) == 2  # each person queued once


async def test_a_commit_cut_off_before_it_committed_is_done_again(pg: Backend, cut_commits: dict[str, str]) -> None:
    async with pg.make() as store:
        await onboard(store, 1)
        user = await store.get_user("telegram", "9000")
        assert user is not None
        user.plan_id = "hsinchu-109"
        cut_commits["when"] = "before"
        await store.save_user(user)  # no error: rolled back by the server, so done again
        assert cut_commits["cut"] == "before"
        again = await store.get_user("telegram", "9000")
        assert again is not None and again.plan_id == "hsinchu-109"
