"""The SQLite `Store`: one aiosqlite connection, WAL journal, migrations at open.

Every coroutine shares the one connection, and SQLite transactions belong to the
connection, not to the coroutine: without care, one handler's statements would land in
another's open transaction. An asyncio lock therefore serialises each transaction (and
each read, so nobody sees another's half-done work). SQL errors leave as `StoreError`, so
callers never need to know the driver. Times are stored as fixed-width UTC text, so
ORDER BY and comparisons on them are chronological.

The two statements every message makes (a person's row read, and written back) skip the
trip to aiosqlite's thread, whose wake-up through a pipe costs several times the statement:
they run on the event loop's own thread, on a second connection that never waits
(`busy_timeout` 0; WAL readers never wait for a writer) and never checkpoints (the main
connection does, on its commits, which lease renewals make every few seconds). Should
another process hold the write lock, the write goes the usual way, waiting on the thread.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from bot.storage.base import Store, StoreError
from bot.storage.rows import Row, utc_text
from bot.storage.sql_base import utc_now
from bot.storage.sql_console import ConsoleQueries
from bot.storage.sql_outbox import OutboxQueries
from bot.storage.sql_people import PeopleQueries
from bot.storage.sqlite_migrations import migrate

MEMORY = ":memory:"
ONE_TRIP = hasattr(aiosqlite.Connection, "_execute") and hasattr(aiosqlite.Connection, "_conn")
T = TypeVar("T")
BUSY_TIMEOUT_MS = 5000
MIN_ROOM = 4 * 1024 * 1024  # below this much room for the file to grow, /readyz says not ready
BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def bind(value: Any) -> Any:
    """A Python value as SQLite keeps it: times as fixed-width UTC text, dates as ISO text."""
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def bound(params: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(bind(value) for value in params)


def _one_statement(connection: sqlite3.Connection, sql: str, values: tuple[Any, ...]) -> int:
    """BEGIN IMMEDIATE, the statement and COMMIT on `connection` (ROLLBACK on any failure after
    BEGIN); the rows it changed. One statement lands entirely or not at all."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        cursor = connection.execute(sql, values)
        changed = max(cursor.rowcount, 0)
        cursor.close()
        connection.execute("COMMIT")
    except BaseException:
        with suppress(sqlite3.OperationalError):
            connection.execute("ROLLBACK")
        raise
    return changed


class _SqliteTx:
    """Statements of one transaction, each one trip to aiosqlite's thread, BEGIN riding on
    the first: a transaction of one UPDATE costs two trips (statement, COMMIT), not four.
    Each trip wakes the event loop through a pipe, which is most of a small statement's
    cost. The trip is aiosqlite's own `_execute` (what its public methods use); an
    aiosqlite without it gets the public methods, a trip each for BEGIN and the cursor."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db
        self.begun = False  # BEGIN IMMEDIATE sent (or on its way: then ROLLBACK is owed)

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        begin, self.begun = not self.begun, True

        def trip() -> T:
            connection: sqlite3.Connection = self.db._conn  # on aiosqlite's thread, where it lives
            if begin:
                connection.execute("BEGIN IMMEDIATE")
            return work(connection)

        return cast(T, await self.db._execute(trip))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        if not ONE_TRIP:
            await self._begin()
            async with self.db.execute(sql, bound(params)) as cursor:
                return max(cursor.rowcount, 0)
        values = bound(params)

        def run(connection: sqlite3.Connection) -> int:
            cursor = connection.execute(sql, values)
            try:
                return max(cursor.rowcount, 0)
            finally:
                cursor.close()

        return await self._run(run)

    async def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        rows = [bound(p) for p in params]
        if not ONE_TRIP:
            await self._begin()
            await self.db.executemany(sql, rows)
            return
        await self._run(lambda connection: connection.executemany(sql, rows).close())

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        values = bound(params)
        if not ONE_TRIP:
            await self._begin()
            return list(await self.db.execute_fetchall(sql, values))
        return await self._run(lambda connection: connection.execute(sql, values).fetchall())

    async def _begin(self) -> None:
        if not self.begun:
            self.begun = True
            await self.db.execute("BEGIN IMMEDIATE")

    async def commit(self) -> None:
        if self.begun:
            await self.db.execute("COMMIT")


class SqliteStore(PeopleQueries, OutboxQueries, ConsoleQueries, Store):
    """`Store` over one SQLite file (or `:memory:`); `now` lets tests fix the clock."""

    def __init__(self, path: str, *, now: Callable[[], datetime] = utc_now) -> None:
        self.path = path
        self._now = now
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._quick: sqlite3.Connection | None = None  # point statements, on the opening thread
        self._quick_thread = 0

    async def open(self) -> None:
        if self._db is not None:
            return
        if self.path != MEMORY:
            folder = Path(self.path).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:  # a file in the way, no permission, a read-only disk
                raise StoreError(f"cannot create the folder {folder}: {error.strerror or error}") from None
            try:  # here, not in aiosqlite, whose failed connect leaves its thread to touch a closed loop
                sqlite3.connect(self.path).close()
            except sqlite3.Error as error:
                raise StoreError(f"cannot open SQLite database {self.path}: {error}") from None
        try:
            db = await aiosqlite.connect(self.path, isolation_level=None)  # we issue BEGIN ourselves
        except sqlite3.Error as error:
            raise StoreError(f"cannot open SQLite database {self.path}: {error}") from error
        try:
            db.row_factory = sqlite3.Row
            await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
            await db.execute("PRAGMA foreign_keys = ON")
            await migrate(db, self.path)  # before WAL: a refused database is left untouched
            if self.path != MEMORY:
                await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
        except BaseException as error:
            await db.close()
            if isinstance(error, sqlite3.Error):
                raise StoreError(f"cannot use SQLite database {self.path}: {error}") from error
            raise
        self._db = db
        self._quick = self._open_quick()

    def _open_quick(self) -> sqlite3.Connection | None:
        """The loop thread's connection for point statements; None for :memory: (a second
        connection would be another database) or when it cannot be had (then all goes the usual way)."""
        if self.path == MEMORY:
            return None
        try:
            quick = sqlite3.connect(self.path, isolation_level=None)
            quick.row_factory = sqlite3.Row
            for pragma in ("busy_timeout = 0", "foreign_keys = ON", "synchronous = NORMAL", "wal_autocheckpoint = 0"):
                quick.execute(f"PRAGMA {pragma}")
        except sqlite3.Error:
            return None
        self._quick_thread = threading.get_ident()
        return quick

    def _quick_here(self) -> sqlite3.Connection | None:
        """The quick connection, if this is the thread that opened it (sqlite3 insists)."""
        return self._quick if self._quick is not None and threading.get_ident() == self._quick_thread else None

    async def close(self) -> None:
        db, self._db = self._db, None
        quick, self._quick = self._quick, None
        if db is not None:
            async with self._lock:  # let a running transaction finish first
                await db.close()
        if quick is not None:
            with suppress(sqlite3.Error):
                quick.close()

    async def _point_read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """On the loop's thread: a committed row by its key (what `_fetch` would see too)."""
        quick = self._quick_here()
        if quick is None:
            return await self._fetch(sql, params)
        self._connection()  # closed: the same StoreError as everywhere
        try:
            return list(quick.execute(sql, bound(params)).fetchall())
        except sqlite3.Error as error:
            self._raise_unless_busy(error)
        return await self._fetch(sql, params)  # busy, as while a WAL is recovered: wait on the thread

    async def _point_write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """On the loop's thread when the write lock is free at once; else `_write`, which waits."""
        quick = self._quick_here()
        if quick is None:
            return await self._write(sql, params)
        self._connection()
        values = bound(params)
        async with self._lock:  # after this process's own transaction, never inside it
            try:
                return _one_statement(quick, sql, values)
            except sqlite3.Error as error:
                self._raise_unless_busy(error)
        return await self._write(sql, values)  # another process is writing: wait for it off the loop

    def _raise_unless_busy(self, error: sqlite3.Error) -> None:
        """SQLite busy or locked passes (the usual path then waits); any other error is a StoreError."""
        if not (isinstance(error, sqlite3.OperationalError) and error.sqlite_errorcode in BUSY_CODES):
            raise StoreError(f"SQLite error in {self.path}: {error}") from error

    def _connection(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StoreError("the store is not open; call `await store.open()` first")
        return self._db

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[_SqliteTx]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception (cancellation included)."""
        db = self._connection()
        async with self._lock:
            try:
                tx = _SqliteTx(db)  # BEGIN goes with its first statement
                try:  # cancelled while a statement is queued, BEGIN still runs and must be undone
                    yield tx
                    await tx.commit()
                except BaseException:
                    if tx.begun:
                        with suppress(sqlite3.OperationalError):  # "no transaction is active"
                            await db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as error:
                raise StoreError(f"SQLite error in {self.path}: {error}") from error

    async def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """BEGIN, the statement and COMMIT in one trip to aiosqlite's thread (ROLLBACK there too).
        A caller cancelled once the trip is queued still gets its write, whole: one statement
        lands entirely or not at all, so `_write` serves writes that may land after a cancel."""
        if not ONE_TRIP:
            return await super()._write(sql, params)
        db, values = self._connection(), bound(params)

        async with self._lock:
            try:
                return cast(int, await db._execute(lambda: _one_statement(db._conn, sql, values)))
            except sqlite3.Error as error:
                raise StoreError(f"SQLite error in {self.path}: {error}") from error

    async def probe(self) -> None:
        """The shared probe, and room for more: the upsert it writes fits in a page the file
        already has, so a full disk (or a reached max_page_count) would pass it unseen."""
        await super().probe()
        if self.path == MEMORY:
            return
        rows = await self._fetch(
            "SELECT page_size, page_count, max_page_count, freelist_count "
            "FROM pragma_page_size, pragma_page_count, pragma_max_page_count, pragma_freelist_count"
        )
        size, count, most, free = (int(v) for v in rows[0])
        spare = free * size
        room = min((most - count) * size, shutil.disk_usage(Path(self.path).parent).free) + spare
        if room < MIN_ROOM:
            raise StoreError(f"SQLite database {self.path}: database or disk is full ({room // 1024} KiB left)")

    async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        db = self._connection()
        async with self._lock:
            try:
                return list(await db.execute_fetchall(sql, bound(params)))
            except sqlite3.Error as error:
                raise StoreError(f"SQLite error in {self.path}: {error}") from error
