"""What the shared SQL queries need from a backend: a transaction, a read, a clock.

The queries (`sql_people`, `sql_outbox`) are written once, with `?` placeholders and Python
values as parameters (`datetime`, `date`, `bool`, …); each backend binds them its own way
(SQLite as fixed-width text and 0/1, PostgreSQL as native types) and runs them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.storage.rows import Row


class Tx(Protocol):
    """One open transaction: statements run in it commit together or not at all."""

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the rows it changed."""
        ...

    async def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None: ...

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


class SqlBase(ABC):
    """The backend's half of the bargain (see the module docstring)."""

    _now: Callable[[], datetime] = staticmethod(utc_now)
    # Appended to a SELECT that claims rows: with several senders, each takes rows no other holds.
    CLAIM_LOCK = ""
    # Appended to a SELECT that must see rows as committed and hold them to the end (a cancel
    # against a sender's claim). SQLite's one writer at a time needs nothing.
    ROW_LOCK = ""

    @abstractmethod
    def _transaction(self) -> AbstractAsyncContextManager[Tx]:
        """BEGIN … COMMIT, or ROLLBACK on any exception (cancellation included)."""

    @abstractmethod
    async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """A read outside any transaction of ours."""

    async def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement in a transaction of its own; the rows it changed. A backend may do it
        in fewer steps than a general transaction (SQLite: one trip to its thread)."""
        async with self._transaction() as tx:
            return await tx.execute(sql, params)

    async def _point_read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """A read of one row by its key, made for every message a person sends: a backend may
        serve it more cheaply than `_fetch` (SQLite: on the event loop's own thread)."""
        return await self._fetch(sql, params)

    async def _point_write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement changing one row by its key, in a transaction of its own: `_write`,
        which a backend may serve more cheaply (SQLite: on the event loop's own thread)."""
        return await self._write(sql, params)

    async def _hold(self, tx: Tx, key: str) -> None:
        """Hold `key` to the end of `tx`: another transaction holding it waits. SQLite's one
        writer at a time needs nothing; PostgreSQL takes an advisory lock."""
        return None

    def _typed(self, sql_type: str) -> str:
        """A placeholder whose type the database cannot infer from its place (INSERT … SELECT ?)."""
        return "?"

    async def _analyze(self, table: str) -> None:
        """After a bulk insert: let the planner see the table's new size (PostgreSQL plans a
        claim over 100,000 fresh rows badly until autovacuum gets to it). SQLite needs nothing."""
        return None

    def _clock(self) -> datetime:
        """Now, timezone-aware, in UTC (the store's one time zone)."""
        now = self._now()
        if now.utcoffset() is None:
            raise ValueError(f"the store's clock must return aware datetimes, got {now!r}")
        return now.astimezone(UTC)
