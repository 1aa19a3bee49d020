"""The PostgreSQL `Store`: an asyncpg pool shared by any number of instances.

The queries are the shared ones (`sql_people`, `sql_outbox`) with `?` turned into `$n`.
What several instances need on top of SQLite: claimed outbox rows are locked with
`FOR UPDATE … SKIP LOCKED`, and `person_turn` holds a PostgreSQL advisory lock per person
on a connection of a pool of its own (so handlers waiting for a turn can never use up the
connections the handlers themselves need).

The database may go away for a while (a restart, a failover): a transaction or a read
that cannot get a working connection waits and tries again for up to `reconnect_seconds`
before it fails, so a PostgreSQL restart under load costs a pause, not lost work. A
transaction cut off after it began is rolled back by the server; it is begun again on a new
connection and its statements are done again (`_PgTx`): when they answer as before it goes
on, else it fails with `StoreError`. A transaction cut off in COMMIT may or may not have
committed: it learns its id first (`txid_current()`), and asks the server afterwards
(`txid_status`), doing it again only when the server says it was rolled back.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import datetime
from functools import lru_cache
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.storage.base import Store, StoreError
from bot.storage.postgres_migrations import migrate
from bot.storage.rows import Row
from bot.storage.sql_base import Tx, utc_now
from bot.storage.sql_console import ConsoleQueries
from bot.storage.sql_outbox import OutboxQueries
from bot.storage.sql_people import PeopleQueries

log = logging.getLogger(__name__)
POOL_SIZE = 10
TURN_POOL_SIZE = 32  # people whose turn is held at once, per instance
RECONNECT_SECONDS = 30.0
MAX_REPLAY_ROWS = 5_000  # statements (or executemany rows) a transaction keeps to repeat after a cut-off
# The connection broke or the server is (re)starting: worth another try with a new connection.
GONE = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # e.g. a connection the server just terminated, used before asyncpg noticed
    asyncpg.CannotConnectNowError,
    asyncpg.ConnectionFailureError,
    asyncpg.ConnectionDoesNotExistError,  # "connection was closed in the middle of operation"
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
    """A key (a person's, a plan file's) as the signed 64-bit number advisory locks take."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def _status_count(status: str) -> int:
    """Rows changed, from asyncpg's command tag ("UPDATE 3", "INSERT 0 1")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class _PgTx:
    """One transaction's statements, kept with their answers: should the connection break
    before COMMIT (a restart, a failover; the server rolled everything back), the transaction
    is begun again on a new connection and what it had done is done again. Given the same
    answers it goes on, as though nothing happened; else it fails as before (StoreError).
    A transaction too big to keep in memory (a `db copy`, a mass import) is not kept: cut
    off, it fails."""

    def __init__(self, store: PostgresStore, pool: asyncpg.Pool, conn: asyncpg.Connection) -> None:
        self.store, self.pool, self.conn = store, pool, conn
        self.transaction = conn.transaction()
        self._done: list[tuple[str, str, Any, object]] | None = []  # (kind, sql, params, answer)
        self._kept = 0  # parameter rows in _done

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return cast(int, await self._run("execute", numbered(sql), tuple(params)))

    async def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        await self._run("executemany", numbered(sql), [tuple(p) for p in params])

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return cast(list[Row], await self._run("fetch", numbered(sql), tuple(params)))

    async def _run(self, kind: str, sql: str, params: Any) -> object:
        try:
            answer = await self._call(kind, sql, params)
        except GONE as error:
            if self._done is None:
                raise
            answer = await self._again(kind, sql, params, error)
        if self._done is not None:
            self._kept += len(params) if kind == "executemany" else 1
            if self._kept > MAX_REPLAY_ROWS:
                self._done = None  # too big to repeat: a cut-off now fails the transaction
            else:
                self._done.append((kind, sql, params, answer))
        return answer

    async def _call(self, kind: str, sql: str, params: Any) -> object:
        if kind == "fetchval":
            return await self.conn.fetchval(sql, *params)
        if kind == "execute":
            return _status_count(await self.conn.execute(sql, *params))
        if kind == "executemany":
            return await self.conn.executemany(sql, params)
        return list(await self.conn.fetch(sql, *params))

    async def _again(self, kind: str, sql: str, params: Any, error: BaseException) -> object:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.store.reconnect_seconds
        while True:
            _drop(self.conn)
            await _give_back(self.pool, self.conn)
            if loop.time() > give_up:
                raise StoreError(f"PostgreSQL at {self.store.location} unreachable: {_reason(error)}") from None
            await asyncio.sleep(0.1)
            self.conn = await self.store._connect(self.pool)  # waits through the outage
            self.transaction = self.conn.transaction()
            try:
                await self.transaction.start()
                for done in self._done or ():
                    if await self._call(*done[:3]) != done[3]:
                        raise StoreError(
                            f"PostgreSQL at {self.store.location}: the connection broke mid-transaction and "
                            "the data changed meanwhile; the transaction was rolled back"
                        )
                log.info("PostgreSQL: a transaction cut off by a broken connection was done again on a new one")
                return await self._call(kind, sql, params)
            except GONE as again:
                error = again

    async def commit(self) -> None:
        """COMMIT, finding out what happened should the connection break during it: a
        transaction that wrote learns its id just before, and a cut-off COMMIT asks the
        server whether that id committed. Rolled back, it is done again (when kept) and
        committed anew; committed, it is done; one that only read has nothing to lose."""
        while True:
            wrote = self._done is None or any(kind != "fetch" for kind, *_ in self._done)
            xid = int(cast(int, await self._run("fetchval", "SELECT txid_current()", ()))) if wrote else None
            if self._done:
                self._done.pop()  # the id is this attempt's own: not one to repeat
                self._kept -= 1
            try:
                await self.transaction.commit()
                return
            except GONE as error:
                if xid is None:
                    return
                status = await self.store._outcome(xid, error)
                if status == "committed":
                    log.info("PostgreSQL: a COMMIT cut off by a broken connection had committed")
                    return
                if self._done is None:
                    raise
                await self._again("fetch", "SELECT 1", (), error)  # a new connection, the work done again


class PostgresStore(PeopleQueries, OutboxQueries, ConsoleQueries, Store):
    """`Store` over a PostgreSQL database; `now` lets tests fix the clock."""

    CLAIM_LOCK = " FOR UPDATE OF d SKIP LOCKED"
    ROW_LOCK = " FOR UPDATE"

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

    async def _hold(self, tx: Tx, key: str) -> None:
        await tx.execute("SELECT pg_advisory_xact_lock(?)", (turn_key(key),))

    async def _analyze(self, table: str) -> None:
        async with self._transaction() as tx:
            await tx.execute(f"ANALYZE {table}")

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
            tx = _PgTx(self, pool, await self._connect(pool))
            try:
                await tx.transaction.start()
                break
            except GONE as error:
                _drop(tx.conn)  # broken: the pool replaces it
                await _give_back(pool, tx.conn)
                if loop.time() > give_up:
                    raise StoreError(f"PostgreSQL at {self.location} unreachable: {_reason(error)}") from None
                await asyncio.sleep(0.1)
        try:
            try:
                yield tx  # a connection broken in the body is replaced by tx itself (see _PgTx)
            except BaseException:
                with suppress(*GONE, asyncpg.PostgresError):  # a broken connection rolled back already
                    if not tx.conn.is_closed():
                        await tx.transaction.rollback()
                raise
            await tx.commit()
        except (*GONE, asyncpg.PostgresError) as error:
            if isinstance(error, GONE):
                _drop(tx.conn)  # broken: the pool replaces it
            raise StoreError(f"PostgreSQL error in {self.location}: {_reason(error)}") from error
        finally:
            await _give_back(pool, tx.conn)

    async def _outcome(self, xid: int, error: BaseException) -> str:
        """What became of transaction `xid`, whose COMMIT was cut off: `committed` or
        `aborted`, asked on a new connection (waiting through the outage) until the server
        no longer has it in progress. Unknown (too old to tell), it fails: never guessed."""
        give_up = asyncio.get_running_loop().time() + self.reconnect_seconds
        while True:
            rows = await self._fetch("SELECT txid_status(?) AS status", (xid,))
            status = rows[0]["status"]
            if status in ("committed", "aborted"):
                return str(status)
            if status is None or asyncio.get_running_loop().time() > give_up:
                raise StoreError(
                    f"PostgreSQL at {self.location}: the connection broke during COMMIT and whether it "
                    f"committed cannot be told ({_reason(error)})"
                ) from error
            await asyncio.sleep(0.1)  # its backend has not yet noticed the broken connection

    async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        pool = self._ready()
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.reconnect_seconds
        while True:  # a read can always be tried again
            conn = await self._connect(pool)
            try:
                return list(await conn.fetch(numbered(sql), *params))
            except GONE as error:
                _drop(conn)  # broken: the pool replaces it
                if loop.time() > give_up:
                    raise StoreError(f"PostgreSQL at {self.location} unreachable: {_reason(error)}") from None
                await asyncio.sleep(0.1)
            except asyncpg.PostgresError as error:
                raise StoreError(f"PostgreSQL error in {self.location}: {_reason(error)}") from error
            finally:
                await _give_back(pool, conn)

    @asynccontextmanager
    async def person_turn(self, key: str) -> AsyncIterator[object]:
        """Held across instances: waiters queue on the lock in order (PostgreSQL grants it first
        come, first served). Should the lock's connection break, the server drops the lock;
        the handler goes on rather than fail the person."""
        turns = self._turns
        if turns is None:
            raise StoreError("the store is not open; call `await store.open()` first")
        number = turn_key(key)
        give_up = asyncio.get_running_loop().time() + self.reconnect_seconds
        while True:
            conn = await self._connect(turns)
            try:
                await conn.execute("SELECT pg_advisory_lock($1)", number)
                break
            except BaseException as error:
                _drop(conn)  # cancelled while waiting: the lock may be granted later; drop it with the session
                await _give_back(turns, conn)
                if not isinstance(error, GONE) or asyncio.get_running_loop().time() > give_up:
                    raise
            # The connection broke while waiting (a restart): the session and its place in the
            # queue are gone, no lock is held; wait again on a new connection.
            await asyncio.sleep(0.1)
        try:
            yield conn
        finally:
            try:
                await conn.execute("SELECT pg_advisory_unlock($1)", number)
            except (*GONE, asyncpg.PostgresError):
                _drop(conn)
            await _give_back(turns, conn)


def _reason(error: BaseException) -> str:
    return str(error) or type(error).__name__


async def _give_back(pool: asyncpg.Pool, conn: asyncpg.Connection) -> None:
    """Return a connection to the pool, which resets it first. On a connection that broke
    mid-operation (a restart) the reset fails and asyncpg closes it, the pool opening a new
    one: done with it all the same, and no failure of the work it did, which is committed."""
    try:
        await pool.release(conn)
    except GONE as error:
        log.info("PostgreSQL: a broken connection was closed on its way back to the pool (%s)", _reason(error))


def _drop(conn: asyncpg.Connection) -> None:
    """Close a broken connection; the pool opens a new one. asyncpg has already given back to
    the pool a connection the server closed (any call on it then raises): nothing to do."""
    with suppress(asyncpg.InterfaceError):
        conn.terminate()
