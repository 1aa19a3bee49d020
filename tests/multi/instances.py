"""Real `python -m bot run` processes for the multi-instance tests and the bench.

Each `BotProcess` is a subprocess of this interpreter configured only through the
environment, as an operator would run it: Telegram in webhook mode and LINE against the
fake platform servers of the calling process, one PostgreSQL schema for all of them. The
caller plays the platforms: `post_telegram` / `post_line` send an update to one instance,
and `like_telegram` / `like_line` keep sending it, to the next instance, for as long as
the answer is not a 2xx (the platforms resend such an update).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from prometheus_client.parser import text_string_to_metric_families

from bot.domain.calendar import TAIPEI
from bot.storage.postgres import PostgresStore
from tests.fakes.line_api import FakeLineAPI
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.backends import PostgresSchemas, require_postgres, with_search_path
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "multi_instance_webhook_secret"
LINE_SECRET = "multi-instance-line-channel-secret"
_OURS = ("TELEGRAM_", "LINE_", "BOT_", "DATABASE_URL", "RULES_DIR", "REMINDER_", "LOG_LEVEL")
JSON = dict[str, Any]


def open_hours(now: datetime | None = None) -> dict[str, str]:
    """REMINDER_QUIET_HOURS and REMINDER_TIME that leave the next two hours open, so the
    courier sends reminders during the test whatever the time of day (quiet hours hold
    them back), and the daily run is not due before then."""
    now = (now or datetime.now(TAIPEI)).replace(second=0, microsecond=0)
    quiet_start, quiet_end = now + timedelta(hours=2), now + timedelta(hours=3)
    return {
        "REMINDER_QUIET_HOURS": f"{quiet_start:%H:%M}-{quiet_end:%H:%M}",
        "REMINDER_TIME": f"{quiet_end:%H:%M}",
    }


def bot_env(
    port: int,
    database_url: str,
    *,
    telegram: FakeTelegramAPI | None = None,
    line: FakeLineAPI | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of one instance: this process's, less any bot settings it has."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    env |= {"BOT_HTTP_HOST": "127.0.0.1", "BOT_HTTP_PORT": str(port), "DATABASE_URL": database_url}
    env |= {"PYTHONUNBUFFERED": "1", "LOG_LEVEL": "INFO"} | open_hours()
    if telegram is not None:
        env |= {
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_API_URL": telegram.url,
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.gov.tw",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
        }
    if line is not None:
        env |= {"LINE_CHANNEL_SECRET": LINE_SECRET, "LINE_CHANNEL_ACCESS_TOKEN": line.access_token}
        env |= {"LINE_API_URL": line.url}
    return env | dict(extra or {})


class BotProcess:
    """One `python -m bot run`, its output in `log`."""

    def __init__(self, name: str, port: int, env: Mapping[str, str], log: Path, argv: Sequence[str] = ()) -> None:
        self.name, self.port, self.env, self.log = name, port, dict(env), log
        self.argv = list(argv) or [sys.executable, "-m", "bot", "run"]
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> BotProcess:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.argv, env=self.env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
            )
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text("utf-8", "replace") if self.log.exists() else ""
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(text.splitlines()[-lines:])

    async def ready(self, session: aiohttp.ClientSession, timeout: float = 30.0) -> None:
        """Until /readyz answers 200 (the store answers, every channel started)."""
        give_up = time.monotonic() + timeout
        while True:
            if not self.running():
                raise AssertionError(
                    f"{self.name} exited with {self.process and self.process.returncode}\n{self.tail()}"
                )
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(f"{self.url}/readyz", timeout=aiohttp.ClientTimeout(total=2)) as response:
                    if response.status == 200:
                        return
            if time.monotonic() > give_up:
                raise AssertionError(f"{self.name} not ready within {timeout:g}s\n{self.tail()}")
            await asyncio.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as when the machine or the OOM killer takes it."""
        if self.running():
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)

    async def stop(self, grace: float = 25.0) -> int | None:
        """SIGTERM, then SIGKILL past `grace`; the exit status."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(asyncio.to_thread(process.wait), grace)
            except TimeoutError:
                process.kill()
        return await asyncio.to_thread(process.wait)


async def start_all(session: aiohttp.ClientSession, processes: Sequence[BotProcess]) -> None:
    """Start them together (each takes a couple of seconds to import and connect)."""
    for process in processes:
        process.start()
    await asyncio.gather(*(p.ready(session) for p in processes))


async def post_telegram(
    session: aiohttp.ClientSession, to: BotProcess | str, update: JSON, timeout: float = 10.0
) -> int:
    """POST one update as Telegram does (to an instance or its base URL); the status, or 0
    when no answer came in time."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    url = f"{to if isinstance(to, str) else to.url}/telegram/webhook"
    try:
        async with session.post(
            url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            return response.status
    except (aiohttp.ClientError, TimeoutError):
        return 0


async def post_line(
    session: aiohttp.ClientSession, to: BotProcess, fake: FakeLineAPI, events: list[JSON], timeout: float = 10.0
) -> int:
    """POST events signed as LINE does; the status, or 0 when no answer came in time."""
    body, signature = fake.webhook_body(events, LINE_SECRET)  # also makes the events' reply tokens valid
    headers = {"X-Line-Signature": signature, "Content-Type": "application/json"}
    try:
        async with session.post(
            f"{to.url}/line/webhook", data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            return response.status
    except (aiohttp.ClientError, TimeoutError):
        return 0


async def like_telegram(
    session: aiohttp.ClientSession, to: Sequence[BotProcess], first: int, update: JSON, patience: float = 60.0
) -> int:
    """Telegram's webhook delivery: resend an update that got no 2xx (here to the next
    instance, as a load balancer would), pausing in between; how many posts it took."""
    give_up, posts = time.monotonic() + patience, 0
    while True:
        status = await post_telegram(session, to[(first + posts) % len(to)], update)
        posts += 1
        if 200 <= status < 300:
            return posts
        if time.monotonic() > give_up:
            raise AssertionError(f"update {update['update_id']} refused for {patience:g}s (last status {status})")
        await asyncio.sleep(0.3)


async def like_line(
    session: aiohttp.ClientSession,
    to: Sequence[BotProcess],
    first: int,
    fake: FakeLineAPI,
    event: JSON,
    patience: float = 60.0,
) -> int:
    """LINE's redelivery: the same event (same webhookEventId, `isRedelivery`) until a 2xx."""
    give_up, posts = time.monotonic() + patience, 0
    while True:
        sent = event if posts == 0 else {**event, "deliveryContext": {"isRedelivery": True}}
        status = await post_line(session, to[(first + posts) % len(to)], fake, [sent])
        posts += 1
        if 200 <= status < 300:
            return posts
        if time.monotonic() > give_up:
            raise AssertionError(f"LINE event {event['webhookEventId']} refused for {patience:g}s (last {status})")
        await asyncio.sleep(0.3)


def shifted_rules(folder: Path, deadline: date) -> Path:
    """A RULES_DIR holding kaohsiung-112 moved in time so that its reward deadline
    (2023-08-31) falls on `deadline`: the plan's period moves with it, the ROC year follows."""
    source = (ROOT / "rules" / "kaohsiung-112.yaml").read_text("utf-8")
    shift = deadline - date(2023, 8, 31)

    def moved(found: re.Match[str]) -> str:
        return (date.fromisoformat(found[0]) + shift).isoformat()

    lines = []
    for line in source.splitlines(keepends=True):
        if re.match(r"\s*(period|deadline):", line):
            line = re.sub(r"\d{4}-\d{2}-\d{2}", moved, line)
        lines.append(line)
    start = date(2023, 1, 1) + shift
    text = "".join(lines).replace("roc_year: 112", f"roc_year: {start.year - 1911}", 1)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kaohsiung-112.yaml").write_text(text, "utf-8")
    return folder


async def updates_served(session: aiohttp.ClientSession, bot: BotProcess) -> Counter[str]:
    """Updates the instance handled so far, by channel, as its /metrics tells an operator."""
    async with session.get(f"{bot.url}/metrics") as response:
        text = await response.text()
    served: Counter[str] = Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "elearn_updates_total":
                served[sample.labels["channel"]] += int(sample.value)
    return served


def telegram_texts(fake: FakeTelegramAPI, chat: int) -> list[str]:
    """What one person saw arrive, in order: the texts of the bot's messages to them."""
    return [str(s["text"]) for s in fake.sent if s["chat_id"] == chat and s["method"] == "sendMessage"]


def line_message_texts(messages: list[JSON]) -> list[str]:
    return [str(m.get("text") or m.get("altText") or "") for m in messages]


async def when_up(call: Callable[[], Awaitable[None]], patience: float = 30.0) -> None:
    """`call()`, tried again while the server is still coming back from a restart."""
    give_up = time.monotonic() + patience
    while True:
        try:
            return await call()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            if time.monotonic() > give_up:
                raise
            await asyncio.sleep(0.5)


@dataclass
class Instances:
    session: aiohttp.ClientSession
    telegram: FakeTelegramAPI
    line: FakeLineAPI
    url: str  # the database URL every instance uses (its own schema)
    schema: str
    bots: list[BotProcess]  # not started: `start_all`, or each test starts them


@asynccontextmanager
async def instances_on_postgres(
    folder: Path, name: str, count: int = 2, extra: Mapping[str, str] | None = None
) -> AsyncIterator[Instances]:
    """`count` `python -m bot run` processes on one new PostgreSQL schema (migrated once before
    any starts), with the fake Telegram and LINE servers and a client session; afterwards the
    instances are stopped and the schema dropped (waiting for a server a test restarted)."""
    server = await require_postgres()
    schemas = PostgresSchemas(server)
    schema = await schemas.create()
    url = with_search_path(server, schema)
    try:
        async with PostgresStore(url):
            pass
        async with FakeTelegramAPI() as telegram, FakeLineAPI() as line, aiohttp.ClientSession() as session:
            bots = []
            for n in range(count):
                port = free_port()
                env = bot_env(port, url, telegram=telegram, line=line, extra=extra)
                bots.append(BotProcess(f"{name}-{n}", port, env, folder / f"{name}-{n}.log"))
            try:
                yield Instances(session, telegram, line, url, schema, bots)
            finally:
                await asyncio.gather(*(bot.stop() for bot in bots))
    finally:
        await when_up(lambda: schemas.drop(schema))
