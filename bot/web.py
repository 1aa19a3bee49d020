"""The bot's one HTTP server (aiohttp): `GET /healthz` and the channels' webhooks.

Channels add their routes before the server starts; the runner owns its lifecycle.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_BODY = 1024 * 1024  # webhook bodies are small; refuse anything bigger outright


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
        await site.start()
        log.info("HTTP server on %s:%s (webhooks: %s)", self.host, self.port, ", ".join(self.channels) or "none")

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
