"""`python -m bot db copy`: a SQLite database moved to PostgreSQL reads back the same through
the Store API, its ids and epochs go on growing there, and a target that holds data is refused."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.commands.db_copy import SKIPPED, TABLES, run_db_copy
from bot.domain.calendar import TAIPEI
from bot.storage import Mark, SqliteStore, Store, open_store
from bot.storage.outbox import Outcome
from bot.storage.postgres import PostgresStore
from tests.support.backends import PostgresSchemas, everything_stored, require_postgres, with_search_path

PLAN = "kaohsiung-112"
DEADLINE = date(2023, 8, 31)
SWEEP_DAY = date(2023, 8, 24)


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL schema (skipped, or failed under REQUIRE_POSTGRES=1, without a server)."""
    server = await require_postgres()
    schemas = PostgresSchemas(server)
    schema = await schemas.create()
    try:
        yield with_search_path(server, schema)
    finally:
        await schemas.drop(schema)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'bot.sqlite3'}"


async def fill(url: str) -> None:
    """Everything the bot keeps, written through the Store API as the bot writes it."""
    store = await open_store(url)
    try:
        people = []
        for n, (channel, chat) in enumerate([("telegram", "700000001"), ("line", "U" + "a" * 32),
                                             ("telegram", "700000002"), ("console", "me")]):  # fmt: skip
            user, _ = await store.get_or_create_user(channel, chat, lang="en" if n == 1 else "zh-TW")
            user.plan_id, user.onboarded, user.reminders = PLAN, True, n != 3
            user.state, user.state_data = "ask_staff", {"step": n, "選擇": ["甲", "乙"], "nested": {"ok": True}}
            user.staff = {"約聘僱人員": n % 2 == 0}
            people.append(user)
        gone, _ = await store.get_or_create_user("telegram", "700000099")  # a gap in the ids
        await store.delete_user(gone.id)
        people[2].epoch = await store.next_epoch()  # switched plan: a fresh epoch
        for user in people:
            await store.save_user(user)
        await store.set_active("telegram", "700000002", False)

        start = datetime(2023, 7, 1, 19, 5, 30, 123456, tzinfo=TAIPEI)
        await store.replace_marks(people[0].id, PLAN, [
            Mark("ema-1", "record", start.date(), True, start, start + timedelta(minutes=50)),
            Mark("ema-2", "record", None, None, start + timedelta(days=1), start + timedelta(days=1, hours=2)),
            Mark("self-1", "self", date(2023, 5, 2), False),
        ])  # fmt: skip
        await store.set_mark(people[1].id, PLAN, Mark("self-2", "self", date(2023, 6, 3)))
        await store.set_mark(people[1].id, "hsinchu-109", Mark("other", "self", None, True))
        await store.log_unanswered(PLAN, "zh-TW", "約聘人員可以補休嗎")
        await store.log_unanswered(None, "en", "what about part-time?")

        # An announcement whose deliveries ended differently: sent, blocked, waiting to retry, left sending.
        ids = [p.id for p in people[:3]]
        queued = await store.queue_broadcast(PLAN, "unfinished", "請於 8 月 31 日前完成", "telegram:1", ids)
        for channel in ("telegram", "line"):
            jobs = await store.claim(channel, 10, kinds=["broadcast"], batch_key=f"batch-{channel}")
            fates = {"700000001": ("sent", None), "U" + "a" * 32: ("blocked", "blocked the bot")}
            await store.finish([Outcome(j.id, *fates[j.channel_user_id]) for j in jobs if j.channel_user_id in fates])
        await store.queue_reminders(PLAN, DEADLINE, 7)
        reminder = await store.claim("telegram", 10, kinds=["reminder"], batch_key="batch-reminders")
        await store.finish([Outcome(job.id, "pending", "HTTP 502", timedelta(minutes=5)) for job in reminder])
        await store.reclaim_orphans()  # the broadcast row of 700000002 was left sending: now uncertain
        await store.mark_delay_reported(queued.id)
        await store.record_sweep(SWEEP_DAY, "done", len(reminder))
        await store.record_sweep(SWEEP_DAY - timedelta(days=7), "skipped", 0, "the bot was not running that day")
        await store.audit("telegram:1", "broadcast.sent", {"plan": PLAN, "受眾": "unfinished"}, 3)
        await store.audit("cli:hr", "stats.export", {"csv": True})
        await store.first_sighting("telegram:update:1", timedelta(minutes=10))  # not copied
        await store.probe()  # not copied
    finally:
        await store.close()


async def read_all(store: Store) -> dict[str, object]:
    """What the bot reads back, through the Store API only."""
    users = [await store.get_user(c, u) for c, u in [("telegram", "700000001"), ("line", "U" + "a" * 32),
                                                     ("telegram", "700000002"), ("console", "me")]]  # fmt: skip
    assert all(users)
    marks = {(u.id, plan): await store.marks(u.id, plan) for u in users if u for plan in (PLAN, "hsinchu-109")}
    return {
        "users": users,
        "count": await store.count_users(),
        "marks": marks,
        "plan_users": await store.users_of_plan(PLAN),
        "by_plan": await store.people_by_plan_channel(),
        "unanswered": await store.unanswered(),
        "frequent": await store.frequent_unanswered(),
        "broadcasts": await store.broadcasts(),
        "open": await store.open_deliveries(),
        "depth": await store.outbox_depth(),
        "reminders": await store.reminder_deliveries(PLAN, DEADLINE, 7),
        "statuses": await store.reminder_statuses(PLAN, DEADLINE, 7),
        "sweeps": [await store.sweep(SWEEP_DAY), await store.sweep(SWEEP_DAY - timedelta(days=7))],
        "last_sweep": await store.last_sweep_day(),
    }


async def test_a_sqlite_database_reads_back_the_same_on_postgresql(
    sqlite_url: str, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await fill(sqlite_url)
    source = await open_store(sqlite_url)
    try:
        before = await read_all(source)
        audit_before = await source.audit_log()
        epoch_before = max(u.epoch for u in before["users"])  # type: ignore[attr-defined]
        orphans_before = await source.reclaim_orphans()
    finally:
        await source.close()

    out = io.StringIO()
    assert await run_db_copy(sqlite_url, pg_url, out=out) == 0
    printed = out.getvalue()
    assert "postgresql://" in printed and "  users：4 筆" in printed and "  marks：5 筆" in printed
    assert (
        "  deliveries：5 筆" in printed and "  audit_log：2 筆" in printed and "leases, seen_events, health" in printed
    )

    target = await open_store(pg_url)
    try:
        assert isinstance(target, PostgresStore)
        assert await read_all(target) == before
        assert await target.reclaim_orphans() == orphans_before  # the outbox rows, joined with their people
        audit = await target.audit_log()
        assert audit[1:] == audit_before
        assert audit[0].action == "db.copy" and audit[0].actor.startswith("cli:")
        assert audit[0].detail["copied"]["users"] == 4 and audit[0].detail["source"] == sqlite_url
        assert await target.lease_holders("") == []
        assert await everything_stored(target) and "telegram:update:1" not in await everything_stored(target)

        # Ids and epochs go on from where the source left off.
        epoch = await target.next_epoch()
        assert epoch > epoch_before
        assert await target.next_epoch() == epoch + 1
        newcomer, created = await target.get_or_create_user("telegram", "700000003")
        assert created and newcomer.id > max(u.id for u in before["users"])  # type: ignore[attr-defined]
        assert newcomer.epoch > epoch
        announced = await target.queue_broadcast(PLAN, "all", "again", "cli:hr", [newcomer.id])
        assert announced.id > before["broadcasts"][0].id and announced.recipients == 1  # type: ignore[index]
        await target.log_unanswered(PLAN, "zh-TW", "new")
        await target.audit("cli:hr", "stats.viewed", {})
        assert await target.queue_reminders(PLAN, DEADLINE, 3) == 2  # new keys beside the copied ones
        await target.record_sweep(SWEEP_DAY, "done", 1)
        sweep = await target.sweep(SWEEP_DAY)
        assert sweep is not None and sweep.queued == before["sweeps"][0].queued + 1  # type: ignore[index]
        stored = await everything_stored(target)
    finally:
        await target.close()

    # A second copy into the now non-empty target is refused and changes nothing.
    capsys.readouterr()
    assert await run_db_copy(sqlite_url, pg_url, out=out) == 1
    refused = capsys.readouterr().err
    assert "已有資料" in refused and "users 5" in refused and "--replace" in refused
    target = await open_store(pg_url)
    try:
        assert await everything_stored(target) == stored
    finally:
        await target.close()


async def test_replace_makes_the_target_the_source_again(sqlite_url: str, pg_url: str) -> None:
    await fill(sqlite_url)
    assert await run_db_copy(sqlite_url, pg_url, out=io.StringIO()) == 0
    target = await open_store(pg_url)
    try:
        await target.get_or_create_user("telegram", "700000003")
        epoch = await target.next_epoch()
    finally:
        await target.close()
    out = io.StringIO()
    assert await run_db_copy(sqlite_url, pg_url, replace=True, out=out) == 0
    assert "--replace" in out.getvalue() and "users 5" in out.getvalue()
    source, target = await open_store(sqlite_url), await open_store(pg_url)
    try:
        assert await read_all(target) == await read_all(source)
        assert await target.get_user("telegram", "700000003") is None
        assert await target.next_epoch() > epoch  # an epoch handed out on the target is never handed out again
        assert [e.action for e in await target.audit_log()][:1] == ["db.copy"]
    finally:
        await source.close()
        await target.close()


async def test_a_running_service_on_either_side_is_refused(sqlite_url: str, pg_url: str) -> None:
    await fill(sqlite_url)
    for url in (sqlite_url, pg_url):
        store = await open_store(url)
        try:
            assert await store.acquire_lease("sender", "host:1:abc", 10)
        finally:
            await store.close()
        assert await run_db_copy(sqlite_url, pg_url, out=io.StringIO()) == 1
        store = await open_store(url)
        try:
            await store.release_lease("sender", "host:1:abc")
        finally:
            await store.close()
    # A day's reminder-run lease outlives the run by minutes: it does not block the copy.
    source = await open_store(sqlite_url)
    try:
        assert await source.acquire_lease("reminder-run:2023-08-24", "host:1:abc", 300)
    finally:
        await source.close()
    assert await run_db_copy(sqlite_url, pg_url, out=io.StringIO()) == 0
    target = await open_store(pg_url)
    try:
        assert await target.count_users() == 4
    finally:
        await target.close()


def test_the_command_line(sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exit codes: a missing source file is refused (a typo would copy an empty database), the
    same database twice is a usage error; SQLite to SQLite works the same way."""
    missing = f"sqlite:///{tmp_path / 'nowhere.sqlite3'}"
    copy = f"sqlite:///{tmp_path / 'copy.sqlite3'}"
    assert main(["db", "copy", missing, copy]) == 1
    assert "nowhere.sqlite3" in capsys.readouterr().err
    assert not (tmp_path / "nowhere.sqlite3").exists()
    assert main(["db", "copy", copy, copy]) == 2
    assert main(["db", "copy", "mysql://x/y", copy]) == 1
    assert "unsupported database URL" in capsys.readouterr().err

    import asyncio

    asyncio.run(fill(sqlite_url))
    assert main(["db", "copy", sqlite_url, copy]) == 0
    assert "users：4 筆" in capsys.readouterr().out
    assert main(["db", "copy", sqlite_url, copy]) == 1

    async def compare() -> None:
        source, target = await open_store(sqlite_url), await open_store(copy)
        try:
            assert await read_all(target) == await read_all(source)
        finally:
            await source.close()
            await target.close()

    asyncio.run(compare())


async def test_every_table_is_copied_or_skipped_with_every_column(tmp_path: Path, pg_url: str) -> None:
    """A migration that adds a table or a column must teach `db copy` about it."""
    expected = {table.name: set(table.names) for table in TABLES}
    sqlite = SqliteStore(str(tmp_path / "schema.sqlite3"))
    await sqlite.open()
    try:
        tables = [row[0] for row in await sqlite._fetch("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = {name: {row[1] for row in await sqlite._fetch(f"PRAGMA table_info({name})")} for name in tables}
    finally:
        await sqlite.close()
    assert {name: columns for name, columns in found.items() if name not in SKIPPED} == expected
    assert set(found) == set(expected) | set(SKIPPED)

    postgres = await open_store(pg_url)
    try:
        assert isinstance(postgres, PostgresStore)
        rows = await postgres._fetch(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        )
    finally:
        await postgres.close()
    pg: dict[str, set[str]] = {}
    for table, column in rows:
        pg.setdefault(table, set()).add(column)
    assert {name: columns for name, columns in pg.items() if name not in (*SKIPPED, "schema_version")} == expected
