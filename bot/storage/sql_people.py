"""People, their marks and the questions the bot could not answer: the queries, for every
SQL backend (see `sql_base`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from bot.storage import rows
from bot.storage.base import Mark, StoreError, UnansweredQuestion, User, check_identity
from bot.storage.sql_base import SqlBase

# A question longer than this is most likely a pasted learning record: keep the gist, not the record.
MAX_QUESTION_CHARS = 1000
PAGE = 500  # ids per IN (…) list: well under SQLite's 32,766 bound parameters

_SELECT_USER = f"SELECT {rows.USER_COLUMNS} FROM users WHERE channel = ? AND channel_user_id = ?"
_UPSERT_MARK = f"""
    INSERT INTO marks (user_id, plan_id, {rows.MARK_COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (user_id, plan_id, course_key) DO UPDATE SET
        source = excluded.source, completed_on = excluded.completed_on, off_duty = excluded.off_duty,
        start_at = excluded.start_at, end_at = excluded.end_at, updated_at = excluded.updated_at
"""
# One counter for every epoch handed out: bumped, then read, inside the caller's transaction.
_BUMP_EPOCH = "UPDATE counters SET value = value + 1 WHERE name = 'epoch'"
_NEXT_EPOCH = "SELECT value FROM counters WHERE name = 'epoch'"


def pages(items: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), PAGE):
        yield items[start : start + PAGE]


def marks_list(count: int) -> str:
    return ", ".join("?" * count)


class PeopleQueries(SqlBase):
    async def get_user(self, channel: str, channel_user_id: str) -> User | None:
        check_identity(channel, channel_user_id)
        found = await self._point_read(_SELECT_USER, (channel, channel_user_id))
        return rows.user(found[0]) if found else None

    async def get_or_create_user(self, channel: str, channel_user_id: str, lang: str = "zh-TW") -> tuple[User, bool]:
        check_identity(channel, channel_user_id)
        stamp = self._clock()
        async with self._transaction() as tx:
            await tx.execute(_BUMP_EPOCH)  # a number spent for nothing when the person exists: harmless
            # ON CONFLICT + SELECT rather than SELECT-then-INSERT: safe against another process too.
            created = await tx.execute(
                "INSERT INTO users (channel, channel_user_id, lang, epoch, created_at, updated_at) "
                f"VALUES (?, ?, ?, ({_NEXT_EPOCH}), ?, ?) ON CONFLICT (channel, channel_user_id) DO NOTHING",
                (channel, channel_user_id, lang, stamp, stamp),
            )
            found = await tx.fetch(_SELECT_USER, (channel, channel_user_id))
        return rows.user(found[0]), created == 1

    async def next_epoch(self) -> int:
        async with self._transaction() as tx:
            await tx.execute(_BUMP_EPOCH)
            found = await tx.fetch(_NEXT_EPOCH)
        return int(found[0][0])

    async def save_user(self, user: User) -> None:
        try:
            state_data = json.dumps(user.state_data, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise StoreError(f"state_data of user {user.id} is not JSON-serialisable: {error}") from error
        stamp = self._clock()
        changed = await self._point_write(
            "UPDATE users SET plan_id = ?, lang = ?, reminders = ?, state = ?, state_data = ?, "
            "epoch = ?, active = ?, onboarded = ?, staff = ?, updated_at = ? WHERE id = ?",
            (
                user.plan_id, user.lang, user.reminders, user.state, state_data, user.epoch, user.active,
                user.onboarded, json.dumps(user.staff, ensure_ascii=False), stamp, user.id,
            ),
        )  # fmt: skip
        if changed == 0:
            raise StoreError(f"user {user.id} does not exist (deleted meanwhile?)")
        user.updated_at = stamp

    async def set_active(self, channel: str, channel_user_id: str, active: bool) -> None:
        check_identity(channel, channel_user_id)
        stamp = self._clock()
        await self._write(
            "UPDATE users SET active = ?, updated_at = ? WHERE channel = ? AND channel_user_id = ?",
            (active, stamp, channel, channel_user_id),
        )

    async def set_mark(self, user_id: int, plan_id: str, mark: Mark) -> None:
        params = rows.mark_params(user_id, plan_id, mark, self._clock())
        async with self._transaction() as tx:
            await tx.execute(_UPSERT_MARK, params)

    async def remove_mark(self, user_id: int, plan_id: str, course_key: str) -> bool:
        async with self._transaction() as tx:
            removed = await tx.execute(
                "DELETE FROM marks WHERE user_id = ? AND plan_id = ? AND course_key = ?",
                (user_id, plan_id, course_key),
            )
        return removed > 0

    async def marks(self, user_id: int, plan_id: str) -> list[Mark]:
        found = await self._fetch(
            f"SELECT {rows.MARK_COLUMNS} FROM marks WHERE user_id = ? AND plan_id = ? ORDER BY course_key",
            (user_id, plan_id),
        )
        return [rows.mark(row) for row in found]

    async def replace_marks(self, user_id: int, plan_id: str, marks: Sequence[Mark]) -> None:
        """A course listed twice keeps its last mark, as repeated `set_mark` calls would."""
        stamp = self._clock()
        latest = {mark.course_key: mark for mark in marks}  # one upsert per course, in one statement batch
        params = [rows.mark_params(user_id, plan_id, mark, stamp) for mark in latest.values()]
        async with self._transaction() as tx:
            await tx.execute("DELETE FROM marks WHERE user_id = ? AND plan_id = ?", (user_id, plan_id))
            if params:
                await tx.executemany(_UPSERT_MARK, params)

    async def log_unanswered(self, plan_id: str | None, lang: str, text: str) -> None:
        stamp = self._clock()
        async with self._transaction() as tx:
            await tx.execute(
                "INSERT INTO unanswered (plan_id, lang, text, created_at) VALUES (?, ?, ?, ?)",
                (plan_id, lang, text[:MAX_QUESTION_CHARS], stamp),
            )

    async def unanswered(self, limit: int = 100) -> list[UnansweredQuestion]:
        found = await self._fetch(
            "SELECT plan_id, lang, text, created_at FROM unanswered ORDER BY created_at DESC, id DESC LIMIT ?",
            (max(limit, 0),),
        )
        return [
            UnansweredQuestion(row["plan_id"], row["lang"], row["text"], rows.as_time(row["created_at"]))  # type: ignore[arg-type]
            for row in found
        ]

    async def delete_user(self, user_id: int) -> None:
        async with self._transaction() as tx:
            # Explicit, not only ON DELETE CASCADE: forgetting must not depend on a PRAGMA.
            await tx.execute("DELETE FROM marks WHERE user_id = ?", (user_id,))
            await tx.execute("DELETE FROM deliveries WHERE user_id = ?", (user_id,))
            await tx.execute("DELETE FROM users WHERE id = ?", (user_id,))

    async def count_users(self) -> int:
        found = await self._fetch("SELECT COUNT(*) FROM users")
        return int(found[0][0])

    # ---- people in bulk

    async def users_of_plan(
        self, plan_id: str, *, after_id: int = 0, limit: int = 1000, reminders_only: bool = False
    ) -> list[User]:
        found = await self._fetch(
            f"SELECT {rows.USER_COLUMNS} FROM users WHERE plan_id = ? AND active = TRUE AND onboarded = TRUE "
            f"AND id > ? {'AND reminders = TRUE ' if reminders_only else ''}ORDER BY id LIMIT ?",
            (plan_id, after_id, max(limit, 0)),
        )
        return [rows.user(row) for row in found]

    async def marks_of(self, user_ids: Sequence[int], plan_id: str) -> dict[int, list[Mark]]:
        found: dict[int, list[Mark]] = {uid: [] for uid in user_ids}
        for page in pages(list(user_ids)):
            for row in await self._fetch(
                f"SELECT user_id, {rows.MARK_COLUMNS} FROM marks WHERE plan_id = ? "
                f"AND user_id IN ({marks_list(len(page))}) ORDER BY user_id, course_key",
                (plan_id, *page),
            ):
                found[row["user_id"]].append(rows.mark(row))
        return found

    async def people_by_plan_channel(self) -> list[tuple[str | None, str, int, int]]:
        found = await self._fetch(
            "SELECT plan_id, channel, COUNT(*), SUM(CASE WHEN active THEN 1 ELSE 0 END) FROM users "
            "GROUP BY plan_id, channel ORDER BY plan_id IS NULL, plan_id, channel"
        )
        return [(row[0], row[1], int(row[2]), int(row[3] or 0)) for row in found]

    async def frequent_unanswered(self, limit: int = 10) -> list[tuple[str, int]]:
        found = await self._fetch(
            "SELECT text, COUNT(*) AS n, MAX(created_at) AS latest FROM unanswered GROUP BY text "
            "ORDER BY n DESC, latest DESC LIMIT ?",
            (max(limit, 0),),
        )
        return [(row[0], int(row[1])) for row in found]
