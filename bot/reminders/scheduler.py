"""When reminder runs happen: every day at REMINDER_TIME (Asia/Taipei), and once at start
to catch up a run missed while the bot was down.

APScheduler only decides when to look; the store decides what is due and what was queued
already (one outbox row per person, plan, deadline and offset), so a restart, a second
run the same day or a second instance never reminds anyone twice. With several instances
the run itself happens once: the first to take the day's lease runs it; the others look
again once that lease could have run out, and find the day done (or run it, should the
first have died midway). A day missed entirely
is recorded as skipped and logged: a reminder about "7 days left" is wrong a day later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot import metrics
from bot.config import ReminderSettings
from bot.core.leases import Lease, holder_name
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.reminders.pause import paused_by
from bot.reminders.schedule import days_with_reminders, due_on
from bot.reminders.sweep import queue_day, take_snapshot

log = logging.getLogger(__name__)
JOB_ID = "reminders"
RUN_LEASE_SECONDS = 300.0  # a day's run queues in seconds; a dead runner's day is taken over after this


class ReminderScheduler:
    def __init__(
        self,
        services: Services,
        settings: ReminderSettings,
        on_queued: Callable[[], None] = lambda: None,
        *,
        holder: str | None = None,
    ) -> None:
        self.services, self.settings, self.on_queued = services, settings, on_queued
        self.holder = holder or holder_name()
        self._scheduler: AsyncIOScheduler | None = None
        self._looking_again: set[date] = set()

    def trigger(self) -> CronTrigger:
        return CronTrigger(hour=self.settings.send_at.hour, minute=self.settings.send_at.minute, timezone=TAIPEI)

    async def start(self) -> None:
        """Catch up first, then schedule the daily run (in the running event loop)."""
        await self.catch_up()
        scheduler = AsyncIOScheduler(timezone=TAIPEI)
        scheduler.add_job(
            self.run_today, self.trigger(), id=JOB_ID, coalesce=True, max_instances=1, misfire_grace_time=3600
        )
        scheduler.start()
        self._scheduler = scheduler
        log.info("reminders: daily at %s Asia/Taipei; next run %s", self.settings.send_at, self.next_run())

    def next_run(self) -> datetime | None:
        job = self._scheduler.get_job(JOB_ID) if self._scheduler else None
        return job.next_run_time if job else None

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    async def run_today(self) -> int:
        """The daily run; returns how many reminders were newly queued (0 when another
        instance runs it)."""
        now = self.services.clock.now()
        if self.settings.quiet(now.time()):
            log.warning("reminder run at %s skipped: inside quiet hours", now.isoformat())
            return 0
        today = now.date()
        paused = await paused_by(self.services)
        if paused is not None:
            await self._paused(today, paused.updated_by)
            return 0
        lease = Lease(self.services.store, f"reminder-run:{today.isoformat()}", self.holder, RUN_LEASE_SECONDS)
        if not await lease.acquire():
            log.info("reminders: another instance is running %s's reminders", today)
            self._look_again(today)
            return 0
        if today in self._looking_again and (await self.services.store.sweep(today)) is not None:
            return 0  # the other instance finished the day
        queued = await queue_day(self.services, today)
        self.on_queued()
        await take_snapshot(self.services, today)
        return sum(q.new for q in queued)

    def _look_again(self, day: date) -> None:
        """Once the other instance's lease could have run out: run the day unless it is done."""
        if self._scheduler is None or day in self._looking_again:
            return
        self._looking_again.add(day)
        when = self.services.clock.now() + timedelta(seconds=RUN_LEASE_SECONDS + 5)
        self._scheduler.add_job(
            self.run_today, "date", run_date=when, id=f"{JOB_ID}:again:{day}", replace_existing=True
        )

    async def catch_up(self) -> int:
        """At start: log days missed while down; run today's if its time has come and gone."""
        store = self.services.store
        now = self.services.clock.now()
        today = now.date()
        last = await store.last_sweep_day()
        if last is not None:
            for day in days_with_reminders(self.services.book, last + timedelta(days=1), today - timedelta(days=1)):
                await self._skip(day, "the bot was not running that day")
        if now.time() < self.settings.send_at or (await store.sweep(today)) is not None:
            return 0
        if self.settings.quiet(now.time()):
            if due_on(self.services.book, today):
                await self._skip(today, "the bot came back during quiet hours")
            return 0
        log.info("reminders: catching up today's run (missed at %s)", self.settings.send_at)
        return await self.run_today()

    async def _paused(self, day: date, by: str) -> None:
        """Paused in the console: the day is skipped, and says by whom (once, on any instance)."""
        log.warning("reminder run of %s skipped: reminders are paused (by %s)", day, by)
        if due_on(self.services.book, day):
            await self._skip(day, f"reminders paused by {by}")

    async def _skip(self, day: date, why: str) -> None:
        if await self.services.store.sweep(day) is not None:
            return
        dues = due_on(self.services.book, day)
        names = ", ".join(f"{d.plan_id} {d.offset_days}d before {d.deadline}" for d in dues)
        log.warning("reminders of %s skipped (%s): %s", day, why, names)
        await self.services.store.record_sweep(day, "skipped", 0, f"{why}: {names}")
        metrics.reminder_run("skipped")
