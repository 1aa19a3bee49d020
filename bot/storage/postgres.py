"""The PostgreSQL `Store`: an asyncpg pool shared by any number of instances.

The queries are the shared ones (`sql_people`, `sql_outbox`) with `?` turned into `$n`.
What several instances need on top of SQLite: claimed outbox rows are locked with
`FOR UPDATE … SKIP LOCKED`, and `person_turn` holds a PostgreSQL advisory lock per person
on a connection of a pool of its own (so handlers waiting for a turn can never use up the
connections the handlers themselves need).

The database may go away for a while (a restart, a failover): a transaction or a read
that cannot get a working connection waits and tries again for up to `reconnect_seconds`
before it fails, so a PostgreSQL restart under load costs a pause, not lost work. A
transaction cut off after it began is rolled back by the server and reported as
`StoreError`; the callers' own retries (the outbox, the platforms' resends) take it from there.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.storage.base import Store, StoreError
from bot.storage.postgres_migrations import migrate
from bot.storage.rows import Row
from bot.storage.sql_base import utc_now
from bot.storage.sql_outbox import OutboxQueries
from bot.storage.sql_people import PeopleQueries

log = logging.getLogger(__name__)
POOL_SIZE = 10
TURN_POOL_SIZE = 32  # people whose turn is held at once, per instance
RECONNECT_SECONDS = 30.0
# The connection broke or the server is (re)starting: worth another try with a new connection.
GONE = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # e.g. a connection the server just terminated, used before asyncpg noticed
    asyncpg.CannotConnectNowError,
    asyncpg.ConnectionFailureError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)


def safe_url(url: str) -> str:
    """The URL with its password masked, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


@lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2, …` (our SQL has no `?` inside literals)."""
    count = 0

    def next_mark(_: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"${count}"

    return re.sub(r"\?", next_mark, sql)


def turn_key(key: str) -> int:
    """A person's key as the signed 64-bit number advisory locks take."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def _status_count(status: str) -> int:
    """Rows changed, from asyncpg's command tag ("UPDATE 3", "INSERT 0 1")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class _PgTx:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return _status_count(await self.conn.execute(numbered(sql), *params))

    async def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        await self.conn.executemany(numbered(sql), [tuple(p) for p in params])

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(await self.conn.fetch(numbered(sql), *params))


class PostgresStore(PeopleQueries, OutboxQueries, Store):
    """`Store` over a PostgreSQL database; `now` lets tests fix the clock."""

    CLAIM_LOCK = " FOR UPDATE OF d SKIP LOCKED"

    def __init__(
        self,
        url: str,
        *,
        now: Callable[[], datetime] = utc_now,
        pool_size: int = POOL_SIZE,
        reconnect_seconds: float = RECONNECT_SECONDS,
    ) -> None:
        self.url = url
        self.location = safe_url(url)
        self._now = now
        self.pool_size, self.reconnect_seconds = pool_size, reconnect_seconds
        self._pool: asyncpg.Pool | None = None
        self._turns: asyncpg.Pool | None = None

    @property
    def shared(self) -> bool:
        return True

    def _typed(self, sql_type: str) -> str:
        return f"CAST(? AS {sql_type})"

    async def open(self) -> None:
        if self._pool is not None:
            return
        try:
            pool = await asyncpg.create_pool(self.url, min_size=1, max_size=self.pool_size, timeout=10)
        except (*GONE, asyncpg.PostgresError, ValueError) as error:
            raise StoreError(f"cannot connect to PostgreSQL at {self.location}: {_reason(error)}") from None
        try:
            async with pool.acquire() as conn:
                await migrate(conn, self.location)
            self._turns = await asyncpg.create_pool(self.url, min_size=2, max_size=TURN_POOL_SIZE, timeout=10)
        except BaseException as error:
            await pool.close()
            if isinstance(error, (*GONE, asyncpg.PostgresError)):
                raise StoreError(f"cannot use PostgreSQL database {self.location}: {_reason(error)}") from None
            raise
        self._pool = pool

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        turns, self._turns = self._turns, None
        for each in (turns, pool):
            if each is not None:
                try:
                    await asyncio.wait_for(each.close(), 10)
                except (TimeoutError, *GONE):
                    each.terminate()

    def _ready(self) -> asyncpg.Pool:
        if self._pool is None:
            raise StoreError("the store is not open; call `await store.open()` first")
        return self._pool

    async def _connect(self, pool: asyncpg.Pool) -> asyncpg.Connection:
        """A connection from the pool that answers, waiting through an outage (see the docstring)."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.reconnect_seconds
        pause = 0.1
        while True:
            try:
                return await pool.acquire(timeout=10)
            except GONE as error:
                failure: BaseException = error
            if loop.time() + pause > give_up:
                raise StoreError(f"PostgreSQL at {self.location} unreachable: {_reason(failure)}") from None
            log.warning("PostgreSQL unreachable (%s); trying again in %.1fs", _reason(failure), pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[_PgTx]:
        pool = self._ready()
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.reconnect_seconds
        while True:  # a stale connection fails at BEGIN, before the body ran: take another
            conn = await self._connect(pool)
            transaction = conn.transaction()
            try:
                await transaction.start()
                break
            except GONE as error:
                conn.terminate()  # broken: the pool replaces it
                await pool.release(conn)
                if loop.time() > give_up:
                    raise StoreError(f"PostgreSQL at {self.location} unreachable: {_reason(error)}") from None
                await asyncio.sleep(0.1)
        try:
            try:
                yield _PgTx(conn)
            except BaseException:
                if not conn.is_closed():
                    try:
                        await transaction.rollback()
                    except (*GONE, asyncpg.PostgresError):
                        pass
                raise
            await transaction.commit()
        except (*GONE, asyncpg.PostgresError) as error:
            if isinstance(error, GONE):
                conn.terminate()  # broken: the pool replaces it
            raise StoreError(f"PostgreSQL error in {self.location}: {_reason(error)}") from error
        finally:
            await pool.release(conn)

    async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        pool = self._ready()
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.reconnect_seconds
        while True:  # a read can always be tried again
            conn = await self._connect(pool)
            try:
                return list(await conn.fetch(numbered(sql), *params))
            except GONE as error:
                conn.terminate()  # broken: the pool replaces it
                if loop.time() > give_up:
                    raise StoreError(f"PostgreSQL at {self.location} unreachable: {_reason(error)}") from None
                await asyncio.sleep(0.1)
            except asyncpg.PostgresError as error:
                raise StoreError(f"PostgreSQL error in {self.location}: {_reason(error)}") from error
            finally:
                await pool.release(conn)

    @asynccontextmanager
    async def person_turn(self, key: str) -> AsyncIterator[object]:
        """Held across instances: waiters queue on the lock in order (PostgreSQL grants it first
        come, first served). Should the lock's connection break, the server drops the lock;
        the handler goes on rather than fail the person."""
        turns = self._turns
        if turns is None:
            raise StoreError("the store is not open; call `await store.open()` first")
        number = turn_key(key)
        conn = await self._connect(turns)
        try:
            await conn.execute("SELECT pg_advisory_lock($1)", number)
        except BaseException:
            conn.terminate()  # cancelled while waiting: the lock may be granted later; drop it with the session
            await turns.release(conn)
            raise
        try:
            yield conn
        finally:
            try:
                await conn.execute("SELECT pg_advisory_unlock($1)", number)
            except (*GONE, asyncpg.PostgresError):
                conn.terminate()
            await turns.release(conn)


def _reason(error: BaseException) -> str:
    return str(error) or type(error).__name__
