"""Reminders paused and resumed from HR's console, for every instance at once (a setting in
the store), and the outlook: the coming reminder days, who would get which reminder, with
counts and one sample message (what `python -m bot reminders preview` works out, day by day).

While paused, the daily run queues nothing and records the day as skipped (resuming later
that day does not bring it back: a reminder's day is its point), `reminders send` refuses and
says so, and the courier holds reminders already queued (they lapse once their day is past).
Announcements are not affected.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.core.services import Services
from bot.domain.eligibility import Assessment
from bot.domain.standing import standing
from bot.features.status import assessed_people
from bot.i18n import current_lang
from bot.reminders.message import reminder_replies
from bot.reminders.schedule import days_with_reminders, due_on
from bot.storage.console import REMINDERS_PAUSED, Setting, pause_in_force
from bot.storage.outbox import PUSH_CHANNELS

log = logging.getLogger(__name__)


async def pause_reminders(services: Services, actor: str) -> None:
    await services.store.put_setting(REMINDERS_PAUSED, "1", actor)
    await services.store.audit(actor, "reminders.paused", {})
    log.warning("reminders paused by %s", actor)


async def resume_reminders(services: Services, actor: str) -> None:
    await services.store.put_setting(REMINDERS_PAUSED, "0", actor)
    await services.store.audit(actor, "reminders.resumed", {})
    log.warning("reminders resumed by %s", actor)


async def paused_by(services: Services) -> Setting | None:
    """Who paused the reminders and when, while they are paused; None when they run."""
    return pause_in_force(await services.store.setting(REMINDERS_PAUSED))


async def reminders_paused(services: Services) -> bool:
    return await paused_by(services) is not None


@dataclass(frozen=True)
class OutlookItem:
    """One reminder on one day: a plan's deadline, so many days before it."""

    plan_id: str
    title: str  # the plan's title, in the current language
    deadline: date
    days_before: int
    people: int  # who would get it (reminders on, reachable on Telegram or LINE)
    by_channel: dict[str, int] = field(default_factory=dict)
    by_standing: dict[str, int] = field(default_factory=dict)  # not_started / in_progress / finished
    sample: str = ""  # the message of someone in the most common standing, in the current language
    queued: int = 0  # queued already (a run that day happened)


@dataclass(frozen=True)
class OutlookDay:
    day: date
    items: list[OutlookItem]

    @property
    def people(self) -> int:
        return sum(i.people for i in self.items)


async def reminder_outlook(services: Services, today: date, days: int = 60) -> list[OutlookDay]:
    """The reminder days from `today` for `days` days, each person judged by their marks now
    (as `reminders preview` does for one day). Aggregates and one sample: no chat ids."""
    found: list[OutlookDay] = []
    lang = current_lang()
    for day in days_with_reminders(services.book, today, today + timedelta(days=days - 1)):
        items = []
        for due in due_on(services.book, day):
            if due.plan_id not in services.tools:
                continue
            plan = services.tools[due.plan_id].plan
            channels: Counter[str] = Counter()
            standings: Counter[str] = Counter()
            first: dict[str, Assessment] = {}  # standing → the assessment of the first person in it
            async for user, a in assessed_people(
                services, due.plan_id, day, reminders_only=True, channels=PUSH_CHANNELS
            ):
                where = standing(a, due.deadline)
                channels[user.channel] += 1
                standings[where] += 1
                first.setdefault(where, a)
            sample = ""
            if standings:
                common = standings.most_common(1)[0][0]
                sample = "\n\n".join(r.text for r in reminder_replies(first[common], due.deadline))
            queued = await services.store.reminder_deliveries(due.plan_id, due.deadline, due.offset_days)
            item = OutlookItem(
                due.plan_id, plan.plan.title.get(lang), due.deadline, due.offset_days, sum(channels.values()),
                dict(sorted(channels.items())), dict(standings), sample, sum(queued.values()),
            )  # fmt: skip
            items.append(item)
        if items:
            found.append(OutlookDay(day, items))
    return found
