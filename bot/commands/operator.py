"""What the operator commands share: the bot's services on the configured database, and
delivering the outbox from the command line when no service is running."""

from __future__ import annotations

import getpass
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, time

from bot.admin.broadcast import reporter
from bot.app import build_dialogue, setup_logging
from bot.config import ReminderSettings, Settings
from bot.core.clock import ShiftedClock, SystemClock
from bot.core.dialogue import Dialogue
from bot.i18n import t
from bot.outbox.compose import Composer
from bot.outbox.courier import Courier
from bot.plans.published import apply_published
from bot.web import WebServer


def operator() -> str:
    """Who ran the command, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in some containers
        return "cli:unknown"


@asynccontextmanager
async def session(settings: Settings, day: date | None = None) -> AsyncIterator[Dialogue]:
    """The core on the configured database; `day` makes that date "today" (real time of day)."""
    setup_logging(settings.log_level if settings.log_level != "INFO" else "WARNING", settings)
    dialogue = await build_dialogue(settings, ShiftedClock(day) if day else SystemClock())
    try:
        dialogue.services.reminder_settings = settings.reminders
        await apply_published(dialogue.services)  # the plans the running service serves
        yield dialogue
    finally:
        await dialogue.services.store.close()


async def deliver_now(settings: Settings, dialogue: Dialogue, *, night: bool = False) -> str:
    """Deliver what is queued, unless a running service holds the sender lease (it will).
    With `night`, reminders go out even in quiet hours (an operator's explicit choice)."""
    from bot.runner import build_channels  # the chat SDKs load only when sending

    services = dialogue.services
    channels = build_channels(settings, dialogue, WebServer(settings.http_host, settings.http_port))
    if not channels:
        return t("cli.no_channel")
    by_name = {c.name: c for c in channels}
    rules = ReminderSettings(settings.reminders.send_at, time(0), time(0)) if night else settings.reminders
    courier = Courier(
        services.store, by_name, Composer(services), services.clock, rules,
        on_report=reporter(services, by_name), fail_unconfigured=False,
    )  # fmt: skip
    if not await courier.acquire():
        return t("cli.service_running")
    started = []
    try:
        for channel in channels:
            await channel.start(receive=False)
            started.append(channel)
        await courier.resume()
        await courier.deliver_pending()
    finally:
        for channel in reversed(started):
            await channel.stop()
        await courier.release()
    return t("cli.delivered", open=sum((await services.store.open_deliveries()).values()))
