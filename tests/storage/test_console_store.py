"""The console's storage (migration 8), on every backend: a login link works once, even with two
instances racing for it; sessions end; only digests are kept; published plans keep every version;
settings and figure snapshots are shared; a scheduled announcement waits, a cancelled one never
goes, and a cancel loses against a claim that came first."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.storage import Store
from tests.storage.test_outbox_store import Clock, people
from tests.support.backends import Backend, everything_stored

NOW = datetime.now(UTC).replace(microsecond=0)  # the store purges expired links by its own clock


@pytest.fixture(autouse=True)
def _now_is_when_the_test_runs() -> None:
    """NOW at the test's start, not at import: in a whole-suite run this module is imported
    minutes before its tests run, by which time links issued 'for 10 minutes' had expired."""
    global NOW
    NOW = datetime.now(UTC).replace(microsecond=0)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def test_a_link_is_redeemed_once_and_not_after_it_expires(store: Store) -> None:
    await store.issue_console_link(digest("tok-a"), "telegram:42", NOW + timedelta(minutes=10))
    await store.issue_console_link(digest("tok-b"), "line:U1", NOW + timedelta(minutes=10))
    assert await store.redeem_console_link(digest("forged"), NOW) is None
    assert await store.redeem_console_link(digest("tok-a"), NOW + timedelta(minutes=1)) == "telegram:42"
    assert await store.redeem_console_link(digest("tok-a"), NOW + timedelta(minutes=2)) is None  # reused
    assert await store.redeem_console_link(digest("tok-b"), NOW + timedelta(minutes=10, seconds=1)) is None
    assert "tok-a" not in await everything_stored(store)


async def test_two_instances_racing_for_one_link_let_one_in(backend: Backend) -> None:
    first, second = backend.make(), backend.make()
    async with first, second:
        await first.issue_console_link(digest("race"), "telegram:7", NOW + timedelta(minutes=10))
        got = await asyncio.gather(
            *(s.redeem_console_link(digest("race"), NOW) for _ in range(5) for s in (first, second))
        )
        assert [g for g in got if g] == ["telegram:7"]


async def test_a_token_passed_instead_of_its_digest_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="digest"):
        await store.issue_console_link("plain-token", "telegram:42", NOW)
    with pytest.raises(ValueError, match="digest"):
        await store.open_console_session("plain-token", "telegram:42", "csrf", NOW)


async def test_a_session_lasts_until_it_expires_or_is_closed_on_any_instance(backend: Backend) -> None:
    first, second = backend.make(), backend.make()
    async with first, second:
        ends = NOW + timedelta(hours=9)
        await first.open_console_session(digest("s1"), "telegram:42", "csrf-1", ends)
        await first.open_console_session(digest("s2"), "line:U1", "csrf-2", ends)
        seen = await second.console_session(digest("s1"), NOW)
        assert seen is not None and (seen.admin, seen.csrf, seen.expires_at) == ("telegram:42", "csrf-1", ends)
        assert await second.console_session(digest("s1"), ends + timedelta(seconds=1)) is None
        assert await second.console_session(digest("nope"), NOW) is None
        await second.close_console_session(digest("s2"))
        assert await first.console_session(digest("s2"), NOW) is None
        assert await first.console_session(digest("s1"), NOW) is not None


async def test_published_plans_keep_every_version_and_the_counter_grows(store: Store) -> None:
    assert await store.plans_version() == 0 and await store.published_plans() == []
    one = await store.store_published_plan("taipei-113.yaml", "v1", "telegram:42")
    await store.store_published_plan("kaohsiung-113.yaml", "k1", "line:U1")
    two = await store.store_published_plan("taipei-113.yaml", "v2", "line:U1")
    assert (one.version, two.version) == (1, 2)
    assert await store.plans_version() == two.id > one.id
    latest = await store.published_plans()
    assert [(p.filename, p.version, p.text) for p in latest] == [
        ("kaohsiung-113.yaml", 1, "k1"),
        ("taipei-113.yaml", 2, "v2"),
    ]
    history = await store.plan_versions("taipei-113.yaml")
    assert [(p.version, p.text, p.published_by) for p in history] == [(2, "v2", "line:U1"), (1, "v1", "telegram:42")]
    assert history[0].published_at.utcoffset() == timedelta(0)


async def test_settings_and_snapshots_are_shared(backend: Backend) -> None:
    first, second = backend.make(), backend.make()
    async with first, second:
        assert await second.setting("reminders.paused") is None
        await first.put_setting("reminders.paused", "1", "telegram:42")
        found = await second.setting("reminders.paused")
        assert found is not None and (found.value, found.updated_by) == ("1", "telegram:42")
        await second.put_setting("reminders.paused", "0", "line:U1")
        again = await first.setting("reminders.paused")
        assert again is not None and (again.value, again.updated_by) == ("0", "line:U1")

        await first.save_snapshot(date(2023, 8, 1), "kaohsiung-112", {"people": 10, "finished": {"A": 3}})
        await first.save_snapshot(date(2023, 8, 2), "kaohsiung-112", {"people": 11})
        await first.save_snapshot(date(2023, 8, 2), "kaohsiung-112", {"people": 12})  # a later run that day
        latest = await second.latest_snapshot("kaohsiung-112")
        assert latest is not None and (latest.day, latest.figures) == (date(2023, 8, 2), {"people": 12})
        earlier = await second.latest_snapshot("kaohsiung-112", before=date(2023, 8, 2))
        assert earlier is not None and earlier.figures == {"people": 10, "finished": {"A": 3}}
        assert await second.latest_snapshot("hsinchu-109") is None


async def test_a_scheduled_announcement_waits_for_its_time(backend: Backend) -> None:
    clock = Clock()
    async with backend.make(now=clock) as store:
        ids = await people(store, 3)
        later = clock.now + timedelta(hours=2)
        queued = await store.queue_broadcast("kaohsiung-112", "all", "hello", "telegram:42", ids, send_at=later)
        assert queued.scheduled_for == later and queued.scheduled and not queued.started
        assert queued.counts == {"pending": 3}
        assert await store.claim("telegram", 10, kinds=["broadcast"], batch_key="k1") == []
        assert await store.outbox_depth() == {} and await store.open_deliveries() == {"telegram": 3}
        clock.now = later
        assert await store.outbox_depth() == {("telegram", "broadcast"): 3}
        jobs = await store.claim("telegram", 10, kinds=["broadcast"], batch_key="k2")
        assert sorted(j.user_id for j in jobs) == sorted(ids) and {j.batch_key for j in jobs} == {"k2"}
        now = await store.broadcast(queued.id)
        assert now is not None and now.started and not now.scheduled and now.counts == {"sending": 3}


async def test_a_cancelled_announcement_is_never_claimed_and_a_started_one_cannot_be_cancelled(
    backend: Backend,
) -> None:
    clock = Clock()
    async with backend.make(now=clock) as store:
        ids = await people(store, 3)
        later = clock.now + timedelta(hours=2)
        first = await store.queue_broadcast("kaohsiung-112", "all", "one", "telegram:42", ids, send_at=later)
        assert await store.cancel_broadcast(first.id)
        assert not await store.cancel_broadcast(first.id)  # once
        clock.now = later + timedelta(minutes=1)
        assert await store.claim("telegram", 10, kinds=["broadcast"], batch_key="k") == []
        gone = await store.broadcast(first.id)
        assert gone is not None and gone.cancelled_at == clock.now - timedelta(hours=2, minutes=1)
        assert gone.counts == {"skipped": 3} and gone.open == 0 and not gone.scheduled
        assert await store.finished_unreported() == []  # no delivery report for a cancelled one

        second = await store.queue_broadcast("kaohsiung-112", "all", "two", "telegram:42", ids)
        assert await store.claim("telegram", 1, kinds=["broadcast"], batch_key="k3")
        assert not await store.cancel_broadcast(second.id)
        assert not await store.cancel_broadcast(999_999)
        kept = await store.broadcast(second.id)
        assert kept is not None and kept.cancelled_at is None and kept.counts == {"sending": 1, "pending": 2}


async def test_cancel_and_claim_racing_on_two_instances_never_both_win(backend: Backend) -> None:
    clock = Clock()
    sender, console = backend.make(now=clock), backend.make(now=clock)
    async with sender, console:
        ids = await people(sender, 20)
        for round_ in range(5):
            queued = await console.queue_broadcast("kaohsiung-112", "all", f"r{round_}", "telegram:42", ids)
            claimed, cancelled = await asyncio.gather(
                sender.claim("telegram", 50, kinds=["broadcast"], batch_key=f"k{round_}"),
                console.cancel_broadcast(queued.id),
            )
            assert bool(claimed) != cancelled
            found = await console.broadcast(queued.id)
            assert found is not None
            if cancelled:
                assert found.counts == {"skipped": 20}
            else:
                assert found.cancelled_at is None and found.counts == {"sending": 20}


async def test_two_instances_publishing_one_file_at_once_get_two_versions(backend: Backend) -> None:
    first, second = backend.make(), backend.make()
    async with first, second:
        made = await asyncio.gather(
            *(
                s.store_published_plan("taipei-113.yaml", f"text {n}", f"telegram:{n}")
                for n, s in enumerate((first, second) * 6)
            )
        )
        assert sorted(p.version for p in made) == list(range(1, 13))  # each its own version, none refused
        assert [p.version for p in await second.plan_versions("taipei-113.yaml")] == list(range(12, 0, -1))
