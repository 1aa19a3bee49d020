"""`python -m bot run`: every configured channel in one asyncio process.

One lifespan owns the resources: the store, the channels, the web server, the outbox
courier (reminders and announcements) and the reminder scheduler start in that order and
stop in reverse on SIGTERM or SIGINT, after the in-flight work is done. Several such
processes may serve one bot from one PostgreSQL store (bot.instances).
"""

from __future__ import annotations

import asyncio
import logging
import signal

from bot import gc_pause
from bot.admin.broadcast import reporter
from bot.app import build_dialogue, setup_logging
from bot.channels.base import Channel
from bot.channels.dedupe import SeenEvents, SeenIds, StoreSeen
from bot.config import ConfigError, Settings
from bot.console_web.app import mount as mount_console
from bot.core.dialogue import Dialogue
from bot.core.leases import holder_name
from bot.downloads import ROUTE as DOWNLOAD_ROUTE
from bot.downloads import Downloads
from bot.instances import Instance
from bot.outbox.compose import Composer
from bot.outbox.courier import Courier
from bot.plans.published import PlanWatcher
from bot.reminders.scheduler import ReminderScheduler
from bot.storage import Store
from bot.web import WebServer

log = logging.getLogger(__name__)


def seen_ids(store: Store, prefix: str) -> SeenIds:
    """Where a channel remembers the events it took, so that a resent one is served once: in
    the store when several instances share it (the resend may reach another one); in this
    process's memory on SQLite, which one instance serves, saving a write per update. The
    platforms resend when our 200 got lost, within minutes, which memory covers."""
    return StoreSeen(store, prefix) if store.shared else SeenEvents()


def build_channels(settings: Settings, dialogue: Dialogue, web: WebServer) -> list[Channel]:
    """The configured channels, each remembering the events it took (`seen_ids`) and LINE
    the groups it told to write one to one, in the store (a rare write, kept across restarts)."""
    store = dialogue.services.store
    channels: list[Channel] = []
    if settings.telegram:
        from bot.channels.telegram import TelegramChannel

        channels.append(TelegramChannel(settings.telegram, dialogue, web, seen=seen_ids(store, "telegram:update:")))
    if settings.line:
        from bot.channels.line import GROUP_NOTE_EVERY, LineChannel

        noted = StoreSeen(store, "line:group:", GROUP_NOTE_EVERY.total_seconds())
        channels.append(LineChannel(settings.line, dialogue, web, seen=seen_ids(store, "line:event:"), noted=noted))
    return channels


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Run until `stop` is set; tests set it instead of sending a signal."""
    if not settings.telegram and not settings.line:
        raise ConfigError(
            "no chat channel is configured: set TELEGRAM_BOT_TOKEN, or LINE_CHANNEL_SECRET and "
            "LINE_CHANNEL_ACCESS_TOKEN (or try `python -m bot console`)"
        )
    dialogue = await build_dialogue(settings)
    services = dialogue.services
    web = WebServer(settings.http_host, settings.http_port, store=services.store)
    services.downloads = Downloads()
    web.add_route("GET", DOWNLOAD_ROUTE, services.downloads.serve)
    channels = build_channels(settings, dialogue, web)
    web.expect(c.name for c in channels)  # /readyz: 503 until each has started
    by_name = {c.name: c for c in channels}
    mount_console(web, services, settings, by_name)  # HR's console at /console (bot.console_web)
    services.reminder_settings = settings.reminders  # quiet hours, for announcements scheduled in the console
    if settings.line:  # LINE's monthly quota, checked before an announcement is queued
        from bot.channels.line.quota import quota_source

        services.line_quota = quota_source(settings.line)
    plans = PlanWatcher(services)  # plans published in the console, on every instance within seconds
    holder = holder_name()
    courier = Courier(
        services.store, by_name, Composer(services), services.clock, settings.reminders,
        on_report=reporter(services, by_name), holder=holder,
    )  # fmt: skip
    services.wake_outbox = courier.wake
    reminders = ReminderScheduler(services, settings.reminders, courier.wake, holder=holder)
    instance = Instance(services.store, holder)
    started: list[Channel] = []
    sending: asyncio.Task[None] | None = None
    gc_pause.release()  # all is built (held by `python -m bot` till now: bot/gc_pause.py); what follows waits on others
    try:
        await plans.start()
        if settings.telegram and not settings.telegram.webhook_url:
            await instance.take_poller()
        await instance.start(channels)
        await _start_all(channels, started, web)
        await web.start()
        sending = asyncio.create_task(courier.run(stop), name="outbox")
        await reminders.start()
        log.info("running: %s", ", ".join(c.name for c in channels))
        await stop.wait()
        log.info("stopping")
    finally:
        stop.set()
        await plans.stop()
        await reminders.stop()
        await web.stop()  # stop taking webhook updates first
        if sending is not None:
            await _finish(sending)
        for channel in reversed(started):
            await channel.stop()
        await instance.stop()
        await services.store.close()


async def _start_all(channels: list[Channel], started: list[Channel], web: WebServer) -> None:
    """Every channel at once (Telegram waits on its API while LINE opens its client); those
    that started are in `started` for the caller to stop, and the first failure is raised."""

    async def start(channel: Channel) -> None:
        await channel.start()
        started.append(channel)
        web.set_ready(channel.name, True)

    results = await asyncio.gather(*(start(c) for c in channels), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result


async def _finish(sending: asyncio.Task[None], grace: float = 15.0) -> None:
    """Let the courier record the batch in hand; past `grace`, cut it off (resumed at next start)."""
    done, _ = await asyncio.wait({sending}, timeout=grace)
    if not done:
        log.warning("outbox: delivery still running after %gs; it resumes at the next start", grace)
        sending.cancel()
    await asyncio.gather(sending, return_exceptions=True)


async def run(settings: Settings) -> None:
    setup_logging(settings.log_level, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await serve(settings, stop)
