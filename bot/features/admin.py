"""Administrators in the chat: /broadcast, /stats and /console (a one-time link to HR's
console in the browser). Anyone else is refused, and the attempt is written to the audit log
like every admin action.

    /broadcast ─► bc_text ─(text)─► plan? ─(bcp:<plan>)─► audience? ─(bca:<kind>)─► bc_confirm
                                                                   preview + count ─┤
                                                  bcok ─► queued, report later ◄────┘
                                                  cancel (any step) ─► nothing sent
"""

from __future__ import annotations

import logging

from bot.admin.audience import per_channel, select_audience
from bot.admin.broadcast import (
    MAX_ANNOUNCEMENT,
    AnnouncementRefused,
    announcement,
    plan_title,
    queue_announcement,
)
from bot.admin.stats import collect, render_stats
from bot.console_web.links import LINK_TTL, issue_link
from bot.core.messages import Button, Reply
from bot.core.turn import Turn, button, reply
from bot.features.onboarding import plan_label
from bot.i18n import t
from bot.storage.outbox import AUDIENCES

log = logging.getLogger(__name__)


def actor(turn: Turn) -> str:
    return f"{turn.incoming.channel}:{turn.incoming.user_id}"


async def _refuse(turn: Turn, action: str) -> list[Reply] | None:
    """None for an admin; otherwise the polite refusal, logged and audited."""
    if turn.services.is_admin(turn.incoming.channel, turn.incoming.user_id):
        return None
    log.warning("admin action %s refused for %s", action, actor(turn))
    await turn.services.store.audit(actor(turn), f"{action}.denied", {})
    return [reply(t("admin.only"), button("button.menu", "menu"))]


def _cancel_button() -> Button:
    return button("button.cancel_broadcast", "bcx")


async def start(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    if (refused := await _refuse(turn, "broadcast")) is not None:
        return refused
    turn.set_state("bc_text")
    await turn.save()
    return [reply(t("broadcast.ask_text", limit=MAX_ANNOUNCEMENT), _cancel_button())]


async def receive_text(turn: Turn, text: str) -> list[Reply]:
    """The announcement's text, as the admin typed it (kept as written, trimmed)."""
    text = text.strip()
    if not text or len(text) > MAX_ANNOUNCEMENT:
        return [reply(t("broadcast.too_long", length=len(text), limit=MAX_ANNOUNCEMENT), _cancel_button())]
    turn.set_state("bc_plan", text=text)
    await turn.save()
    plans = sorted(turn.services.book, key=lambda p: p.id)
    return [reply(t("broadcast.ask_plan"), *(Button(plan_label(p, turn.lang), f"bcp:{p.id}") for p in plans),
                  _cancel_button())]  # fmt: skip


async def choose_plan(turn: Turn, args: tuple[str, ...]) -> list[Reply]:
    if (refused := await _refuse(turn, "broadcast")) is not None:
        return refused
    data = turn.user.state_data
    if turn.user.state != "bc_plan" or not args or args[0] not in turn.services.tools:
        return [reply(t("broadcast.expired"), button("button.menu", "menu"))]
    turn.set_state("bc_audience", text=data["text"], plan=args[0])
    await turn.save()
    choices = [button(f"broadcast.audience.{kind}", f"bca:{kind}") for kind in AUDIENCES]
    return [reply(t("broadcast.ask_audience"), *choices, _cancel_button())]


async def choose_audience(turn: Turn, args: tuple[str, ...]) -> list[Reply]:
    if (refused := await _refuse(turn, "broadcast")) is not None:
        return refused
    data = turn.user.state_data
    if turn.user.state != "bc_audience" or not args or args[0] not in AUDIENCES:
        return [reply(t("broadcast.expired"), button("button.menu", "menu"))]
    audience = await select_audience(turn.services, data["plan"], args[0])
    if audience.size == 0:
        turn.set_state("")
        await turn.save()
        return [reply(t("broadcast.nobody"), button("button.menu", "menu"))]
    turn.set_state("bc_confirm", text=data["text"], plan=data["plan"], audience=args[0])
    await turn.save()
    channels = per_channel(audience.by_channel)
    preview = t(
        "broadcast.preview", message=announcement(plan_title(turn.services, data["plan"], turn.lang), data["text"]),
        plan=plan_label(turn.services.tools[data["plan"]].plan, turn.lang),
        audience=t(f"broadcast.audience.{args[0]}"), count=audience.size, channels=channels,
    )  # fmt: skip
    return [reply(preview, button("button.broadcast_send", "bcok"), _cancel_button())]


async def confirm(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    if (refused := await _refuse(turn, "broadcast")) is not None:
        return refused
    data = turn.user.state_data
    if turn.user.state != "bc_confirm":  # pressed twice, or after a cancel: never queue twice
        return [reply(t("broadcast.expired"), button("button.menu", "menu"))]
    turn.set_state("")
    await turn.save()
    try:
        stored, audience = await queue_announcement(
            turn.services, data["plan"], data["audience"], data["text"], actor(turn)
        )
    except AnnouncementRefused as refused:  # LINE's monthly quota cannot cover it: nothing was queued
        return [reply(str(refused), button("button.menu", "menu"))]
    if stored is None:
        return [reply(t("broadcast.nobody"), button("button.menu", "menu"))]
    return [reply(t("broadcast.queued", id=stored.id, count=audience.size), button("button.menu", "menu"))]


async def cancel(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    was_broadcast = turn.user.state.startswith("bc_")
    turn.set_state("")
    await turn.save()
    key = "broadcast.cancelled" if was_broadcast else "broadcast.expired"
    return [reply(t(key), button("button.menu", "menu"))]


async def stats(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    if (refused := await _refuse(turn, "stats")) is not None:
        return refused
    figures = await collect(turn.services)
    await turn.services.store.audit(actor(turn), "stats.viewed", {"plans": [p.plan_id for p in figures.plans]})
    return [reply(render_stats(figures, turn.services), button("button.menu", "menu"))]


async def console(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    """A one-time link to the console (10 minutes, once), built on BOT_PUBLIC_URL."""
    if (refused := await _refuse(turn, "console")) is not None:
        return refused
    if turn.services.public_url is None:
        await turn.services.store.audit(actor(turn), "console.link_unavailable", {"reason": "BOT_PUBLIC_URL unset"})
        return [reply(t("console.chat.no_public_url"), button("button.menu", "menu"))]
    url = await issue_link(turn.services, actor(turn), actor(turn), via="chat")
    minutes = int(LINK_TTL.total_seconds() // 60)
    return [reply(t("console.chat.link", url=url, minutes=minutes), button("button.menu", "menu"))]
