"""What each queued delivery says, decided when it is sent, not when it was queued: a
reminder carries the person's standing at that moment, and a person who since turned
reminders off, changed plan or missed the day is skipped (with the reason kept)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.admin.broadcast import announcement, plan_title
from bot.core import buttons as payloads
from bot.core.messages import Reply
from bot.core.services import Services
from bot.features.status import completion_of
from bot.i18n import using
from bot.reminders.message import reminder_replies
from bot.storage import Mark
from bot.storage.outbox import Job

RENDER_CACHE = 2000  # distinct (plan, day, language, marks) renderings kept during a run


class Skip(str):
    """Why a delivery was not sent (kept in the outbox's detail column)."""


def announcement_replies(services: Services, plan_id: str, text: str, lang: str) -> list[Reply]:
    """An announcement as the outbox sends it, in one language: the console's preview shows
    exactly this, as each channel renders it."""
    with using(lang):
        return [Reply(announcement(plan_title(services, plan_id, lang), text), kind="broadcast")]


class Composer:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._announcements: dict[tuple[int, str], list[Reply] | Skip] = {}  # (broadcast, language)
        self._rendered: dict[tuple[object, ...], list[Reply]] = {}

    async def compose_all(self, jobs: Sequence[Job]) -> dict[int, list[Reply] | Skip]:
        """Messages for a claimed batch: marks are read in one query per plan; an announcement
        is rendered once per language, and people who stand the same share one reminder text."""
        marks: dict[int, list[Mark]] = {}
        by_plan: dict[str, list[int]] = {}
        for job in jobs:
            if job.kind == "reminder":
                by_plan.setdefault(job.plan_id, []).append(job.user_id)
        for plan_id, user_ids in by_plan.items():
            marks.update(await self.services.store.marks_of(user_ids, plan_id))
        found: dict[int, list[Reply] | Skip] = {}
        for job in jobs:
            if job.kind == "broadcast":
                found[job.id] = await self._announcement(job)
            else:
                found[job.id] = self._reminder(job, marks.get(job.user_id, []))
        return found

    async def _announcement(self, job: Job) -> list[Reply] | Skip:
        key = (job.broadcast_id or 0, job.lang)
        if key not in self._announcements:
            found = await self.services.store.broadcast(key[0])
            if found is None:
                self._announcements[key] = Skip("announcement deleted")
            elif found.cancelled_at is not None:  # its rows were skipped in the same transaction: never here
                self._announcements[key] = Skip("cancelled")
            else:
                self._announcements[key] = announcement_replies(self.services, found.plan_id, found.text, job.lang)
        return self._announcements[key]

    def _reminder(self, job: Job, marks: list[Mark]) -> list[Reply] | Skip:
        if not job.reminders:
            return Skip("reminders turned off")
        if job.user_plan_id != job.plan_id:
            return Skip("changed plan")
        tools = self.services.tools.get(job.plan_id)
        if tools is None or job.deadline is None or job.offset_days is None:
            return Skip("plan no longer loaded")
        today = self.services.today()
        if (job.deadline - today).days != job.offset_days:
            return Skip(f"missed its day (now {today.isoformat()})")
        assessment = tools.assessor.assess([completion_of(m) for m in marks], today, staff=job.staff)
        # What a reminder shows depends only on which courses count, when, and whether off-duty:
        # people who share those share one rendering (most have none or the same few).
        key = (
            job.plan_id,
            job.deadline,
            today,
            job.lang,
            tuple(sorted(job.staff.items())),
            tuple((c.course.key, c.done, c.off_duty, c.finished_on) for b in assessment.bundles for c in b.courses),
        )
        replies = self._rendered.get(key)
        if replies is None:
            with using(job.lang):
                replies = reminder_replies(assessment, job.deadline)
            if len(self._rendered) >= RENDER_CACHE:
                self._rendered.clear()
            self._rendered[key] = replies
        return payloads.stamp_replies(replies, job.epoch)
