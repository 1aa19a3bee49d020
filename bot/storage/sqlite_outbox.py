"""SQLite queries for the outbox, bulk reads, the audit log and leases.

A mixin of `SqliteStore`, kept apart so each file stays about one thing; it uses the
store's one connection, lock and transaction helper.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import aiosqlite

from bot.storage.base import Mark, User
from bot.storage.outbox import AuditEntry, Broadcast, DeliveryKind, Job, Outcome, Sweep

_PAGE = 500  # ids per IN (…) list: well under SQLite's 32,766 bound parameters

_JOB_SELECT = """
    SELECT d.id, d.kind, d.user_id, u.channel, u.channel_user_id, u.lang, u.epoch, u.plan_id AS user_plan_id,
           u.reminders, u.active, d.plan_id, d.deadline, d.offset_days, d.broadcast_id, d.batch_key, d.uncertain,
           d.created_at AS queued_at, d.attempts, u.staff
    FROM deliveries d JOIN users u ON u.id = d.user_id
"""
# A failed row waiting for its next try reads "retrying" in the counts; pending rows without
# `not_before` were never tried.
_STATUS_SHOWN = "CASE WHEN status = 'pending' AND not_before IS NOT NULL THEN 'retrying' ELSE status END"


def _job(row: sqlite3.Row) -> Job:
    return Job(
        id=row["id"], kind=row["kind"], user_id=row["user_id"], channel=row["channel"],
        channel_user_id=row["channel_user_id"], lang=row["lang"], epoch=row["epoch"],
        user_plan_id=row["user_plan_id"], reminders=bool(row["reminders"]), active=bool(row["active"]),
        plan_id=row["plan_id"], deadline=date.fromisoformat(row["deadline"]) if row["deadline"] else None,
        offset_days=row["offset_days"], broadcast_id=row["broadcast_id"], batch_key=row["batch_key"] or "",
        uncertain=bool(row["uncertain"]), queued_at=_time(row["queued_at"]), attempts=int(row["attempts"]),
        staff=json.loads(row["staff"]),
    )  # fmt: skip


def _broadcast(row: sqlite3.Row, counts: dict[str, int], uncertain: int) -> Broadcast:
    return Broadcast(
        id=row["id"], plan_id=row["plan_id"], audience=row["audience"], text=row["text"], author=row["author"],
        created_at=datetime.fromisoformat(row["created_at"]), finished_at=_time(row["finished_at"]),
        reported_at=_time(row["reported_at"]), counts=counts, uncertain=uncertain,
        delay_reported_at=_time(row["delay_reported_at"]),
    )  # fmt: skip


def utc_text(moment: datetime) -> str:
    """The store's fixed-width UTC text, so that times compare as strings."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _pages(items: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), _PAGE):
        yield items[start : start + _PAGE]


class SqliteOutbox:
    """Outbox and bulk queries; `SqliteStore` provides the connection helpers below."""

    _transaction: Callable[[], AbstractAsyncContextManager[aiosqlite.Connection]]
    _fetch: Callable[..., Any]
    _clock: Callable[[], str]
    _user_from_row: Callable[[sqlite3.Row], User]
    _mark_from_row: Callable[[sqlite3.Row], Mark]

    # ---- people in bulk

    async def users_of_plan(
        self, plan_id: str, *, after_id: int = 0, limit: int = 1000, reminders_only: bool = False
    ) -> list[User]:
        from bot.storage.sqlite import USER_COLUMNS

        rows = await self._fetch(
            f"SELECT {USER_COLUMNS} FROM users WHERE plan_id = ? AND active = 1 AND onboarded = 1 AND id > ? "
            f"{'AND reminders = 1 ' if reminders_only else ''}ORDER BY id LIMIT ?",
            (plan_id, after_id, max(limit, 0)),
        )
        return [self._user_from_row(row) for row in rows]

    async def marks_of(self, user_ids: Sequence[int], plan_id: str) -> dict[int, list[Mark]]:
        from bot.storage.sqlite import MARK_COLUMNS

        found: dict[int, list[Mark]] = {uid: [] for uid in user_ids}
        for page in _pages(list(user_ids)):
            marks = ", ".join("?" * len(page))
            rows = await self._fetch(
                f"SELECT user_id, {MARK_COLUMNS} FROM marks WHERE plan_id = ? AND user_id IN ({marks}) "
                "ORDER BY user_id, course_key",
                (plan_id, *page),
            )
            for row in rows:
                found[row["user_id"]].append(self._mark_from_row(row))
        return found

    async def people_by_plan_channel(self) -> list[tuple[str | None, str, int, int]]:
        rows = await self._fetch(
            "SELECT plan_id, channel, COUNT(*), SUM(active) FROM users GROUP BY plan_id, channel "
            "ORDER BY plan_id IS NULL, plan_id, channel"
        )
        return [(row[0], row[1], int(row[2]), int(row[3] or 0)) for row in rows]

    async def frequent_unanswered(self, limit: int = 10) -> list[tuple[str, int]]:
        rows = await self._fetch(
            "SELECT text, COUNT(*) AS n, MAX(created_at) AS latest FROM unanswered GROUP BY text "
            "ORDER BY n DESC, latest DESC LIMIT ?",
            (max(limit, 0),),
        )
        return [(row[0], int(row[1])) for row in rows]

    # ---- outbox

    async def queue_reminders(self, plan_id: str, deadline: date, offset_days: int) -> int:
        stamp = self._clock()
        prefix = f"reminder:{plan_id}:{deadline.isoformat()}:{offset_days}:"
        async with (
            self._transaction() as db,
            db.execute(
                "INSERT INTO deliveries (key, kind, user_id, plan_id, deadline, offset_days, created_at, updated_at) "
                "SELECT ? || id, 'reminder', id, ?, ?, ?, ?, ? FROM users "
                "WHERE plan_id = ? AND reminders = 1 AND active = 1 AND onboarded = 1 AND channel != 'console' "
                "ON CONFLICT (key) DO NOTHING",
                (prefix, plan_id, deadline.isoformat(), offset_days, stamp, stamp, plan_id),
            ) as cursor,
        ):
            return max(cursor.rowcount, 0)

    async def queue_broadcast(
        self, plan_id: str, audience: str, text: str, author: str, user_ids: Sequence[int]
    ) -> Broadcast:
        stamp = self._clock()
        async with self._transaction() as db:
            async with db.execute(
                "INSERT INTO broadcasts (plan_id, audience, text, author, created_at) VALUES (?, ?, ?, ?, ?)",
                (plan_id, audience, text, author, stamp),
            ) as cursor:
                broadcast_id = int(cursor.lastrowid or 0)
            await db.executemany(
                "INSERT INTO deliveries (key, kind, user_id, plan_id, broadcast_id, created_at, updated_at) "
                "VALUES (?, 'broadcast', ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                [(f"broadcast:{broadcast_id}:{uid}", uid, plan_id, broadcast_id, stamp, stamp) for uid in user_ids],
            )
        found = await self.broadcast(broadcast_id)
        assert found is not None
        return found

    async def claim(self, channel: str, limit: int, *, kinds: Sequence[DeliveryKind], batch_key: str) -> list[Job]:
        if not kinds or limit < 1:
            return []
        now = self._clock()
        kind_marks = ", ".join("?" * len(kinds))
        mine = f"u.channel = ? AND d.kind IN ({kind_marks})"
        due = f"{_JOB_SELECT} WHERE d.status = 'pending' AND d.not_before <= ? AND {mine} "
        fresh = f"{_JOB_SELECT} WHERE d.status = 'pending' AND d.not_before IS NULL AND {mine} "
        async with self._transaction() as db:
            # Rows due for another try go first, together and under their old batch key: LINE's
            # retry keys derive from it, so a request LINE had in fact accepted is not delivered twice.
            first = list(
                await db.execute_fetchall(f"{due} ORDER BY d.not_before, d.id LIMIT 1", (now, channel, *kinds))
            )
            if first:
                head = _job(first[0])
                batch_key = head.batch_key or batch_key
                rows: Iterable[sqlite3.Row] = first
                if head.batch_key:
                    rows = await db.execute_fetchall(
                        f"{due} AND d.batch_key = ? ORDER BY d.id LIMIT ?", (now, channel, *kinds, batch_key, limit)
                    )
            else:
                first = list(await db.execute_fetchall(f"{fresh} ORDER BY d.id LIMIT 1", (channel, *kinds)))
                if not first:
                    return []
                head = _job(first[0])
                if head.kind == "broadcast":
                    rows = await db.execute_fetchall(
                        f"{fresh} AND d.broadcast_id = ? AND u.lang = ? ORDER BY d.id LIMIT ?",
                        (channel, *kinds, head.broadcast_id, head.lang, limit),
                    )
                else:
                    rows = await db.execute_fetchall(
                        f"{fresh} AND d.kind = 'reminder' ORDER BY d.id LIMIT ?", (channel, *kinds, limit)
                    )
            jobs = [_job(row) for row in rows]
            await db.executemany(
                "UPDATE deliveries SET status = 'sending', batch_key = ?, attempts = attempts + 1, not_before = NULL, "
                "updated_at = ? WHERE id = ?",
                [(batch_key, now, job.id) for job in jobs],
            )
        return [replace(job, batch_key=batch_key, attempts=job.attempts + 1) for job in jobs]

    async def reclaim_orphans(self, uncertain_channels: Sequence[str] = ("telegram",)) -> list[Job]:
        marks = ", ".join("?" * len(uncertain_channels)) or "NULL"
        async with self._transaction() as db:
            await db.execute(
                "UPDATE deliveries SET uncertain = 1 WHERE status = 'sending' AND user_id IN "
                f"(SELECT id FROM users WHERE channel IN ({marks}))",
                tuple(uncertain_channels),
            )
            rows = list(
                await db.execute_fetchall(f"{_JOB_SELECT} WHERE d.status = 'sending' ORDER BY d.batch_key, d.id")
            )
        return [_job(row) for row in rows]

    async def finish(self, outcomes: Sequence[Outcome]) -> None:
        if not outcomes:
            return
        stamp = self._clock()
        now = datetime.fromisoformat(stamp)
        async with self._transaction() as db:
            await db.executemany(
                "UPDATE deliveries SET status = ?, detail = ?, not_before = ?, updated_at = ? WHERE id = ?",
                [
                    (o.status, o.detail, utc_text(now + o.retry_in) if o.retry_in else None, stamp, o.delivery_id)
                    for o in outcomes
                ],
            )

    async def open_deliveries(self) -> dict[str, int]:
        rows = await self._fetch(
            "SELECT u.channel, COUNT(*) FROM deliveries d JOIN users u ON u.id = d.user_id "
            "WHERE d.status IN ('pending', 'sending') GROUP BY u.channel"
        )
        return {row[0]: int(row[1]) for row in rows}

    async def _broadcasts(self, where: str, params: tuple[Any, ...], limit: int) -> list[Broadcast]:
        rows = await self._fetch(
            "SELECT id, plan_id, audience, text, author, created_at, finished_at, reported_at, delay_reported_at "
            "FROM broadcasts "
            f"{where} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        marks = ", ".join("?" * len(ids))
        counts: dict[int, dict[str, int]] = {i: {} for i in ids}
        uncertain: dict[int, int] = dict.fromkeys(ids, 0)
        for row in await self._fetch(
            f"SELECT broadcast_id, {_STATUS_SHOWN} AS shown, COUNT(*), SUM(uncertain) FROM deliveries "
            f"WHERE broadcast_id IN ({marks}) GROUP BY broadcast_id, shown",
            ids,
        ):
            counts[row[0]][row[1]] = int(row[2])
            uncertain[row[0]] += int(row[3] or 0)
        return [_broadcast(row, counts[row["id"]], uncertain[row["id"]]) for row in rows]

    async def broadcast(self, broadcast_id: int) -> Broadcast | None:
        found = await self._broadcasts("WHERE id = ?", (broadcast_id,), 1)
        return found[0] if found else None

    async def broadcasts(self, limit: int = 20) -> list[Broadcast]:
        return await self._broadcasts("", (), limit)

    async def finished_unreported(self) -> list[Broadcast]:
        stamp = self._clock()
        async with self._transaction() as db:
            await db.execute(
                "UPDATE broadcasts SET finished_at = ? WHERE finished_at IS NULL AND NOT EXISTS (SELECT 1 "
                "FROM deliveries d WHERE d.broadcast_id = broadcasts.id AND d.status IN ('pending', 'sending'))",
                (stamp,),
            )
        return await self._broadcasts("WHERE finished_at IS NOT NULL AND reported_at IS NULL", (), 100)

    async def delayed_unreported(self) -> list[Broadcast]:
        found = await self._broadcasts(
            "WHERE delay_reported_at IS NULL AND finished_at IS NULL AND EXISTS (SELECT 1 FROM deliveries d "
            "WHERE d.broadcast_id = broadcasts.id AND d.status = 'pending' AND d.not_before IS NOT NULL)",
            (),
            100,
        )
        return [b for b in found if b.retrying]

    async def mark_delay_reported(self, broadcast_id: int) -> None:
        stamp = self._clock()
        async with self._transaction() as db:
            await db.execute("UPDATE broadcasts SET delay_reported_at = ? WHERE id = ?", (stamp, broadcast_id))

    async def mark_reported(self, broadcast_id: int) -> None:
        stamp = self._clock()
        async with self._transaction() as db:
            await db.execute("UPDATE broadcasts SET reported_at = ? WHERE id = ?", (stamp, broadcast_id))

    async def reminder_deliveries(self, plan_id: str, deadline: date, offset_days: int) -> dict[str, int]:
        rows = await self._fetch(
            "SELECT status, COUNT(*) FROM deliveries WHERE kind = 'reminder' AND plan_id = ? AND deadline = ? "
            "AND offset_days = ? GROUP BY status",
            (plan_id, deadline.isoformat(), offset_days),
        )
        return {row[0]: int(row[1]) for row in rows}

    async def reminder_statuses(self, plan_id: str, deadline: date, offset_days: int) -> dict[int, str]:
        rows = await self._fetch(
            "SELECT user_id, status FROM deliveries WHERE kind = 'reminder' AND plan_id = ? AND deadline = ? "
            "AND offset_days = ?",
            (plan_id, deadline.isoformat(), offset_days),
        )
        return {int(row[0]): row[1] for row in rows}

    # ---- reminder runs

    async def record_sweep(self, day: date, status: Literal["done", "skipped"], queued: int, note: str = "") -> None:
        stamp = self._clock()
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO reminder_sweeps (day, status, queued, note, at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (day) DO UPDATE SET status = excluded.status, queued = reminder_sweeps.queued + "
                "excluded.queued, note = excluded.note, at = excluded.at",
                (day.isoformat(), status, queued, note, stamp),
            )

    async def sweep(self, day: date) -> Sweep | None:
        rows = await self._fetch(
            "SELECT day, status, queued, note, at FROM reminder_sweeps WHERE day = ?", (day.isoformat(),)
        )
        if not rows:
            return None
        row = rows[0]
        return Sweep(date.fromisoformat(row[0]), row[1], int(row[2]), row[3], datetime.fromisoformat(row[4]))

    async def last_sweep_day(self) -> date | None:
        rows = await self._fetch("SELECT MAX(day) FROM reminder_sweeps")
        return date.fromisoformat(rows[0][0]) if rows and rows[0][0] else None

    # ---- audit and leases

    async def audit(self, actor: str, action: str, detail: dict[str, Any], audience_size: int | None = None) -> None:
        stamp = self._clock()
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO audit_log (at, actor, action, detail, audience_size) VALUES (?, ?, ?, ?, ?)",
                (stamp, actor, action, json.dumps(detail, ensure_ascii=False, default=str), audience_size),
            )

    async def audit_log(self, limit: int = 50) -> list[AuditEntry]:
        rows = await self._fetch(
            "SELECT at, actor, action, detail, audience_size FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [AuditEntry(datetime.fromisoformat(row[0]), row[1], row[2], json.loads(row[3]), row[4]) for row in rows]

    async def acquire_lease(self, name: str, holder: str, seconds: float) -> bool:
        now = datetime.fromisoformat(self._clock())
        expires = utc_text(now + timedelta(seconds=seconds))
        async with (
            self._transaction() as db,
            db.execute(
                "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "holder = excluded.holder, expires_at = excluded.expires_at "
                "WHERE leases.holder = excluded.holder OR leases.expires_at < ?",
                (name, holder, expires, utc_text(now)),
            ) as cursor,
        ):
            return cursor.rowcount == 1

    async def release_lease(self, name: str, holder: str) -> None:
        async with self._transaction() as db:
            await db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))
