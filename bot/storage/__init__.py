"""Persistence for the bot: the `Store` contract (`base`), one module per backend (`sqlite`,
`postgres`, sharing the queries of `sql_people` and `sql_outbox`), and `open_store`, which picks
one from the DATABASE_URL setting.

    store = await open_store("sqlite:///data/bot.sqlite3")
    try:
        user, created = await store.get_or_create_user("telegram", "123456")
    finally:
        await store.close()
"""

from __future__ import annotations

import os

from bot.storage.base import CHANNELS, Mark, Store, StoreError, UnansweredQuestion, User
from bot.storage.sqlite import MEMORY, SqliteStore
from bot.storage.sqlite_migrations import LATEST_VERSION

ACCEPTED_URLS = (
    "sqlite:///relative/path.sqlite3, sqlite:////absolute/path.sqlite3, sqlite:///:memory: "
    "or postgresql://user:password@host:5432/database"
)
SQLITE_PREFIX = "sqlite:///"


def sqlite_path(url: str) -> str:
    """`sqlite:///rel/path`, `sqlite:////abs/path` or `sqlite:///:memory:` → a path for sqlite3.

    A relative path is made absolute now, against the current directory, so a later
    `chdir` cannot move the database.
    """
    rest = url[len(SQLITE_PREFIX) :] if url.startswith(SQLITE_PREFIX) else ""
    if not rest.strip():
        raise StoreError(f"cannot read SQLite URL {url!r}; use {ACCEPTED_URLS}")
    return rest if rest == MEMORY else os.path.abspath(rest)


async def open_store(database_url: str) -> Store:
    """Build the store a URL names and open it (schema migrated), failing early on a bad URL."""
    scheme, separator, _ = database_url.partition("://")
    scheme = scheme.lower()
    if not separator:
        raise StoreError(f"database URL {database_url!r} has no scheme; use {ACCEPTED_URLS}")
    store: Store
    if scheme in ("postgresql", "postgres"):
        from bot.storage.postgres import PostgresStore  # asyncpg is loaded only when asked for

        store = PostgresStore(database_url)
    elif scheme == "sqlite":
        store = SqliteStore(sqlite_path(database_url))
    else:
        raise StoreError(f"unsupported database URL scheme {scheme!r}; use {ACCEPTED_URLS}")
    await store.open()
    return store


__all__ = [
    "CHANNELS",
    "LATEST_VERSION",
    "Mark",
    "SqliteStore",
    "Store",
    "StoreError",
    "UnansweredQuestion",
    "User",
    "open_store",
]
