"""Announcements: what staff see, queuing one (chat or command line), and the report the
author gets when delivery is done. Delivery itself is the outbox courier's job."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from bot.admin.audience import Audience, select_audience
from bot.channels.base import Channel
from bot.core.messages import Reply
from bot.core.services import Services
from bot.i18n import DEFAULT_LANG, t, using
from bot.storage.outbox import Broadcast

log = logging.getLogger(__name__)
MAX_ANNOUNCEMENT = 2000  # characters: well inside Telegram's 4,096 and LINE's 5,000 with the header


def plan_title(services: Services, plan_id: str, lang: str) -> str:
    tools = services.tools.get(plan_id)
    return tools.plan.plan.title.get(lang) if tools else plan_id


def announcement(title: str, text: str) -> str:
    """The message staff receive, in the current language."""
    return t("broadcast.message", plan=title, text=text)


async def queue_announcement(
    services: Services, plan_id: str, audience_kind: str, text: str, author: str
) -> tuple[Broadcast | None, Audience]:
    """Store the announcement and one delivery per recipient, then wake the courier.
    Nothing is stored when nobody matches (returns None)."""
    audience = await select_audience(services, plan_id, audience_kind)
    detail = {"plan": plan_id, "audience": audience_kind, "chars": len(text), "channels": dict(audience.by_channel)}
    if audience.size == 0:
        await services.store.audit(author, "broadcast.nobody", detail, 0)
        return None, audience
    stored = await services.store.queue_broadcast(plan_id, audience_kind, text, author, audience.user_ids)
    await services.store.audit(author, "broadcast.queued", {"broadcast": stored.id, **detail}, audience.size)
    log.info("announcement %d queued by %s for %d people", stored.id, author, audience.size)
    services.wake_outbox()
    return stored, audience


def render_report(b: Broadcast, title: str) -> str:
    """Sent, blocked, failed, skipped; and how many may have arrived twice. Before the end,
    when the platform fails for a while: how many wait to be retried."""
    if b.finished_at is None:
        return t(
            "broadcast.report_delayed", id=b.id, plan=title, audience=t(f"broadcast.audience.{b.audience}"),
            retrying=b.retrying, sent=b.counts.get("sent", 0),
        )  # fmt: skip
    text = t(
        "broadcast.report", id=b.id, plan=title, audience=t(f"broadcast.audience.{b.audience}"),
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
