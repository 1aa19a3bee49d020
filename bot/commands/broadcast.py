"""`python -m bot broadcast`: HR's operators send an announcement, or see how one is going.

    python -m bot broadcast --plan kaohsiung-112 --audience unfinished --text "…" [--yes]
    python -m bot broadcast status [--id N]

The announcement is stored with one delivery per recipient before anything is sent; the
running service delivers it (or this command does, when no service runs).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bot.admin.audience import per_channel, select_audience
from bot.admin.broadcast import (
    MAX_ANNOUNCEMENT,
    AnnouncementRefused,
    announcement,
    plan_title,
    queue_announcement,
    show_moment,
)
from bot.commands.operator import deliver_now, operator, session
from bot.config import Settings
from bot.i18n import current_lang, t
from bot.storage.outbox import Broadcast


def read_text(text: str | None, text_file: str | None) -> str:
    if text_file:
        return Path(text_file).read_text(encoding="utf-8").strip()
    return (text or "").strip()


def status_line(b: Broadcast) -> str:
    c = b.counts
    return t(
        "cli.broadcast_row", id=b.id, created=f"{b.created_at:%Y-%m-%d %H:%M}", plan=b.plan_id,
        audience=t(f"broadcast.audience.{b.audience}"), author=b.author, total=b.recipients, open=b.open,
        retrying=b.retrying,
        sent=c.get("sent", 0), blocked=c.get("blocked", 0), failed=c.get("failed", 0), skipped=c.get("skipped", 0),
        uncertain=b.uncertain, done=_when(b),
    )  # fmt: skip


def _when(b: Broadcast) -> str:
    """Done, cancelled (nothing sent) or waiting for its time, after the figures."""
    if b.cancelled_at is not None:
        return t("cli.broadcast_cancelled", at=show_moment(b.cancelled_at))
    if b.scheduled and b.scheduled_for is not None:
        return t("cli.broadcast_scheduled", at=show_moment(b.scheduled_for))
    return t("cli.broadcast_done") if b.finished_at else ""


async def run_status(settings: Settings, broadcast_id: int | None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    async with session(settings) as dialogue:
        store = dialogue.services.store
        if broadcast_id is None:
            found = await store.broadcasts()
        else:
            one = await store.broadcast(broadcast_id)
            found = [one] if one else []
    for b in found:
        print(status_line(b), file=out)
    if not found:
        print(t("cli.broadcast_none"), file=out)
    return 0


async def run_broadcast(
    settings: Settings, plan_id: str, audience: str, text: str, yes: bool, out: TextIO | None = None
) -> int:
    out = out or sys.stdout
    if not text:
        print(t("cli.text_missing"), file=sys.stderr)
        return 2
    if len(text) > MAX_ANNOUNCEMENT:
        print(t("broadcast.too_long", length=len(text), limit=MAX_ANNOUNCEMENT), file=sys.stderr)
        return 2
    async with session(settings) as dialogue:
        services = dialogue.services
        if settings.line:  # refused when LINE's month cannot take it
            from bot.channels.line.quota import quota_source

            services.line_quota = quota_source(settings.line)
        chosen = await select_audience(services, plan_id, audience)
        channels = per_channel(chosen.by_channel)
        message = announcement(plan_title(services, plan_id, current_lang()), text)
        print(t("cli.broadcast_preview", count=chosen.size, channels=channels or "-", message=message), file=out)
        if chosen.size == 0:
            print(t("broadcast.nobody"), file=out)
            return 1
        if not yes:
            if not sys.stdin.isatty():
                print(t("cli.need_yes"), file=sys.stderr)
                return 1
            if input(t("cli.confirm")).strip().lower() not in ("y", "yes"):
                print(t("broadcast.cancelled"), file=out)
                return 1
        try:
            stored, queued = await queue_announcement(services, plan_id, audience, text, operator())
        except AnnouncementRefused as refused:
            print(str(refused), file=sys.stderr)
            return 1
        if stored is None:
            print(t("broadcast.nobody"), file=out)
            return 1
        print(t("cli.broadcast_queued", id=stored.id, count=queued.size), file=out)
        print(await deliver_now(settings, dialogue), file=out)
        done = await services.store.broadcast(stored.id)
        if done is not None:
            print(status_line(done), file=out)
    return 0
