"""Both storage backends for tests: SQLite on a file, PostgreSQL in a schema of its own.

`TEST_DATABASE_URL` names the PostgreSQL server (default: the development machines' one).
Without a reachable server the PostgreSQL cases are skipped with the reason, so the README's
test command passes on a fresh laptop; `.ci/run` sets `REQUIRE_POSTGRES=1`, which turns that
skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from bot.storage import SqliteStore, Store

DEFAULT_TEST_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgres")
_reachable: dict[str, str | None] = {}  # url → None when reachable, else why not


def server_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)


async def _why_unreachable(url: str) -> str | None:
    if url not in _reachable:
        import asyncpg

        try:
            conn = await asyncpg.connect(url, timeout=5)
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            _reachable[url] = f"no PostgreSQL at {url} ({error or type(error).__name__}); set TEST_DATABASE_URL"
        else:
            await conn.close()
            _reachable[url] = None
    return _reachable[url]


async def require_postgres() -> str:
    """The server's URL, or skip (fail under REQUIRE_POSTGRES=1) when it cannot be reached."""
    url = server_url()
    why = await _why_unreachable(url)
    if why is not None:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but {why}")
        pytest.skip(why)
    return url


def with_search_path(url: str, schema: str) -> str:
    """The URL with every connection's search_path set to `schema`, and named after it (asyncpg
    passes unknown query parameters on as server settings): a test can find its own connections."""
    return f"{url}{'&' if '?' in url else '?'}search_path={schema}&application_name={schema}"


@dataclass
class Backend:
    """Makes stores on one database: every store made in a test sees the same data, so a
    test can "restart" (close one, make another) or run two instances side by side."""

    name: str
    url: str  # a DATABASE_URL for `open_store` / `python -m bot run`
    path: Path | None = None  # the SQLite file

    def make(self, now: Callable[[], datetime] | None = None) -> Store:
        extra = {} if now is None else {"now": now}
        if self.name == "sqlite":
            assert self.path is not None
            return SqliteStore(str(self.path), **extra)
        from bot.storage.postgres import PostgresStore

        return PostgresStore(self.url, pool_size=4, **extra)


@asynccontextmanager
async def postgres_backend() -> AsyncIterator[Backend]:
    """A PostgreSQL backend in a schema of its own, dropped afterwards (skips without a server)."""
    server = await require_postgres()
    schemas = PostgresSchemas(server)
    schema = await schemas.create()
    try:
        yield Backend("postgres", with_search_path(server, schema))
    finally:
        await schemas.drop(schema)


class PostgresSchemas:
    """Creates a schema per test and drops it afterwards."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def create(self) -> str:
        import asyncpg

        schema = f"test_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(self.url)
        try:
            await conn.execute(f'CREATE SCHEMA "{schema}"')
        finally:
            await conn.close()
        return schema

    async def drop(self, schema: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(self.url)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()


async def everything_stored(store: Store) -> str:
    """Every row of every table, as text: what an operator reading the database would find.
    For SQLite also the raw bytes of its files (a deleted value may linger in a page or the WAL)."""
    dumped: list[str] = []
    if isinstance(store, SqliteStore):
        for table in await store._fetch("SELECT name FROM sqlite_master WHERE type = 'table'"):
            dumped += [str(tuple(row)) for row in await store._fetch(f'SELECT * FROM "{table[0]}"')]
        dumped += [p.read_bytes().decode("utf-8", "replace") for p in Path(store.path).parent.glob("bot.sqlite3*")]
        return "\n".join(dumped)
    for table in await store._fetch("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"):  # type: ignore[attr-defined]
        dumped += [str(row[0]) for row in await store._fetch(f'SELECT t::text FROM "{table[0]}" t')]  # type: ignore[attr-defined]
    return "\n".join(dumped)
