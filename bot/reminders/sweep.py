"""A day's reminder run: queue every reminder due that day (idempotent), and the preview
that shows operators who would get what, and why, without changing anything."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import date

from bot import metrics
from bot.core.services import Services
from bot.domain.standing import Standing, standing
from bot.features.status import assessed_people
from bot.reminders.schedule import Due, due_on
from bot.storage import Store
from bot.storage.outbox import PUSH_CHANNELS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Queued:
    due: Due
    new: int  # rows added now (0 when a run for that day already queued everyone)


async def queue_day(services: Services, day: date) -> list[Queued]:
    """Queue the day's reminders; running it twice queues nobody twice (the outbox key)."""
    store: Store = services.store
    queued = [
        Queued(due, await store.queue_reminders(due.plan_id, due.deadline, due.offset_days))
        for due in due_on(services.book, day)
    ]
    await store.record_sweep(day, "done", sum(q.new for q in queued))
    metrics.reminder_run("done")
    for q in queued:
        log.info(
            "reminders %s: %s, %d days before %s: %d queued",
            day,
            q.due.plan_id,
            q.due.offset_days,
            q.due.deadline,
            q.new,
        )
    return queued


async def take_snapshot(services: Services, day: date) -> None:
    """After a run is queued (the courier already sending): the figures as they stand, for the
    console's "since the last reminder run". A failure is logged, never the run's."""
    from bot.admin.stats import snapshot_figures  # the figures need the features; the run does not

    try:
        plans = await snapshot_figures(services, day)
    except Exception:
        log.exception("reminders %s: the figures' snapshot failed", day)
        return
    log.info("reminders %s: figures of %d plans kept", day, plans)


@dataclass(frozen=True)
class PreviewRow:
    """One person who would get a reminder, and what it would say about them."""

    plan_id: str
    deadline: date
    days_before: int
    channel: str
    user: str  # the chat id: what an operator can look up, nothing more
    lang: str
    standing: Standing
    hours_done: float
    comp_leave_hours: float
    already: str | None  # the outbox status when this reminder was queued before

    def as_dict(self) -> dict[str, object]:
        found = asdict(self)
        found["deadline"] = self.deadline.isoformat()
        return found


async def preview(services: Services, day: date) -> list[PreviewRow]:
    """Who would be reminded on `day` and why (plan, deadline, their standing as of that day)."""
    rows: list[PreviewRow] = []
    store = services.store
    for due in due_on(services.book, day):
        sent = await store.reminder_statuses(due.plan_id, due.deadline, due.offset_days)
        async for user, a in assessed_people(services, due.plan_id, day, reminders_only=True, channels=PUSH_CHANNELS):
            row = PreviewRow(
                plan_id=due.plan_id, deadline=due.deadline, days_before=due.offset_days,
                channel=user.channel, user=user.channel_user_id, lang=user.lang,
                standing=standing(a, due.deadline), hours_done=sum(b.hours_done for b in a.bundles),
                comp_leave_hours=a.comp_leave_hours, already=sent.get(user.id),
            )  # fmt: skip
            rows.append(row)
    return rows
