"""The SQLite `Store`: one aiosqlite connection, WAL journal, migrations at open.

Every coroutine shares the one connection, and SQLite transactions belong to the
connection, not to the coroutine: without care, one handler's statements would land in
another's open transaction. An asyncio lock therefore serialises each transaction (and
each read, so nobody sees another's half-done work). SQL errors leave as `StoreError`, so
callers never need to know the driver.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.base import Mark, Store, StoreError, UnansweredQuestion, User, check_identity
from bot.storage.migrations import migrate
from bot.storage.sqlite_outbox import SqliteOutbox, utc_text

MEMORY = ":memory:"
BUSY_TIMEOUT_MS = 5000
# A question longer than this is most likely a pasted learning record: keep the gist, not the record.
MAX_QUESTION_CHARS = 1000

USER_COLUMNS = (
    "id, channel, channel_user_id, plan_id, lang, reminders, state, state_data, "
    "epoch, active, onboarded, created_at, updated_at, staff"
)
_SELECT_USER = f"SELECT {USER_COLUMNS} FROM users WHERE channel = ? AND channel_user_id = ?"
MARK_COLUMNS = "course_key, source, completed_on, off_duty, start_at, end_at"
_UPSERT_MARK = f"""
    INSERT INTO marks (user_id, plan_id, {MARK_COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (user_id, plan_id, course_key) DO UPDATE SET
        source = excluded.source, completed_on = excluded.completed_on, off_duty = excluded.off_duty,
        start_at = excluded.start_at, end_at = excluded.end_at, updated_at = excluded.updated_at
"""


# One counter for every epoch handed out: bumped, then read, inside the caller's transaction.
_BUMP_EPOCH = "UPDATE counters SET value = value + 1 WHERE name = 'epoch'"
_NEXT_EPOCH = "SELECT value FROM counters WHERE name = 'epoch'"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _from_iso(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _user(row: sqlite3.Row) -> User:
    return User(
        id=row["id"], channel=row["channel"], channel_user_id=row["channel_user_id"],
        plan_id=row["plan_id"], lang=row["lang"], reminders=bool(row["reminders"]),
        state=row["state"], state_data=json.loads(row["state_data"]), epoch=row["epoch"],
        active=bool(row["active"]), onboarded=bool(row["onboarded"]), staff=json.loads(row["staff"]),
        created_at=_from_iso(row["created_at"]), updated_at=_from_iso(row["updated_at"]),
    )  # fmt: skip


def _mark(row: sqlite3.Row) -> Mark:
    completed_on = row["completed_on"]
    return Mark(
        course_key=row["course_key"],
        source=row["source"],
        completed_on=None if completed_on is None else date.fromisoformat(completed_on),
        off_duty=None if row["off_duty"] is None else bool(row["off_duty"]),
        start=_from_iso(row["start_at"]),
        end=_from_iso(row["end_at"]),
    )


def _mark_params(user_id: int, plan_id: str, mark: Mark, updated_at: str) -> tuple[Any, ...]:
    return (
        user_id, plan_id, mark.course_key, mark.source, _iso(mark.completed_on),
        None if mark.off_duty is None else int(mark.off_duty), _iso(mark.start), _iso(mark.end), updated_at,
    )  # fmt: skip


class SqliteStore(SqliteOutbox, Store):
    """`Store` over one SQLite file (or `:memory:`); `now` lets tests fix the clock."""

    def __init__(self, path: str, *, now: Callable[[], datetime] = _utc_now) -> None:
        self.path = path
        self._now = now
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._user_from_row = _user
        self._mark_from_row = _mark

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

    async def close(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            async with self._lock:  # let a running transaction finish first
                await db.close()

    def _connection(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StoreError("the store is not open; call `await store.open()` first")
        return self._db

    def _clock(self) -> str:
        """Now as fixed-width UTC text, so ORDER BY on a time column is chronological."""
        now = self._now()
        if now.utcoffset() is None:
            raise ValueError(f"the store's clock must return aware datetimes, got {now!r}")
        return utc_text(now)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception (cancellation included)."""
        db = self._connection()
        async with self._lock:
            try:
                try:  # BEGIN inside: cancelled while queued, it still runs and must be undone
                    await db.execute("BEGIN IMMEDIATE")
                    yield db
                    await db.execute("COMMIT")
                except BaseException:
                    with suppress(sqlite3.OperationalError):  # "no transaction is active"
                        await db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as error:
                raise StoreError(f"SQLite error in {self.path}: {error}") from error

    async def _fetch(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        db = self._connection()
        async with self._lock:
            try:
                return list(await db.execute_fetchall(sql, params))
            except sqlite3.Error as error:
                raise StoreError(f"SQLite error in {self.path}: {error}") from error

    async def get_user(self, channel: str, channel_user_id: str) -> User | None:
        check_identity(channel, channel_user_id)
        rows = await self._fetch(_SELECT_USER, (channel, channel_user_id))
        return _user(rows[0]) if rows else None

    async def get_or_create_user(self, channel: str, channel_user_id: str, lang: str = "zh-TW") -> tuple[User, bool]:
        check_identity(channel, channel_user_id)
        stamp = self._clock()
        async with self._transaction() as db:
            await db.execute(_BUMP_EPOCH)  # a number spent for nothing when the person exists: harmless
            # ON CONFLICT + SELECT rather than SELECT-then-INSERT: safe against another process too.
            async with db.execute(
                "INSERT INTO users (channel, channel_user_id, lang, epoch, created_at, updated_at) "
                f"VALUES (?, ?, ?, ({_NEXT_EPOCH}), ?, ?) ON CONFLICT (channel, channel_user_id) DO NOTHING",
                (channel, channel_user_id, lang, stamp, stamp),
            ) as cursor:
                created = cursor.rowcount == 1
            rows = list(await db.execute_fetchall(_SELECT_USER, (channel, channel_user_id)))
        return _user(rows[0]), created

    async def next_epoch(self) -> int:
        async with self._transaction() as db:
            await db.execute(_BUMP_EPOCH)
            rows = list(await db.execute_fetchall(_NEXT_EPOCH))
        return int(rows[0][0])

    async def save_user(self, user: User) -> None:
        try:
            state_data = json.dumps(user.state_data, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise StoreError(f"state_data of user {user.id} is not JSON-serialisable: {error}") from error
        stamp = self._clock()
        async with (
            self._transaction() as db,
            db.execute(
                "UPDATE users SET plan_id = ?, lang = ?, reminders = ?, state = ?, state_data = ?, "
                "epoch = ?, active = ?, onboarded = ?, staff = ?, updated_at = ? WHERE id = ?",
                (
                    user.plan_id,
                    user.lang,
                    int(user.reminders),
                    user.state,
                    state_data,
                    user.epoch,
                    int(user.active),
                    int(user.onboarded),
                    json.dumps(user.staff, ensure_ascii=False),
                    stamp,
                    user.id,
                ),
            ) as cursor,
        ):
            if cursor.rowcount == 0:
                raise StoreError(f"user {user.id} does not exist (deleted meanwhile?)")
        user.updated_at = datetime.fromisoformat(stamp)

    async def set_active(self, channel: str, channel_user_id: str, active: bool) -> None:
        check_identity(channel, channel_user_id)
        stamp = self._clock()
        async with self._transaction() as db:
            await db.execute(
                "UPDATE users SET active = ?, updated_at = ? WHERE channel = ? AND channel_user_id = ?",
                (int(active), stamp, channel, channel_user_id),
            )

    async def set_mark(self, user_id: int, plan_id: str, mark: Mark) -> None:
        params = _mark_params(user_id, plan_id, mark, self._clock())
        async with self._transaction() as db:
            await db.execute(_UPSERT_MARK, params)

    async def remove_mark(self, user_id: int, plan_id: str, course_key: str) -> bool:
        async with (
            self._transaction() as db,
            db.execute(
                "DELETE FROM marks WHERE user_id = ? AND plan_id = ? AND course_key = ?",
                (user_id, plan_id, course_key),
            ) as cursor,
        ):
            return cursor.rowcount > 0

    async def marks(self, user_id: int, plan_id: str) -> list[Mark]:
        rows = await self._fetch(
            f"SELECT {MARK_COLUMNS} FROM marks WHERE user_id = ? AND plan_id = ? ORDER BY course_key",
            (user_id, plan_id),
        )
        return [_mark(row) for row in rows]

    async def replace_marks(self, user_id: int, plan_id: str, marks: Sequence[Mark]) -> None:
        """A course listed twice keeps its last mark, as repeated `set_mark` calls would."""
        stamp = self._clock()
        params = [_mark_params(user_id, plan_id, mark, stamp) for mark in marks]
        async with self._transaction() as db:
            await db.execute("DELETE FROM marks WHERE user_id = ? AND plan_id = ?", (user_id, plan_id))
            await db.executemany(_UPSERT_MARK, params)

    async def log_unanswered(self, plan_id: str | None, lang: str, text: str) -> None:
        stamp = self._clock()
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO unanswered (plan_id, lang, text, created_at) VALUES (?, ?, ?, ?)",
                (plan_id, lang, text[:MAX_QUESTION_CHARS], stamp),
            )

    async def unanswered(self, limit: int = 100) -> list[UnansweredQuestion]:
        rows = await self._fetch(
            "SELECT plan_id, lang, text, created_at FROM unanswered ORDER BY created_at DESC, id DESC LIMIT ?",
            (max(limit, 0),),
        )
        return [
            UnansweredQuestion(plan_id, lang, text, datetime.fromisoformat(created_at))
            for plan_id, lang, text, created_at in rows
        ]

    async def delete_user(self, user_id: int) -> None:
        async with self._transaction() as db:
            # Explicit, not only ON DELETE CASCADE: forgetting must not depend on a PRAGMA.
            await db.execute("DELETE FROM marks WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM deliveries WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM users WHERE id = ?", (user_id,))

    async def count_users(self) -> int:
        rows = await self._fetch("SELECT COUNT(*) FROM users")
        return int(rows[0][0])
