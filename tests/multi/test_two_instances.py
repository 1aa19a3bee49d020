"""Two real `python -m bot run` processes serving one bot from one PostgreSQL schema.

The test process plays Telegram and LINE: the fake Bot API and Messaging API servers run
here on 127.0.0.1, and webhook updates are posted to the instances as the platforms would
behind a load balancer: any update may reach either instance, and one that got no 2xx (or
no answer in time) is sent again. What is asserted is what people would see: the messages
the fakes received for each of them.

* Traffic spread over both instances, some updates posted twice (at once to the other
  instance, to the same one, and late): one answer per distinct update, in the order the
  person wrote.
* The instance delivering the outbox (holder of the "sender" lease) SIGKILLed in the middle
  of an announcement and a day's reminders: the other carries on within 15 s, everybody
  gets both, only sends in flight at the kill arrive twice on Telegram (at most the
  channel's concurrency, 8) and nothing arrives twice on LINE (retry keys).
* PostgreSQL restarted while messages and an announcement flow: nothing is lost (each
  answer once; two messages of one person that both waited out the restart may swap).
* Beforehand, what a restart does to one connection, done by hand (pg_terminate_backend):
  a person's turn waited for on it is waited for again; a transaction cut off on it is
  done again on a new connection (or fails, should the data have changed meanwhile).

Order across instances holds when a person's next message comes after the previous one was
taken up (here 1.2 s later, as people read before they type): an instance takes an update's
turn (a PostgreSQL advisory lock) shortly after its 200, and one person's turns are granted
first come, first served. Under a backlog (more than TURN_POOL_SIZE people mid-turn on one
instance, e.g. replies waiting for Telegram's 30/s) an update may wait for a connection
before it queues for its turn, and a later one on the other instance can overtake it.

The two instances (and the fakes) live for the module; a test that finds one dead (the
kill test leaves one) starts it again first, as a supervisor would. The restart kills
every connection to the server, so the module holds none across tests, and it runs only
where the test server is a local cluster this user may restart (`pg_lsclusters`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import aiohttp
import asyncpg
import pytest
import pytest_asyncio

from bot.config import ReminderSettings
from bot.core.clock import SystemClock
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.outbox.compose import Composer
from bot.outbox.courier import Courier
from bot.plans.loader import PlanBook, load_rules_dir
from bot.reminders.schedule import due_on
from bot.storage import StoreError
from bot.storage.outbox import DeliveryKind, Job
from bot.storage.postgres import PostgresStore
from tests.fakes.line_api import FakeLineAPI, new_user_id, text_message_event
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.multi.instances import (
    BotProcess,
    instances_on_postgres,
    like_line,
    like_telegram,
    line_message_texts,
    shifted_rules,
    start_all,
    telegram_texts,
    updates_served,
)
from tests.outbox.conftest import FakeChannel
from tests.support.backends import require_postgres, server_url, with_search_path

pytestmark = pytest.mark.asyncio(loop_scope="module")

PLAN = "kaohsiung-112"
OFFSET = 7  # days before the deadline: one of the plan's reminder_days_before
QUESTIONS = (  # what a person writes, and how its answer starts
    ("/help", "我可以："),
    ("補休最多幾小時", "🏖 補休"),
    ("客服電話", "☎️ 客服窗口"),
    ("嘉獎", "🏅 嘉獎1次"),
)
GAP = 1.2  # seconds between one person's messages: they read the answer before typing again
REMINDER = "⏰ 提醒"
REPORT = "📬 公告"
ADMIN = 880001  # the Telegram chat of the HR officer who writes the announcements
SENDER_TAKEOVER = 15.0  # seconds: the lease (10 s), a standby's ask (every 2 s), and margin
TELEGRAM_IN_FLIGHT = 8  # TelegramChannel.concurrency: the sends in flight when the sender died


def taipei_today() -> date:
    return datetime.now(TAIPEI).date()


@dataclass
class World:
    session: aiohttp.ClientSession
    telegram: FakeTelegramAPI
    line: FakeLineAPI
    url: str  # DATABASE_URL of the instances: the module's schema
    schema: str
    bots: list[BotProcess]
    deadline: date  # of the plan as the instances have it (RULES_DIR): OFFSET days from today
    line_tokens: dict[str, str] = field(default_factory=dict)  # reply token → LINE user

    async def all_running(self) -> None:
        """Start again any instance that died (a supervisor's job), and wait until ready."""
        dead = [bot for bot in self.bots if not bot.running()]
        await start_all(self.session, dead)

    def line_texts(self, user: str) -> list[str]:
        """What a LINE user saw arrive: answers by reply token, then pushes, then multicasts."""
        replies = [r for r in self.line.replies if self.line_tokens.get(r["replyToken"]) == user]
        pushes = [p for p in self.line.pushes if p["to"] == user]
        multicasts = [m for m in self.line.multicasts if user in m["to"]]
        return [text for sent in (*replies, *pushes, *multicasts) for text in line_message_texts(sent["messages"])]

    def logs(self) -> str:
        return "\n".join(bot.tail(50) for bot in self.bots)

    def url_named(self, name: str) -> str:
        """The schema's URL under an application_name of its own, to find its connections."""
        return with_search_path(server_url(), self.schema).replace(
            f"application_name={self.schema}", f"application_name={name}"
        )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    await require_postgres()  # skipped before waiting for midnight, when there is no server
    folder = tmp_path_factory.mktemp("multi")
    now = datetime.now(TAIPEI)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), TAIPEI)
    if midnight - now < timedelta(minutes=3):  # the reminders must be composed on the day they were queued for
        await asyncio.sleep((midnight - now).total_seconds() + 1)
    deadline = taipei_today() + timedelta(days=OFFSET)
    rules = shifted_rules(folder / "rules", deadline)
    assert any(
        d.deadline == deadline and d.offset_days == OFFSET for d in due_on(load_rules_dir(rules), taipei_today())
    )
    async with instances_on_postgres(folder, "instance", extra={"RULES_DIR": str(rules)}) as found:
        yield World(found.session, found.telegram, found.line, found.url, found.schema, found.bots, deadline)


@pytest.fixture(autouse=True)
def _logs_on_failure(world: World) -> Iterator[None]:
    yield
    print(world.logs())  # pytest shows it only for a failed test


async def onboard(world: World, channel: str, ids: Sequence[str], *, reminders: bool = False) -> list[int]:
    """People who chose kaohsiung-112 and finished onboarding (written to the store as the
    onboarding dialogue would leave them); their store ids."""
    async with PostgresStore(world.url, pool_size=8) as store:

        async def one(channel_user_id: str) -> int:
            user, _ = await store.get_or_create_user(channel, channel_user_id, "zh-TW")
            user.plan_id, user.onboarded, user.reminders = PLAN, True, reminders
            await store.save_user(user)
            return user.id

        return list(await asyncio.gather(*(one(i) for i in ids)))


async def announce(world: World, ids: Sequence[int], text: str) -> None:
    """An announcement by the admin to `ids`, queued as /broadcast would."""
    async with PostgresStore(world.url, pool_size=2) as store:
        await store.queue_broadcast(PLAN, "all", text, f"telegram:{ADMIN}", ids)


async def until(condition: Callable[[], bool], timeout: float, what: str, world: World) -> None:
    give_up = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > give_up:
            raise AssertionError(f"{what}: not within {timeout:g}s\n{world.logs()}")
        await asyncio.sleep(0.1)


def answered_in_order(texts: Sequence[str], asked: int) -> bool:
    starts = [start for _, start in QUESTIONS[:asked]]
    return len(texts) == len(starts) and all(t.startswith(s) for t, s in zip(texts, starts))


def reports(world: World) -> list[str]:
    return [t for t in telegram_texts(world.telegram, ADMIN) if t.startswith(REPORT)]


@dataclass
class Traffic:
    """People on both platforms writing QUESTIONS one after another, every message to the
    other instance than the one before, some posted twice; `posts` counts the POSTs."""

    world: World
    telegram_people: Sequence[int]
    line_people: Sequence[str]
    asked: int = len(QUESTIONS)
    late: bool = True  # also resend some updates a while after their 200 (as if it got lost)
    posts: Counter[str] = field(default_factory=Counter)

    async def run(self) -> None:
        await asyncio.gather(
            *(self._person(p, chat, self._telegram) for p, chat in enumerate(self.telegram_people)),
            *(self._person(p, user, self._line) for p, user in enumerate(self.line_people)),
        )

    async def _person(self, p: int, who: object, post: Callable[..., Awaitable[int]]) -> None:
        await asyncio.sleep(GAP * (p % 7) / 7)  # people start at different moments
        late: list[asyncio.Task[int]] = []
        for k, (question, _) in enumerate(QUESTIONS[: self.asked]):
            make = self.world.telegram.make_message_update if post == self._telegram else self._line_event
            update = make(who, question)
            first = (p + k) % 2  # alternate instances, message by message
            sends = [post(first, update)]
            if (p + k) % 3 == 0:  # sent again at once, to the other instance
                sends.append(post(1 - first, update))
            if (p + k) % 5 == 1:  # … and to the same one
                sends.append(post(first, update))
            if self.late and (p + k) % 4 == 2:  # … and late: a resend after a 200 that got lost
                late.append(asyncio.create_task(self._later(post, 1 - first, update)))
            posted = sum(await asyncio.gather(*sends))
            self.posts[type(who).__name__] += posted
            await asyncio.sleep(GAP)
        self.posts["late"] += sum(await asyncio.gather(*late))

    async def _later(self, post: Callable[..., Awaitable[int]], to: int, update: dict[str, object]) -> int:
        await asyncio.sleep(GAP * 1.5)
        return await post(to, update)

    def _line_event(self, user: str, text: str) -> dict[str, object]:
        event = text_message_event(user, text)
        self.world.line_tokens[event["replyToken"]] = user
        return event

    async def _telegram(self, first: int, update: dict[str, object]) -> int:
        return await like_telegram(self.world.session, self.world.bots, first, update)

    async def _line(self, first: int, event: dict[str, object]) -> int:
        return await like_line(self.world.session, self.world.bots, first, self.world.line, event)

    def everyone_answered(self) -> bool:
        world = self.world
        return all(len(telegram_texts(world.telegram, c)) >= self.asked for c in self.telegram_people) and all(
            len(world.line_texts(u)) >= self.asked for u in self.line_people
        )

    def check(self, in_order: bool = True) -> None:
        """Exactly one answer per distinct update; in the order written unless not `in_order`."""
        seen = [telegram_texts(self.world.telegram, c) for c in self.telegram_people]
        seen += [self.world.line_texts(u) for u in self.line_people]
        for who, texts in zip([*self.telegram_people, *self.line_people], seen):
            if not in_order:  # each answer once, whatever the order
                texts = [t for _, start in QUESTIONS for t in texts if t.startswith(start)] + [
                    t for t in texts if not t.startswith(tuple(start for _, start in QUESTIONS))
                ]
            assert answered_in_order(texts, self.asked), (who, [t[:12] for t in texts])


# ---- the store when the server cuts its connections (what a restart does to each) -------------


async def backend_of(admin: asyncpg.Connection, name: str, where: str, besides: Sequence[int] = ()) -> int:
    """The pid of the server process of the connection named `name` in that state (not one of `besides`)."""
    query = f"SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND NOT pid = ANY($2::int[]) AND {where}"
    give_up = time.monotonic() + 5
    while (pid := await admin.fetchval(query, name, list(besides))) is None:
        assert time.monotonic() < give_up, f"no connection {name} where {where}"
        await asyncio.sleep(0.05)
    return int(pid)


async def test_a_turn_waited_for_on_a_connection_the_server_cut_is_waited_for_again(world: World) -> None:
    """An update waiting for its person's turn when the server ends the waiting session: the
    wait goes on, on a new connection; the update is not dropped."""
    waiter_url = world.url_named("turn-waiter")
    waits = "wait_event_type = 'Lock' AND wait_event = 'advisory'"

    async def turn(store: PostgresStore) -> None:
        async with store.person_turn("telegram:870001"):
            pass

    admin = await asyncpg.connect(world.url)
    try:
        async with PostgresStore(world.url, pool_size=1) as first, PostgresStore(waiter_url, pool_size=1) as second:
            async with first.person_turn("telegram:870001"):  # one instance has the person's turn
                waiting = asyncio.create_task(turn(second))  # the other waits for it
                cut: list[int] = []
                for _ in range(2):  # cut the waiting connection, then the one it waits on next
                    pid = await backend_of(admin, "turn-waiter", waits, besides=cut)
                    assert not waiting.done(), waiting  # not failed: waiting again
                    assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
                    cut.append(pid)
                await asyncio.sleep(0.5)
                assert not waiting.done(), waiting
            await asyncio.wait_for(waiting, 5)  # the turn, once the first instance is done
    finally:
        await admin.close()


async def test_a_transaction_whose_connection_the_server_cut_is_done_again(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Cut between two statements of a transaction: it is begun again on a new connection
    and what it had done is done again, so it commits once; had the data changed meanwhile,
    it fails (StoreError) rather than go on from answers that no longer hold."""
    caplog.set_level(logging.INFO, logger="bot.storage.postgres")
    url = world.url_named("cut-transaction")
    admin = await asyncpg.connect(world.url)
    later = datetime.now(TAIPEI) + timedelta(days=1)
    try:
        async with PostgresStore(url, pool_size=1) as store:
            async with store._transaction() as tx:
                assert await tx.fetch("SELECT key FROM seen_events WHERE key LIKE 'cut:%'") == []
                await tx.execute("INSERT INTO seen_events (key, expires_at) VALUES (?, ?)", ("cut:1", later))
                pid = await backend_of(admin, "cut-transaction", "state = 'idle in transaction'")
                assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
                await asyncio.sleep(0.3)  # the client has seen its connection go
                await tx.execute("INSERT INTO seen_events (key, expires_at) VALUES (?, ?)", ("cut:2", later))
            stored = await admin.fetch("SELECT key FROM seen_events WHERE key LIKE 'cut:%' ORDER BY key")
            assert [r["key"] for r in stored] == ["cut:1", "cut:2"]
            assert "was done again on a new one" in caplog.text

            with pytest.raises(StoreError, match="the data changed meanwhile"):
                async with store._transaction() as tx:
                    await tx.fetch("SELECT key FROM seen_events WHERE key LIKE 'cut:%' ORDER BY key")
                    pid = await backend_of(admin, "cut-transaction", "state = 'idle in transaction'")
                    await admin.execute("INSERT INTO seen_events (key, expires_at) VALUES ('cut:3', now())")
                    assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
                    await asyncio.sleep(0.3)
                    await tx.execute("DELETE FROM seen_events WHERE key LIKE 'cut:%'")
            stored = await admin.fetch("SELECT key FROM seen_events WHERE key LIKE 'cut:%' ORDER BY key")
            assert [r["key"] for r in stored] == ["cut:1", "cut:2", "cut:3"]  # nothing deleted
    finally:
        await admin.close()


class ClaimCutAtCommit(PostgresStore):
    """The first claim's COMMIT went through, but its answer was lost with the connection
    (a restart at that instant): the rows are "sending" and the courier was told it failed."""

    cut = False

    async def claim(self, channel: str, limit: int, *, kinds: Sequence[DeliveryKind], batch_key: str) -> list[Job]:
        jobs = await super().claim(channel, limit, kinds=kinds, batch_key=batch_key)
        if jobs and not self.cut:
            self.cut = True
            raise StoreError("PostgreSQL error: connection was closed in the middle of operation (COMMIT)")
        return jobs


async def test_rows_a_failed_delivery_pass_left_sending_go_out_on_the_next_pass(world: World, book: PlanBook) -> None:
    """Not only at a takeover: the sender itself sends again what its failed pass left."""
    people = [str(c) for c in range(875001, 875011)]
    ids = await onboard(world, "telegram", people)
    channel = FakeChannel("telegram")
    async with ClaimCutAtCommit(world.url_named("cut-claim"), pool_size=2) as store:
        await store.queue_broadcast(PLAN, "all", ANNOUNCEMENT, "cli:hr", ids)
        clock = SystemClock()
        courier = Courier(
            store, {"telegram": channel}, Composer(Services(book, store, clock)), clock, ReminderSettings(),
            holder="cut-claim", lease_seconds=2.0, poll_seconds=0.2,
        )  # fmt: skip
        stop = asyncio.Event()
        running = asyncio.create_task(courier.run(stop))
        try:
            give_up = time.monotonic() + 10
            while {r.user for r in channel.received} != set(people):
                assert time.monotonic() < give_up, (
                    f"{len(channel.received)} of {len(people)} sent; the rest left sending"
                )
                await asyncio.sleep(0.05)
        finally:
            stop.set()
            await asyncio.wait_for(running, 5)
    assert store.cut and len(channel.received) == len(people)


# ---- (a) traffic over both instances ---------------------------------------------------------


async def test_traffic_over_both_instances_is_answered_once_per_update_in_order(world: World) -> None:
    await world.all_running()
    traffic = Traffic(world, range(810001, 810025), [new_user_id() for _ in range(12)])  # 24 + 12 people
    await onboard(world, "telegram", [str(c) for c in traffic.telegram_people])
    await onboard(world, "line", traffic.line_people)
    served = [await updates_served(world.session, bot) for bot in world.bots]
    await traffic.run()
    updates = len(QUESTIONS) * (len(traffic.telegram_people) + len(traffic.line_people))
    assert sum(traffic.posts.values()) > updates * 1.5, traffic.posts  # many were posted twice or more
    await until(traffic.everyone_answered, 30, "every update answered", world)
    await asyncio.sleep(1.0)  # a second answer to a resent update would have come by now
    traffic.check()
    people = {"telegram": len(traffic.telegram_people), "line": len(traffic.line_people)}
    for bot, before in zip(world.bots, served):  # each instance served a good share of each platform's
        after = await updates_served(world.session, bot)
        assert all(after[c] - before[c] > n * len(QUESTIONS) / 4 for c, n in people.items()), (bot.name, after)


# ---- (b) the sender killed mid-delivery ------------------------------------------------------


async def sender(world: World) -> BotProcess:
    """The instance holding the "sender" lease (its holder name carries the pid)."""
    conn = await asyncpg.connect(world.url)
    try:
        holder = await conn.fetchval("SELECT holder FROM leases WHERE name = 'sender' AND expires_at > now()")
    finally:
        await conn.close()
    assert holder, "nobody holds the sender lease"
    (bot,) = [b for b in world.bots if b.pid == int(holder.split(":")[1])]
    return bot


ANNOUNCEMENT = "研習時數請於截止日前完成，並記得申請補休。"


async def test_a_killed_sender_is_replaced_and_everyone_gets_the_announcement_and_reminder(world: World) -> None:
    await world.all_running()
    telegram_people = list(range(830001, 830061))  # 60 people on Telegram
    line_people = [new_user_id() for _ in range(140)]  # and 140 on LINE
    await onboard(world, "telegram", [str(ADMIN)])
    ids = await onboard(world, "telegram", [str(c) for c in telegram_people], reminders=True)
    ids += await onboard(world, "line", line_people, reminders=True)
    world.telegram.slow_next("sendMessage", 0.2, times=2 * len(telegram_people))  # a slow network
    world.line.latency |= {"push": 0.3, "multicast": 0.3}  # so are LINE's
    try:
        await announce(world, ids, ANNOUNCEMENT)
        async with PostgresStore(world.url, pool_size=2) as store:
            assert await store.queue_reminders(PLAN, world.deadline, OFFSET) == len(ids)

        def telegram_sent() -> int:
            return sum(len(telegram_texts(world.telegram, c)) for c in telegram_people)

        await until(lambda: telegram_sent() >= 24 and len(world.line.pushes) >= 20, 20, "delivery started", world)
        killed = await sender(world)
        killed.kill()
        at_kill, line_at_kill = time.monotonic(), len(world.line.pushes)
        await asyncio.sleep(0.5)  # what the killed one had on the wire has landed
        before = telegram_sent() + len(world.line.pushes) + len(world.line.multicasts)
        await until(
            lambda: telegram_sent() + len(world.line.pushes) + len(world.line.multicasts) > before,
            SENDER_TAKEOVER,
            "the other instance carries on",
            world,
        )
        took_over = time.monotonic() - at_kill

        def everyone_has_both() -> bool:
            telegram = [telegram_texts(world.telegram, c) for c in telegram_people]
            line = [world.line_texts(u) for u in line_people]
            return all(
                any(ANNOUNCEMENT in t for t in texts) and any(t.startswith(REMINDER) for t in texts)
                for texts in (*telegram, *line)
            )

        await until(everyone_has_both, 60, "everyone has the announcement and the reminder", world)
        await until(lambda: len(reports(world)) >= 1, 20, "the admin's report", world)
    finally:
        world.line.latency.clear()
    doubles = Counter[str]()  # the report comes last: a double would have come by now
    for chat in telegram_people:
        texts = telegram_texts(world.telegram, chat)
        got = Counter(
            "announcement" if ANNOUNCEMENT in t else "reminder" if t.startswith(REMINDER) else t for t in texts
        )
        assert set(got) == {"announcement", "reminder"}, (chat, got)
        doubles.update({kind: n - 1 for kind, n in got.items()})
    assert doubles.total() <= TELEGRAM_IN_FLIGHT, f"{doubles} Telegram messages arrived twice"
    (report,) = reports(world)  # the admin is told how many may have had the announcement twice
    uncertain = re.search(r"其中 (\d+) 人的訊息在服務中斷時正在傳送", report)
    assert doubles["announcement"] <= (int(uncertain[1]) if uncertain else 0), report
    for user in line_people:
        texts = world.line_texts(user)
        announced, reminded = sum(ANNOUNCEMENT in t for t in texts), sum(t.startswith(REMINDER) for t in texts)
        assert (len(texts), announced, reminded) == (2, 1, 1), (user, [t[:20] for t in texts])
    assert took_over < SENDER_TAKEOVER
    print(
        f"killed with {line_at_kill}/{len(line_people)} LINE reminders out; the standby carried on "
        f"{took_over:.1f}s after the kill; Telegram doubles: {dict(doubles)}"
    )


# ---- (c) PostgreSQL restarted under load -----------------------------------------------------


def restartable_cluster() -> list[str] | None:
    """`pg_ctlcluster VERSION NAME restart` for the local cluster serving the test server's
    port, when this machine has one and we may restart it; None otherwise."""
    parts = urlsplit(server_url())
    if parts.hostname not in ("127.0.0.1", "localhost") or not shutil.which("pg_ctlcluster") or os.geteuid() != 0:
        return None
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=False).stdout
    for line in listed.splitlines():
        version, name, port, status, *_ = line.split()
        if int(port) == (parts.port or 5432) and status.startswith("online"):
            return ["pg_ctlcluster", version, name, "restart"]
    return None


RESTART_NOTICE = "研習時數統計將於月底結算，請留意。"


async def test_a_postgresql_restart_under_load_loses_nothing(world: World) -> None:
    restart = restartable_cluster()
    if restart is None:
        reason = f"the test server ({server_url()}) is not a local cluster this user can restart"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    await world.all_running()
    traffic = Traffic(world, range(850001, 850031), [new_user_id() for _ in range(10)], asked=3, late=False)
    await onboard(world, "telegram", [str(c) for c in traffic.telegram_people])
    await onboard(world, "line", traffic.line_people)
    listeners = [str(c) for c in range(860001, 860041)]
    line_listeners = [new_user_id() for _ in range(20)]
    ids = await onboard(world, "telegram", listeners) + await onboard(world, "line", line_listeners)
    already = len(reports(world))
    talking = asyncio.create_task(traffic.run())
    await asyncio.sleep(GAP)
    await announce(world, ids, RESTART_NOTICE)
    await asyncio.sleep(GAP)  # mid-conversation, mid-announcement
    restarted = await asyncio.to_thread(subprocess.run, restart, capture_output=True, text=True, check=False)
    assert restarted.returncode == 0, restarted.stderr
    await talking
    await until(traffic.everyone_answered, 45, "every update answered after the restart", world)

    def announced() -> bool:
        return all(any(RESTART_NOTICE in t for t in telegram_texts(world.telegram, int(c))) for c in listeners) and all(
            any(RESTART_NOTICE in t for t in world.line_texts(u)) for u in line_listeners
        )

    await until(announced, 45, "the announcement delivered to everyone", world)
    await until(lambda: len(reports(world)) > already, 20, "the admin's report", world)
    await asyncio.sleep(1.0)
    traffic.check(in_order=False)  # two messages of one person waiting out the restart may swap
    doubles = sum(sum(RESTART_NOTICE in t for t in telegram_texts(world.telegram, int(c))) - 1 for c in listeners)
    assert doubles <= TELEGRAM_IN_FLIGHT, f"{doubles} Telegram messages arrived twice"
    assert all(sum(RESTART_NOTICE in t for t in world.line_texts(u)) == 1 for u in line_listeners)
    assert all(bot.running() for bot in world.bots)
