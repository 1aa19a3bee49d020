"""/healthz, /readyz and /metrics as operators use them: the real web server on a real store
(each backend), the real channels against the fake platforms, the real courier.

/readyz must turn 503 when the database cannot take a write (corrupt, full, held by
another process, a PostgreSQL server gone) or a channel has not started, and answer in
time whatever the database does; /metrics must show what the bot did, and answer even
when the database does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.channels.line import WEBHOOK_PATH, LineChannel
from bot.config import LineSettings, Settings
from bot.core.clock import FixedClock
from bot.core.dialogue import Dialogue
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.plans.loader import PlanBook
from bot.runner import serve
from bot.storage import SqliteStore, Store, StoreError
from bot.storage.postgres import PostgresStore
from bot.web import WebServer
from tests.channels.line.conftest import FAST
from tests.channels.line.conftest import SECRET as LINE_SECRET
from tests.channels.telegram.conftest import KAOHSIUNG_DAY, make_channel
from tests.channels.telegram.person import Person
from tests.fakes.line_api import FakeLineAPI, new_user_id, text_message_event
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.outbox.conftest import Bot, FakeChannel, at
from tests.support.backends import Backend

SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
POSTGRES = pytest.mark.parametrize("backend", ["postgres"], indirect=True)
TIMEOUT = 0.5  # the probe's timeout in these tests (the service's is 3 s)


@pytest.fixture(autouse=True)
def recorded() -> Iterator[metrics.Metrics]:
    """Fresh metrics for each test: exact counts, whatever ran before."""
    fresh = metrics.Metrics()
    previous = metrics.install(fresh)
    yield fresh
    metrics.install(previous)


class Site:
    """A client of the bot's web server on 127.0.0.1:`port` (and the server, when the test made it)."""

    def __init__(self, port: int, session: aiohttp.ClientSession, web: WebServer | None = None) -> None:
        self.session, self._web = session, web
        self.url = f"http://127.0.0.1:{port}"

    @property
    def web(self) -> WebServer:
        assert self._web is not None
        return self._web

    async def get(self, path: str) -> tuple[int, Any]:
        """Status and body: JSON for the health endpoints, text for /metrics."""
        async with self.session.get(self.url + path) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.text()

    async def ready(self) -> tuple[int, dict[str, Any]]:
        return await self.get("/readyz")

    async def until_ready(self, timeout: float = 10.0) -> dict[str, Any]:
        """Poll /readyz as a load balancer does, until 200."""
        async with asyncio.timeout(timeout):
            while True:
                status, body = await self.ready()
                if status == 200:
                    return body
                await asyncio.sleep(0.05)

    async def metric(self, name: str, **labels: str) -> float | None:
        """One sample of /metrics, or None when it is not shown."""
        status, text = await self.get("/metrics")
        assert status == 200
        return sample(text, name, **labels)

    async def until_metric(self, value: float, name: str, timeout: float = 5.0, **labels: str) -> None:
        """Scrape until the sample shows `value` (what is recorded just after a reply went out)."""
        async with asyncio.timeout(timeout):
            while await self.metric(name, **labels) != value:
                await asyncio.sleep(0.02)


def sample(text: str, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return None


@contextlib.asynccontextmanager
async def serving(
    store: Store | None, port: int, *, started: Iterable[str] = ("telegram",), **options: Any
) -> AsyncIterator[Site]:
    """The web server on `store`, with the channels in `started` reported started, as the runner does."""
    options.setdefault("probe_timeout", TIMEOUT)
    options.setdefault("probe_cache", 0)  # every request probes: the tests see each change at once
    web = WebServer("127.0.0.1", port, store=store, **options)
    for name in started:
        web.set_ready(name, True)
    await web.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield Site(port, session, web)
    finally:
        await web.stop()


# ---- /readyz: the store -----------------------------------------------------------------------


async def test_ready_only_once_the_store_answers_and_every_channel_started(store: Store, unused_tcp_port: int) -> None:
    async with serving(store, unused_tcp_port, started=()) as site:
        status, body = await site.ready()
        assert status == 503 and body["reason"] == "no channel has started" and body["store"] == "ok"
        site.web.expect(["telegram", "line"])  # as the runner does before starting them
        site.web.set_ready("telegram", True)
        status, body = await site.ready()
        assert status == 503 and body["reason"] == "line: not started"
        site.web.set_ready("line", True)
        status, body = await site.ready()
        assert status == 200
        assert body == {"ready": True, "store": "ok", "channels": {"telegram": True, "line": True}}
        assert await site.get("/healthz") == (200, {"ok": True, "webhooks": []})


async def test_the_probe_is_shared_and_cached(
    store: Store, unused_tcp_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    probes = 0
    real = store.probe

    async def counted() -> None:
        nonlocal probes
        probes += 1
        await asyncio.sleep(0.05)
        await real()

    monkeypatch.setattr(store, "probe", counted)
    async with serving(store, unused_tcp_port, probe_cache=0.3) as site:
        answers = await asyncio.gather(*(site.ready() for _ in range(50)))  # a load balancer's burst
        assert {status for status, _ in answers} == {200}
        assert probes == 1
        await site.ready()
        assert probes == 1
        await asyncio.sleep(0.35)
        await site.ready()
        assert probes == 2


async def corrupt(store: Store, tables: Iterable[str]) -> None:
    """Junk over the pages of `tables` (tables or indexes; a few rows each: one page) in the
    file, as a failing disk or a copy over a live file leaves them; then the store re-reads
    them, as in a database bigger than its page cache, or after another process's write."""
    assert isinstance(store, SqliteStore) and store._db is not None
    db = store._db
    await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every page in the file, none newer in the WAL
    page_size = (await db.execute_fetchall("PRAGMA page_size"))[0][0]
    roots = {row[0]: row[1] for row in await db.execute_fetchall("SELECT name, rootpage FROM sqlite_master")}
    with open(store.path, "r+b") as file:
        for name in tables:
            file.seek((roots[name] - 1) * page_size)
            file.write(os.urandom(page_size))
    await db.execute("PRAGMA shrink_memory")  # drop the cached pages


async def people(store: Store, count: int = 5) -> None:
    for n in range(count):
        await store.get_or_create_user("telegram", str(7000 + n))


@SQLITE
async def test_a_corrupted_sqlite_file_is_not_ready_but_still_alive(store: Store, unused_tcp_port: int) -> None:
    await people(store)
    async with serving(store, unused_tcp_port) as site:
        assert (await site.ready())[0] == 200
        await corrupt(store, ["users", "sqlite_autoindex_users_1", "users_plan"])  # the people table, whole
        with pytest.raises(StoreError, match="malformed"):
            await store.get_user("telegram", "7001")  # what every turn would meet
        status, body = await site.ready()
        assert status == 503 and "malformed" in body["store"] and body["reason"].startswith("store: ")
        assert (await site.get("/healthz"))[0] == 200  # alive: restarting would not mend the file


@SQLITE
# The rows themselves, not only the indexes: probe reads a column no index holds.
async def test_corrupted_rows_of_the_people_table_are_not_ready(store: Store, unused_tcp_port: int) -> None:
    await people(store)
    async with serving(store, unused_tcp_port) as site:
        await corrupt(store, ["users"])  # the rows; the indexes are intact
        with pytest.raises(StoreError, match="malformed"):
            await store.get_user("telegram", "7001")  # every turn fails…
        assert (await site.ready())[0] == 503  # …so the instance must leave the load balancer


@SQLITE
# No room to grow: probe checks the pages left and the disk, not only one upsert that fits.
async def test_a_full_database_is_not_ready(store: Store, unused_tcp_port: int) -> None:
    await people(store)
    async with serving(store, unused_tcp_port) as site:
        assert (await site.ready())[0] == 200
        assert isinstance(store, SqliteStore) and store._db is not None
        pages = (await store._db.execute_fetchall("PRAGMA page_count"))[0][0]
        await store._db.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full: not one page more
        with pytest.raises(StoreError, match="full"):
            await store.get_or_create_user("telegram", "8" * 4000)  # a new person cannot be kept…
        assert (await site.ready())[0] == 503  # …so the instance must not be sent people


@SQLITE
async def test_a_database_held_by_another_process_answers_503_in_time(store: Store, unused_tcp_port: int) -> None:
    assert isinstance(store, SqliteStore)
    other = sqlite3.connect(store.path, isolation_level=None)  # e.g. a command-line run mid-write
    other.execute("BEGIN IMMEDIATE")
    try:
        async with serving(store, unused_tcp_port, scrape_timeout=TIMEOUT) as site:
            started = time.monotonic()
            status, body = await site.ready()
            assert status == 503 and body["store"] == f"the store did not answer within {TIMEOUT:g}s"
            assert await site.metric("elearn_store_up") == 0  # the scrape answers, the depth left out
            assert await site.metric("elearn_outbox_depth", channel="telegram", kind="broadcast") is None
            assert time.monotonic() - started < 4 * TIMEOUT + 1  # not SQLite's 5 s busy wait
            other.execute("ROLLBACK")
            await site.until_ready()
            assert await site.metric("elearn_store_up") == 1
    finally:
        other.close()


class Proxy:
    """A TCP hop between the store and PostgreSQL that can be cut: the database server
    unreachable (a network failure, a host down) with the bot still running."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """No new connection gets through and every open one is dropped."""
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()
        self._server = None

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._writers |= {writer, up_writer}

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))
        self._writers -= {writer, up_writer}


def through(url: str, port: int) -> str:
    """The database URL with the proxy's address instead of the server's."""
    parts = urlsplit(url)
    login = parts.netloc.rpartition("@")[0]
    return urlunsplit(parts._replace(netloc=f"{login}@127.0.0.1:{port}" if login else f"127.0.0.1:{port}"))


@POSTGRES
async def test_postgresql_unreachable_is_not_ready_and_back_is_ready(backend: Backend, unused_tcp_port: int) -> None:
    server = urlsplit(backend.url)
    proxy = Proxy((server.hostname or "127.0.0.1", server.port or 5432))
    await proxy.start()
    store = PostgresStore(through(backend.url, proxy.port), pool_size=2)
    await store.open()
    try:
        async with serving(store, unused_tcp_port, scrape_timeout=TIMEOUT) as site:
            assert (await site.ready())[0] == 200
            await proxy.cut()
            started = time.monotonic()
            status, body = await site.ready()  # the store retries for 30 s; /readyz does not wait for it
            assert status == 503 and body["store"] == f"the store did not answer within {TIMEOUT:g}s"
            assert await site.metric("elearn_store_up") == 0
            assert time.monotonic() - started < 4 * TIMEOUT + 1
            await proxy.start()  # the network is back, on the same port
            await site.until_ready()
    finally:
        await store.close()
        if proxy._server is not None:
            await proxy.cut()


async def test_without_a_store_it_is_never_ready(unused_tcp_port: int) -> None:
    async with serving(None, unused_tcp_port) as site:
        status, body = await site.ready()
        assert status == 503 and body["store"] == "no store attached"
        assert await site.metric("elearn_store_up") == 0


async def test_the_service_is_ready_once_running_and_counts_what_it_serves(
    tmp_path: Path, unused_tcp_port: int
) -> None:
    """`python -m bot run` wires it: the runner's store, and each channel reported once started."""
    async with FakeTelegramAPI() as fake:
        env = {
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_URL": fake.url,
            "BOT_HTTP_HOST": "127.0.0.1",
            "BOT_HTTP_PORT": str(unused_tcp_port),
            "DATABASE_URL": f"sqlite:///{tmp_path}/run.sqlite3",
        }
        stop = asyncio.Event()
        running = asyncio.create_task(serve(Settings.from_env(env), stop))
        try:
            async with aiohttp.ClientSession() as session:
                site = Site(unused_tcp_port, session)
                async with asyncio.timeout(5):
                    while True:  # until the web server is up
                        try:
                            status, body = await site.ready()
                            break
                        except aiohttp.ClientConnectionError:
                            await asyncio.sleep(0.02)
                assert status == 200 and body["channels"] == {"telegram": True} and body["store"] == "ok"
                fake.queue_update(fake.make_message_update(830002, "/start"))
                await fake.wait_for_sent(1)
                await site.until_metric(1, "elearn_updates_total", channel="telegram")
                assert await site.metric("elearn_outbox_depth", channel="telegram", kind="reminder") == 0
        finally:
            stop.set()
            await asyncio.wait_for(running, 10)


# ---- /metrics ------------------------------------------------------------------------------------


async def test_a_telegram_conversation_is_counted_and_timed(book: PlanBook, store: Store, unused_tcp_port: int) -> None:
    dialogue = Dialogue(Services(book, store, FixedClock(KAOHSIUNG_DAY)))
    async with FakeTelegramAPI() as fake, serving(store, unused_tcp_port) as site:
        channel = make_channel(fake, dialogue)
        await channel.start()
        try:
            carol = Person(fake, channel, 830001, fake_queue(fake))
            fake.fail_next("sendMessage", 429, retry_after=1)  # flood control once: waited out
            assert "請選擇語言" in await carol.say("/start")
            await carol.press("中文")
        finally:
            await channel.stop()
        assert await site.metric("elearn_updates_total", channel="telegram") == 2
        assert await site.metric("elearn_reply_seconds_count", channel="telegram") == 2
        assert (await site.metric("elearn_reply_seconds_sum", channel="telegram") or 0) > 0
        assert await site.metric("elearn_reply_seconds_bucket", channel="telegram", le="+Inf") == 2
        assert await site.metric("elearn_rate_limited_total", channel="telegram") == 1
        assert await site.metric("elearn_updates_total", channel="line") is None


def fake_queue(fake: FakeTelegramAPI) -> Any:
    async def queue(update: dict[str, Any]) -> None:
        fake.queue_update(update)

    return queue


async def test_a_line_conversation_is_counted_and_timed(book: PlanBook, store: Store, unused_tcp_port: int) -> None:
    dialogue = Dialogue(Services(book, store, FixedClock(datetime(2023, 6, 1, 20, 0, tzinfo=TAIPEI))))
    async with FakeLineAPI() as fake:
        web = WebServer("127.0.0.1", unused_tcp_port, store=store)
        channel = LineChannel(LineSettings(LINE_SECRET, fake.access_token, fake.url), dialogue, web, retry=FAST)
        await channel.start()
        web.set_ready("line", True)
        await web.start()
        try:
            async with aiohttp.ClientSession() as session:
                site = Site(unused_tcp_port, session, web)
                fake.fail_next("reply", 429)  # LINE's rate limit once: retried
                body, signature = fake.webhook_body([text_message_event(new_user_id(), "你好")], LINE_SECRET)
                headers = {"Content-Type": "application/json", "X-Line-Signature": signature}
                async with session.post(site.url + WEBHOOK_PATH, data=body, headers=headers) as response:
                    assert response.status == 200
                await channel.drain(10)
                assert len(fake.replies) == 1
                assert (await site.ready())[0] == 200
                assert await site.metric("elearn_updates_total", channel="line") == 1
                assert await site.metric("elearn_reply_seconds_count", channel="line") == 1
                assert await site.metric("elearn_rate_limited_total", channel="line") == 1
        finally:
            await web.stop()
            await channel.stop()


async def test_outbox_depth_per_channel_and_kind(store: Store, unused_tcp_port: int) -> None:
    ids = []
    for channel, chat in [("telegram", "9001"), ("telegram", "9002"), ("line", "U" + "b" * 32)]:
        user, _ = await store.get_or_create_user(channel, chat)
        ids.append(user.id)
    async with serving(store, unused_tcp_port) as site:
        assert await site.metric("elearn_outbox_depth", channel="telegram", kind="broadcast") == 0
        await store.queue_broadcast("kaohsiung-112", "all", "請於8月31日前完成", "cli:hr", ids)
        status, text = await site.get("/metrics")
        assert status == 200
        assert sample(text, "elearn_outbox_depth", channel="telegram", kind="broadcast") == 2
        assert sample(text, "elearn_outbox_depth", channel="line", kind="broadcast") == 1
        assert sample(text, "elearn_outbox_depth", channel="line", kind="reminder") == 0
        assert sample(text, "elearn_store_up") == 1
        assert sample(text, "process_resident_memory_bytes") is not None  # the process, on Linux


async def test_sends_are_counted_per_outcome(book: PlanBook, backend: Backend, unused_tcp_port: int) -> None:
    telegram, line = FakeChannel("telegram"), FakeChannel("line", 500, 16, idempotent=True)
    bot = Bot(book, backend, FixedClock(at("2023-08-24")), {"telegram": telegram, "line": line})
    await bot.open()
    try:
        for chat in ("1001", "1002", "1003", "1004"):
            await bot.person(chat)
        await bot.person("U" + "c" * 32, channel="line")
        async with serving(bot.store, unused_tcp_port, started=("telegram", "line")) as site:
            assert await bot.scheduler.run_today() == 5  # 7 days before the 31 August deadline
            queued = await site.metric("elearn_outbox_depth", channel="telegram", kind="reminder")
            telegram.blocked.add("1002")  # blocked the bot since: Telegram refuses
            await bot.store.set_active("telegram", "1003", False)  # left since: not even tried
            late = await bot.store.get_user("telegram", "1004")
            assert late is not None
            late.reminders = False  # turned reminders off since: skipped
            await bot.store.save_user(late)
            line.down = True  # LINE fails for now: the row waits for a retry
            await bot.courier.deliver_pending()
            text = (await site.get("/metrics"))[1]

        def sends(outcome: str, channel: str = "telegram") -> float | None:
            return sample(text, "elearn_sends_total", channel=channel, kind="reminder", outcome=outcome)

        assert queued == 4
        assert sends("sent") == 1 and sends("blocked") == 2 and sends("skipped") == 1
        assert sends("retry", "line") == 1 and sends("sent", "line") is None
        assert sample(text, "elearn_reminder_runs_total", status="done") == 1
        assert sample(text, "elearn_outbox_depth", channel="telegram", kind="reminder") == 0
        assert sample(text, "elearn_outbox_depth", channel="line", kind="reminder") == 1  # waiting to retry
    finally:
        await bot.store.close()
