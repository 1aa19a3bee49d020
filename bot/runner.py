"""`python -m bot run`: every configured channel in one asyncio process.

One lifespan owns the resources: the store, the web server and the channels start in
that order and stop in reverse on SIGTERM or SIGINT, after the in-flight work is done.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.app import build_dialogue, setup_logging
from bot.channels.base import Channel
from bot.config import ConfigError, Settings
from bot.core.dialogue import Dialogue
from bot.web import WebServer

log = logging.getLogger(__name__)


def build_channels(settings: Settings, dialogue: Dialogue, web: WebServer) -> list[Channel]:
    channels: list[Channel] = []
    if settings.telegram:
        from bot.channels.telegram import TelegramChannel

        channels.append(TelegramChannel(settings.telegram, dialogue, web))
    if settings.line:
        from bot.channels.line import LineChannel

        channels.append(LineChannel(settings.line, dialogue, web))
    return channels


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Run until `stop` is set; tests set it instead of sending a signal."""
    if not settings.telegram and not settings.line:
        raise ConfigError(
            "no chat channel is configured: set TELEGRAM_BOT_TOKEN, or LINE_CHANNEL_SECRET and "
            "LINE_CHANNEL_ACCESS_TOKEN (or try `python -m bot console`)"
        )
    dialogue = await build_dialogue(settings)
    web = WebServer(settings.http_host, settings.http_port)
    channels = build_channels(settings, dialogue, web)
    started: list[Channel] = []
    try:
        for channel in channels:
            await channel.start()
            started.append(channel)
        await web.start()
        log.info("running: %s", ", ".join(c.name for c in channels))
        await stop.wait()
        log.info("stopping")
    finally:
        await web.stop()  # stop taking webhook updates first
        for channel in reversed(started):
            await channel.stop()
        await dialogue.services.store.close()


async def run(settings: Settings) -> None:
    setup_logging(settings.log_level)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await serve(settings, stop)
