"""What only the SQLite backend does: a file, migrated and reopened, in WAL mode, refused
when it is not a database or newer than the code; and URLs with a message that says what to do."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.storage import LATEST_VERSION, Mark, SqliteStore, StoreError, open_store


def pragma(path: Path, name: str) -> object:
    """Read a PRAGMA with a separate plain connection, as an operator's sqlite3 shell would."""
    with closing(sqlite3.connect(path)) as db:
        return db.execute(f"PRAGMA {name}").fetchone()[0]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite3"


async def test_fresh_file_is_migrated_and_reopening_keeps_data(db_path: Path) -> None:
    async with SqliteStore(str(db_path)) as store:
        user, _ = await store.get_or_create_user("console", "me")
        await store.set_mark(user.id, "kaohsiung-112", Mark("A", "self"))
    assert pragma(db_path, "user_version") == LATEST_VERSION >= 1

    async with SqliteStore(str(db_path)) as store:
        again = await store.get_user("console", "me")
        assert again is not None and again.id == user.id
        assert await store.marks(user.id, "kaohsiung-112") == [Mark("A", "self")]
    assert pragma(db_path, "user_version") == LATEST_VERSION


async def test_database_from_newer_code_is_refused(db_path: Path) -> None:
    with closing(sqlite3.connect(db_path)) as db:
        db.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    with pytest.raises(StoreError, match=rf"schema version {LATEST_VERSION + 1}.*upgrade the bot"):
        await open_store(f"sqlite:///{db_path}")
    assert pragma(db_path, "user_version") == LATEST_VERSION + 1


async def test_a_file_that_is_not_a_database_is_refused(db_path: Path) -> None:
    db_path.write_text("name,id\n" * 100, encoding="utf-8")
    with pytest.raises(StoreError, match="cannot use SQLite database"):
        await open_store(f"sqlite:///{db_path}")


async def test_file_database_uses_wal(db_path: Path) -> None:
    store = await open_store(f"sqlite:///{db_path}")
    try:
        assert pragma(db_path, "journal_mode") == "wal"
    finally:
        await store.close()


async def test_relative_path_is_under_the_current_directory_and_its_folder_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = await open_store("sqlite:///data/nested/bot.sqlite3")
    try:
        await store.get_or_create_user("console", "me")
    finally:
        await store.close()
    assert (tmp_path / "data" / "nested" / "bot.sqlite3").is_file()


async def test_memory_database_works() -> None:
    store = await open_store("sqlite:///:memory:")
    try:
        await store.get_or_create_user("console", "me")
        assert await store.count_users() == 1
    finally:
        await store.close()


async def test_closed_store_says_so(db_path: Path) -> None:
    store = await open_store(f"sqlite:///{db_path}")
    await store.close()
    await store.close()
    with pytest.raises(StoreError, match="not open"):
        await store.count_users()


@pytest.mark.parametrize("url", ["mysql://db/bot", "data/bot.sqlite3", "sqlite://bot.sqlite3", "sqlite:///"])
async def test_unknown_urls_name_the_problem_and_the_accepted_forms(url: str) -> None:
    with pytest.raises(StoreError, match=r"sqlite:///relative/path\.sqlite3") as caught:
        await open_store(url)
    if url.startswith("mysql"):
        assert "'mysql'" in str(caught.value)


async def test_a_person_saved_while_another_process_writes_waits_for_it_and_is_kept(db_path: Path) -> None:
    """A person's row is read and saved on the event loop's thread; when another process (an
    operator's `python -m bot broadcast`, say) holds the write lock, the save waits for it
    instead of failing, and the other process's committed change is seen at once."""
    async with SqliteStore(str(db_path)) as store:
        user, _ = await store.get_or_create_user("telegram", "42")
        with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE users SET lang = 'en' WHERE id = ?", (user.id,))
            user.state = "claim_wait"
            saving = asyncio.ensure_future(store.save_user(user))
            await asyncio.sleep(0.3)
            assert not saving.done()  # waiting for the other writer, not refused
            other.execute("COMMIT")
            await asyncio.wait_for(saving, 10)
            other.execute("UPDATE users SET reminders = 0 WHERE id = ?", (user.id,))
        again = await store.get_user("telegram", "42")
        assert again is not None and again.state == "claim_wait" and not again.reminders
        assert again.lang == user.lang  # the save came after the other write, whole
