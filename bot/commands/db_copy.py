"""`python -m bot db copy SOURCE_URL TARGET_URL [--replace]`: move the bot's data to another
database, typically from the SQLite file of a single instance to the PostgreSQL database that
several instances share:

    python -m bot db copy sqlite:///data/bot.sqlite3 postgresql://bot:PASSWORD@db/bot

Both are opened as the bot opens them, so both are migrated to the latest schema first. The
source is read in one transaction (a consistent snapshot) and the target written in one
transaction: a copy that fails half-way, or is refused, leaves the target as it was. Values are
converted from what one backend keeps to what the other does (SQLite's UTC text times become
timestamps, 0/1 booleans, ISO-text dates); ids are kept, so deliveries still point at their
person and announcement and old buttons keep their epochs. Afterwards PostgreSQL's identity
sequences are moved past the copied ids, the epoch counter stays above every copied epoch, and
the tables are ANALYZEd once committed (so PostgreSQL plans for 100,000 people from the start).
Not copied: leases and seen webhook events (they belong to running processes and expire within
minutes) and the row /readyz writes. The copy itself is written to the target's audit log.

Refused, with nothing written (exit 1): a SQLite source file that does not exist (a typo would
otherwise "copy" an empty database), either database in use by a running service (a live
lease: stop the service first), a target that already holds data (unless `--replace`, which
deletes the target's data in the same transaction as the copy). The same URL twice: exit 2.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from bot.commands.operator import operator
from bot.i18n import t
from bot.storage import SQLITE_PREFIX, Store, StoreError, open_store, sqlite_path
from bot.storage.rows import Row, as_bool, as_date, as_time
from bot.storage.sql_base import SqlBase, Tx
from bot.storage.sqlite import MEMORY

PAGE = 5_000  # rows read and written at a time: 100,000 people never sit in memory at once
Kind = Literal["int", "text", "bool", "time", "date"]
# Leases a running service keeps renewing; a day's reminder-run lease outlives its run by minutes.
IDLE_LEASES = ("reminder-run:",)
SKIPPED = (
    "leases",
    "seen_events",
    "health",
    "console_links",
    "console_sessions",
)  # logins end with the move  # plus the migrations' own schema_version


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]  # what the source's rows are paged by (the primary key)
    columns: tuple[tuple[str, Kind], ...]
    identity: bool = False  # an `id` column: on PostgreSQL its sequence must follow the copied ids

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.columns]


# The latest schema (see sqlite_migrations / postgres_migrations), parents before children.
# A migration that adds a table or a column must add it here: tests/commands/test_db_copy.py
# compares this list with both backends' tables.
TABLES: tuple[Table, ...] = (
    Table("users", ("id",), (
        ("id", "int"), ("channel", "text"), ("channel_user_id", "text"), ("plan_id", "text"), ("lang", "text"),
        ("reminders", "bool"), ("state", "text"), ("state_data", "text"), ("epoch", "int"), ("active", "bool"),
        ("onboarded", "bool"), ("created_at", "time"), ("updated_at", "time"), ("staff", "text"),
    ), identity=True),
    Table("marks", ("user_id", "plan_id", "course_key"), (
        ("user_id", "int"), ("plan_id", "text"), ("course_key", "text"), ("source", "text"),
        ("completed_on", "date"), ("off_duty", "bool"), ("start_at", "time"), ("end_at", "time"),
        ("updated_at", "time"),
    )),
    Table("unanswered", ("id",), (
        ("id", "int"), ("plan_id", "text"), ("lang", "text"), ("text", "text"), ("created_at", "time"),
    ), identity=True),
    Table("broadcasts", ("id",), (
        ("id", "int"), ("plan_id", "text"), ("audience", "text"), ("text", "text"), ("author", "text"),
        ("created_at", "time"), ("finished_at", "time"), ("reported_at", "time"), ("delay_reported_at", "time"),
        ("scheduled_for", "time"), ("cancelled_at", "time"),
    ), identity=True),
    Table("deliveries", ("id",), (
        ("id", "int"), ("key", "text"), ("kind", "text"), ("user_id", "int"), ("plan_id", "text"),
        ("deadline", "date"), ("offset_days", "int"), ("broadcast_id", "int"), ("status", "text"),
        ("batch_key", "text"), ("uncertain", "bool"), ("attempts", "int"), ("detail", "text"),
        ("created_at", "time"), ("updated_at", "time"), ("not_before", "time"),
    ), identity=True),
    Table("reminder_sweeps", ("day",), (
        ("day", "date"), ("status", "text"), ("queued", "int"), ("note", "text"), ("at", "time"),
    )),
    Table("audit_log", ("id",), (
        ("id", "int"), ("at", "time"), ("actor", "text"), ("action", "text"), ("detail", "text"),
        ("audience_size", "int"),
    ), identity=True),
    Table("counters", ("name",), (("name", "text"), ("value", "int"))),
    Table("published_plans", ("id",), (
        ("id", "int"), ("filename", "text"), ("version", "int"), ("text", "text"), ("published_by", "text"),
        ("published_at", "time"),
    ), identity=True),
    Table("settings", ("name",), (
        ("name", "text"), ("value", "text"), ("updated_by", "text"), ("updated_at", "time"),
    )),
    Table("figure_snapshots", ("id",), (
        ("id", "int"), ("day", "date"), ("plan_id", "text"), ("figures", "text"), ("taken_at", "time"),
    ), identity=True),
)  # fmt: skip
COUNTERS = "counters"  # the migrations create the epoch counter: merged, not inserted


def _aware(value: Any) -> datetime | None:
    moment = as_time(value)
    if moment is not None and moment.utcoffset() is None:  # never written so, but a naive time means UTC here
        moment = moment.replace(tzinfo=UTC)
    return moment


def _same(value: Any) -> Any:
    return value


CONVERT: dict[Kind, Callable[[Any], Any]] = {
    "int": _same, "text": _same, "bool": as_bool, "time": _aware, "date": as_date,
}  # fmt: skip


class Refused(Exception):
    """The copy would do harm; nothing was written. The message says why and what to do."""


def is_postgres(url: str) -> bool:
    return url.partition("://")[0].lower() in ("postgresql", "postgres")


def shown(url: str) -> str:
    """The URL as printed: a PostgreSQL password masked."""
    if not is_postgres(url):
        return url
    from bot.storage.postgres import safe_url

    return safe_url(url)


def _sql(store: Store) -> SqlBase:
    if not isinstance(store, SqlBase):  # every backend is; a test double would not be
        raise StoreError(f"cannot copy {type(store).__name__}: not an SQL store")
    return store


def _on_postgres(store: SqlBase) -> bool:
    from bot.storage.postgres import PostgresStore

    return isinstance(store, PostgresStore)


async def _live_lease(store: SqlBase) -> tuple[str, str] | None:
    """(name, holder) of a lease a running service holds on this database, if any."""
    found = await store._fetch("SELECT name, holder FROM leases WHERE expires_at >= ? ORDER BY name", (store._clock(),))
    for name, holder in ((row[0], row[1]) for row in found):
        if not name.startswith(IDLE_LEASES):
            return name, holder
    return None


async def _pages(tx: Tx, table: Table) -> AsyncIterator[list[Row]]:
    """The source's rows of one table in pages of PAGE, by key (each page starts after the last)."""
    columns = ", ".join(table.names)
    order = ", ".join(table.key)
    after: Sequence[Any] = ()
    while True:
        where = f"WHERE ({order}) > ({', '.join('?' * len(table.key))}) " if after else ""
        found = await tx.fetch(f"SELECT {columns} FROM {table.name} {where}ORDER BY {order} LIMIT ?", (*after, PAGE))
        if not found:
            return
        yield found
        if len(found) < PAGE:
            return
        last = found[-1]
        after = tuple(last[name] for name in table.key)


def _insert(table: Table) -> str:
    names = table.names
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    if table.name == COUNTERS:  # keep the larger: no epoch ever handed out on either side comes back
        sql += (
            " ON CONFLICT (name) DO UPDATE SET value = "
            "CASE WHEN excluded.value > counters.value THEN excluded.value ELSE counters.value END"
        )
    return sql


async def _empty_or_emptied(tx: Tx, replace: bool) -> dict[str, int]:
    """The target's rows per table (counters aside): refused when it holds any, unless `replace`,
    which deletes them (children first) and returns how many went."""
    tables = [table.name for table in TABLES if table.name != COUNTERS]
    held = {}
    if replace:
        for name in reversed(tables):
            held[name] = await tx.execute(f"DELETE FROM {name}")
        return {name: held[name] for name in tables}
    for name in tables:
        found = await tx.fetch(f"SELECT COUNT(*) FROM {name}")
        held[name] = int(found[0][0])
    return held


def _listed(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count:,}" for name, count in counts.items() if count)


async def copy_store(
    source: Store,
    target: Store,
    *,
    replace: bool = False,
    actor: str = "cli:unknown",
    detail: dict[str, Any] | None = None,
) -> tuple[dict[str, int], dict[str, int]]:
    """Copy every table (see the module docstring); returns (rows copied per table, rows the
    target held and `replace` deleted). Raises `Refused` when the target holds data."""
    src, dst = _sql(source), _sql(target)
    copied: dict[str, int] = {}
    async with dst._transaction() as out:
        held = await _empty_or_emptied(out, replace)
        if not replace and any(held.values()):
            raise Refused(_listed(held))
        async with src._transaction() as read:
            if _on_postgres(src):  # one snapshot for every table (SQLite's transaction is one already)
                await read.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            for table in TABLES:
                copied[table.name] = 0
                converters = [CONVERT[kind] for _, kind in table.columns]
                insert = _insert(table)
                async for page in _pages(read, table):
                    rows = [
                        tuple(convert(value) for convert, value in zip(converters, row, strict=True)) for row in page
                    ]
                    await out.executemany(insert, rows)
                    copied[table.name] += len(rows)
        # Never below an epoch a copied person carries, whatever the source's counter said.
        await out.execute(
            "UPDATE counters SET value = (SELECT MAX(epoch) FROM users) "
            "WHERE name = 'epoch' AND value < (SELECT COALESCE(MAX(epoch), 0) FROM users)"
        )
        if _on_postgres(dst):
            for table in TABLES:
                if table.identity:  # the next id after the copied ones (1 for an empty table)
                    await out.fetch(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                    )
        entry = {**(detail or {}), "copied": copied, "replaced": {k: v for k, v in held.items() if v}}
        await out.execute(
            "INSERT INTO audit_log (at, actor, action, detail, audience_size) VALUES (?, ?, ?, ?, ?)",
            (dst._clock(), actor, "db.copy", json.dumps(entry, ensure_ascii=False), None),
        )
    if _on_postgres(dst):  # plans for the tables' real size now, not once autovacuum gets to them
        async with dst._transaction() as out:
            for table in TABLES:
                await out.execute(f"ANALYZE {table.name}")
    return copied, held if replace else {}


async def run_db_copy(source_url: str, target_url: str, replace: bool = False, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if source_url.strip() == target_url.strip():
        print(t("cli.db_copy_same"), file=sys.stderr)
        return 2
    if source_url.lower().startswith(SQLITE_PREFIX):
        path = sqlite_path(source_url)
        if path == MEMORY or not os.path.isfile(path):
            print(t("cli.db_copy_no_source", path=path), file=sys.stderr)
            return 1
    started = time.perf_counter()
    source = await open_store(source_url)
    try:
        target = await open_store(target_url)
        try:
            for url, store in ((source_url, source), (target_url, target)):
                busy = await _live_lease(_sql(store))
                if busy is not None:
                    print(t("cli.db_copy_busy", url=shown(url), lease=busy[0], holder=busy[1]), file=sys.stderr)
                    return 1
            try:
                copied, emptied = await copy_store(
                    source, target, replace=replace, actor=operator(), detail={"source": shown(source_url)}
                )
            except Refused as held:
                print(t("cli.db_copy_not_empty", target=shown(target_url), found=str(held)), file=sys.stderr)
                return 1
        finally:
            await target.close()
    finally:
        await source.close()
    if any(emptied.values()):
        print(t("cli.db_copy_replaced", found=_listed(emptied) or "-"), file=out)
    seconds = f"{time.perf_counter() - started:.1f}"
    print(t("cli.db_copy_done", source=shown(source_url), target=shown(target_url), seconds=seconds), file=out)
    for name, count in copied.items():
        print(t("cli.db_copy_row", table=name, count=f"{count:,}"), file=out)
    print(t("cli.db_copy_skipped", tables=", ".join(SKIPPED)), file=out)
    return 0
