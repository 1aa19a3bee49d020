"""The outbox, reminder runs, the audit log, leases and seen webhook events: the queries,
for every SQL backend (see `sql_base`, and `outbox.py` for what the outbox promises)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

from bot.storage import rows
from bot.storage.outbox import AuditEntry, Broadcast, DeliveryKind, Job, Outcome, Sweep
from bot.storage.sql_base import SqlBase
from bot.storage.sql_people import marks_list

# A failed row waiting for its next try reads "retrying" in the counts; pending rows never
# claimed (attempts 0: new, or scheduled for later through not_before) read "pending".
_STATUS_SHOWN = (
    "CASE WHEN status = 'pending' AND not_before IS NOT NULL AND attempts > 0 THEN 'retrying' ELSE status END"
)
CANCELLED = "cancelled"  # the detail of an announcement's rows cancelled before their send
_OPEN = "status IN ('pending', 'sending')"
BULK_ROWS = 1000  # rows queued at once from which the planner is told of the table's new size
SEEN_SWEEP_EVERY = 500  # forget expired event ids once every so many sightings


class OutboxQueries(SqlBase):
    _sightings = 0

    async def queue_reminders(self, plan_id: str, deadline: date, offset_days: int) -> int:
        stamp = self._clock()
        prefix = f"reminder:{plan_id}:{deadline.isoformat()}:{offset_days}:"
        async with self._transaction() as tx:
            new = await tx.execute(
                "INSERT INTO deliveries (key, kind, user_id, plan_id, deadline, offset_days, created_at, updated_at) "
                f"SELECT {self._typed('TEXT')} || CAST(id AS TEXT), 'reminder', id, {self._typed('TEXT')}, "
                f"{self._typed('DATE')}, {self._typed('INTEGER')}, {self._typed('TIMESTAMPTZ')}, "
                f"{self._typed('TIMESTAMPTZ')} FROM users WHERE plan_id = ? AND reminders = TRUE AND active = TRUE "
                "AND onboarded = TRUE AND channel != 'console' ON CONFLICT (key) DO NOTHING",
                (prefix, plan_id, deadline, offset_days, stamp, stamp, plan_id),
            )
        if new >= BULK_ROWS:
            await self._analyze("deliveries")
        return new

    async def queue_broadcast(
        self,
        plan_id: str,
        audience: str,
        text: str,
        author: str,
        user_ids: Sequence[int],
        *,
        send_at: datetime | None = None,
    ) -> Broadcast:
        if send_at is not None and send_at.utcoffset() is None:
            raise ValueError(f"send_at must be timezone-aware, got {send_at.isoformat()}")
        stamp = self._clock()
        async with self._transaction() as tx:
            created = await tx.fetch(
                "INSERT INTO broadcasts (plan_id, audience, text, author, created_at, scheduled_for) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (plan_id, audience, text, author, stamp, send_at),
            )
            broadcast_id = int(created[0][0])
            if user_ids:
                await tx.executemany(
                    "INSERT INTO deliveries (key, kind, user_id, plan_id, broadcast_id, created_at, updated_at, "
                    "not_before) VALUES (?, 'broadcast', ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                    [
                        (f"broadcast:{broadcast_id}:{uid}", uid, plan_id, broadcast_id, stamp, stamp, send_at)
                        for uid in user_ids
                    ],
                )
        if len(user_ids) >= BULK_ROWS:
            await self._analyze("deliveries")
        found = await self.broadcast(broadcast_id)
        assert found is not None
        return found

    async def claim(self, channel: str, limit: int, *, kinds: Sequence[DeliveryKind], batch_key: str) -> list[Job]:
        if not kinds or limit < 1:
            return []
        now = self._clock()
        mine = f"u.channel = ? AND d.kind IN ({marks_list(len(kinds))})"
        due = f"{rows.JOB_SELECT} WHERE d.status = 'pending' AND d.not_before <= ? AND {mine} "
        fresh = f"{rows.JOB_SELECT} WHERE d.status = 'pending' AND d.not_before IS NULL AND {mine} "
        lock = self.CLAIM_LOCK
        async with self._transaction() as tx:
            # Rows due for another try go first, together and under their old batch key: LINE's
            # retry keys derive from it, so a request LINE had in fact accepted is not delivered twice.
            first = await tx.fetch(f"{due} ORDER BY d.not_before, d.id LIMIT 1{lock}", (now, channel, *kinds))
            if first:
                head = rows.job(first[0])
                batch_key = head.batch_key or batch_key
                found = first
                if head.batch_key:
                    found = await tx.fetch(
                        f"{due} AND d.batch_key = ? ORDER BY d.id LIMIT ?{lock}",
                        (now, channel, *kinds, batch_key, limit),
                    )
                elif head.kind == "broadcast":  # a scheduled announcement whose time came: never tried
                    found = await tx.fetch(
                        f"{due} AND d.batch_key IS NULL AND d.broadcast_id = ? AND u.lang = ? ORDER BY d.id "
                        f"LIMIT ?{lock}",
                        (now, channel, *kinds, head.broadcast_id, head.lang, limit),
                    )
            else:
                first = await tx.fetch(f"{fresh} ORDER BY d.id LIMIT 1{lock}", (channel, *kinds))
                if not first:
                    return []
                head = rows.job(first[0])
                if head.kind == "broadcast":
                    found = await tx.fetch(
                        f"{fresh} AND d.broadcast_id = ? AND u.lang = ? ORDER BY d.id LIMIT ?{lock}",
                        (channel, *kinds, head.broadcast_id, head.lang, limit),
                    )
                else:
                    found = await tx.fetch(
                        f"{fresh} AND d.kind = 'reminder' ORDER BY d.id LIMIT ?{lock}", (channel, *kinds, limit)
                    )
            jobs = [rows.job(row) for row in found]
            if jobs:
                await tx.executemany(
                    "UPDATE deliveries SET status = 'sending', batch_key = ?, attempts = attempts + 1, "
                    "not_before = NULL, updated_at = ? WHERE id = ?",
                    [(batch_key, now, job.id) for job in jobs],
                )
        return [replace(job, batch_key=batch_key, attempts=job.attempts + 1) for job in jobs]

    async def cancel_broadcast(self, broadcast_id: int) -> bool:
        now = self._clock()
        async with self._transaction() as tx:
            # Locked (PostgreSQL) and read as committed: a sender's claim in flight either
            # finished first (its rows read "sending" here: too late) or skips these rows.
            found = await tx.fetch(
                f"SELECT status, attempts FROM deliveries WHERE broadcast_id = ?{self.ROW_LOCK}", (broadcast_id,)
            )
            if any(row[0] != "pending" or int(row[1]) > 0 for row in found):
                return False
            done = await tx.execute(
                "UPDATE broadcasts SET cancelled_at = ?, finished_at = ?, reported_at = ? "
                "WHERE id = ? AND cancelled_at IS NULL",
                (now, now, now, broadcast_id),
            )
            if not done:
                return False
            await tx.execute(
                "UPDATE deliveries SET status = 'skipped', detail = ?, not_before = NULL, updated_at = ? "
                "WHERE broadcast_id = ? AND status = 'pending'",
                (CANCELLED, now, broadcast_id),
            )
        return True

    async def reclaim_orphans(self, uncertain_channels: Sequence[str] = ("telegram",)) -> list[Job]:
        names = marks_list(len(uncertain_channels)) or "NULL"
        async with self._transaction() as tx:
            await tx.execute(
                "UPDATE deliveries SET uncertain = TRUE WHERE status = 'sending' AND user_id IN "
                f"(SELECT id FROM users WHERE channel IN ({names}))",
                tuple(uncertain_channels),
            )
            found = await tx.fetch(f"{rows.JOB_SELECT} WHERE d.status = 'sending' ORDER BY d.batch_key, d.id")
        return [rows.job(row) for row in found]

    async def finish(self, outcomes: Sequence[Outcome]) -> None:
        if not outcomes:
            return
        now = self._clock()
        async with self._transaction() as tx:
            await tx.executemany(
                "UPDATE deliveries SET status = ?, detail = ?, not_before = ?, updated_at = ? WHERE id = ?",
                [(o.status, o.detail, now + o.retry_in if o.retry_in else None, now, o.delivery_id) for o in outcomes],
            )

    async def open_deliveries(self) -> dict[str, int]:
        found = await self._fetch(
            "SELECT u.channel, COUNT(*) FROM deliveries d JOIN users u ON u.id = d.user_id "
            f"WHERE d.{_OPEN} GROUP BY u.channel"
        )
        return {row[0]: int(row[1]) for row in found}

    async def outbox_depth(self) -> dict[tuple[str, str], int]:
        # An announcement scheduled for later is not a backlog: its rows count once their time came.
        found = await self._fetch(
            "SELECT u.channel, d.kind, COUNT(*) FROM deliveries d JOIN users u ON u.id = d.user_id "
            f"WHERE d.{_OPEN} AND NOT (d.attempts = 0 AND d.not_before IS NOT NULL AND d.not_before > ?) "
            "GROUP BY u.channel, d.kind",
            (self._clock(),),
        )
        return {(row[0], row[1]): int(row[2]) for row in found}

    async def _broadcasts(self, where: str, params: tuple[Any, ...], limit: int) -> list[Broadcast]:
        found = await self._fetch(
            f"SELECT {rows.BROADCAST_COLUMNS} FROM broadcasts {where} ORDER BY id DESC LIMIT ?", (*params, limit)
        )
        if not found:
            return []
        ids = [row["id"] for row in found]
        counts: dict[int, dict[str, int]] = {i: {} for i in ids}
        uncertain: dict[int, int] = dict.fromkeys(ids, 0)
        for row in await self._fetch(
            f"SELECT broadcast_id, {_STATUS_SHOWN} AS shown, COUNT(*), SUM(CASE WHEN uncertain THEN 1 ELSE 0 END) "
            f"FROM deliveries WHERE broadcast_id IN ({marks_list(len(ids))}) GROUP BY broadcast_id, shown",
            ids,
        ):
            counts[row[0]][row[1]] = int(row[2])
            uncertain[row[0]] += int(row[3] or 0)
        return [rows.broadcast(row, counts[row["id"]], uncertain[row["id"]]) for row in found]

    async def broadcast(self, broadcast_id: int) -> Broadcast | None:
        found = await self._broadcasts("WHERE id = ?", (broadcast_id,), 1)
        return found[0] if found else None

    async def broadcasts(self, limit: int = 20) -> list[Broadcast]:
        return await self._broadcasts("", (), limit)

    async def finished_unreported(self) -> list[Broadcast]:
        stamp = self._clock()
        async with self._transaction() as tx:
            await tx.execute(
                "UPDATE broadcasts SET finished_at = ? WHERE finished_at IS NULL AND NOT EXISTS (SELECT 1 "
                f"FROM deliveries d WHERE d.broadcast_id = broadcasts.id AND d.{_OPEN})",
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
        await self._stamp_broadcast("delay_reported_at", broadcast_id)

    async def mark_reported(self, broadcast_id: int) -> None:
        await self._stamp_broadcast("reported_at", broadcast_id)

    async def _stamp_broadcast(self, column: Literal["reported_at", "delay_reported_at"], broadcast_id: int) -> None:
        stamp = self._clock()
        async with self._transaction() as tx:
            await tx.execute(f"UPDATE broadcasts SET {column} = ? WHERE id = ?", (stamp, broadcast_id))

    async def reminder_deliveries(self, plan_id: str, deadline: date, offset_days: int) -> dict[str, int]:
        found = await self._fetch(
            "SELECT status, COUNT(*) FROM deliveries WHERE kind = 'reminder' AND plan_id = ? AND deadline = ? "
            "AND offset_days = ? GROUP BY status",
            (plan_id, deadline, offset_days),
        )
        return {row[0]: int(row[1]) for row in found}

    async def reminder_statuses(self, plan_id: str, deadline: date, offset_days: int) -> dict[int, str]:
        found = await self._fetch(
            "SELECT user_id, status FROM deliveries WHERE kind = 'reminder' AND plan_id = ? AND deadline = ? "
            "AND offset_days = ?",
            (plan_id, deadline, offset_days),
        )
        return {int(row[0]): row[1] for row in found}

    # ---- reminder runs

    async def record_sweep(self, day: date, status: Literal["done", "skipped"], queued: int, note: str = "") -> None:
        stamp = self._clock()
        async with self._transaction() as tx:
            await tx.execute(
                "INSERT INTO reminder_sweeps (day, status, queued, note, at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (day) DO UPDATE SET status = excluded.status, queued = reminder_sweeps.queued + "
                "excluded.queued, note = excluded.note, at = excluded.at",
                (day, status, queued, note, stamp),
            )

    async def sweep(self, day: date) -> Sweep | None:
        found = await self._fetch("SELECT day, status, queued, note, at FROM reminder_sweeps WHERE day = ?", (day,))
        return rows.sweep(found[0]) if found else None

    async def last_sweep_day(self) -> date | None:
        found = await self._fetch("SELECT MAX(day) FROM reminder_sweeps")
        return rows.as_date(found[0][0]) if found else None

    # ---- audit, leases, seen events, health

    async def audit(self, actor: str, action: str, detail: dict[str, Any], audience_size: int | None = None) -> None:
        stamp = self._clock()
        async with self._transaction() as tx:
            await tx.execute(
                "INSERT INTO audit_log (at, actor, action, detail, audience_size) VALUES (?, ?, ?, ?, ?)",
                (stamp, actor, action, json.dumps(detail, ensure_ascii=False, default=str), audience_size),
            )

    async def audit_log(self, limit: int = 50) -> list[AuditEntry]:
        found = await self._fetch(
            "SELECT at, actor, action, detail, audience_size FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [rows.audit_entry(row) for row in found]

    async def acquire_lease(self, name: str, holder: str, seconds: float) -> bool:
        now = self._clock()
        async with self._transaction() as tx:
            taken = await tx.execute(
                "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "holder = excluded.holder, expires_at = excluded.expires_at "
                "WHERE leases.holder = excluded.holder OR leases.expires_at < ?",
                (name, holder, now + timedelta(seconds=seconds), now),
            )
        return taken == 1

    async def release_lease(self, name: str, holder: str) -> None:
        async with self._transaction() as tx:
            await tx.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))

    async def lease_holders(self, prefix: str) -> list[str]:
        found = await self._fetch(
            "SELECT holder FROM leases WHERE substr(name, 1, ?) = ? AND expires_at >= ? ORDER BY name",
            (len(prefix), prefix, self._clock()),  # a plain prefix: no LIKE wildcards to escape
        )
        return [row[0] for row in found]

    async def first_sighting(self, key: str, keep: timedelta) -> bool:
        now = self._clock()
        async with self._transaction() as tx:
            self._sightings += 1  # this store's count: the class's 0 is only where it starts
            if self._sightings % SEEN_SWEEP_EVERY == 0:
                await tx.execute("DELETE FROM seen_events WHERE expires_at < ?", (now,))
            # An id seen before but expired counts as new again: the platforms resend within minutes.
            new = await tx.execute(
                "INSERT INTO seen_events (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                "expires_at = excluded.expires_at WHERE seen_events.expires_at < ?",
                (key, now + keep, now),
            )
        return new == 1

    async def probe(self) -> None:
        stamp = self._clock()
        async with self._transaction() as tx:
            await tx.execute(
                "INSERT INTO health (name, at) VALUES ('probe', ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at",
                (stamp,),
            )
            # Every row of the table that matters (a column no index holds, so the rows themselves
            # are read): a damaged page fails here rather than in the next person's turn.
            await tx.fetch("SELECT COUNT(state_data) FROM users")
