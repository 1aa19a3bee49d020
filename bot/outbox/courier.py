"""The courier: delivers the outbox, paced by each channel, exactly once.

    claim (pending → sending, one transaction) ─► compose ─► channel.deliver / multicast
        ─► finish (sent | blocked | failed | skipped, one transaction)

* Only the holder of the "sender" lease delivers, so instances, the service and a
  command-line run never work the same rows, and one pace keeps the platforms' limits.
  The service renews it in the background (bot.core.leases); a killed holder's lease runs
  out after `lease_seconds` (10 s) and a standby instance, asking every 2 s, takes over.
* Rows found "sending" when a holder starts were cut off by a crash. They are sent again
  under the same batch key: LINE's retry keys derive from it, so LINE refuses a second copy
  (409 = already delivered). Telegram has no such key: there each outcome is recorded as
  soon as it is known (group commits), so only the messages in flight at the crash (at most
  `channel.concurrency`, 8) can arrive twice. The rows of the cut-off claim (at most
  `concurrency × CLAIM_FACTOR`, 32) are flagged uncertain: an upper bound in the report.
* Reminders are not sent during quiet hours, nor while HR paused them (bot.reminders.pause);
  announcements are, because an admin chose to send them.
* When a platform fails for now (5xx, timeouts, no connection: `Delivered.RETRY`), the row
  goes back to pending with a `not_before` time, backing off (5 s, 10 s, 20 s … at most
  5 min), and that channel pauses until then, so an outage costs no more requests than
  needed and chat replies are not held up. An announcement is retried for
  `ANNOUNCEMENT_RETRY` after it was queued, a reminder until its day's quiet hours begin;
  only then is the row failed, with the reason. The author of a delayed announcement is
  told once.
* Everything is recorded before the next claim: a restart resumes where the last one stopped.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from itertools import groupby

from bot import metrics
from bot.channels.base import Channel, Delivered, sub_key
from bot.config import ReminderSettings
from bot.core.clock import Clock
from bot.core.leases import LEASE_SECONDS, Lease, holder_name
from bot.core.messages import Reply
from bot.outbox.compose import Composer, Skip
from bot.storage import CHANNELS, Store
from bot.storage.console import REMINDERS_PAUSED, pause_in_force
from bot.storage.outbox import Broadcast, DeliveryKind, DeliveryStatus, Job, Outcome

log = logging.getLogger(__name__)
LEASE = "sender"
CLAIM_FACTOR = 4  # rows claimed per batch, per send in flight: fewer claims, a bounded crash window
Report = Callable[[Broadcast], Awaitable[bool]]  # True: the author has it (or has no chat)
FIRST_BACKOFF = timedelta(seconds=5)  # after a platform failure; doubles per attempt
MAX_BACKOFF = timedelta(minutes=5)
ANNOUNCEMENT_RETRY = timedelta(hours=12)  # an announcement is tried this long after it was queued
RETRY_MARGIN = timedelta(minutes=1)  # a pass may come this late after a row is due

_STATUS: dict[Delivered, tuple[DeliveryStatus, str | None]] = {
    Delivered.SENT: ("sent", None),
    Delivered.BLOCKED: ("blocked", "blocked the bot"),
    Delivered.FAILED: ("failed", "refused by the platform (see the log)"),
    Delivered.QUOTA: ("failed", "LINE monthly message quota used up"),
}


class Courier:
    def __init__(
        self,
        store: Store,
        channels: Mapping[str, Channel],
        composer: Composer,
        clock: Clock,
        reminders: ReminderSettings | None = None,
        *,
        on_report: Report | None = None,
        holder: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
        poll_seconds: float = 5.0,
        fail_unconfigured: bool = True,
    ) -> None:
        self.store, self.channels, self.composer, self.clock = store, dict(channels), composer, clock
        self.reminders = reminders or ReminderSettings()
        self.on_report = on_report
        self.holder = holder or holder_name()
        self.lease_seconds, self.poll_seconds = lease_seconds, poll_seconds
        self.standby_seconds = min(poll_seconds, lease_seconds / 5)  # how often a standby asks for the lease
        self.lease = Lease(store, LEASE, self.holder, lease_seconds)
        self.fail_unconfigured = fail_unconfigured  # the service's view; a command line may lack a channel's settings
        self._wake = asyncio.Event()
        self._stop: asyncio.Event | None = None  # set by run(): a graceful stop ends a pass between batches
        self._paused: dict[str, datetime] = {}  # channel → when to try it again after a platform failure

    def wake(self) -> None:
        """Something was queued: deliver now rather than at the next poll."""
        self._wake.set()

    async def acquire(self) -> bool:
        """Take (or renew) the sender lease; False while another live process holds it."""
        return await self.lease.acquire()

    async def release(self) -> None:
        await self.lease.release()

    async def run(self, stop: asyncio.Event) -> None:
        """The service's loop: wait for the lease (standing by while another instance has
        it), resume a crash's leftovers, then deliver whatever is queued, waking on `wake()`
        or every `poll_seconds`; should the lease be lost, stand by again."""
        self._stop = stop
        try:
            while not stop.is_set():
                if not await self._take_lease(stop):
                    return
                self.lease.keep()
                await self._deliver_while_held(stop)
        finally:
            if stop.is_set():  # a graceful stop; a crash leaves the lease to run out
                await self.release()
            else:
                await self.lease.abandon()

    async def _take_lease(self, stop: asyncio.Event) -> bool:
        """Wait for the lease; False when stopped first."""
        told = False
        while True:
            try:
                if await self.acquire():
                    return True
            except Exception as error:  # the database is away for now
                log.warning("outbox: cannot ask for the sender lease: %s", error)
            if not told:
                log.info("another instance is delivering the outbox; standing by")
                told = True
            if await _wait(stop, self.standby_seconds):
                return False

    async def _deliver_while_held(self, stop: asyncio.Event) -> None:
        resumed = False
        while not stop.is_set() and self.lease.held:
            self._wake.clear()
            try:
                if not resumed:
                    await self.resume()
                    resumed = True
                await self.deliver_pending()
            except Exception:  # e.g. the database briefly away: log, keep the loop, try again
                log.exception("outbox: delivery pass failed; retrying in %gs", self.poll_seconds)
                resumed = False  # rows the failed pass left "sending" go out first next time, as after a crash
            if await _wait(stop, self.poll_seconds, self._wake):
                return

    async def resume(self) -> int:
        """Send again what a crashed sender left "sending"; returns how many rows."""
        orphans = await self.store.reclaim_orphans([n for n, c in self.channels.items() if not c.idempotent])
        if orphans:
            log.warning("resuming %d deliveries cut off by a stop or crash", len(orphans))
        for (channel_name, _), batch in groupby(orphans, key=lambda j: (j.channel, j.batch_key)):
            channel = self.channels.get(channel_name)
            jobs = list(batch)
            if channel is None:
                if self.fail_unconfigured:
                    await _fail_as_unconfigured(self.store, channel_name, jobs)
            else:
                await self._send_batch(channel, jobs)
        return len(orphans)

    async def deliver_pending(self) -> None:
        """Deliver everything queued now, every channel at once; then send the reports of
        finished announcements."""
        await asyncio.gather(*(self._drain(name, channel) for name, channel in self.channels.items()))
        if self.fail_unconfigured:
            await self._fail_unconfigured()
        await self._report()

    async def _still_mine(self) -> bool:
        """Before each claim: a pass can last an hour (100,000 reminders at 30/s), far longer
        than the lease. The service's background renewal answers; without it (a command
        line, a test) the lease is renewed here. If it was lost, another sender owns the rows."""
        if self.lease.kept and self.lease.held:
            return True
        if not self.lease.kept and await self.acquire():
            return True
        log.error("outbox: the sender lease is no longer this instance's; it stops sending")
        return False

    def _stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    async def _kinds(self) -> list[DeliveryKind]:
        """What the next claim takes: no reminders in quiet hours, nor while HR paused them
        (asked before each claim, so a pause stops a long run within a batch)."""
        if self.reminders.quiet(self.clock.now().time()):
            return ["broadcast"]
        paused = pause_in_force(await self.store.setting(REMINDERS_PAUSED))
        return ["broadcast"] if paused is not None else ["broadcast", "reminder"]

    def _is_paused(self, name: str) -> bool:
        until = self._paused.get(name)
        if until is None:
            return False
        if self.clock.now() >= until:
            del self._paused[name]
            return False
        return True

    async def _drain(self, name: str, channel: Channel) -> None:
        limit = max(channel.multicast_size, channel.concurrency * CLAIM_FACTOR)
        while (
            not self._stopping()
            and not self._is_paused(name)
            and await self._still_mine()
            and (jobs := await self.store.claim(name, limit, kinds=await self._kinds(), batch_key=str(uuid.uuid4())))
        ):
            if jobs[0].kind == "reminder" and channel.multicast_size > 1:
                # A multicast-sized claim of personal messages: record it a few pushes at a time.
                for start in range(0, len(jobs), channel.concurrency):
                    await self._send_batch(channel, jobs[start : start + channel.concurrency])
            else:
                await self._send_batch(channel, jobs)

    async def _send_batch(self, channel: Channel, jobs: Sequence[Job]) -> None:
        composed = await self.composer.compose_all(jobs)
        outcomes: list[Outcome] = []
        ready: list[tuple[Job, list[Reply]]] = []
        for job in jobs:
            message = composed[job.id]
            if not job.active:
                outcomes.append(Outcome(job.id, "blocked", "blocked or unfollowed the bot"))
            elif isinstance(message, Skip):
                outcomes.append(Outcome(job.id, "skipped", str(message)))
            else:
                ready.append((job, message))
        if ready and channel.multicast_size > 1 and all(job.kind == "broadcast" for job, _ in ready):
            # One broadcast, one language (claim groups them): one multicast per 500 people.
            result = await channel.multicast([job.channel_user_id for job, _ in ready], ready[0][1], jobs[0].batch_key)
            outcomes.extend(self._outcome(job, result) for job, _ in ready)
        elif ready:
            gate = asyncio.Semaphore(channel.concurrency)
            recorder = _Recorder(self.store)

            async def send(job: Job, replies: list[Reply]) -> Outcome:
                async with gate:
                    if self._is_paused(channel.name):  # the platform just failed: do not pile on
                        outcome = self._outcome(job, Delivered.RETRY)
                    else:
                        key = sub_key(job.batch_key, str(job.id))
                        outcome = self._outcome(job, await channel.deliver(job.channel_user_id, replies, key))
                if not channel.idempotent:  # record at once: a crash now cannot resend this one
                    await recorder.record(outcome)
                return outcome

            sent = await asyncio.gather(*(send(job, replies) for job, replies in ready))
            outcomes.extend(sent if channel.idempotent else [])
            metrics.count_sends(jobs, [] if channel.idempotent else sent)  # recorded above, not in `outcomes`
        metrics.count_sends(jobs, outcomes)
        await self.store.finish(outcomes)

    def _outcome(self, job: Job, result: Delivered) -> Outcome:
        if result is not Delivered.RETRY:
            return _outcome(job, result)
        now = self.clock.now()
        doubling = min(max(job.attempts - 1, 0), 16)
        backoff = min(FIRST_BACKOFF * 2**doubling, MAX_BACKOFF) * random.uniform(0.9, 1.1)
        retry_at = now + backoff
        self._paused[job.channel] = max(self._paused.get(job.channel, retry_at), retry_at)
        last_chance = self._last_chance(job, now)
        if retry_at + RETRY_MARGIN > last_chance:  # it could not be tried in time
            since = f" since {job.queued_at.astimezone(now.tzinfo):%H:%M}" if job.queued_at else ""
            detail = f"{job.channel} unreachable or failing{since}; gave up after {job.attempts} attempts"
            log.error("outbox: delivery %d: %s", job.id, detail)
            return Outcome(job.id, "failed", detail)
        detail = f"{job.channel} failed for now (5xx, timeout or no connection); next try {retry_at:%H:%M:%S}"
        return Outcome(job.id, "pending", detail, retry_in=backoff)

    def _last_chance(self, job: Job, now: datetime) -> datetime:
        """How long a failing row is retried: an announcement for ANNOUNCEMENT_RETRY after it was
        queued; a reminder until the quiet hours of its day begin (the next day it is out of date)."""
        if job.kind == "broadcast":
            return (job.queued_at or now) + ANNOUNCEMENT_RETRY
        quiet = datetime.combine(now.date(), self.reminders.quiet_start, now.tzinfo)
        if self.reminders.quiet(now.time()) or quiet <= now:
            quiet = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), now.tzinfo)
        return quiet

    async def _fail_unconfigured(self) -> None:
        for name in CHANNELS:
            if name in self.channels:
                continue
            while jobs := await self.store.claim(
                name, 500, kinds=["broadcast", "reminder"], batch_key=str(uuid.uuid4())
            ):
                await _fail_as_unconfigured(self.store, name, jobs)

    async def _report(self) -> None:
        for late in await self.store.delayed_unreported():
            log.warning("announcement %d delayed: %d deliveries wait to retry", late.id, late.retrying)
            if await self._tell(late):  # the platform may still be down: tell them at a later pass
                await self.store.mark_delay_reported(late.id)
        for done in await self.store.finished_unreported():
            log.info("announcement %d delivered: %s (uncertain %d)", done.id, done.counts, done.uncertain)
            await self.store.audit(
                "system", "broadcast.delivered", {"broadcast": done.id, **done.counts, "uncertain": done.uncertain},
                done.recipients,
            )  # fmt: skip
            await self._tell(done)
            await self.store.mark_reported(done.id)

    async def _tell(self, broadcast: Broadcast) -> bool:
        """The author's report (finished, or delayed); False when it could not be sent."""
        if self.on_report is None:
            return True
        try:
            return await self.on_report(broadcast)
        except Exception:
            log.exception("could not send the report of announcement %d", broadcast.id)
            return False


class _Recorder:
    """Writes outcomes as soon as they are known, many per transaction: whoever takes the
    lock writes everything that piled up meanwhile (a group commit), so recording keeps up
    with sending without a transaction per message."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.pending: list[Outcome] = []
        self.lock = asyncio.Lock()

    async def record(self, outcome: Outcome) -> None:
        self.pending.append(outcome)
        async with self.lock:
            batch, self.pending = self.pending, []
            if batch:
                await self.store.finish(batch)


async def _fail_as_unconfigured(store: Store, channel: str, jobs: Sequence[Job]) -> None:
    await store.finish([Outcome(j.id, "failed", f"{channel} is not configured") for j in jobs])


def _outcome(job: Job, result: Delivered) -> Outcome:
    status, detail = _STATUS[result]
    if job.uncertain and result is Delivered.SENT:  # only rows of channels without retry keys are uncertain
        detail = "sent again after a crash: may have arrived twice"
    return Outcome(job.id, status, detail)


async def _wait(stop: asyncio.Event, seconds: float, wake: asyncio.Event | None = None) -> bool:
    """Sleep up to `seconds`, less if stopped or woken; True when stopped."""
    waiters = {asyncio.ensure_future(stop.wait())}
    if wake is not None:
        waiters.add(asyncio.ensure_future(wake.wait()))
    _, pending = await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return stop.is_set()
