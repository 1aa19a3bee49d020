"""The bot's one HTTP server (aiohttp): `GET /healthz` and the channels' webhooks.

Channels add their routes before the server starts; the runner owns its lifecycle.
"""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.config import ConfigError

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_BODY = 1024 * 1024  # webhook bodies are small; refuse anything bigger outright


def bind_problem(error: OSError, host: str, port: int) -> str:
    """One line for the operator: which of BOT_HTTP_HOST and BOT_HTTP_PORT to fix."""
    if isinstance(error, socket.gaierror):
        return f"BOT_HTTP_HOST {host!r} is not an address or a known host name ({error.strerror})"
    if error.errno == errno.EADDRINUSE:
        return f"BOT_HTTP_PORT {port} on {host} is already in use by another program"
    if error.errno == errno.EACCES:
        return f"BOT_HTTP_PORT {port} needs privileges on this machine; use a port from 1024 up"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"BOT_HTTP_HOST {host!r} is not an address of this machine (use 0.0.0.0 or 127.0.0.1)"
    return f"BOT_HTTP_HOST {host!r} / BOT_HTTP_PORT {port}: cannot listen ({error.strerror or error})"


class WebServer:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.app = web.Application(client_max_size=MAX_BODY)
        self.app.router.add_get("/healthz", self._health)
        self.channels: list[str] = []
        self._runner: web.AppRunner | None = None

    def add_route(self, method: str, path: str, handler: Handler, channel: str) -> None:
        self.app.router.add_route(method, path, handler)
        if channel not in self.channels:
            self.channels.append(channel)

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "webhooks": self.channels})

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as error:
            await self.stop()
            raise ConfigError(bind_problem(error, self.host, self.port)) from None
        log.info("HTTP server on %s:%s (webhooks: %s)", self.host, self.port, ", ".join(self.channels) or "none")

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
