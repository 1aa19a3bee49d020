"""The console's queries (login links, sessions, published plans, settings, figure snapshots),
for every SQL backend (see `sql_base`, and `console.py` for what each keeps)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from bot.storage import rows
from bot.storage.console import ConsoleSession, FigureSnapshot, PublishedPlan, Setting
from bot.storage.sql_base import SqlBase

_PLAN_COLUMNS = "id, filename, version, text, published_by, published_at"


def _check_digest(digest: str) -> None:
    """A token itself passed where its digest belongs would be stored in the clear: refuse it."""
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError("pass the SHA-256 hex digest of the token (64 lowercase hex digits), never the token")


class ConsoleQueries(SqlBase):
    # ---- login links and sessions

    async def issue_console_link(self, digest: str, admin: str, expires_at: datetime) -> None:
        _check_digest(digest)
        now = self._clock()
        async with self._transaction() as tx:
            await tx.execute("DELETE FROM console_links WHERE expires_at < ?", (now,))
            await tx.execute(
                "INSERT INTO console_links (digest, admin, expires_at) VALUES (?, ?, ?)", (digest, admin, expires_at)
            )

    async def redeem_console_link(self, digest: str, now: datetime) -> str | None:
        async with self._transaction() as tx:
            found = await tx.fetch(
                "UPDATE console_links SET used_at = ? WHERE digest = ? AND used_at IS NULL AND expires_at > ? "
                "RETURNING admin",
                (now, digest, now),
            )
        return str(found[0][0]) if found else None

    async def open_console_session(self, digest: str, admin: str, csrf: str, expires_at: datetime) -> None:
        _check_digest(digest)
        now = self._clock()
        async with self._transaction() as tx:
            await tx.execute("DELETE FROM console_sessions WHERE expires_at < ?", (now,))
            await tx.execute(
                "INSERT INTO console_sessions (digest, admin, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                (digest, admin, csrf, now, expires_at),
            )

    async def console_session(self, digest: str, now: datetime) -> ConsoleSession | None:
        found = await self._fetch(
            "SELECT admin, csrf, expires_at FROM console_sessions WHERE digest = ? AND expires_at > ?", (digest, now)
        )
        if not found:
            return None
        expires = rows.as_time(found[0]["expires_at"])
        assert expires is not None
        return ConsoleSession(found[0]["admin"], found[0]["csrf"], expires)

    async def close_console_session(self, digest: str) -> None:
        await self._write("DELETE FROM console_sessions WHERE digest = ?", (digest,))

    # ---- published plans

    async def store_published_plan(self, filename: str, text: str, actor: str) -> PublishedPlan:
        stamp = self._clock()
        async with self._transaction() as tx:
            await self._hold(tx, f"publish:{filename}")  # two instances publishing it at once: one after the other
            found = await tx.fetch(
                "INSERT INTO published_plans (filename, version, text, published_by, published_at) "
                f"SELECT {self._typed('TEXT')}, COALESCE(MAX(version), 0) + 1, {self._typed('TEXT')}, "
                f"{self._typed('TEXT')}, {self._typed('TIMESTAMPTZ')} FROM published_plans WHERE filename = ? "
                f"RETURNING {_PLAN_COLUMNS}",
                (filename, text, actor, stamp, filename),
            )
        return _plan(found[0])

    async def published_plans(self) -> list[PublishedPlan]:
        found = await self._fetch(
            f"SELECT {_PLAN_COLUMNS} FROM published_plans p WHERE version = "
            "(SELECT MAX(version) FROM published_plans q WHERE q.filename = p.filename) ORDER BY filename"
        )
        return [_plan(row) for row in found]

    async def plan_versions(self, filename: str) -> list[PublishedPlan]:
        found = await self._fetch(
            f"SELECT {_PLAN_COLUMNS} FROM published_plans WHERE filename = ? ORDER BY version DESC", (filename,)
        )
        return [_plan(row) for row in found]

    async def plans_version(self) -> int:
        found = await self._fetch("SELECT MAX(id) FROM published_plans")
        return int(found[0][0] or 0) if found else 0

    # ---- settings

    async def put_setting(self, name: str, value: str, actor: str) -> None:
        stamp = self._clock()
        await self._write(
            "INSERT INTO settings (name, value, updated_by, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO "
            "UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            (name, value, actor, stamp),
        )

    async def setting(self, name: str) -> Setting | None:
        found = await self._fetch("SELECT name, value, updated_by, updated_at FROM settings WHERE name = ?", (name,))
        if not found:
            return None
        at = rows.as_time(found[0]["updated_at"])
        assert at is not None
        return Setting(found[0]["name"], found[0]["value"], found[0]["updated_by"], at)

    # ---- figure snapshots

    async def save_snapshot(self, day: date, plan_id: str, figures: dict[str, Any]) -> None:
        stamp = self._clock()
        await self._write(
            "INSERT INTO figure_snapshots (day, plan_id, figures, taken_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (day, plan_id) DO UPDATE SET figures = excluded.figures, taken_at = excluded.taken_at",
            (day, plan_id, json.dumps(figures, ensure_ascii=False, sort_keys=True), stamp),
        )

    async def latest_snapshot(self, plan_id: str, before: date | None = None) -> FigureSnapshot | None:
        where, params = ("AND day < ? ", (plan_id, before)) if before is not None else ("", (plan_id,))
        found = await self._fetch(
            f"SELECT day, plan_id, figures, taken_at FROM figure_snapshots WHERE plan_id = ? {where}"
            "ORDER BY day DESC LIMIT 1",
            params,
        )
        if not found:
            return None
        day, at = rows.as_date(found[0]["day"]), rows.as_time(found[0]["taken_at"])
        assert day is not None and at is not None
        return FigureSnapshot(day, found[0]["plan_id"], at, rows.as_json(found[0]["figures"]))


def _plan(row: Any) -> PublishedPlan:
    at = rows.as_time(row["published_at"])
    assert at is not None
    return PublishedPlan(row["filename"], int(row["version"]), row["text"], row["published_by"], at, int(row["id"]))
