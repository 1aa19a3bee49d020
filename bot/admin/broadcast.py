"""Announcements: what staff see, queuing one (chat, command line or HR's console; now or at a
chosen time), and the report the author gets when delivery is done. Delivery itself is the
outbox courier's job; scheduling, cancelling, quiet hours and LINE's quota live in
`bot.admin.schedule` and are re-exported here. Callers of `queue_announcement` catch
`AnnouncementRefused` (LINE's month cannot take it) and show its text: nothing was stored."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from bot.admin.audience import Audience, select_audience
from bot.admin.schedule import (
    AnnouncementRefused,
    cancel_announcement,
    check_line_quota,
    in_quiet_hours,
)
from bot.channels.base import Channel
from bot.core.messages import Reply
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.i18n import DEFAULT_LANG, t, using
from bot.render.numbers import show_date, show_time
from bot.storage.outbox import Broadcast

log = logging.getLogger(__name__)
MAX_ANNOUNCEMENT = 2000  # characters: well inside Telegram's 4,096 and LINE's 5,000 with the header


__all__ = [
    "MAX_ANNOUNCEMENT",
    "AnnouncementRefused",
    "announcement",
    "cancel_announcement",
    "check_line_quota",
    "in_quiet_hours",
    "plan_title",
    "queue_announcement",
    "render_report",
    "reporter",
    "show_moment",
]


def show_moment(moment: datetime) -> str:
    """112年8月31日（四） 14:30, in Asia/Taipei: as staff read a date and time."""
    local = moment.astimezone(TAIPEI)
    return f"{show_date(local)} {show_time(local)}"


def plan_title(services: Services, plan_id: str, lang: str) -> str:
    tools = services.tools.get(plan_id)
    return tools.plan.plan.title.get(lang) if tools else plan_id


def announcement(title: str, text: str) -> str:
    """The message staff receive, in the current language."""
    return t("broadcast.message", plan=title, text=text)


async def queue_announcement(
    services: Services,
    plan_id: str,
    audience_kind: str,
    text: str,
    author: str,
    *,
    send_at: datetime | None = None,
) -> tuple[Broadcast | None, Audience]:
    """Store the announcement and one delivery per recipient, then wake the courier; with
    `send_at` (aware, in the future) the deliveries wait until then. Nothing is stored when
    nobody matches (returns None). Raises `AnnouncementRefused` (nothing stored, the refusal
    audited) when LINE's remaining monthly quota cannot cover its LINE recipients."""
    now = services.clock.now()
    if send_at is not None and send_at.utcoffset() is None:
        raise ValueError(f"send_at must be timezone-aware, got {send_at.isoformat()}")
    if send_at is not None and send_at <= now:
        send_at = None  # its time has come: send now
    audience = await select_audience(services, plan_id, audience_kind)
    detail: dict[str, object] = {
        "plan": plan_id, "audience": audience_kind, "chars": len(text), "channels": dict(audience.by_channel),
        "scheduled_for": send_at.isoformat() if send_at else None,
    }  # fmt: skip
    if audience.size == 0:
        await services.store.audit(author, "broadcast.nobody", detail, 0)
        return None, audience
    quota = await check_line_quota(services, audience.by_channel.get("line", 0))
    if not quota.covers:
        reason = "quota_unknown" if quota.quota is None else "line_quota"
        await services.store.audit(author, "broadcast.refused", {**detail, "reason": reason}, audience.size)
        raise AnnouncementRefused(reason, quota.message)
    stored = await services.store.queue_broadcast(
        plan_id, audience_kind, text, author, audience.user_ids, send_at=send_at
    )
    action = "broadcast.scheduled" if send_at else "broadcast.queued"
    await services.store.audit(author, action, {"broadcast": stored.id, **detail}, audience.size)
    log.info("announcement %d %s by %s for %d people", stored.id, action.split(".")[1], author, audience.size)
    services.wake_outbox()
    return stored, audience


def render_report(b: Broadcast, title: str) -> str:
    """Sent, blocked, failed, skipped; and how many may have arrived twice. Before the end,
    when the platform fails for a while: how many wait to be retried. A scheduled one says
    when it goes; a cancelled one, when it was cancelled (nothing was sent)."""
    audience = t(f"broadcast.audience.{b.audience}")
    if b.cancelled_at is not None:
        return t("broadcast.report_cancelled", id=b.id, plan=title, audience=audience, at=show_moment(b.cancelled_at))
    if b.scheduled and b.scheduled_for is not None:
        return t(
            "broadcast.report_scheduled", id=b.id, plan=title, audience=audience, at=show_moment(b.scheduled_for),
            count=b.recipients,
        )  # fmt: skip
    if b.finished_at is None:
        return t(
            "broadcast.report_delayed", id=b.id, plan=title, audience=audience,
            retrying=b.retrying, sent=b.counts.get("sent", 0),
        )  # fmt: skip
    text = t(
        "broadcast.report", id=b.id, plan=title, audience=audience,
        sent=b.counts.get("sent", 0), blocked=b.counts.get("blocked", 0), failed=b.counts.get("failed", 0),
        skipped=b.counts.get("skipped", 0),
    )  # fmt: skip
    if b.uncertain:
        text += "\n" + t("broadcast.report_uncertain", count=b.uncertain)
    return text


def reporter(services: Services, channels: Mapping[str, Channel]) -> Callable[[Broadcast], Awaitable[bool]]:
    """Sends an announcement's delivery report to the admin who wrote it, in their language.
    An announcement from the command line has no chat to report to: `broadcast status` shows it."""

    async def send(done: Broadcast) -> bool:
        channel_name, _, user_id = done.author.partition(":")
        channel = channels.get(channel_name)
        if channel is None:
            return True
        user = await services.store.get_user(channel_name, user_id)
        lang = user.lang if user else DEFAULT_LANG
        with using(lang):
            text = render_report(done, plan_title(services, done.plan_id, lang))
        return await channel.push(user_id, [Reply(text)])

    return send
