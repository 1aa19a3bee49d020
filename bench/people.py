"""Many onboarded people in a fresh store, fast: the seeding shared by the outbox
benchmarks (bench/broadcast.py, bench/sweep.py). Not a benchmark itself.

Rows go in with `executemany` on the store's own connection, in its own transaction helper,
a few thousand at a time (one `get_or_create_user` + `save_user` per person would take
minutes for 100,000). Marks are encoded by the store's own row encoder, so they read back
exactly as marks the bot wrote itself. Both backends take the same statements (`?` and
Python values): `fresh_store` gives a SQLite file, or a schema of its own on a PostgreSQL server.
"""

from __future__ import annotations

import random
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.domain.calendar import TAIPEI  # noqa: E402
from bot.plans.loader import PlanBook  # noqa: E402
from bot.storage import Mark, SqliteStore  # noqa: E402
from bot.storage.rows import mark_params  # noqa: E402
from bot.storage.sql_people import _UPSERT_MARK  # noqa: E402

if TYPE_CHECKING:
    from bot.storage.postgres import PostgresStore

    BenchStore = SqliteStore | PostgresStore

PLAN_ID = "kaohsiung-112"
CHUNK = 5_000  # rows per executemany: keeps the seeding's own memory small
_INSERT_USER = (
    "INSERT INTO users (channel, channel_user_id, plan_id, lang, reminders, onboarded, active, created_at, "
    "updated_at) VALUES (?, ?, ?, ?, ?, TRUE, TRUE, ?, ?)"
)


def telegram_chat(n: int) -> str:
    """A private chat's id: the person's positive user id, as digits."""
    return str(700_000_000 + n)


def line_user(n: int) -> str:
    """A LINE user id of the shape the Messaging API accepts (U + 32 hex digits)."""
    return f"U{n:032x}"


async def open_temporary_store(folder: tempfile.TemporaryDirectory[str]) -> SqliteStore:
    """A store on a file (WAL, as deployed), not in memory."""
    store = SqliteStore(str(Path(folder.name) / "bench.sqlite3"))
    await store.open()
    return store


def with_schema(url: str, schema: str) -> str:
    """The URL with every connection's search_path set to `schema` (asyncpg passes unknown
    query parameters on as server settings)."""
    return f"{url}{'&' if '?' in url else '?'}search_path={schema}"


@asynccontextmanager
async def fresh_store(database_url: str | None = None) -> AsyncIterator[BenchStore]:
    """An empty, open store for one run: a SQLite file in a temporary folder, or, given a
    PostgreSQL URL, a schema of its own on that server, created here and dropped afterwards."""
    if not database_url:
        folder = tempfile.TemporaryDirectory(prefix="bench-")
        sqlite = await open_temporary_store(folder)
        try:
            yield sqlite
        finally:
            await sqlite.close()
            folder.cleanup()
        return
    import asyncpg

    from bot.storage.postgres import PostgresStore

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await conn.close()
    store = PostgresStore(with_schema(database_url, schema))
    try:
        await store.open()
        yield store
    finally:
        await store.close()
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()


async def add_people(
    store: BenchStore, channel: str, chat_ids: Sequence[str], *, reminders: bool, english_share: float = 0.0
) -> list[int]:
    """Onboarded, active people on PLAN_ID; returns their store ids in the order of `chat_ids`.
    Every `1 / english_share`-th person (none by default) reads English."""
    stamp = datetime.now(UTC)
    every = round(1 / english_share) if english_share > 0 else 0
    for start in range(0, len(chat_ids), CHUNK):
        rows = [
            (channel, chat_id, PLAN_ID, "en" if every and n % every == 0 else "zh-TW", reminders, stamp, stamp)
            for n, chat_id in enumerate(chat_ids[start : start + CHUNK], start)
        ]
        async with store._transaction() as db:
            await db.executemany(_INSERT_USER, rows)
    found = await store._fetch("SELECT channel_user_id, id FROM users WHERE channel = ?", (channel,))
    ids = {row[0]: int(row[1]) for row in found}
    return [ids[chat_id] for chat_id in chat_ids]


async def settle(store: BenchStore) -> None:
    """After seeding: on PostgreSQL, ANALYZE the seeded tables, as autovacuum would have long
    since done on a database that grew to this size (fresh from a bulk insert the planner
    believes they are nearly empty and picks plans for tiny tables). SQLite keeps no statistics
    unless asked, and the bot never asks: nothing to do there."""
    if isinstance(store, SqliteStore):
        return
    async with store._transaction() as db:
        await db.execute("ANALYZE users")
        await db.execute("ANALYZE marks")


def course_keys(book: PlanBook, plan_id: str = PLAN_ID) -> list[str]:
    plan = book.get(plan_id)
    if plan is None:
        raise SystemExit(f"plan {plan_id} is not in the rules directory")
    return [course.key for bundle in plan.bundles for course in bundle.courses]


def random_marks(rng: random.Random, keys: Sequence[str], first: date, last: date) -> list[Mark]:
    """1-12 courses; about a third from a pasted learning record (start and end times), the
    rest self-reported (a day, sometimes whether off duty)."""
    days = (last - first).days
    marks = []
    for key in rng.sample(list(keys), rng.randint(1, min(12, len(keys)))):
        day = first + timedelta(days=rng.randint(0, days))
        if rng.random() < 1 / 3:
            hour, minute = rng.randint(8, 21), rng.choice((0, 15, 30, 45))
            start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=TAIPEI)
            marks.append(Mark(key, "record", start=start, end=start + timedelta(minutes=rng.randint(40, 180))))
        else:
            off_duty = rng.choice((None, None, True, False))
            marks.append(Mark(key, "self", completed_on=day, off_duty=off_duty))
    return marks


async def add_marks(
    store: BenchStore,
    user_ids: Sequence[int],
    keys: Sequence[str],
    *,
    share_without: float,
    first: date,
    last: date,
    seed: int = 112,
) -> tuple[int, int]:
    """Random marks (fixed seed) for all but `share_without` of the people; returns
    (people with marks, marks written)."""
    rng = random.Random(seed)
    stamp = datetime.now(UTC)
    people = written = 0
    for start in range(0, len(user_ids), CHUNK):
        rows: list[tuple[object, ...]] = []
        for user_id in user_ids[start : start + CHUNK]:
            if rng.random() < share_without:
                continue
            people += 1
            rows.extend(mark_params(user_id, PLAN_ID, m, stamp) for m in random_marks(rng, keys, first, last))
        written += len(rows)
        async with store._transaction() as db:
            await db.executemany(_UPSERT_MARK, rows)
    return people, written
