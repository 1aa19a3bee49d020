"""Versioned SQLite schema (PostgreSQL has the same versions in `postgres_migrations`).

Migration N is `MIGRATIONS[N - 1]`, the version lives in `PRAGMA user_version`.

To change the schema, append a script; never edit one that has shipped, since deployed
databases already ran it. At open, every pending script runs in one transaction together
with the version bump, so a failed upgrade leaves the database as it was. A database
written by newer code is refused rather than misread.
"""

from __future__ import annotations

import sqlite3
from contextlib import suppress

import aiosqlite

from bot.storage.base import StoreError

MIGRATIONS: list[str] = [
    # 1: people, their course marks, and questions the bot could not answer.
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        channel_user_id TEXT NOT NULL,
        plan_id TEXT,
        lang TEXT NOT NULL DEFAULT 'zh-TW',
        reminders INTEGER NOT NULL DEFAULT 0 CHECK (reminders IN (0, 1)),
        state TEXT NOT NULL DEFAULT '',
        state_data TEXT NOT NULL DEFAULT '{}',
        epoch INTEGER NOT NULL DEFAULT 0,
        active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        onboarded INTEGER NOT NULL DEFAULT 0 CHECK (onboarded IN (0, 1)),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (channel, channel_user_id)
    );
    CREATE TABLE marks (
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        plan_id TEXT NOT NULL,
        course_key TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('self', 'record')),
        completed_on TEXT,
        off_duty INTEGER CHECK (off_duty IN (0, 1)),
        start_at TEXT,
        end_at TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (user_id, plan_id, course_key)
    );
    CREATE TABLE unanswered (
        id INTEGER PRIMARY KEY,
        plan_id TEXT,
        lang TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX unanswered_created_at ON unanswered (created_at);
    """,
    # 2: the outbox (reminders and announcements), broadcasts, reminder runs, the audit log
    # and leases (which process sends).
    """
    CREATE TABLE broadcasts (
        id INTEGER PRIMARY KEY,
        plan_id TEXT NOT NULL,
        audience TEXT NOT NULL,
        text TEXT NOT NULL,
        author TEXT NOT NULL,
        created_at TEXT NOT NULL,
        finished_at TEXT,
        reported_at TEXT
    );
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('reminder', 'broadcast')),
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        plan_id TEXT NOT NULL,
        deadline TEXT,
        offset_days INTEGER,
        broadcast_id INTEGER REFERENCES broadcasts (id),
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'sending', 'sent', 'blocked', 'failed', 'skipped')),
        batch_key TEXT,
        uncertain INTEGER NOT NULL DEFAULT 0 CHECK (uncertain IN (0, 1)),
        attempts INTEGER NOT NULL DEFAULT 0,
        detail TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX deliveries_open ON deliveries (status, id);
    CREATE INDEX deliveries_broadcast ON deliveries (broadcast_id, status);
    CREATE INDEX deliveries_user ON deliveries (user_id);
    CREATE TABLE reminder_sweeps (
        day TEXT PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ('done', 'skipped')),
        queued INTEGER NOT NULL DEFAULT 0,
        note TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL
    );
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}',
        audience_size INTEGER
    );
    CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE INDEX users_plan ON users (plan_id, reminders, active);
    """,
    # 3: a delivery the platform failed for a while (5xx, timeouts) waits until not_before
    # and is claimed again; the author of an announcement is told once that it is delayed.
    """
    ALTER TABLE deliveries ADD COLUMN not_before TEXT;
    ALTER TABLE broadcasts ADD COLUMN delay_reported_at TEXT;
    """,
    # 4: button epochs come from one counter that only grows, so a person who was forgotten
    # and comes back never gets an epoch an old button of theirs carries.
    """
    CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO counters (name, value) SELECT 'epoch', COALESCE(MAX(epoch), 0) FROM users;
    """,
    # 5: a person's answers to "are you …?" for the staff categories a plan's rewards leave out
    # (e.g. {"約聘僱人員": false}): only the answer, to work out what they can get.
    """
    ALTER TABLE users ADD COLUMN staff TEXT NOT NULL DEFAULT '{}';
    """,
    # 6: webhook events already taken (the platforms resend; several instances share the
    # table), and the row /readyz writes to prove the database takes writes.
    """
    CREATE TABLE seen_events (key TEXT PRIMARY KEY, expires_at TEXT NOT NULL);
    CREATE INDEX seen_events_expiry ON seen_events (expires_at);
    CREATE TABLE health (name TEXT PRIMARY KEY, at TEXT NOT NULL);
    """,
    # 7: claims at 100,000 queued rows: rows due for another try found by their time, and
    # pending rows by id, without walking every row sent already.
    """
    CREATE INDEX deliveries_due ON deliveries (status, not_before);
    CREATE INDEX deliveries_pending ON deliveries (id) WHERE status = 'pending';
    """,
    # 8: HR's console in the browser. One-time login links and sessions (only SHA-256 digests
    # of their tokens), announcements scheduled for later (their deliveries wait until
    # `scheduled_for` through `not_before`) or cancelled, plan files published to the database
    # (every version kept) so that every instance serves the same, settings shared by the
    # instances (reminders paused), and the figures as they stood at each reminder run.
    """
    CREATE TABLE console_links (
        digest TEXT PRIMARY KEY,
        admin TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
    );
    CREATE TABLE console_sessions (
        digest TEXT PRIMARY KEY,
        admin TEXT NOT NULL,
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    ALTER TABLE broadcasts ADD COLUMN scheduled_for TEXT;
    ALTER TABLE broadcasts ADD COLUMN cancelled_at TEXT;
    CREATE TABLE published_plans (
        id INTEGER PRIMARY KEY,
        filename TEXT NOT NULL,
        version INTEGER NOT NULL,
        text TEXT NOT NULL,
        published_by TEXT NOT NULL,
        published_at TEXT NOT NULL,
        UNIQUE (filename, version)
    );
    CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE figure_snapshots (
        id INTEGER PRIMARY KEY,
        day TEXT NOT NULL,
        plan_id TEXT NOT NULL,
        figures TEXT NOT NULL,
        taken_at TEXT NOT NULL,
        UNIQUE (day, plan_id)
    );
    """,
]

LATEST_VERSION = len(MIGRATIONS)


def statements(script: str) -> list[str]:
    """Split a script into statements, so they can run inside our own transaction
    (`executescript` would commit first). `complete_statement` keeps trigger bodies whole."""
    found: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            found.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement in migration: {pending.strip()[:80]!r}")
    return found


async def current_version(db: aiosqlite.Connection) -> int:
    """The schema version recorded in the database file (0 for a new file)."""
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(db: aiosqlite.Connection, location: str) -> int:
    """Bring the database to LATEST_VERSION; return the version it had before.

    `db` must be in autocommit mode (isolation_level=None). BEGIN IMMEDIATE takes the write
    lock before the version is read, so two processes starting together cannot both upgrade.
    """
    try:
        await db.execute("BEGIN IMMEDIATE")
        found = await current_version(db)
        if found > LATEST_VERSION:
            raise StoreError(
                f"database {location} has schema version {found}, but this code only knows "
                f"versions up to {LATEST_VERSION}; upgrade the bot or restore a matching backup"
            )
        for version in range(found + 1, LATEST_VERSION + 1):
            for statement in statements(MIGRATIONS[version - 1]):
                await db.execute(statement)
        if found != LATEST_VERSION:
            # PRAGMA takes no bound parameters; LATEST_VERSION is an int we computed.
            await db.execute(f"PRAGMA user_version = {LATEST_VERSION:d}")
        await db.execute("COMMIT")
    except BaseException:
        with suppress(sqlite3.OperationalError):  # "no transaction is active"
            await db.execute("ROLLBACK")
        raise
    return found
