"""Reminders: the next reminder days, who gets which reminder (counts and one sample
message), and pause / resume for every instance at once."""

from __future__ import annotations

from aiohttp import web

from bot.admin.stats import STATES
from bot.console_web.context import actor_of, console_of
from bot.console_web.render import BASE, page
from bot.i18n import t
from bot.reminders.pause import pause_reminders, paused_by, reminder_outlook, resume_reminders

DAYS = 60


async def show(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    services = console.services
    outlook = await reminder_outlook(services, services.today(), days=DAYS)
    return page(
        request, "reminders.html", title=t("console.nav.reminders"), outlook=outlook, days=DAYS,
        paused=await paused_by(services), settings=console.reminders, states=STATES,
    )  # fmt: skip


async def pause(request: web.Request) -> web.StreamResponse:
    await pause_reminders(console_of(request).services, actor_of(request))
    raise web.HTTPSeeOther(f"{BASE}/reminders")


async def resume(request: web.Request) -> web.StreamResponse:
    await resume_reminders(console_of(request).services, actor_of(request))
    raise web.HTTPSeeOther(f"{BASE}/reminders")
